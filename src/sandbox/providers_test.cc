// Conversation providers in the sandbox: hand-off of a provider-channel SMS (pending, GHL's flat
// body to the Delivery URL), the status update's 403 window, and the inbound quirks.
#include <vector>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

struct HandOff {
  std::string url;
  json body;
};

class ProvidersTest : public SandboxFixture {
 protected:
  void SetUp() override {
    Options o;
    o.provider_status_delay = std::chrono::seconds(5);
    o.provider_delivery_copies = 2;
    o.provider_sink = [this](std::string_view url, std::string_view body) {
      handoffs_.push_back({std::string(url), json::parse(body)});
    };
    o.webhook_sink = [this](std::string_view type, std::string_view) {
      events_.emplace_back(type);
    };
    Make(std::move(o));
  }

  std::string RegisterSms(bool custom = false) {
    http::Request r;
    r.method = "POST";
    r.target = std::string(kConversationProvidersPath);
    r.headers.Set("Authorization", "Bearer " + std::string(kDefaultToken));
    r.body = json{
        {"deliveryUrl", "http://127.0.0.1:9/providers/ghl/outbound"},
        {"name", "Carrier"},
        {"custom",
         custom}}.dump();
    auto res = sb_->Handle(r);
    EXPECT_EQ(res.status, 201) << res.body;
    return Body(res)["provider"]["id"];
  }

  json PhoneContact() { return FirstContact({{{"field", "phone"}, {"operator", "exists"}}}); }

  std::vector<HandOff> handoffs_;
  std::vector<std::string> events_;
};

TEST_F(ProvidersTest, SmsOnAProviderChannelIsPendingAndHandedOffFlat) {
  std::string provider = RegisterSms();
  json contact = PhoneContact();
  auto sent = Call("POST", "/conversations/messages",
                   {{"type", "SMS"}, {"contactId", contact["id"]}, {"message", "Hi there"}});
  ASSERT_EQ(sent.status, 200) << sent.body;
  EXPECT_EQ(Body(sent)["status"], "pending");
  std::string message_id = Body(sent)["messageId"];
  ASSERT_EQ(handoffs_.size(), 2u);  // provider_delivery_copies = 2
  EXPECT_EQ(handoffs_[0].url, "http://127.0.0.1:9/providers/ghl/outbound");
  const json& b = handoffs_[0].body;
  EXPECT_EQ(b["messageId"], message_id);
  EXPECT_EQ(b["contactId"], contact["id"]);
  EXPECT_EQ(b["locationId"], Loc());
  EXPECT_EQ(b["type"], "SMS");
  EXPECT_EQ(b["phone"], contact["phone"]);
  EXPECT_EQ(b["message"], "Hi there");
  EXPECT_TRUE(b["attachments"].is_array());
  EXPECT_FALSE(b.contains("webhookId"));  // flat, not an event envelope
  EXPECT_EQ(handoffs_[1].body, b);
  // The hand-off is not a webhook event.
  for (const auto& e : events_) EXPECT_NE(e, "ProviderOutboundMessage");
  json page = Get("/conversations/" + std::string(Body(sent)["conversationId"]) + "/messages");
  EXPECT_EQ(page["messages"]["messages"][0]["conversationProviderId"], provider);
}

