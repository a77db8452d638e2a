// Stats JSON, Prometheus text exposition, and the routes that serve them beside the receiver.
#include "ghl/webhooks/metrics.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "ghl/core/time_format.h"
#include "ghl/webhooks/browser_guard.h"

namespace ghl::webhooks {
namespace {

constexpr store::EventState kStates[] = {store::EventState::kPending,
                                         store::EventState::kProcessing, store::EventState::kDone,
                                         store::EventState::kDead};

int64_t CountOf(const store::StateCounts& c, store::EventState s) {
  switch (s) {
    case store::EventState::kPending:
      return c.pending;
    case store::EventState::kProcessing:
      return c.processing;
    case store::EventState::kDone:
      return c.done;
    case store::EventState::kDead:
      return c.dead;
  }
  return 0;
}

nlohmann::json CountsJson(const store::StateCounts& c) {
  nlohmann::json j = nlohmann::json::object();
  for (auto s : kStates) j[std::string(store::ToString(s))] = CountOf(c, s);
  j["total"] = c.total();
  return j;
}

// Prometheus label value escaping: backslash, double quote and newline.
std::string LabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

http::Response Json(int status, const nlohmann::json& j) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.headers.Set("Cache-Control", "no-store");
  r.body = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return r;
}

}  // namespace

std::string StatsJson(const store::Stats& stats, const ReceiverCounters* counters,
                      const IsRoutedFn& is_routed) {
  nlohmann::json j;
  j["events"] = CountsJson(stats.by_state);
  j["dead"] = stats.by_state.dead;
  j["oldest_pending_age_ms"] =
      stats.oldest_pending_age ? nlohmann::json(stats.oldest_pending_age->count()) : nullptr;
  nlohmann::json by_type = nlohmann::json::object();
  for (const auto& [type, counts] : stats.by_type) {
    nlohmann::json t = CountsJson(counts);
    t["routed"] = is_routed ? is_routed(type) : IsKnownEventType(type);
    by_type[type] = std::move(t);
  }
  j["by_type"] = std::move(by_type);
  if (counters) {
    nlohmann::json r;
    r["started_at"] = FormatUtcIso(counters->started_at, IsoPrecision::kMilliseconds);
    r["received"] = counters->received();
    nlohmann::json refused = nlohmann::json::object();
    refused["total"] = counters->refused();
    for (ReceiveOutcome o : AllReceiveOutcomes()) {
      if (IsStored(o)) {
        r[std::string(ToString(o))] = counters->count(o);
      } else {
        refused[std::string(ToString(o))] = counters->count(o);
      }
    }
    r["refused"] = std::move(refused);
    j["receiver"] = std::move(r);
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string PrometheusText(const store::Stats* stats, const ReceiverCounters* counters) {
  std::string out;
  auto line = [&out](std::string_view text) {
    out.append(text);
    out.push_back('\n');
  };
  if (counters) {
    line("# HELP ghl_webhook_requests_total Webhook deliveries answered since start, by outcome.");
    line("# TYPE ghl_webhook_requests_total counter");
    for (ReceiveOutcome o : AllReceiveOutcomes()) {
      line("ghl_webhook_requests_total{outcome=\"" + std::string(ToString(o)) + "\"} " +
           std::to_string(counters->count(o)));
    }
  }
  line("# HELP ghl_events_store_up 1 when the event store answered this scrape, else 0.");
  line("# TYPE ghl_events_store_up gauge");
  line(std::string("ghl_events_store_up ") + (stats ? "1" : "0"));
  if (stats) {
    line("# HELP ghl_events Stored webhook events by queue state.");
    line("# TYPE ghl_events gauge");
    for (auto s : kStates) {
      line("ghl_events{state=\"" + std::string(store::ToString(s)) + "\"} " +
           std::to_string(CountOf(stats->by_state, s)));
    }
    line("# HELP ghl_events_by_type Stored webhook events by type and queue state.");
    line("# TYPE ghl_events_by_type gauge");
    for (const auto& [type, counts] : stats->by_type) {
      for (auto s : kStates) {
        line("ghl_events_by_type{type=\"" + LabelValue(type) + "\",state=\"" +
             std::string(store::ToString(s)) + "\"} " + std::to_string(CountOf(counts, s)));
      }
    }
    line("# HELP ghl_events_oldest_pending_seconds Age of the oldest pending event (0 if none).");
    line("# TYPE ghl_events_oldest_pending_seconds gauge");
    double age = stats->oldest_pending_age
                     ? static_cast<double>(stats->oldest_pending_age->count()) / 1000.0
                     : 0.0;
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", age);
    line(std::string("ghl_events_oldest_pending_seconds ") + buf);
  }
  return out;
}

EventsHttpApi::EventsHttpApi(std::shared_ptr<store::EventStore> store,
                             std::shared_ptr<const WebhookReceiver> receiver)
    : store_(std::move(store)), receiver_(std::move(receiver)) {}

std::optional<http::Response> EventsHttpApi::Handle(const http::Request& request) const {
  if (receiver_ && receiver_->Matches(request)) return receiver_->Handle(request);
  std::string_view path = request.Path();
  bool stats_page = path == kDefaultStatsPath;
  bool metrics_page = path == kDefaultMetricsPath;
  if (!stats_page && !metrics_page) return std::nullopt;
  if (auto signal = WebPageSignal(request)) {
    http::Response r = Json(403, {{"message", "refused a request sent by a web page (" + *signal +
                                                  "): " + std::string(path) +
                                                  " is for monitoring tools (curl, Prometheus, "
                                                  "`ghl events stats`) or a URL typed into the "
                                                  "address bar"}});
    r.headers.Set("Cache-Control", "no-store");
    return r;
  }
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = Json(405, {{"message", "use GET"}});
    r.headers.Set("Allow", "GET, HEAD");
    return r;
  }
  std::optional<ReceiverCounters> counters;
  if (receiver_) counters = receiver_->Counters();
  Result<store::Stats> stats = UsageError("not read");
  try {
    stats = store_->GetStats();
  } catch (const std::exception& e) {
    stats = Error{.kind = ErrorKind::kInternal, .messages = {e.what()}};
  }
  IsRoutedFn routed;
  if (receiver_) {
    routed = [r = receiver_.get()](std::string_view type) { return r->IsRouted(type); };
  }
  if (stats_page) {
    if (!stats.ok()) {
      return Json(
          503, {{"message", "the event store cannot be read"}, {"error", stats.error().Summary()}});
    }
    http::Response r;
    r.status = 200;
    r.headers.Set("Content-Type", "application/json; charset=utf-8");
    r.headers.Set("Cache-Control", "no-store");
    r.body = StatsJson(*stats, counters ? &*counters : nullptr, routed);
    return r;
  }
  http::Response r;
  r.status = 200;
  r.headers.Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.headers.Set("Cache-Control", "no-store");
  r.body = PrometheusText(stats.ok() ? &*stats : nullptr, counters ? &*counters : nullptr);
  return r;
}

}  // namespace ghl::webhooks
