#include "ghl/http/message.h"

#include <gtest/gtest.h>

namespace ghl::http {
namespace {

TEST(HeadersTest, LookupIgnoresCaseAndSetReplacesAll) {
  Headers h;
  h.Add("X-RateLimit-Remaining", "99");
  h.Add("x-ratelimit-remaining", "98");
  EXPECT_EQ(h.Get("X-RATELIMIT-REMAINING"), "99");
  h.Set("x-RateLimit-Remaining", "5");
  EXPECT_EQ(h.fields().size(), 1u);
  EXPECT_EQ(h.GetOr("X-RateLimit-Remaining", ""), "5");
  EXPECT_FALSE(h.Get("Version").has_value());
}

TEST(QueryTest, ParsesAndDecodes) {
  auto q = ParseQuery("locationId=abc&email=john%40example.com&q=a+b&flag&bad=%zz");
  ASSERT_EQ(q.size(), 5u);
  EXPECT_EQ(q[1].second, "john@example.com");
  EXPECT_EQ(q[2].second, "a b");
  EXPECT_EQ(q[3].first, "flag");
  EXPECT_EQ(q[4].second, "%zz");
}

TEST(QueryTest, EncodeRoundTrips) {
  std::string raw = "a b&c=d/é";
  EXPECT_EQ(UrlDecode(UrlEncode(raw)), raw);
  EXPECT_EQ(UrlEncode("john@example.com"), "john%40example.com");
}

TEST(RequestTest, SplitsPathAndQuery) {
  Request r;
  r.target = "/contacts/search/duplicate?locationId=x";
  EXPECT_EQ(r.Path(), "/contacts/search/duplicate");
  EXPECT_EQ(r.Query(), "locationId=x");
  r.target = "/contacts/";
  EXPECT_EQ(r.Query(), "");
}

}  // namespace
}  // namespace ghl::http
