// SMS through a carrier, end to end over loopback (real `ghl` processes, see carrier_rig.h):
// `ghl api POST /conversations/messages` on the sandbox → its conversation provider's Delivery
// URL (`ghl serve --carrier telnyx`, every hand-off POSTed twice) → the carrier simulator (one
// message) → its status webhooks (each sent twice) → `PUT …/status` retried through the
// sandbox's 403 window → `delivered` in the sandbox. A handset's reply (its webhook sent twice)
// is logged once, inbound, in the contact's conversation; a reply from an unknown number makes
// a contact. Forged deliveries on both routes are refused.
#include <gtest/gtest.h>

#include "carrier_rig.h"

namespace ghl::testing {
namespace {

using namespace std::chrono_literals;

int CountSimTagged(const json& sim, const std::string& ghl_id) {
  int n = 0;
  for (const auto& m : sim["messages"]) {
    for (const auto& t : m["tags"]) n += t == "ghl:" + ghl_id;
  }
  return n;
}

TEST(CarrierSmsTest, RoundTripThroughTheSimulatorDespiteThe403WindowAndDuplicateWebhooks) {
  CarrierRig rig(/*status_delay_ms=*/1500);
  auto client = rig.Client();
  json contacts = rig.ContactsWithPhone(1);
  ASSERT_EQ(contacts.size(), 1u);
  json contact = contacts[0];
  std::string contact_id = contact["id"];

  // The send, as a user makes it: the CLI against the sandbox.
  auto sent = RunGhl({"api", "POST", "/conversations/messages", "-f", "type=SMS", "-f",
                      "contactId=" + contact_id, "-f", "message=Your order shipped"},
                     {{"GHL_BASE_URL", rig.sandbox().base_url()},
                      {"GHL_TOKEN", rig.sandbox().token()},
                      {"GHL_LOCATION_ID", rig.sandbox().location_id()}});
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  json answer = json::parse(sent.out);
  EXPECT_EQ(answer["status"], "pending");
  std::string message_id = answer["messageId"];
  std::string conversation_id = answer["conversationId"];

  auto status_of = [&] {
    for (const auto& m : rig.Messages(conversation_id)) {
      if (m["id"] == message_id) return m.value("status", "");
    }
    return std::string();
  };
  ASSERT_TRUE(WaitFor([&] { return status_of() == "delivered"; }, 30s))
      << "status " << status_of() << "\nserve stderr:\n"
      << rig.serve().Stderr();
  // The 403 window was met and retried (never a token problem).
  EXPECT_NE(rig.serve().Stderr().find("not downstreamed"), std::string::npos)
      << rig.serve().Stderr();
  // Two hand-offs, one carrier message; each status webhook twice, reported once.
  json sim = rig.SimMessages();
  EXPECT_EQ(CountSimTagged(sim, message_id), 1) << sim.dump();
  EXPECT_EQ(sim["sendRequests"], 1) << sim.dump();
  EXPECT_EQ(sim["messages"][0]["to"], contact["phone"]);
  EXPECT_EQ(sim["messages"][0]["text"], "Your order shipped");

  // The reply: the handset answers; the carrier's webhook arrives twice.
  json queued = HttpJson("POST", rig.sim_url() + "/sim/inbound",
                         json{{"from", contact["phone"]}, {"text", "Thanks!"}}.dump());
  ASSERT_EQ(queued["status"], "queued");
  auto replies = [&] {
    int n = 0;
    for (const auto& m : rig.Messages(conversation_id)) {
      if (m.value("body", "") == "Thanks!") {
        EXPECT_EQ(m["direction"], "inbound");
        ++n;
      }
    }
    return n;
  };
  ASSERT_TRUE(WaitFor([&] { return replies() >= 1; }, 20s)) << rig.serve().Stderr();
  // Both copies have been handled by now (the simulator is idle), still one message.
  ASSERT_TRUE(WaitFor([&] { return rig.SimMessages()["webhooksSent"] >= 6; }, 10s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(replies(), 1);
  // Telnyx retries a webhook not answered 2xx within 2 s: each was answered after one commit.
  EXPECT_LT(rig.SimMessages()["slowestWebhookAnswerMs"].get<int>(), 2000);

  // A reply from a number GHL does not know: a contact is made, the message logged once.
  HttpJson("POST", rig.sim_url() + "/sim/inbound",
           json{{"from", "+15125557777"}, {"text", "who is this?"}}.dump());
  std::string new_contact;
  ASSERT_TRUE(WaitFor(
      [&] {
        auto dup = client.Call({.method = "GET",
                                .path = "/contacts/search/duplicate",
                                .query = {{"number", "+15125557777"}}});
        if (!dup.ok() || !(*dup)["contact"].is_object()) return false;
        new_contact = (*dup)["contact"]["id"];
        return true;
      },
      20s))
      << rig.serve().Stderr();
  auto conv = client.Call(
      {.method = "GET", .path = "/conversations/search", .query = {{"contactId", new_contact}}});
  ASSERT_TRUE(conv.ok());
  std::string new_conv = (*conv)["conversations"][0]["id"];
  ASSERT_TRUE(WaitFor([&] { return rig.Messages(new_conv).size() == 1; }, 10s));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(rig.Messages(new_conv).size(), 1u);
  EXPECT_EQ(rig.Messages(new_conv)[0]["direction"], "inbound");
}

TEST(CarrierSmsTest, ForgedDeliveriesAreRefusedOnBothRoutes) {
  CarrierRig rig(/*status_delay_ms=*/0);
  auto transport = http::MakeCurlTransport();
  http::Request r;
  r.method = "POST";
  r.target = rig.base() + "/providers/ghl/outbound";
  r.headers.Set("Content-Type", "application/json");
  r.body = R"({"messageId":"m1","type":"SMS","phone":"+15125550123","message":"x"})";
  auto unsigned_handoff = transport->Send(r, {});
  ASSERT_TRUE(unsigned_handoff.ok());
  EXPECT_EQ(unsigned_handoff->status, 401);
  r.headers.Set("X-GHL-Signature", std::string(86, 'A') + "==");
  EXPECT_EQ(transport->Send(r, {})->status, 401);
  r.target = rig.base() + "/providers/carrier/telnyx";
  r.headers.Set("telnyx-timestamp", "1");
  r.headers.Set("telnyx-signature-ed25519", std::string(86, 'A') + "==");
  auto forged = transport->Send(r, {});
  ASSERT_TRUE(forged.ok());
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(rig.SimMessages()["sendRequests"], 0);
}

// A carrier's webhook sent to a server running another carrier (or none) is not the
// playground's bare 404: the answer names the carrier configured and the flag that changes it.
TEST(CarrierSmsTest, AnotherCarriersWebhookGets404NamingTheConfiguredCarrierAndTheFlag) {
  auto transport = http::MakeCurlTransport();
  auto post = [&](const std::string& base, const std::string& path) {
    http::Request r;
    r.method = "POST";
    r.target = base + path;
    r.headers.Set("Content-Type", "application/json");
    r.body = "{}";
    auto res = transport->Send(r, {});
    EXPECT_TRUE(res.ok());
    return res.ok() ? *res : http::Response{};
  };
  {
    ServeProcess serve({"--sandbox", "--carrier", "sim"});
    auto res = post(serve.base_url(), "/providers/carrier/vonage/inbound");
    EXPECT_EQ(res.status, 404) << res.body;
    json body = json::parse(res.body, nullptr, false);
    EXPECT_EQ(body.value("reason", ""), "unknown_carrier") << res.body;
    EXPECT_NE(body.value("message", "").find("\"vonage\""), std::string::npos) << res.body;
    EXPECT_NE(body.value("message", "").find("its carrier is \"telnyx\""), std::string::npos)
        << res.body;
    EXPECT_NE(body.value("hint", "").find("--carrier vonage"), std::string::npos) << res.body;
    EXPECT_NE(body.value("hint", "").find("/providers/carrier/telnyx"), std::string::npos)
        << res.body;
    // --carrier sim is a simulated Telnyx: its route is Telnyx's, still the bridge's (unsigned:
    // 401).
    EXPECT_EQ(post(serve.base_url(), "/providers/carrier/telnyx").status, 401);
  }
  ServeProcess plain({"--sandbox"});
  auto res = post(plain.base_url(), "/providers/carrier/telnyx");
  EXPECT_EQ(res.status, 404) << res.body;
  json body = json::parse(res.body, nullptr, false);
  EXPECT_NE(body.value("message", "").find("it runs no carrier"), std::string::npos) << res.body;
  EXPECT_NE(body.value("hint", "").find("--carrier telnyx"), std::string::npos) << res.body;
}

}  // namespace
}  // namespace ghl::testing
