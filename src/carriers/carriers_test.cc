// Carrier adapters without a network: Telnyx's Ed25519 webhook signature (good, tampered, wrong
// key, stale, future, malformed), Telnyx and Vonage webhook parsing, Vonage's md5hash
// signature, and the journal's reassembly of concatenated parts.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ghl/carriers/journal.h"
#include "ghl/carriers/telnyx.h"
#include "ghl/carriers/vonage.h"
#include "ghl/webhooks/signer.h"

namespace ghl::carriers {
namespace {

using nlohmann::json;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point(std::chrono::seconds(1764763200));
const std::string kTs = "1764763200";

class TelnyxSignatureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = webhooks::WebhookSigner::GenerateEd25519();
    ASSERT_TRUE(s.ok());
    signer_.emplace(std::move(s.value()));
    auto o = webhooks::WebhookSigner::GenerateEd25519();
    ASSERT_TRUE(o.ok());
    other_.emplace(std::move(o.value()));
  }
  std::string Sign(const std::string& ts, const std::string& body) {
    return signer_->Sign(ts + "|" + body);
  }
  std::optional<webhooks::WebhookSigner> signer_, other_;
  std::string body_ = R"({"data":{"id":"e1","event_type":"message.received"}})";
};

TEST_F(TelnyxSignatureTest, GoodSignatureVerifies) {
  EXPECT_TRUE(
      VerifyTelnyxSignature(signer_->PublicKeyBase64(), kTs, body_, Sign(kTs, body_), kNow).ok());
  EXPECT_TRUE(
      VerifyTelnyxSignature(signer_->PublicKeyPem(), kTs, body_, Sign(kTs, body_), kNow).ok());
  // Within the window on both sides.
  std::string earlier = std::to_string(1764763200 - 299);
  EXPECT_TRUE(
      VerifyTelnyxSignature(signer_->PublicKeyBase64(), earlier, body_, Sign(earlier, body_), kNow)
          .ok());
}

TEST_F(TelnyxSignatureTest, TamperedBodyWrongKeyAndSignedWithoutTimestampAreRefused) {
  std::string sig = Sign(kTs, body_);
  auto tampered = VerifyTelnyxSignature(signer_->PublicKeyBase64(), kTs, body_ + " ", sig, kNow);
  ASSERT_FALSE(tampered.ok());
  EXPECT_NE(tampered.error().Summary().find("does not verify"), std::string::npos);
  EXPECT_FALSE(VerifyTelnyxSignature(other_->PublicKeyBase64(), kTs, body_, sig, kNow).ok());
  // The signature covers "timestamp|body": a signature of the body alone does not verify.
  EXPECT_FALSE(
      VerifyTelnyxSignature(signer_->PublicKeyBase64(), kTs, body_, signer_->Sign(body_), kNow)
          .ok());
  // Another timestamp with the same signature (a replay with a fresh header) fails too.
  std::string later = std::to_string(1764763200 + 10);
  EXPECT_FALSE(VerifyTelnyxSignature(signer_->PublicKeyBase64(), later, body_, sig, kNow).ok());
}

TEST_F(TelnyxSignatureTest, StaleAndFutureTimestampsAreRefusedEvenWhenSigned) {
  std::string stale = std::to_string(1764763200 - 301);
  auto r =
      VerifyTelnyxSignature(signer_->PublicKeyBase64(), stale, body_, Sign(stale, body_), kNow);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().Summary().find("stale"), std::string::npos);
  std::string future = std::to_string(1764763200 + 301);
  EXPECT_FALSE(
      VerifyTelnyxSignature(signer_->PublicKeyBase64(), future, body_, Sign(future, body_), kNow)
          .ok());
}

TEST_F(TelnyxSignatureTest, MalformedHeadersAreRefused) {
  EXPECT_FALSE(VerifyTelnyxSignature(signer_->PublicKeyBase64(), "", body_, "x", kNow).ok());
  EXPECT_FALSE(VerifyTelnyxSignature(signer_->PublicKeyBase64(), "12a", body_, "x", kNow).ok());
  EXPECT_FALSE(
      VerifyTelnyxSignature(signer_->PublicKeyBase64(), kTs, body_, "bm90IDY0", kNow).ok());
  EXPECT_FALSE(VerifyTelnyxSignature("not a key", kTs, body_, Sign(kTs, body_), kNow).ok());
}