TEST_F(ProvidersTest, CustomProviderOnlyWhenNamedAndUnknownIdIs400) {
  std::string provider = RegisterSms(/*custom=*/true);
  json contact = PhoneContact();
  auto plain = Call("POST", "/conversations/messages",
                    {{"type", "SMS"}, {"contactId", contact["id"]}, {"message", "a"}});
  EXPECT_EQ(Body(plain)["status"], "delivered");
  EXPECT_TRUE(handoffs_.empty());
  auto named = Call("POST", "/conversations/messages",
                    {{"type", "SMS"},
                     {"contactId", contact["id"]},
                     {"message", "b"},
                     {"conversationProviderId", provider}});
  EXPECT_EQ(Body(named)["status"], "pending");
  EXPECT_EQ(handoffs_.size(), 2u);
  auto bad = Call("POST", "/conversations/messages",
                  {{"type", "SMS"},
                   {"contactId", contact["id"]},
                   {"message", "c"},
                   {"conversationProviderId", "nope"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(Body(bad)["message"], "Invalid conversationProviderId");
}

TEST_F(ProvidersTest, StatusUpdateIs403UntilTheWindowPassesThenAccepted) {
  RegisterSms();
  json contact = PhoneContact();
  auto sent = Call("POST", "/conversations/messages",
                   {{"type", "SMS"}, {"contactId", contact["id"]}, {"message", "Hi"}});
  std::string id = Body(sent)["messageId"];
  std::string path = "/conversations/messages/" + id + "/status";
  auto early = Call("PUT", path, {{"status", "delivered"}});
  EXPECT_EQ(early.status, 403);
  EXPECT_EQ(Body(early)["message"], "No conversation provider found for this message");
  now_ += std::chrono::milliseconds(4999);
  EXPECT_EQ(Call("PUT", path, {{"status", "delivered"}}).status, 403);
  now_ += std::chrono::milliseconds(1);
  auto bad = Call("PUT", path, {{"status", "sent"}});
  EXPECT_EQ(bad.status, 422) << bad.body;
  auto ok = Call("PUT", path, {{"status", "delivered"}});
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok)["status"], "delivered");
  json page = Get("/conversations/" + std::string(Body(sent)["conversationId"]) + "/messages");
  EXPECT_EQ(page["messages"]["messages"][0]["status"], "delivered");
  auto failed = Call("PUT", path,
                     {{"status", "failed"},
                      {"error", {{"code", "1"}, {"type", "carrier"}, {"message", "no route"}}}});
  EXPECT_EQ(failed.status, 200);
  auto half_error = Call("PUT", path, {{"status", "failed"}, {"error", {{"code", "1"}}}});
  EXPECT_EQ(half_error.status, 422);
  EXPECT_EQ(Call("PUT", "/conversations/messages/unknown123/status", {{"status", "read"}}).status,
            404);
}

TEST_F(ProvidersTest, StatusOfAMessageWithoutProviderIs403) {
  json contact = PhoneContact();
  auto sent = Call("POST", "/conversations/messages",
                   {{"type", "SMS"}, {"contactId", contact["id"]}, {"message", "Hi"}});
  now_ += std::chrono::minutes(5);
  auto r =
      Call("PUT", "/conversations/messages/" + std::string(Body(sent)["messageId"]) + "/status",
           {{"status", "delivered"}});
  EXPECT_EQ(r.status, 403);
}

TEST_F(ProvidersTest, InboundDefaultsToOutboundAndTakesContactIdAlone) {
  json contact = PhoneContact();
  std::string id = contact["id"];
  auto quirk = Call("POST", "/conversations/messages/inbound",
                    {{"type", "SMS"}, {"contactId", id}, {"message", "no direction"}});
  ASSERT_EQ(quirk.status, 200) << quirk.body;
  auto in = Call("POST", "/conversations/messages/inbound",
                 {{"type", "SMS"},
                  {"contactId", id},
                  {"direction", "inbound"},
                  {"altId", "carrier-1"},
                  {"message", "a reply"}});
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(Body(in)["conversationId"], Body(quirk)["conversationId"]);  // one per contact
  json page = Get("/conversations/" + std::string(Body(in)["conversationId"]) + "/messages");
  const json& msgs = page["messages"]["messages"];
  EXPECT_EQ(msgs[0]["direction"], "inbound");
  EXPECT_EQ(msgs[0]["altId"], "carrier-1");
  EXPECT_EQ(msgs[1]["direction"], "outbound");  // GHL's default
  EXPECT_EQ(events_.back(), "InboundMessage");
  auto neither =
      Call("POST", "/conversations/messages/inbound", {{"type", "SMS"}, {"message", "x"}});
  EXPECT_EQ(neither.status, 422);
  auto bad_dir = Call("POST", "/conversations/messages/inbound",
                      {{"type", "SMS"}, {"contactId", id}, {"direction", "sideways"}});
  EXPECT_EQ(bad_dir.status, 422);
  auto second = Call("POST", "/conversations/", {{"locationId", Loc()}, {"contactId", id}});
  EXPECT_EQ(second.status, 400);
}

TEST_F(ProvidersTest, RegistryNeedsAValidUrlAndAToken) {
  http::Request r;
  r.method = "POST";
  r.target = std::string(kConversationProvidersPath);
  r.body = R"({"deliveryUrl":"ftp://x"})";
  EXPECT_EQ(sb_->Handle(r).status, 401);
  r.headers.Set("Authorization", "Bearer " + std::string(kDefaultToken));
  auto bad = sb_->Handle(r);
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("deliveryUrl"), std::string::npos);
  RegisterSms();
  r.method = "GET";
  EXPECT_EQ(Body(sb_->Handle(r))["providers"].size(), 1u);
}

}  // namespace
}  // namespace ghl::sandbox::testing
