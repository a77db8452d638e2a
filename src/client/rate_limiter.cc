#include "ghl/client/rate_limiter.h"

#include <algorithm>
#include <charconv>
#include <ctime>
#include <vector>

#include "ghl/core/time_format.h"

namespace ghl::client {
namespace {

using SteadyPoint = std::chrono::steady_clock::time_point;

std::optional<int64_t> HeaderInt(const http::Headers& headers, std::string_view name) {
  auto value = headers.Get(name);
  if (!value) return std::nullopt;
  std::string_view s = *value;
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  int64_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return n;
}

std::chrono::milliseconds CeilMs(std::chrono::steady_clock::duration d) {
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d);
  return std::max(ms, std::chrono::milliseconds(1));
}

std::chrono::system_clock::time_point NextUtcMidnight(std::chrono::system_clock::time_point t) {
  return std::chrono::floor<std::chrono::days>(t) + std::chrono::days(1);
}

}  // namespace

bool RateLimitHeaders::any() const {
  return max || remaining || interval_ms || daily_limit || daily_remaining;
}

std::string RateLimitHeaders::Describe() const {
  std::string out;
  auto add = [&](std::string_view name, const std::optional<int64_t>& v) {
    if (!v) return;
    if (!out.empty()) out += ", ";
    out += name;
    out += '=';
    out += std::to_string(*v);
  };
  add("Max", max);
  add("Remaining", remaining);
  add("Interval-Milliseconds", interval_ms);
  add("Limit-Daily", daily_limit);
  add("Daily-Remaining", daily_remaining);
  return out;
}

RateLimitHeaders ParseRateLimitHeaders(const http::Headers& headers) {
  RateLimitHeaders h;
  h.max = HeaderInt(headers, "X-RateLimit-Max");
  h.remaining = HeaderInt(headers, "X-RateLimit-Remaining");
  h.interval_ms = HeaderInt(headers, "X-RateLimit-Interval-Milliseconds");
  h.daily_limit = HeaderInt(headers, "X-RateLimit-Limit-Daily");
  h.daily_remaining = HeaderInt(headers, "X-RateLimit-Daily-Remaining");
  return h;
}

RateLimiter::RateLimiter(RateLimits limits, SteadyNow steady_now, WallNow wall_now)
    : limits_(limits), steady_now_(std::move(steady_now)), wall_now_(std::move(wall_now)) {
  if (!steady_now_) steady_now_ = [] { return std::chrono::steady_clock::now(); };
  if (!wall_now_) wall_now_ = [] { return std::chrono::system_clock::now(); };
}

std::chrono::milliseconds RateLimiter::Margin(std::chrono::milliseconds interval) const {
  auto fraction = std::chrono::milliseconds(
      static_cast<int64_t>(static_cast<double>(interval.count()) * limits_.margin_fraction));
  return std::max(limits_.min_margin, fraction);
}

RateLimiter::KeyState& RateLimiter::StateFor(const std::string& key) {
  auto it = states_.find(key);
  if (it == states_.end()) {
    KeyState s;
    s.burst_max = limits_.burst_max;
    s.burst_interval = limits_.burst_interval;
    s.daily_limit = limits_.daily_max;
    s.daily_reset = NextUtcMidnight(wall_now_());
    it = states_.emplace(key, std::move(s)).first;
  }
  return it->second;
}

void RateLimiter::RollDay(KeyState& state, std::chrono::system_clock::time_point wall) const {
  if (wall < state.daily_reset) return;
  state.local_daily_count = 0;
  state.server_daily_remaining.reset();  // let one request probe the server's count
  state.sends_since_daily_observation = 0;
  state.daily_reset = NextUtcMidnight(wall);
}

void RateLimiter::Prune(KeyState& state, SteadyPoint now) const {
  // Keep two windows of history: Observe compares with what the server counted up to one
  // round trip ago.
  auto keep = 2 * (state.burst_interval + Margin(state.burst_interval));
  while (!state.sends.empty() && state.sends.front() <= now - keep) state.sends.pop_front();
  if (state.phantom > 0 && state.phantom_until <= now) state.phantom = 0;
}

