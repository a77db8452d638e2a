#include "ghl/webhooks/replay.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace ghl::webhooks {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::system_clock;

system_clock::time_point Ms(int64_t ms) { return system_clock::time_point(milliseconds(ms)); }

TEST(ReplayTest, ParsesIsoTimestampsInGhlForms) {
  EXPECT_EQ(ParseIsoTimestamp("2025-02-10T08:26:05.961Z"), Ms(1739175965961));
  EXPECT_EQ(ParseIsoTimestamp("2025-01-28T14:35:00Z"), Ms(1738074900000));
  EXPECT_EQ(ParseIsoTimestamp("2023-09-25T16:00:00+05:30"), Ms(1695637800000));  // 10:30Z
  EXPECT_EQ(ParseIsoTimestamp("2023-09-25T16:00:00-0100"), Ms(1695661200000));   // 17:00Z
  EXPECT_FALSE(ParseIsoTimestamp("2025-01-28T14:35:00"));  // no zone: ambiguous
  EXPECT_FALSE(ParseIsoTimestamp("2025-02-30T00:00:00Z"));
  EXPECT_FALSE(ParseIsoTimestamp("yesterday"));
  EXPECT_FALSE(ParseIsoTimestamp("2025-01-28T14:35:00Zjunk"));
}

