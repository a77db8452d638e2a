// The provider bridge in-process against a sandbox over loopback, with the Vonage adapter: a
// long SMS arriving as three concatenated parts, out of order and each twice (Vonage resends),
// is logged once, whole, inbound, in the sender's (new) contact's conversation.
#include "ghl/carriers/bridge.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <future>
#include <nlohmann/json.hpp>

#include "ghl/carriers/vonage.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::carriers {
namespace {

using nlohmann::json;

TEST(BridgeTest, VonageConcatenatedPartsAreLoggedOnceWhole) {
  auto dir =
      std::filesystem::temp_directory_path() / ("ghl-bridge-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  sandbox::Options so;
  so.rate_limit.burst_max = 100000;
  auto sb = sandbox::RunningSandbox::Start(so);
  ASSERT_TRUE(sb.ok()) << sb.error().Describe();
  client::ClientOptions co;
  co.base_url = (*sb)->base_url();
  co.token = (*sb)->token();
  co.default_location_id = (*sb)->location_id();
  auto client = std::make_shared<client::Client>(co);
  auto store = store::OpenSqliteStore({.path = (dir / "queue.db").string()});
  ASSERT_TRUE(store.ok());
  auto journal = Journal::Open((dir / "journal.db").string());
  ASSERT_TRUE(journal.ok());
  auto vonage = MakeVonage({.api_key = "k", .api_secret = "s"});
  ASSERT_TRUE(vonage.ok());
  BridgeOptions bo;
  bo.carrier = std::move(vonage.value());
  bo.from_number = "+15125550000";
  bo.client = client;
  bo.store = std::shared_ptr<store::EventStore>(std::move(store.value()));
  bo.journal = std::shared_ptr<Journal>(std::move(journal.value()));
  bo.log = [](std::string_view) {};
  auto bridge = ProviderBridge::Create(std::move(bo));
  ASSERT_TRUE(bridge.ok()) << bridge.error().Describe();

  auto post = [&](int part, const std::string& text) {
    http::Request r;
    r.method = "GET";
    r.target = "/providers/carrier/vonage/inbound?msisdn=15125554444&to=15125550000&messageId=p" +
               std::to_string(part) + "&text=" + text +
               "&concat=true&concat-ref=7&concat-total=3&concat-part=" + std::to_string(part);
    EXPECT_TRUE((*bridge)->Matches(r));
    auto answered = std::make_shared<std::promise<int>>();
    auto status = answered->get_future();
    (*bridge)->HandleAsync(r, [answered](http::Response res) { answered->set_value(res.status); });
    return status.get();  // after the commit
  };
  EXPECT_EQ(post(3, "later."), 200);
  EXPECT_EQ(post(1, "See+you+"), 200);
  EXPECT_EQ(post(3, "later."), 200);  // resent
  ASSERT_TRUE((*bridge)->Drain().ok());
  EXPECT_EQ((*bridge)->Counters().inbound_logged, 0u);  // part 2 is missing
  EXPECT_EQ(post(2, "tomorrow+"), 200);
  EXPECT_EQ(post(1, "See+you+"), 200);  // resent
  ASSERT_TRUE((*bridge)->Drain().ok());
  EXPECT_EQ((*bridge)->Counters().inbound_logged, 1u);

  ops::Context ctx{*client, "", {}};
  auto contact = ops::FindContactByPhone(ctx, "+15125554444");
  ASSERT_TRUE(contact.ok() && contact->has_value());
  auto conv = ops::ConversationOf(ctx, (**contact)["id"]);
  ASSERT_TRUE(conv.ok() && !conv->empty());
  auto page = ops::ListMessages(ctx, *conv);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->messages.size(), 1u);
  EXPECT_EQ(page->messages[0]["body"], "See you tomorrow later.");
  EXPECT_EQ(page->messages[0]["direction"], "inbound");
  (*sb)->Stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ghl::carriers
