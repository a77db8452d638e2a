// Per-location request counting for the sandbox (fixed burst windows + a UTC-day counter).
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "ghl/http/message.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::sandbox {

/// The outcome of counting one request, and what the X-RateLimit-* headers say.
struct RateDecision {
  bool allowed = true;
  int remaining = 0;        ///< Requests left in the current burst window (after this one).
  int daily_remaining = 0;  ///< Requests left today (UTC).
  int64_t retry_after_ms = 0;  ///< When refused: until the window (or the day) ends.
};

class RateLimiter {
 public:
  explicit RateLimiter(RateLimit limit) : limit_(limit) {}
  /// Counts a request for `key` (a location or company id) at `now_ms`.
  RateDecision Take(std::string_view key, int64_t now_ms);
  /// The headers' view for a request that was not counted (no token).
  RateDecision Peek() const;
  /// Sets the five X-RateLimit-* headers (and Retry-After, seconds, when refused).
  void SetHeaders(const RateDecision& d, http::Headers& headers) const;

 private:
  struct Bucket {
    int64_t window_start = INT64_MIN;
    int count = 0;
    int64_t day = INT64_MIN;
    int daily = 0;
  };
  RateLimit limit_;
  std::mutex mu_;
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, Bucket, Hash, std::equal_to<>> buckets_;
};

}  // namespace ghl::sandbox
