// The receiver on PostgreSQL (GHL_PG_URL, set by `make test` via scripts/start-postgres):
// signed → stored once with its exact bytes, duplicate, refusal stores nothing, concurrency.
#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "ghl/webhooks/receiver.h"
#include "pg_test_schema.h"
#include "receiver_test_util.h"

namespace ghl::webhooks {
namespace {

TEST(ReceiverPostgresTest, SignedEventsAreStoredOnceRefusedOnesNever) {
  if (ghl::testing::PgUrl().empty()) GTEST_SKIP() << ghl::testing::kPgUrlMissing;
  ghl::testing::PgTestSchema schema(ghl::testing::PgUrl(), "ghl_receiver_test");
  store::PostgresOptions pg;
  pg.url = schema.url();
  pg.schema = schema.name();
  auto opened = store::OpenPostgresStore(pg);
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  std::shared_ptr<store::EventStore> store(std::move(*opened));

  ReceiverOptions o;
  o.public_keys = {testing::ReadKeyFile("test_ed25519_public.pem")};
  o.log = [](std::string_view) {};
  auto created = WebhookReceiver::Create(o, store);
  ASSERT_TRUE(created.ok()) << created.error().Describe();
  auto& receiver = **created;
  WebhookSigner ed = testing::TestEd25519Signer();

  // Odd bytes on purpose: escapes, 1.50, a tab. They must come back identical.
  std::string body =
      "{\"type\":\"ContactCreate\", \"id\":\"pg-1\",\t\"name\":\"Ren\\u00e9e\","
      "\"value\":1.50}";
  auto a = receiver.Handle(testing::SignedPost(body, &ed));
  ASSERT_EQ(a.status, 200) << a.body;
  auto ja = nlohmann::json::parse(a.body);
  EXPECT_EQ(ja["status"], "accepted");
  auto event = store->Get(ja["id"].get<int64_t>());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->body, body);
  EXPECT_EQ(event->type, "ContactCreate");

  auto b = receiver.Handle(testing::SignedPost(body, &ed));
  EXPECT_EQ(nlohmann::json::parse(b.body)["status"], "duplicate");
  EXPECT_EQ(receiver.Handle(testing::SignedPost(R"({"type":"X"})", nullptr)).status, 401);

  // Concurrent deliveries share commits and are all stored.
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10; ++i) {
        std::string b2 = R"({"type":"NoteCreate","id":"n)" + std::to_string(t * 10 + i) + "\"}";
        if (receiver.Handle(testing::SignedPost(b2, &ed)).status == 200) ++ok;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 80);
  auto stats = store->GetStats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->by_state.total(), 81);
  EXPECT_EQ(stats->by_type.at("NoteCreate").pending, 80);
}

}  // namespace
}  // namespace ghl::webhooks
