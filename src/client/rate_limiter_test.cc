#include "ghl/client/rate_limiter.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "ghl/client/testing.h"

namespace ghl::client {
namespace {

using std::chrono::milliseconds;
using SteadyPoint = std::chrono::steady_clock::time_point;

http::Headers LimitHeaders(int max, int remaining, int interval_ms) {
  http::Headers h;
  h.Set("X-RateLimit-Max", std::to_string(max));
  h.Set("X-RateLimit-Remaining", std::to_string(remaining));
  h.Set("X-RateLimit-Interval-Milliseconds", std::to_string(interval_ms));
  return h;
}

// Largest number of sends inside any half-open window [t, t + interval).
size_t MaxInAnyWindow(std::vector<SteadyPoint> sends, milliseconds interval) {
  std::sort(sends.begin(), sends.end());
  size_t best = 0;
  for (size_t i = 0; i < sends.size(); ++i) {
    size_t j = i;
    while (j < sends.size() && sends[j] < sends[i] + interval) ++j;
    best = std::max(best, j - i);
  }
  return best;
}

TEST(RateLimiterTest, ParsesTheFiveHeaders) {
  http::Headers h = LimitHeaders(20, 7, 1000);
  h.Set("x-ratelimit-limit-daily", "200000");
  h.Set("X-RateLimit-Daily-Remaining", "199000");
  RateLimitHeaders r = ParseRateLimitHeaders(h);
  EXPECT_EQ(r.max, 20);
  EXPECT_EQ(r.remaining, 7);
  EXPECT_EQ(r.interval_ms, 1000);
  EXPECT_EQ(r.daily_limit, 200000);
  EXPECT_EQ(r.daily_remaining, 199000);
  EXPECT_EQ(r.Describe(),
            "Max=20, Remaining=7, Interval-Milliseconds=1000, Limit-Daily=200000, "
            "Daily-Remaining=199000");
  EXPECT_FALSE(ParseRateLimitHeaders(http::Headers{}).any());
}

TEST(RateLimiterTest, DefaultBurstThenWaitsForTheOldestToLeaveTheWindow) {
  testing::FakeTime time;
  RateLimiter limiter(RateLimits{}, time.steady_now(), time.wall_now());
  for (int i = 0; i < 100; ++i) {
    auto wait = limiter.TryAcquire("location:L", "location L");
    ASSERT_TRUE(wait.ok());
    ASSERT_EQ(wait->count(), 0) << "request " << i << " of GHL's burst of 100 must go at once";
  }
  auto wait = limiter.TryAcquire("location:L", "location L");
  ASSERT_TRUE(wait.ok());
  // 10 s window + 2% safety margin (200 ms).
  EXPECT_EQ(*wait, milliseconds(10200));
  time.Advance(milliseconds(10199));
  EXPECT_EQ(*limiter.TryAcquire("location:L", "location L"), milliseconds(1));
  time.Advance(milliseconds(1));
  EXPECT_EQ(limiter.TryAcquire("location:L", "location L")->count(), 0);
  // Other keys are independent.
  EXPECT_EQ(limiter.TryAcquire("location:M", "location M")->count(), 0);
}

TEST(RateLimiterTest, LearnsTighterLimitsFromHeaders) {
  testing::FakeTime time;
  RateLimiter limiter(RateLimits{}, time.steady_now(), time.wall_now());
  ASSERT_EQ(limiter.TryAcquire("k", "k")->count(), 0);
  limiter.Observe("k", LimitHeaders(20, 19, 1000));
  LimiterSnapshot snap = limiter.Snapshot("k");
  EXPECT_TRUE(snap.learned);
  EXPECT_EQ(snap.burst_max, 20);
  EXPECT_EQ(snap.burst_interval, milliseconds(1000));
  for (int i = 1; i < 20; ++i) ASSERT_EQ(limiter.TryAcquire("k", "k")->count(), 0);
  EXPECT_EQ(*limiter.TryAcquire("k", "k"), milliseconds(1020));
}

TEST(RateLimiterTest, NeverMoreThanMaxInAnyWindowAndNearFullRate) {
  // 20 per 1 s (the sandbox's --rate-limit 20/1s). Each request takes a 30 ms round trip; the
  // server counts it on arrival (15 ms after sending) in a sliding window and answers
  // Remaining from that count.
  for (auto one_way : {milliseconds(1), milliseconds(15)}) {
    testing::FakeTime time;
    RateLimiter limiter(RateLimits{}, time.steady_now(), time.wall_now());
    Sleeper sleep = time.sleeper();
    std::vector<SteadyPoint> arrivals;
    SteadyPoint first_send{};
    SteadyPoint last_send{};
    const int kRequests = 600;
    for (int i = 0; i < kRequests; ++i) {
      ASSERT_TRUE(limiter.Acquire("k", "k", sleep).ok());
      SteadyPoint sent = time.Now();
      if (i == 0) first_send = sent;
      last_send = sent;
      time.Advance(one_way);
      arrivals.push_back(time.Now());
      auto in_window = std::count_if(arrivals.begin(), arrivals.end(), [&](SteadyPoint t) {
        return t > time.Now() - milliseconds(1000);
      });
      time.Advance(one_way);
      limiter.Observe("k", LimitHeaders(20, 20 - static_cast<int>(in_window), 1000), sent);
    }
    EXPECT_LE(MaxInAnyWindow(arrivals, milliseconds(1000)), 20u);
    double seconds = std::chrono::duration<double>(last_send - first_send).count();
    double rate = (kRequests - 1) / seconds;
    EXPECT_GE(rate, 19.0) << "pacing must reach at least 95% of 20 req/s (one way "
                          << one_way.count() << " ms)";
  }
}

TEST(RateLimiterTest, ServerCountingOthersHoldsSlots) {
  testing::FakeTime time;
  RateLimiter limiter(RateLimits{}, time.steady_now(), time.wall_now());
  ASSERT_EQ(limiter.TryAcquire("k", "k")->count(), 0);
  // Another program used the rest of this location's window: the server says 0 remain.
  limiter.Observe("k", LimitHeaders(20, 0, 1000));
  auto wait = limiter.TryAcquire("k", "k");
  ASSERT_TRUE(wait.ok());
  EXPECT_EQ(*wait, milliseconds(1020));
}

TEST(RateLimiterTest, DailyQuotaFromHeadersStopsWithoutSending) {
  testing::FakeTime time;
  RateLimiter limiter(RateLimits{}, time.steady_now(), time.wall_now());
  http::Headers h;
  h.Set("X-RateLimit-Limit-Daily", "200000");
  h.Set("X-RateLimit-Daily-Remaining", "2");
  limiter.Observe("location:L1", h);
  EXPECT_EQ(limiter.TryAcquire("location:L1", "location L1")->count(), 0);
  EXPECT_EQ(limiter.TryAcquire("location:L1", "location L1")->count(), 0);
  auto refused = limiter.TryAcquire("location:L1", "location L1");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kRateLimit);
  ASSERT_EQ(refused.error().messages.size(), 1u);
  // FakeTime's wall clock starts at 2024-01-01T00:00:00Z.
  EXPECT_EQ(refused.error().messages[0],
            "daily quota of 200000 requests spent for location L1; resets at "
            "2024-01-02T00:00:00Z");
  EXPECT_NE(refused.error().hint.find("Nothing was sent"), std::string::npos);
  // Asking again does not hammer: still refused, and no wait is offered instead.
  EXPECT_FALSE(limiter.TryAcquire("location:L1", "location L1").ok());
  // After the assumed reset one request may probe the server again.
  time.Advance(std::chrono::hours(24));
  EXPECT_TRUE(limiter.TryAcquire("location:L1", "location L1").ok());
}

TEST(RateLimiterTest, LocalDailyCountWithoutHeaders) {
  testing::FakeTime time;
  RateLimits limits;
  limits.daily_max = 3;
  RateLimiter limiter(limits, time.steady_now(), time.wall_now());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(limiter.TryAcquire("k", "this token").ok());
  auto refused = limiter.TryAcquire("k", "this token");
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.error().messages[0].find("daily quota of 3 requests spent for this token"),
            std::string::npos);
  EXPECT_EQ(limiter.Snapshot("k").daily_remaining, 0);
}

TEST(RateLimiterTest, DisabledPacingNeverWaits) {
  testing::FakeTime time;
  RateLimits limits;
  limits.enabled = false;
  RateLimiter limiter(limits, time.steady_now(), time.wall_now());
  for (int i = 0; i < 500; ++i) ASSERT_EQ(limiter.TryAcquire("k", "k")->count(), 0);
}

}  // namespace
}  // namespace ghl::client
