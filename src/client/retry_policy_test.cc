#include "ghl/client/retry_policy.h"

#include <gtest/gtest.h>

namespace ghl::client {
namespace {

using std::chrono::milliseconds;

TEST(RetryPolicyTest, BaseBackoffDoublesAndCaps) {
  RetryPolicy p;
  p.initial_delay = milliseconds(500);
  p.multiplier = 2.0;
  p.max_delay = milliseconds(3000);
  EXPECT_EQ(BaseBackoff(p, 1), milliseconds(500));
  EXPECT_EQ(BaseBackoff(p, 2), milliseconds(1000));
  EXPECT_EQ(BaseBackoff(p, 3), milliseconds(2000));
  EXPECT_EQ(BaseBackoff(p, 4), milliseconds(3000));
  EXPECT_EQ(BaseBackoff(p, 30), milliseconds(3000));
}

TEST(RetryPolicyTest, JitterStaysWithinBounds) {
  RetryPolicy p;  // 500 ms, x2, jitter 0.5
  EXPECT_EQ(BackoffDelay(p, 1, 0.0), milliseconds(500));
  EXPECT_EQ(BackoffDelay(p, 1, 0.5), milliseconds(375));
  EXPECT_EQ(BackoffDelay(p, 2, 0.5), milliseconds(750));
  for (int retry = 1; retry <= 6; ++retry) {
    for (double r : {0.0, 0.1, 0.37, 0.5, 0.99, 0.999999}) {
      auto d = BackoffDelay(p, retry, r);
      auto base = BaseBackoff(p, retry);
      EXPECT_LE(d, base);
      EXPECT_GE(d.count(), base.count() / 2);
    }
  }
  p.jitter = 0.0;
  EXPECT_EQ(BackoffDelay(p, 3, 0.9), milliseconds(2000));
}

TEST(RetryPolicyTest, IdempotencyDecidesRetries) {
  RetryPolicy p;
  EXPECT_TRUE(IsIdempotentMethod("GET"));
  EXPECT_TRUE(IsIdempotentMethod("PUT"));
  EXPECT_TRUE(IsIdempotentMethod("DELETE"));
  EXPECT_TRUE(IsIdempotentMethod("HEAD"));
  EXPECT_FALSE(IsIdempotentMethod("POST"));
  EXPECT_FALSE(IsIdempotentMethod("PATCH"));

  EXPECT_TRUE(MayRetry(p, "GET", RetryCause::kServerError, false));
  EXPECT_TRUE(MayRetry(p, "DELETE", RetryCause::kNetwork, false));
  EXPECT_FALSE(MayRetry(p, "POST", RetryCause::kServerError, false));
  EXPECT_FALSE(MayRetry(p, "POST", RetryCause::kNetwork, false));
  EXPECT_TRUE(MayRetry(p, "POST", RetryCause::kServerError, true));  // per-call opt-in
  // A 429 was refused before processing: safe for any method (policy switch).
  EXPECT_TRUE(MayRetry(p, "POST", RetryCause::kRateLimited, false));
  p.retry_429_any_method = false;
  EXPECT_FALSE(MayRetry(p, "POST", RetryCause::kRateLimited, false));
  p.retry_non_idempotent = true;
  EXPECT_TRUE(MayRetry(p, "PATCH", RetryCause::kNetwork, false));
}

TEST(RetryPolicyTest, RetryableStatuses) {
  EXPECT_TRUE(IsRetryableStatus(429));
  EXPECT_TRUE(IsRetryableStatus(500));
  EXPECT_TRUE(IsRetryableStatus(503));
  EXPECT_FALSE(IsRetryableStatus(400));
  EXPECT_FALSE(IsRetryableStatus(401));
  EXPECT_FALSE(IsRetryableStatus(404));
  EXPECT_FALSE(IsRetryableStatus(422));
}

TEST(RetryPolicyTest, ParsesRetryAfterSeconds) {
  http::Headers h;
  EXPECT_FALSE(ParseRetryAfter(h).has_value());
  h.Set("Retry-After", "3");
  EXPECT_EQ(ParseRetryAfter(h), milliseconds(3000));
  h.Set("retry-after", " 1.5 ");
  EXPECT_EQ(ParseRetryAfter(h), milliseconds(1500));
  h.Set("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_FALSE(ParseRetryAfter(h).has_value());
  h.Set("Retry-After", "-1");
  EXPECT_FALSE(ParseRetryAfter(h).has_value());
}

}  // namespace
}  // namespace ghl::client
