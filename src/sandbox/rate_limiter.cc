#include "rate_limiter.h"

#include <string>

namespace ghl::sandbox {

RateDecision RateLimiter::Take(std::string_view key, int64_t now_ms) {
  const int64_t interval = limit_.interval.count();
  std::lock_guard lock(mu_);
  auto it = buckets_.find(key);
  if (it == buckets_.end()) it = buckets_.emplace(std::string(key), Bucket{}).first;
  Bucket& b = it->second;
  int64_t day = now_ms >= 0 ? now_ms / 86400000 : -1;
  if (day != b.day) {
    b.day = day;
    b.daily = 0;
  }
  if (b.window_start == INT64_MIN || now_ms >= b.window_start + interval ||
      now_ms < b.window_start) {
    b.window_start = now_ms;
    b.count = 0;
  }
  RateDecision d;
  if (b.daily >= limit_.daily_max) {
    d.allowed = false;
    d.retry_after_ms = (day + 1) * 86400000 - now_ms;
  } else if (b.count >= limit_.burst_max) {
    d.allowed = false;
    d.retry_after_ms = b.window_start + interval - now_ms;
  } else {
    ++b.count;
    ++b.daily;
  }
  d.remaining = limit_.burst_max - b.count;
  d.daily_remaining = limit_.daily_max - b.daily;
  return d;
}

RateDecision RateLimiter::Peek() const {
  RateDecision d;
  d.remaining = limit_.burst_max;
  d.daily_remaining = limit_.daily_max;
  return d;
}

void RateLimiter::SetHeaders(const RateDecision& d, http::Headers& h) const {
  h.Add("X-RateLimit-Max", std::to_string(limit_.burst_max));
  h.Add("X-RateLimit-Remaining", std::to_string(d.remaining));
  h.Add("X-RateLimit-Interval-Milliseconds", std::to_string(limit_.interval.count()));
  h.Add("X-RateLimit-Limit-Daily", std::to_string(limit_.daily_max));
  h.Add("X-RateLimit-Daily-Remaining", std::to_string(d.daily_remaining));
  if (!d.allowed) {
    int64_t secs = (d.retry_after_ms + 999) / 1000;
    h.Add("Retry-After", std::to_string(secs < 1 ? 1 : secs));
  }
}

}  // namespace ghl::sandbox
