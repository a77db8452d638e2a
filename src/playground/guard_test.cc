#include "guard.h"

#include <gtest/gtest.h>

namespace ghl::playground {
namespace {

http::Request WithHost(std::string host) {
  http::Request r;
  r.method = "GET";
  r.target = "/";
  r.headers.Set("Host", host);
  return r;
}

TEST(GuardTest, AcceptsLoopbackHostsOnTheServersPort) {
  EXPECT_FALSE(CheckHostAndOrigin(WithHost("127.0.0.1:8080"), "127.0.0.1", 8080));
  EXPECT_FALSE(CheckHostAndOrigin(WithHost("localhost:8080"), "127.0.0.1", 8080));
  EXPECT_FALSE(CheckHostAndOrigin(WithHost("LOCALHOST:8080"), "127.0.0.1", 8080));
  EXPECT_FALSE(CheckHostAndOrigin(WithHost("[::1]:8080"), "127.0.0.1", 8080));
}

TEST(GuardTest, RefusesOtherHostsAndPorts) {
  // DNS rebinding: a hostile name resolving to 127.0.0.1 arrives with its own Host.
  auto refusal = CheckHostAndOrigin(WithHost("evil.example:8080"), "127.0.0.1", 8080);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 403);
  EXPECT_TRUE(CheckHostAndOrigin(WithHost("127.0.0.1:9999"), "127.0.0.1", 8080));
  EXPECT_TRUE(CheckHostAndOrigin(WithHost("127.0.0.1"), "127.0.0.1", 8080));
  EXPECT_TRUE(CheckHostAndOrigin(WithHost(""), "127.0.0.1", 8080));
  http::Request no_host;
  EXPECT_TRUE(CheckHostAndOrigin(no_host, "127.0.0.1", 8080));
  EXPECT_TRUE(CheckHostAndOrigin(WithHost("127.0.0.1.evil.example:8080"), "127.0.0.1", 8080));
}

TEST(GuardTest, AcceptsAnExplicitListenHostButNotAWildcard) {
  EXPECT_FALSE(CheckHostAndOrigin(WithHost("192.168.1.5:80"), "192.168.1.5", 80));
  EXPECT_TRUE(CheckHostAndOrigin(WithHost("192.168.1.5:80"), "0.0.0.0", 80));
}

TEST(GuardTest, OriginMustBeThisServer) {
  auto r = WithHost("127.0.0.1:8080");
  r.headers.Set("Origin", "http://127.0.0.1:8080");
  EXPECT_FALSE(CheckHostAndOrigin(r, "127.0.0.1", 8080));
  r.headers.Set("Origin", "https://evil.example");
  auto refusal = CheckHostAndOrigin(r, "127.0.0.1", 8080);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 403);
  r.headers.Set("Origin", "null");
  EXPECT_TRUE(CheckHostAndOrigin(r, "127.0.0.1", 8080));
  r.headers.Set("Origin", "http://localhost:8080");  // another name for the same server
  EXPECT_TRUE(CheckHostAndOrigin(r, "127.0.0.1", 8080));
}

TEST(GuardTest, SecFetchSiteCrossSiteIsRefused) {
  auto r = WithHost("127.0.0.1:8080");
  r.headers.Set("Sec-Fetch-Site", "same-origin");
  EXPECT_FALSE(CheckHostAndOrigin(r, "127.0.0.1", 8080));
  r.headers.Set("Sec-Fetch-Site", "cross-site");
  EXPECT_TRUE(CheckHostAndOrigin(r, "127.0.0.1", 8080));
  r.headers.Set("Sec-Fetch-Site", "same-site");
  EXPECT_TRUE(CheckHostAndOrigin(r, "127.0.0.1", 8080));
}

TEST(GuardTest, UpstreamPathRules) {
  EXPECT_FALSE(CheckUpstreamPath("/contacts/search"));
  EXPECT_FALSE(CheckUpstreamPath("/contacts/abc%20def"));
  EXPECT_FALSE(CheckUpstreamPath("/opportunities/search"));
  for (const char* bad :
       {"", "contacts", "https://evil.example/x", "//evil.example/x", "/a//b", "/a/../b", "/..",
        "/a/./b", "/a/%2e%2e/b", "/a/%2E%2E", "/a/..%2f..%2fb", "/a\\b", "/a?x=1", "/a#f",
        "/contacts/{contactId}", "/a b", "/a\r\nHost: evil", "/a\nb"}) {
    EXPECT_TRUE(CheckUpstreamPath(bad)) << "accepted: " << bad;
  }
  EXPECT_TRUE(CheckUpstreamPath("/x/http://evil"));
}

TEST(GuardTest, ForwardedHeaderRules) {
  EXPECT_FALSE(CheckForwardedHeader("X-Custom", "1"));
  EXPECT_FALSE(CheckForwardedHeader("Version", "2021-07-28"));
  EXPECT_TRUE(CheckForwardedHeader("Authorization", "Bearer x"));
  EXPECT_TRUE(CheckForwardedHeader("host", "evil"));
  EXPECT_TRUE(CheckForwardedHeader("Cookie", "a=b"));
  EXPECT_TRUE(CheckForwardedHeader("Content-Length", "5"));
  EXPECT_TRUE(CheckForwardedHeader("Proxy-Anything", "1"));
  EXPECT_TRUE(CheckForwardedHeader("X-Forwarded-For", "1.2.3.4"));
  EXPECT_TRUE(CheckForwardedHeader("Bad Name", "1"));
  EXPECT_TRUE(CheckForwardedHeader("X-A\r\nInjected", "1"));
  EXPECT_TRUE(CheckForwardedHeader("X-A", "1\r\nInjected: yes"));
  EXPECT_TRUE(CheckForwardedHeader("", "1"));
}

}  // namespace
}  // namespace ghl::playground