// Found by fuzz_webhook_receiver (fuzz/regressions/webhook_receiver/): years outside
// system_clock's range (nanoseconds in 64 bits) overflowed the conversion; 2^64 ns is about
// 584.5 years, so a delivery stamped 2609-09-22 wrapped to 2025-03-03 and passed as fresh.
TEST(ReplayTest, TimestampsOutsideTheClocksRangeAreUnparseable) {
  EXPECT_EQ(ParseIsoTimestamp("2262-04-11T23:47:15Z"), Ms(9223372035000));
  EXPECT_EQ(ParseIsoTimestamp("1677-09-21T00:12:45Z"), Ms(-9223372035000));
  EXPECT_FALSE(ParseIsoTimestamp("2262-04-11T23:47:17Z"));
  EXPECT_FALSE(ParseIsoTimestamp("1012-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseIsoTimestamp("9999-12-31T23:59:59+00:00"));
  auto wrapped = InspectBody(R"({"type":"ContactCreate","timestamp":"2609-09-22T11:34:34Z"})");
  ASSERT_TRUE(wrapped.ok());
  const auto now = Ms(1741003200000);  // 2025-03-03T12:00:00Z
  Freshness f = CheckFreshness(wrapped.value(), now, ReplayOptions{});
  EXPECT_FALSE(f.accepted);
  EXPECT_EQ(f.outcome, FreshnessOutcome::kUnparseable);
  // The same for epoch numbers: ms beyond 2262 (and seconds below 10^11 whose ms are).
  for (const char* body : {R"({"timestamp":172050101550000})", R"({"timestamp":"172050101550000"})",
                           R"({"timestamp":99999999999})"}) {
    auto facts = InspectBody(body);
    ASSERT_TRUE(facts.ok());
    EXPECT_FALSE(facts->timestamp) << body;
    EXPECT_EQ(CheckFreshness(facts.value(), now, ReplayOptions{}).outcome,
              FreshnessOutcome::kUnparseable)
        << body;
  }
  // An instant the clock holds but whose age does not fit in nanoseconds is stale, not UB.
  auto old_facts = InspectBody(R"({"timestamp":"1699-03-03T12:00:00Z"})");
  ASSERT_TRUE(old_facts.ok());
  ASSERT_TRUE(old_facts->timestamp);
  Freshness stale = CheckFreshness(old_facts.value(), now, ReplayOptions{});
  EXPECT_EQ(stale.outcome, FreshnessOutcome::kStale);
  EXPECT_EQ(stale.reason,
            "timestamp 1699-03-03T12:00:00Z is 10287561600 s old (window 300 s)");
  auto future_facts = InspectBody(R"({"timestamp":"2262-04-11T23:47:15Z"})");
  ASSERT_TRUE(future_facts.ok());
  EXPECT_EQ(CheckFreshness(future_facts.value(), Ms(-9223372035000), ReplayOptions{}).outcome,
            FreshnessOutcome::kFuture);
  auto latest = InspectBody(R"({"timestamp":9223372035000})");
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ(latest->timestamp, Ms(9223372035000));
}

TEST(ReplayTest, InspectBodyReadsTypeLocationIdsAndTimestamp) {
  auto f = InspectBody(R"({"type":"ContactCreate","locationId":"L1","id":"c1",
                           "webhookId":"w-1","timestamp":"2025-01-28T14:35:00Z"})");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->type, "ContactCreate");
  EXPECT_EQ(f->location_id, "L1");
  EXPECT_EQ(f->entity_id, "c1");
  EXPECT_EQ(f->webhook_id, "w-1");
  EXPECT_EQ(f->timestamp, Ms(1738074900000));
  EXPECT_TRUE(f->body_sha256.empty()) << "the webhookId is the dedup key; no hash needed";

  auto appt = InspectBody(R"({"type":"AppointmentCreate","appointment":{"id":"a7"}})");
  ASSERT_TRUE(appt.ok());
  EXPECT_EQ(appt->entity_id, "a7");

  auto untyped = InspectBody(R"({"id":"r1"})");
  ASSERT_TRUE(untyped.ok());
  EXPECT_EQ(untyped->type, kUnknownEventType);
  EXPECT_EQ(untyped->body_sha256, Sha256Hex(R"({"id":"r1"})")) << "no webhookId: hashed";

  EXPECT_FALSE(InspectBody("[1,2]").ok());
  EXPECT_FALSE(InspectBody("{not json").ok());
}

// What InspectBody must answer for a body, read off nlohmann's DOM (the reading InspectBody
// replaced with a single pass that builds no DOM): repeated keys count once, the last one.
WebhookFacts FactsFromTheDom(const std::string& body) {
  nlohmann::json j = nlohmann::json::parse(body);
  auto str = [](const nlohmann::json& o, const char* k) {
    auto it = o.find(k);
    return it != o.end() && it->is_string() ? it->get<std::string>() : std::string();
  };
  WebhookFacts f;
  f.type = str(j, "type");
  if (f.type.empty()) f.type = std::string(kUnknownEventType);
  f.location_id = str(j, "locationId");
  f.webhook_id = str(j, "webhookId");
  for (const char* k : {"id", "_id"}) {
    if (f.entity_id.empty()) f.entity_id = str(j, k);
  }
  if (f.entity_id.empty() && j.contains("appointment") && j["appointment"].is_object()) {
    f.entity_id = str(j["appointment"], "id");
  }
  for (const char* k : {"messageId", "emailMessageId", "contactId", "appId"}) {
    if (f.entity_id.empty()) f.entity_id = str(j, k);
  }
  if (j.contains("timestamp") && !j["timestamp"].is_null()) {
    const auto& t = j["timestamp"];
    f.timestamp_text = t.is_string() ? t.get<std::string>() : t.dump();
  }
  if (f.webhook_id.empty()) f.body_sha256 = Sha256Hex(body);
  return f;
}

TEST(ReplayTest, InspectBodyAgreesWithTheDomOnAwkwardBodies) {
  const std::vector<std::string> bodies = {
      R"({"type":"A","type":"B","locationId":"L","locationId":7})",
      R"({"type":"\u0043ontact\u00e9\ud83d\ude00","webhookId":"w\"1\\"})",
      R"({"id":5,"_id":"u1","messageId":"m1"})",
      R"({"id":"","appointment":{"id":"a1","nested":{"id":"deep"}},"contactId":"c"})",
      R"({"appointment":{"id":"a1"},"appointment":{"title":"x"},"contactId":"c"})",
      R"({"appointment":{"id":"a1","id":2},"appId":"p"})",
      R"({"appointment":["id","a1"],"emailMessageId":"e"})",
      R"({"data":{"type":"inner","webhookId":"inner","id":"inner"},"list":["type","x"]})",
      R"({"timestamp":1738074900000})",
      R"({"timestamp":1738074900})",
      R"({"timestamp":1.7380749e12})",
      R"({"timestamp":-5})",
      R"({"timestamp":true})",
      R"({"timestamp":null})",
      R"({"timestamp":{"at":"2025-01-28T14:35:00Z"}})",
      R"({"timestamp":["2025-01-28T14:35:00Z"]})",
      R"({"timestamp":{"a":1},"timestamp":"2025-01-28T14:35:00Z"})",
      R"({"timestamp":"2025-01-28T14:35:00Z","timestamp":null})",
      R"({"timestamp":"1738074900000"})",
      R"( { "type" : "Spaced" , "id" : "s" } )",
      R"({})",
  };
  for (const std::string& body : bodies) {
    SCOPED_TRACE(body);
    auto got = InspectBody(body);
    ASSERT_TRUE(got.ok()) << got.error().Summary();
    WebhookFacts want = FactsFromTheDom(body);
    EXPECT_EQ(got->type, want.type);
    EXPECT_EQ(got->location_id, want.location_id);
    EXPECT_EQ(got->webhook_id, want.webhook_id);
    EXPECT_EQ(got->entity_id, want.entity_id);
    EXPECT_EQ(got->timestamp_text, want.timestamp_text);
    EXPECT_EQ(got->body_sha256, want.body_sha256);
  }
  EXPECT_EQ(InspectBody(R"({"timestamp":1738074900000})")->timestamp, Ms(1738074900000));
  EXPECT_EQ(InspectBody(R"({"timestamp":1.7380749e12})")->timestamp, Ms(1738074900000));
  EXPECT_FALSE(InspectBody(R"({"timestamp":true})")->timestamp.has_value());
  // Not an object, not JSON, JSON followed by more text: refused with the reason.
  for (const char* array : {"[1,2]", "\"text\"", "3", "null"}) {
    auto r = InspectBody(array);
    ASSERT_FALSE(r.ok()) << array;
    EXPECT_EQ(r.error().messages.front(), "webhook body is not a JSON object") << array;
  }
  for (const char* bad : {"{not json", "", "{\"type\":\"A\"} trailing", "{\"type\":\"A\",}",
                          "[1,2", "{\"a\":[1,{\"type\":\"x\"}]"}) {
    auto r = InspectBody(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().messages.front(), "webhook body is not valid JSON") << bad;
  }
}

