#include "ghl/client/retry_policy.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace ghl::client {

bool IsIdempotentMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

// 501 (not implemented), 505, 507… say the same thing every time: answered at once.
bool IsRetryableStatus(int status) {
  return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

bool MayRetry(const RetryPolicy& policy, std::string_view method, RetryCause cause,
              bool call_opt_in) {
  if (IsIdempotentMethod(method)) return true;
  if (cause == RetryCause::kRateLimited && policy.retry_429_any_method) return true;
  return call_opt_in || policy.retry_non_idempotent;
}

std::chrono::milliseconds BaseBackoff(const RetryPolicy& policy, int retry) {
  double ms = static_cast<double>(policy.initial_delay.count()) *
              std::pow(policy.multiplier, std::max(0, retry - 1));
  double cap = static_cast<double>(policy.max_delay.count());
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(ms, cap)));
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, double unit_random) {
  double base = static_cast<double>(BaseBackoff(policy, retry).count());
  double jitter = std::clamp(policy.jitter, 0.0, 1.0);
  double r = std::clamp(unit_random, 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(base * (1.0 - jitter * r))));
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const http::Headers& headers) {
  auto value = headers.Get("Retry-After");
  if (!value) return std::nullopt;
  std::string_view s = *value;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  double seconds = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), seconds);
  if (ec != std::errc() || end != s.data() + s.size() || seconds < 0 || s.empty()) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(static_cast<int64_t>(std::ceil(seconds * 1000.0)));
}

}  // namespace ghl::client