TEST_F(TelnyxSignatureTest, AdapterVerifiesHeadersAndParsesEvents) {
  TelnyxOptions o;
  o.api_key = "k";
  o.public_key = signer_->PublicKeyBase64();
  auto telnyx = MakeTelnyx(o);
  ASSERT_TRUE(telnyx.ok()) << telnyx.error().Summary();
  json received = {{"data",
                    {{"id", "ev-1"},
                     {"event_type", "message.received"},
                     {"payload",
                      {{"id", "m-1"},
                       {"from", {{"phone_number", "+15125550123"}}},
                       {"to", {{{"phone_number", "+15125550000"}}}},
                       {"text", "YES"},
                       {"media", {{{"url", "https://x/y.png"}}}}}}}}};
  http::Request req;
  req.method = "POST";
  req.body = received.dump();
  EXPECT_FALSE((*telnyx)->Verify(req, kNow).ok());  // no headers
  req.headers.Set("telnyx-timestamp", kTs);
  req.headers.Set("telnyx-signature-ed25519", Sign(kTs, req.body));
  EXPECT_TRUE((*telnyx)->Verify(req, kNow).ok());
  auto e = (*telnyx)->Parse(req);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, CarrierEventKind::kInbound);
  EXPECT_EQ(e->dedup_key, "telnyx:ev-1");
  EXPECT_EQ(e->from, "+15125550123");
  EXPECT_EQ(e->text, "YES");
  EXPECT_EQ(e->media, std::vector<std::string>{"https://x/y.png"});

  json finalized = {{"data",
                     {{"id", "ev-2"},
                      {"event_type", "message.finalized"},
                      {"payload",
                       {{"id", "m-2"},
                        {"tags", {"other", "ghl:GHLMSG1"}},
                        {"to", {{{"phone_number", "+1"}, {"status", "delivery_failed"}}}},
                        {"errors", {{{"code", "40002"}, {"title", "Blocked"}}}}}}}}};
  req.body = finalized.dump();
  e = (*telnyx)->Parse(req);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, CarrierEventKind::kStatus);
  EXPECT_EQ(e->ghl_message_id, "GHLMSG1");
  EXPECT_EQ(e->ghl_status, "failed");
  EXPECT_EQ(e->error_code, "40002");
  EXPECT_EQ(e->error_message, "Blocked");
  finalized["data"]["payload"]["to"][0]["status"] = "sent";
  req.body = finalized.dump();
  EXPECT_EQ((*telnyx)->Parse(req)->ghl_status, "");  // nothing new for GHL
}

http::Request VonageGet(const std::string& query) {
  http::Request r;
  r.method = "GET";
  r.target = "/providers/carrier/vonage/inbound?" + query;
  return r;
}

TEST(VonageTest, InboundPartsParseAndTheJournalReassemblesThemInAnyOrder) {
  auto vonage = MakeVonage({.api_key = "k", .api_secret = "s"});
  ASSERT_TRUE(vonage.ok());
  auto part = [&](int n, const std::string& text) {
    return (*vonage)->Parse(VonageGet(
        "msisdn=15125550123&to=15125550000&messageId=m" + std::to_string(n) + "&text=" + text +
        "&concat=true&concat-ref=42&concat-total=3&concat-part=" + std::to_string(n)));
  };
  auto p2 = part(2, "world%2C+");
  ASSERT_TRUE(p2.ok()) << p2.error().Summary();
  EXPECT_EQ(p2->kind, CarrierEventKind::kInbound);
  EXPECT_EQ(p2->from, "+15125550123");
  EXPECT_EQ(p2->concat_ref, "+15125550123:42");
  EXPECT_EQ(p2->concat_part, 2);
  EXPECT_EQ(p2->concat_total, 3);
  EXPECT_EQ(p2->dedup_key, "vonage:in:m2");
  auto journal = Journal::Open(":memory:");
  ASSERT_TRUE(journal.ok());
  Journal& j = **journal;
  EXPECT_FALSE(j.AddPart(p2->concat_ref, 2, 3, p2->text)->has_value());
  auto p3 = part(3, "bye");
  EXPECT_FALSE(j.AddPart(p3->concat_ref, 3, 3, p3->text)->has_value());
  EXPECT_FALSE(j.AddPart(p3->concat_ref, 3, 3, p3->text)->has_value());  // Vonage resent it
  auto p1 = part(1, "hello+");
  auto whole = j.AddPart(p1->concat_ref, 1, 3, p1->text);
  ASSERT_TRUE(whole.ok());
  ASSERT_TRUE(whole->has_value());
  EXPECT_EQ(**whole, "hello world, bye");
  EXPECT_FALSE(j.AddPart("x", 4, 3, "t").ok());
  // A part without its reference is refused (it could never be completed).
  EXPECT_FALSE(
      (*vonage)->Parse(VonageGet("msisdn=1&messageId=m9&text=a&concat=true&concat-part=1")).ok());
}

TEST(VonageTest, DeliveryReceiptAndSignedWebhooks) {
  auto vonage = MakeVonage({.api_key = "k", .api_secret = "s", .signature_secret = "shh"});
  ASSERT_TRUE(vonage.ok());
  http::Request dlr;
  dlr.method = "POST";
  dlr.target = "/providers/carrier/vonage/status";
  dlr.headers.Set("Content-Type", "application/json");
  dlr.body = R"({"messageId":"v1","status":"delivered","client-ref":"GHL9","msisdn":"1"})";
  auto e = (*vonage)->Parse(dlr);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->kind, CarrierEventKind::kStatus);
  EXPECT_EQ(e->ghl_message_id, "GHL9");
  EXPECT_EQ(e->ghl_status, "delivered");
  EXPECT_FALSE((*vonage)->Verify(dlr, kNow).ok());  // a secret is set: unsigned is refused

  std::vector<std::pair<std::string, std::string>> params = {
      {"msisdn", "15125550123"}, {"messageId", "v2"}, {"text", "a&b=c"}, {"timestamp", kTs}};
  std::string sig = VonageMd5Signature(params, "shh");
  EXPECT_EQ(sig.size(), 32u);
  std::string q = "msisdn=15125550123&messageId=v2&text=a%26b%3Dc&timestamp=" + kTs;
  EXPECT_TRUE((*vonage)->Verify(VonageGet(q + "&sig=" + sig), kNow).ok());
  EXPECT_FALSE((*vonage)->Verify(VonageGet(q + "&sig=" + std::string(32, '0')), kNow).ok());
  EXPECT_FALSE(
      (*vonage)->Verify(VonageGet(q + "&sig=" + sig), kNow + std::chrono::minutes(6)).ok());
}

}  // namespace
}  // namespace ghl::carriers