TEST(ReplayTest, FreshnessWindow) {
  auto now = Ms(1738074900000);  // 2025-01-28T14:35:00Z
  auto facts = [](const std::string& body) { return InspectBody(body).value(); };

  auto fresh = CheckFreshness(facts(R"({"timestamp":"2025-01-28T14:31:00Z"})"), now);
  EXPECT_TRUE(fresh.accepted);
  EXPECT_EQ(fresh.outcome, FreshnessOutcome::kFresh);

  auto stale = CheckFreshness(facts(R"({"timestamp":"2025-01-28T14:29:59Z"})"), now);
  EXPECT_FALSE(stale.accepted);
  EXPECT_EQ(stale.outcome, FreshnessOutcome::kStale);
  EXPECT_NE(stale.reason.find("301 s old"), std::string::npos) << stale.reason;

  EXPECT_EQ(CheckFreshness(facts(R"({"timestamp":"2025-01-28T14:41:00Z"})"), now).outcome,
            FreshnessOutcome::kFuture);
  // Epoch milliseconds and epoch seconds, as numbers and as digit strings.
  EXPECT_TRUE(CheckFreshness(facts(R"({"timestamp":1738074890000})"), now).accepted);
  EXPECT_TRUE(CheckFreshness(facts(R"({"timestamp":1738074890})"), now).accepted);
  EXPECT_TRUE(CheckFreshness(facts(R"({"timestamp":"1738074890000"})"), now).accepted);
  EXPECT_EQ(CheckFreshness(facts(R"({"timestamp":1738000000000})"), now).outcome,
            FreshnessOutcome::kStale);

  auto none = CheckFreshness(facts(R"({"type":"ContactCreate"})"), now);
  EXPECT_TRUE(none.accepted);
  EXPECT_EQ(none.outcome, FreshnessOutcome::kNoTimestamp);
  // A nested timestamp (LCEmailStats' mail event time) does not count.
  EXPECT_EQ(CheckFreshness(facts(R"({"webhookPayload":{"timestamp":1}})"), now).outcome,
            FreshnessOutcome::kNoTimestamp);

  auto bad = CheckFreshness(facts(R"({"timestamp":"soon"})"), now);
  EXPECT_FALSE(bad.accepted);
  EXPECT_EQ(bad.outcome, FreshnessOutcome::kUnparseable);
  EXPECT_FALSE(CheckFreshness(facts(R"({"timestamp":true})"), now).accepted);

  ReplayOptions wide{minutes(60)};
  EXPECT_TRUE(CheckFreshness(facts(R"({"timestamp":"2025-01-28T14:00:00Z"})"), now, wide));
}

