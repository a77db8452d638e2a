/// \file
/// The small, pure pieces of the retry loop: which methods are idempotent, which answers are
/// retryable, the backoff schedule with jitter, and `Retry-After`. The loop itself lives in the
/// `Connection` (ghl/client/connection.h); these functions let tests check the schedule exactly.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "ghl/client/options.h"
#include "ghl/http/message.h"

namespace ghl::client {

/// True for GET, HEAD, PUT, DELETE and OPTIONS (RFC 9110 idempotent methods); false for POST
/// and PATCH. Case-sensitive: methods are upper case throughout ghlkit.
bool IsIdempotentMethod(std::string_view method);

/// True for 429 (Too Many Requests) and the transient server statuses 500, 502, 503 and 504;
/// false for 501 (not implemented: the sandbox's "not emulated" too) and every other status.
bool IsRetryableStatus(int status);

/// Why a retry may happen; decides whether a non-idempotent method may be retried.
enum class RetryCause {
  kRateLimited,  ///< HTTP 429: the server refused before processing.
  kServerError,  ///< HTTP 5xx: the request may or may not have been applied.
  kNetwork,      ///< No HTTP answer: the request may or may not have reached the server.
};

/// Whether `method` may be retried after `cause` under `policy`, given the per-call opt-in
/// `call_opt_in` (ApiRequest::retry_non_idempotent). Idempotent methods always may.
bool MayRetry(const RetryPolicy& policy, std::string_view method, RetryCause cause,
              bool call_opt_in);

/// The base (un-jittered) delay before retry number `retry` (1 = first retry):
/// min(max_delay, initial_delay * multiplier^(retry-1)).
std::chrono::milliseconds BaseBackoff(const RetryPolicy& policy, int retry);

/// The jittered delay before retry number `retry`, with `unit_random` in [0, 1):
/// BaseBackoff * (1 - jitter * unit_random), rounded to whole milliseconds. Always within
/// [BaseBackoff * (1 - jitter), BaseBackoff].
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random);

/// `Retry-After` as a duration when it is a non-negative number of seconds (GHL and the sandbox
/// send seconds); nullopt when absent or not a number (HTTP-date forms are ignored).
std::optional<std::chrono::milliseconds> ParseRetryAfter(const http::Headers& headers);

}  // namespace ghl::client
