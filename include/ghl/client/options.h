/// \file
/// Plain option structs for the GHL client, with GHL's defaults. The library never reads
/// environment variables: programs (the `ghl` CLI) do, and fill these structs.
///
/// Time is `std::chrono` throughout: durations in milliseconds, pacing on a steady (monotonic)
/// clock, quota reset times on the UTC wall clock. The clock, sleeper and random source are
/// injected so tests check retry schedules and pacing in zero time (see ghl/client/testing.h).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "ghl/http/transport.h"

namespace ghl::client {

/// Ends a client's waits early, for shutdown (e.g. `ghl serve --automations` on Ctrl+C). Once
/// `Cancel()` is called, every pacing or backoff wait of a Connection whose
/// `ClientOptions::cancel` is this token ends at once, a call in flight is aborted (within about
/// a second: libcurl polls it), and its calls return a kNetwork error "cancelled …" without
/// sending anything more (a caller such as the automations engine then retries the work later).
/// Thread-safe; one token may serve many clients.
class CancelToken {
 public:
  void Cancel();
  bool cancelled() const;
  /// Sleeps `d` (milliseconds), or less when `Cancel()` is called meanwhile. Returns false
  /// when cancelled.
  bool SleepFor(std::chrono::milliseconds d);

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
};

/// Blocks the calling thread for the given duration (milliseconds). Default:
/// `std::this_thread::sleep_for`. Tests inject one that advances a fake clock.
using Sleeper = std::function<void(std::chrono::milliseconds)>;
/// Monotonic "now" used for pacing and backoff. Default: `std::chrono::steady_clock::now`.
using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
/// UTC wall-clock "now" used only for daily-quota reset times in messages.
/// Default: `std::chrono::system_clock::now`.
using WallNow = std::function<std::chrono::system_clock::time_point()>;
/// Returns a uniformly distributed double in [0, 1); drives backoff jitter.
/// Default: a per-thread Mersenne Twister seeded from `std::random_device`.
using RandomSource = std::function<double()>;
/// Receives one human-readable warning line (no trailing newline, never a token), e.g. a
/// `Version` override that differs from the spec. Default: writes "ghl: warning: <line>" to
/// stderr.
using WarningSink = std::function<void(std::string_view)>;

/// When and how often a call is retried. A retry happens on HTTP 429, any 5xx, or a network
/// error (no HTTP answer), and only while attempts remain.
///
/// Delay before retry `n` (n = 1 for the first retry):
///   base(n) = min(max_delay, initial_delay * multiplier^(n-1))
///   delay(n) = base(n) * (1 - jitter * r), r from the RandomSource in [0, 1)
/// so every delay lies in [base * (1 - jitter), base]. A `Retry-After` (seconds) on the answer
/// raises the delay to at least that value; if it exceeds `max_retry_after` the call is not
/// retried and the 429/503 is returned.
struct RetryPolicy {
  /// Total attempts including the first one (1 = never retry).
  int max_attempts = 4;
  /// Base delay before the first retry.
  std::chrono::milliseconds initial_delay{500};
  /// Growth factor of the base delay per retry.
  double multiplier = 2.0;
  /// Upper bound of the base delay.
  std::chrono::milliseconds max_delay{30000};
  /// Fraction of the base delay that jitter may remove, in [0, 1].
  double jitter = 0.5;
  /// Longest `Retry-After` the client will wait; longer ones end the retry loop.
  std::chrono::milliseconds max_retry_after{120000};
  /// Retry 5xx and network errors for non-idempotent methods (POST, PATCH) on every call.
  /// Off by default: a POST that reached GHL may have been applied. Per call:
  /// `ApiRequest::retry_non_idempotent`.
  bool retry_non_idempotent = false;
  /// Retry HTTP 429 for every method, including POST/PATCH. On by default: a 429 means GHL
  /// refused the request before processing it, so sending it again cannot apply it twice.
  bool retry_429_any_method = true;
};

/// Client-side rate limits per location (GHL: "per Marketplace app per resource").
/// These are the starting values; once a response carries `X-RateLimit-Max` and
/// `X-RateLimit-Interval-Milliseconds` the server's values replace them for that location
/// (they describe exactly what the server counts), and `X-RateLimit-Daily-Remaining` /
/// `X-RateLimit-Limit-Daily` replace the local daily count.
struct RateLimits {
  /// Turn client-side pacing off entirely (the daily-quota stop stays on).
  bool enabled = true;
  /// Requests allowed per burst window (GHL: 100).
  int burst_max = 100;
  /// Length of the burst window (GHL: 10 s).
  std::chrono::milliseconds burst_interval{10000};
  /// Requests allowed per day (GHL: 200,000).
  int64_t daily_max = 200000;
  /// Extra spacing added to the window so that network jitter between our send time and the
  /// server's receive time can never put Max+1 requests into one server window:
  /// margin = max(min_margin, interval * margin_fraction).
  double margin_fraction = 0.02;
  /// Lower bound of the safety margin.
  std::chrono::milliseconds min_margin{5};
  /// Adopt the limits the server announces in X-RateLimit-* headers.
  bool learn_from_headers = true;
};

/// Everything a `Client` needs. Only `token` is required for real calls.
struct ClientOptions {
  /// Scheme, host and optional port, no trailing slash needed.
  std::string base_url = "https://services.leadconnectorhq.com";
  /// Private Integration Token or OAuth access token (location or agency). Sent as
  /// `Authorization: Bearer <token>`; never logged, never put into errors or warnings.
  std::string token;
  /// Location (sub-account) id used to fill `locationId` / `location_id` where an endpoint
  /// takes one and the call did not give it (see ghl/client/location_fill.h). Empty = none.
  std::string default_location_id;
  /// Retry loop settings (see RetryPolicy).
  RetryPolicy retry;
  /// Client-side pacing and daily quota per location (see RateLimits).
  RateLimits limits;
  /// Per-request transport settings (timeouts, response size cap).
  http::TransportOptions transport_options;
  /// The HTTP transport; null = `http::MakeCurlTransport()`.
  std::shared_ptr<http::Transport> transport;
  /// Sleeps for backoff and pacing; null = std::this_thread::sleep_for (or `cancel`'s
  /// SleepFor when set).
  Sleeper sleeper;
  /// Optional: cancels waits and further attempts (see CancelToken); null = never.
  std::shared_ptr<CancelToken> cancel;
  /// Monotonic clock for pacing; null = std::chrono::steady_clock.
  SteadyNow steady_now;
  /// UTC wall clock for daily-reset times; null = std::chrono::system_clock.
  WallNow wall_now;
  /// Jitter source in [0, 1); null = a per-thread Mersenne Twister.
  RandomSource random;
  /// Receives warnings (Version overrides, unknown paths), each distinct one once per
  /// Connection; null = "ghl: warning: …" on stderr.
  WarningSink warning_sink;
  /// Sent as `User-Agent`.
  std::string user_agent = "ghlkit/0.1";
};

}  // namespace ghl::client
