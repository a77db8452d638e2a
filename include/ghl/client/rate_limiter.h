/// \file
/// Client-side pacing per location so a well-behaved program never receives HTTP 429, and a
/// hard stop when the daily quota is spent.
///
/// GHL limits each app per location (or company): a burst of `X-RateLimit-Max` requests per
/// `X-RateLimit-Interval-Milliseconds` (default 100 per 10,000 ms) and `X-RateLimit-Limit-Daily`
/// per day (default 200,000). The limiter keeps a sliding log of its own send times for each key
/// and lets a request go only when fewer than Max sends lie in the last Interval + margin. That
/// keeps at most Max requests in ANY window of length Interval, so it is safe whether the server
/// counts in fixed windows or sliding ones, and it still allows a full burst at start and a
/// steady rate of Max / (Interval + margin) — about 98% of the allowed rate with the default 2%
/// margin. See doc/adr/0002-client-retry-and-pacing.md.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/client/options.h"
#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::client {

/// The five `X-RateLimit-*` response headers GHL (and the sandbox) send on every answer;
/// absent or non-numeric ones are nullopt.
struct RateLimitHeaders {
  std::optional<int64_t> max;              ///< X-RateLimit-Max: requests per burst window.
  std::optional<int64_t> remaining;        ///< X-RateLimit-Remaining: left in this window.
  std::optional<int64_t> interval_ms;      ///< X-RateLimit-Interval-Milliseconds.
  std::optional<int64_t> daily_limit;      ///< X-RateLimit-Limit-Daily.
  std::optional<int64_t> daily_remaining;  ///< X-RateLimit-Daily-Remaining.

  /// True when at least one header was present.
  bool any() const;
  /// "Max=20, Remaining=0, Interval-Milliseconds=1000, Limit-Daily=200000,
  /// Daily-Remaining=199000" (present headers only), for messages.
  std::string Describe() const;
};

/// Reads the five headers (names case-insensitive).
RateLimitHeaders ParseRateLimitHeaders(const http::Headers& headers);

/// What the limiter currently believes about one key (for diagnostics and tests).
struct LimiterSnapshot {
  int64_t burst_max = 0;                        ///< Requests per window in force.
  std::chrono::milliseconds burst_interval{0};  ///< Window length in force.
  bool learned = false;                         ///< Burst limits came from server headers.
  int64_t sends_in_window = 0;                  ///< Own sends within the last Interval + margin.
  int64_t daily_limit = 0;                      ///< Daily quota in force.
  std::optional<int64_t> daily_remaining;       ///< Best estimate of the daily requests left.
};

/// Per-key sliding-log limiter. Keys are opaque strings (the `Connection` uses
/// "location:<id>", or a digest of the token when the call names no location). Thread-safe.
class RateLimiter {
 public:
  /// `steady_now` paces; `wall_now` (UTC) only dates the daily reset. Null functions mean the
  /// real clocks.
  RateLimiter(RateLimits limits, SteadyNow steady_now = {}, WallNow wall_now = {});

  /// Tries to take one send slot for `key` now.
  /// - 0 ms: the slot is taken and recorded at the current time; send right away.
  /// - > 0: nothing recorded; wait that long (rounded up to whole ms) and ask again.
  /// - `ErrorKind::kRateLimit` error when the daily quota of `key` is spent: "daily quota of
  ///   N requests spent for <label>; resets at <UTC ISO time>". GHL publishes no reset time;
  ///   ghlkit assumes midnight UTC and then lets one request probe the server's headers.
  /// `label` names the key in messages, e.g. "location ve9EPM428h8vShlRW1KT".
  Result<std::chrono::milliseconds> TryAcquire(const std::string& key, std::string_view label);

  /// Calls TryAcquire until a slot is taken, sleeping through `sleeper` in between.
  /// Returns the kRateLimit error when the daily quota is spent.
  /// `cancelled` (optional) is asked after each sleep: true → kNetwork "cancelled …" error
  /// and no slot is taken (see CancelToken).
  Status Acquire(const std::string& key, std::string_view label, const Sleeper& sleeper,
                 const std::function<bool()>& cancelled = {});

  /// Learns from an answer's `X-RateLimit-*` headers for `key`: adopts Max and Interval (when
  /// `learn_from_headers`), the daily limit and remaining count, and — when Remaining shows
  /// the server counted more requests than this limiter could have sent into the server's
  /// window — reserves that many slots for one Interval (another program shares the
  /// location's quota). `sent_at` is the steady time the answered request was sent (the
  /// server counted it somewhere between then and now); nullopt = now.
  void Observe(const std::string& key, const http::Headers& headers,
               std::optional<std::chrono::steady_clock::time_point> sent_at = std::nullopt);

  /// Current beliefs for `key` (defaults when the key was never used).
  LimiterSnapshot Snapshot(const std::string& key) const;

  /// The safety margin added to `interval`: max(min_margin, interval * margin_fraction).
  std::chrono::milliseconds Margin(std::chrono::milliseconds interval) const;

 private:
  struct KeyState {
    int64_t burst_max = 0;
    std::chrono::milliseconds burst_interval{0};
    bool learned = false;
    std::deque<std::chrono::steady_clock::time_point> sends;  // ascending
    int64_t phantom = 0;  // slots other programs used, per the server's Remaining
    std::chrono::steady_clock::time_point phantom_until{};
    int64_t daily_limit = 0;
    std::optional<int64_t> server_daily_remaining;
    int64_t sends_since_daily_observation = 0;
    int64_t local_daily_count = 0;
    std::chrono::system_clock::time_point daily_reset{};  // next assumed reset (UTC)
  };

  KeyState& StateFor(const std::string& key);
  void RollDay(KeyState& state, std::chrono::system_clock::time_point wall) const;
  void Prune(KeyState& state, std::chrono::steady_clock::time_point now) const;

  RateLimits limits_;
  SteadyNow steady_now_;
  WallNow wall_now_;
  mutable std::mutex mutex_;
  std::map<std::string, KeyState, std::less<>> states_;
};

}  // namespace ghl::client