TEST(ReplayTest, DedupKeyPrefersWebhookIdElseTypeEntityAndBodyHash) {
  auto with_id = InspectBody(R"({"type":"ContactCreate","id":"c1","webhookId":"abc123xyz"})");
  EXPECT_EQ(DedupKey(*with_id), "wh:abc123xyz");
  // Same webhookId, different bytes (a replay with edits): still the same key.
  auto again = InspectBody(R"({"type":"ContactCreate","id":"c2","webhookId":"abc123xyz"})");
  EXPECT_EQ(DedupKey(*again), DedupKey(*with_id));

  std::string body = R"({"type":"ContactTagUpdate","id":"c1","tags":["a"]})";
  auto a = InspectBody(body);
  auto b = InspectBody(body);
  EXPECT_EQ(DedupKey(*a), DedupKey(*b));
  EXPECT_EQ(DedupKey(*a), "h:ContactTagUpdate:c1:" + Sha256Hex(body));
  auto changed = InspectBody(R"({"type":"ContactTagUpdate","id":"c1","tags":["a","b"]})");
  EXPECT_NE(DedupKey(*changed), DedupKey(*a));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ReplayTest, EveryOfficialExampleInspects) {
  const char* shared = std::getenv("GHL_SHARED_DIR");
  std::filesystem::path dir =
      shared ? std::filesystem::path(shared) / "ghl-openapi/webhooks" : std::filesystem::path();
  if (!shared || !std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "GHL_SHARED_DIR/ghl-openapi/webhooks not found; set GHL_SHARED_DIR to "
                    "the shared/ folder to run this test";
  }
  int count = 0;
  std::set<std::string> keys, bodies;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    std::string name = entry.path().filename().string();
    if (name.find(".example") == std::string::npos) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    auto facts = InspectBody(ss.str());
    ASSERT_TRUE(facts.ok()) << name << ": " << facts.error().Summary();
    EXPECT_FALSE(facts->type.empty()) << name;
    if (!facts->timestamp_text.empty()) {
      EXPECT_TRUE(facts->timestamp.has_value()) << name << ": " << facts->timestamp_text;
    }
    keys.insert(DedupKey(*facts));
    bodies.insert(ss.str());
    ++count;
  }
  EXPECT_GT(count, 50);
  // Some examples are byte-identical (e.g. the three Appointment* files); those are one event.
  EXPECT_EQ(keys.size(), bodies.size()) << "distinct bodies share a dedup key";
}

}  // namespace
}  // namespace ghl::webhooks
