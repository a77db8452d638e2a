#include "ghl/store/event_store.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "store_internal.h"

namespace ghl::store {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(EventStoreTest, BackoffDoublesUpToTheCap) {
  RetryPolicy p;
  p.initial_backoff = seconds(10);
  p.max_backoff = seconds(60);
  EXPECT_EQ(p.BackoffAfter(1), seconds(10));
  EXPECT_EQ(p.BackoffAfter(2), seconds(20));
  EXPECT_EQ(p.BackoffAfter(3), seconds(40));
  EXPECT_EQ(p.BackoffAfter(4), seconds(60));
  EXPECT_EQ(p.BackoffAfter(1000), seconds(60));  // no overflow
}

TEST(EventStoreTest, StateNamesRoundTrip) {
  for (EventState s :
       {EventState::kPending, EventState::kProcessing, EventState::kDone, EventState::kDead}) {
    EXPECT_EQ(ParseEventState(ToString(s)), s);
  }
  EXPECT_FALSE(ParseEventState("Pending"));
}

TEST(EventStoreTest, PasswordsAreMaskedInUrls) {
  EXPECT_EQ(MaskUrlPassword("postgresql://ghl:s3cret@db:5432/x"), "postgresql://ghl:***@db:5432/x");
  EXPECT_EQ(MaskUrlPassword("postgresql://ghl@127.0.0.1:5433/ghl_test"),
            "postgresql://ghl@127.0.0.1:5433/ghl_test");
  EXPECT_EQ(MaskUrlPassword("postgresql://h/x?user=a&password=pw&sslmode=disable"),
            "postgresql://h/x?user=a&password=***&sslmode=disable");
}

TEST(EventStoreTest, PrepareDropsSecretsAndSanitisesText) {
  std::vector<NewEvent> events(1);
  events[0].dedup_key = std::string("wh:\0a", 5);
  events[0].type = "Contact\xff";
  events[0].headers = {{"Authorization", "Bearer pit-123"},
                       {"X-Api-Key", "k"},
                       {"Cookie", "c"},
                       {"X-GHL-Signature", "sig"},
                       {"User-Agent", "GHL"}};
  auto now = UtcTime(milliseconds(42));
  ASSERT_TRUE(internal::PrepareForAppend(events, now).ok());
  EXPECT_EQ(events[0].dedup_key, "wh:a");
  EXPECT_EQ(events[0].type, "Contact\xEF\xBF\xBD");
  EXPECT_EQ(events[0].received_at, now);
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(events[0].headers, (H{{"x-ghl-signature", "sig"}, {"user-agent", "GHL"}}));
  EXPECT_EQ(internal::SanitizeText("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
  EXPECT_EQ(internal::SanitizeText("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong

  std::vector<NewEvent> keyless(1);
  auto st = internal::PrepareForAppend(keyless, now);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kUsage);
}

TEST(EventStoreTest, HeadersJsonRoundTrips) {
  std::vector<std::pair<std::string, std::string>> h = {{"a", "1"}, {"b", "x\"y"}};
  EXPECT_EQ(internal::DecodeHeaders(internal::EncodeHeaders(h)), h);
  EXPECT_TRUE(internal::DecodeHeaders("not json").empty());
}

// The headers column keeps the text nlohmann wrote before EncodeHeaders was written by hand
// (stored rows and new ones must read alike): every ASCII character, multi-byte UTF-8, NUL and
// invalid bytes (the last two never reach it after PrepareForAppend, but must not break it).
TEST(EventStoreTest, HeadersJsonIsWhatNlohmannWrites) {
  std::string ascii;
  for (int c = 1; c < 128; ++c) ascii.push_back(static_cast<char>(c));
  const std::vector<std::vector<std::pair<std::string, std::string>>> cases = {
      {},
      {{"content-type", "application/json"}, {"x-ghl-signature", "AbC+/="}},
      {{"user-agent", ascii}},
      {{"x-request-id", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"}},
      {{"x-real-ip", std::string("a\0b", 3)}},
      {{"date", "bad \xff\xc0\xaf bytes"}},
  };
  for (const auto& headers : cases) {
    nlohmann::json j = nlohmann::json::array();
    for (const auto& [name, value] : headers) j.push_back({name, value});
    EXPECT_EQ(internal::EncodeHeaders(headers),
              j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
}

}  // namespace
}  // namespace ghl::store
