// CancelToken: a cancelled client stops waiting (pacing or backoff) at once and sends nothing
// more, in real time (no injected sleeper), so Ctrl+C is not held by a rate-limit window.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "ghl/client/client.h"
#include "ghl/client/testing.h"

namespace ghl::client {
namespace {

using namespace std::chrono_literals;
using testing::FakeTransport;

ApiRequest GetContact() {
  ApiRequest r;
  r.method = "GET";
  r.path = "/contacts/c1";
  return r;
}

struct CancellableClient {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<CancelToken> cancel = std::make_shared<CancelToken>();
  ClientOptions options;
  CancellableClient() {
    options.base_url = "http://ghl.test";
    options.token = "secret-token";
    options.transport = transport;
    options.cancel = cancel;
  }
};

TEST(CancelTokenTest, CancelEndsAPacingWaitAndNothingMoreIsSent) {
  CancellableClient s;
  s.options.limits.burst_max = 1;  // one request per 30 s: the second call must wait
  s.options.limits.burst_interval = 30s;
  s.options.limits.min_margin = 0ms;
  s.options.limits.margin_fraction = 0;
  s.transport->PushResponse(200, "{}");
  s.transport->PushResponse(200, "{}");
  Client client(s.options);
  ASSERT_TRUE(client.Send(GetContact()).ok());
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    s.cancel->Cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto second = client.Send(GetContact());
  auto waited = std::chrono::steady_clock::now() - t0;
  canceller.join();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(second.error().Summary().find("cancelled"), std::string::npos)
      << second.error().Summary();
  EXPECT_LT(waited, 5s) << "the pacing wait was not interrupted";
  EXPECT_EQ(s.transport->request_count(), 1u);
}

TEST(CancelTokenTest, CancelEndsABackoffWaitAndLaterCallsFailAtOnce) {
  CancellableClient s;
  http::Headers h;
  h.Set("Retry-After", "30");
  s.transport->PushResponse(429, R"({"message":"Too many requests"})", h);
  s.transport->PushResponse(200, "{}");
  Client client(s.options);
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    s.cancel->Cancel();
  });
  auto t0 = std::chrono::steady_clock::now();
  auto res = client.Send(GetContact());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  canceller.join();
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kNetwork);
  EXPECT_EQ(s.transport->request_count(), 1u) << "no retry after the cancel";
  EXPECT_FALSE(client.Send(GetContact()).ok());
  EXPECT_EQ(s.transport->request_count(), 1u);
}

TEST(CancelTokenTest, SleepForReportsWhetherItWasCancelled) {
  CancelToken token;
  EXPECT_TRUE(token.SleepFor(1ms));
  token.Cancel();
  EXPECT_TRUE(token.cancelled());
  auto t0 = std::chrono::steady_clock::now();
  EXPECT_FALSE(token.SleepFor(10s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
}

}  // namespace
}  // namespace ghl::client
