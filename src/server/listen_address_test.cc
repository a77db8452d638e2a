#include "ghl/server/listen_address.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace ghl::server {
namespace {

TEST(ListenAddressTest, LoopbackAndWildcardHosts) {
  for (auto host : {"127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
    EXPECT_FALSE(IsWildcardHost(host)) << host;
  }
  for (auto host : {"0.0.0.0", "::", "[::]", "192.168.1.5", "10.0.0.1", "fe80::1", "example.com"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
  for (auto host : {"0.0.0.0", "::", "[::]", ""}) EXPECT_TRUE(IsWildcardHost(host)) << host;
  EXPECT_FALSE(IsWildcardHost("192.168.1.5"));
}

TEST(ListenAddressTest, ReachableUrlsListTheHostOrEveryInterfaceLoopbackLast) {
  EXPECT_EQ(ReachableUrls("192.168.1.5", 80), std::vector<std::string>{"http://192.168.1.5:80/"});
  EXPECT_EQ(ReachableUrls("::1", 8080), std::vector<std::string>{"http://[::1]:8080/"});
  auto all = ReachableUrls("0.0.0.0", 8080);
  ASSERT_FALSE(all.empty());
  auto loopback = std::find(all.begin(), all.end(), "http://127.0.0.1:8080/");
  ASSERT_NE(loopback, all.end()) << "every interface, the loopback one included";
  for (auto it = loopback + 1; it != all.end(); ++it) {
    EXPECT_EQ(it->rfind("http://127.", 0), 0u) << "loopback addresses come last: " << *it;
  }
  for (const auto& url : all) EXPECT_EQ(url.find('['), std::string::npos) << "IPv4 only: " << url;
  EXPECT_EQ(DescribeListenAddress("192.168.1.5", 80), "192.168.1.5: http://192.168.1.5:80/");
  EXPECT_EQ(DescribeListenAddress("0.0.0.0", 8080).rfind("all interfaces (0.0.0.0): http://", 0),
            0u);
}

}  // namespace
}  // namespace ghl::server