Result<std::chrono::milliseconds> RateLimiter::TryAcquire(const std::string& key,
                                                          std::string_view label) {
  std::lock_guard lock(mutex_);
  KeyState& state = StateFor(key);
  RollDay(state, wall_now_());

  bool daily_spent = state.server_daily_remaining
                         ? *state.server_daily_remaining - state.sends_since_daily_observation <= 0
                         : state.local_daily_count >= state.daily_limit;
  if (daily_spent) {
    Error e;
    e.kind = ErrorKind::kRateLimit;
    e.messages.push_back("daily quota of " + std::to_string(state.daily_limit) +
                         " requests spent for " + std::string(label) + "; resets at " +
                         ghl::FormatUtcIso(state.daily_reset));
    e.hint = "Nothing was sent. GHL allows " + std::to_string(state.daily_limit) +
             " requests per app per location per day; wait for the reset (GHL does not publish the "
             "reset time, ghlkit assumes midnight UTC) or spread the work over several days.";
    return e;
  }

  SteadyPoint now = steady_now_();
  if (limits_.enabled) {
    Prune(state, now);
    auto window = state.burst_interval + Margin(state.burst_interval);
    auto first_in_window = std::upper_bound(state.sends.begin(), state.sends.end(), now - window);
    int64_t phantom = state.phantom;
    int64_t count = static_cast<int64_t>(state.sends.end() - first_in_window) + phantom;
    if (count >= state.burst_max) {
      // Earliest time at which fewer than burst_max sends (and reserved slots) remain in the
      // window: walk the expiries in time order.
      std::vector<std::pair<SteadyPoint, int64_t>> expiries;
      expiries.reserve(static_cast<size_t>(state.sends.end() - first_in_window) + 1);
      for (auto it = first_in_window; it != state.sends.end(); ++it) {
        expiries.emplace_back(*it + window, 1);
      }
      if (phantom > 0) expiries.emplace_back(state.phantom_until, phantom);
      std::sort(expiries.begin(), expiries.end());
      SteadyPoint when = now;
      for (const auto& [at, n] : expiries) {
        count -= n;
        when = at;
        if (count < state.burst_max) break;
      }
      return CeilMs(when - now);
    }
    // Keep the log sorted even if another thread recorded a later instant first.
    state.sends.insert(std::upper_bound(state.sends.begin(), state.sends.end(), now), now);
  }
  ++state.local_daily_count;
  ++state.sends_since_daily_observation;
  return std::chrono::milliseconds(0);
}

Status RateLimiter::Acquire(const std::string& key, std::string_view label,
                            const Sleeper& sleeper, const std::function<bool()>& cancelled) {
  for (;;) {
    auto wait = TryAcquire(key, label);
    if (!wait.ok()) return wait.error();
    if (wait->count() == 0) return Ok{};
    sleeper(*wait);
    if (cancelled && cancelled()) {
      Error e;
      e.kind = ErrorKind::kNetwork;
      e.messages.push_back("cancelled while waiting for a rate-limit slot for " +
                           std::string(label) + "; nothing was sent");
      return e;
    }
  }
}

void RateLimiter::Observe(const std::string& key, const http::Headers& headers,
                          std::optional<SteadyPoint> sent_at) {
  RateLimitHeaders h = ParseRateLimitHeaders(headers);
  if (!h.any()) return;
  std::lock_guard lock(mutex_);
  KeyState& state = StateFor(key);
  SteadyPoint now = steady_now_();
  if (limits_.learn_from_headers && h.max && *h.max > 0 && h.interval_ms && *h.interval_ms > 0) {
    state.burst_max = *h.max;
    state.burst_interval = std::chrono::milliseconds(*h.interval_ms);
    state.learned = true;
  }
  if (h.daily_limit && *h.daily_limit > 0) state.daily_limit = *h.daily_limit;
  if (h.daily_remaining) {
    state.server_daily_remaining = *h.daily_remaining;
    state.sends_since_daily_observation = 0;
  }
  if (h.remaining && limits_.enabled) {
    int64_t max = h.max.value_or(state.burst_max);
    int64_t server_used = max - *h.remaining;
    // Every own send the server may have had in its window when it counted: the server
    // counted at some instant between `sent_at` and now, over the Interval before it.
    SteadyPoint since = sent_at.value_or(now) - state.burst_interval - Margin(state.burst_interval);
    // `sends` is ascending: a binary search, not a walk over every send still kept (a
    // limit of 100,000 per 10 s keeps that many, and this runs on every answer).
    int64_t ours =
        state.sends.end() - std::upper_bound(state.sends.begin(), state.sends.end(), since);
    int64_t others = server_used - ours;
    if (others > 0) {
      // The server counted requests this limiter did not send: hold that many slots until
      // they surely left the server's window.
      state.phantom = others;
      state.phantom_until = now + state.burst_interval + Margin(state.burst_interval);
    }
  }
}

LimiterSnapshot RateLimiter::Snapshot(const std::string& key) const {
  std::lock_guard lock(mutex_);
  LimiterSnapshot snap;
  auto it = states_.find(key);
  if (it == states_.end()) {
    snap.burst_max = limits_.burst_max;
    snap.burst_interval = limits_.burst_interval;
    snap.daily_limit = limits_.daily_max;
    return snap;
  }
  const KeyState& s = it->second;
  SteadyPoint now = steady_now_();
  auto window = s.burst_interval + Margin(s.burst_interval);
  snap.burst_max = s.burst_max;
  snap.burst_interval = s.burst_interval;
  snap.learned = s.learned;
  snap.sends_in_window = std::count_if(s.sends.begin(), s.sends.end(),
                                       [&](SteadyPoint t) { return t > now - window; });
  snap.daily_limit = s.daily_limit;
  if (s.server_daily_remaining) {
    snap.daily_remaining = *s.server_daily_remaining - s.sends_since_daily_observation;
  } else {
    snap.daily_remaining = s.daily_limit - s.local_daily_count;
  }
  return snap;
}

}  // namespace ghl::client
