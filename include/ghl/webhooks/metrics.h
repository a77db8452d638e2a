/// \file
/// Observability of the webhook queue: the JSON of `GET /api/events/stats` (and of
/// `ghl events stats --json`), the Prometheus text exposition of `GET /metrics`, and a small
/// router that serves the receiver and both pages in front of another handler.
///
/// `/api/events/stats` JSON:
/// ```
/// {"events":{"pending":1,"processing":0,"done":7,"dead":0,"total":8},
///  "dead":0,
///  "oldest_pending_age_ms":1234,            // null when nothing is pending
///  "by_type":{"ContactCreate":{"pending":1,"processing":0,"done":2,"dead":0,"total":3,
///                              "routed":true}, ...},
///  "receiver":{"started_at":"2025-01-28T14:35:00.000Z","received":12,"accepted":8,
///              "duplicate":2,"insecure_accepted":0,
///              "refused":{"total":2,"unsigned":1,"bad_signature":1,"rsa_after_cutoff":0,
///                         "stale":0,"too_large":0,"store_unavailable":0,"browser":0}}}
/// ```
/// (`receiver` is present only when a receiver runs in the process.)
///
/// `/metrics` (text/plain; version=0.0.4):
///  - `ghl_webhook_requests_total{outcome="accepted|duplicate|insecure_accepted|unsigned|
///    bad_signature|rsa_after_cutoff|stale|too_large|store_unavailable|browser"}` counter,
///    since start;
///  - `ghl_events{state="pending|processing|done|dead"}` gauge;
///  - `ghl_events_by_type{type="…",state="…"}` gauge;
///  - `ghl_events_oldest_pending_seconds` gauge (0 when nothing is pending);
///  - `ghl_events_store_up` gauge: 1 when the store answered, else 0 (then the event gauges are
///    absent).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/http/message.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/receiver.h"

namespace ghl::webhooks {

/// Default paths of the two observability pages.
inline constexpr std::string_view kDefaultStatsPath = "/api/events/stats";
inline constexpr std::string_view kDefaultMetricsPath = "/metrics";

/// Whether a type is routed (see `ReceiverOptions::is_routed`).
using IsRoutedFn = std::function<bool(std::string_view type)>;

/// The stats JSON above (compact, one line). `counters` null: no `receiver` member.
/// `is_routed` null: `IsKnownEventType`.
std::string StatsJson(const store::Stats& stats, const ReceiverCounters* counters,
                      const IsRoutedFn& is_routed = {});

/// The Prometheus text exposition above. `stats` null: the store did not answer
/// (`ghl_events_store_up 0`, no event gauges). `counters` null: no request counters.
std::string PrometheusText(const store::Stats* stats, const ReceiverCounters* counters);

/// Serves, in front of any other handler: the receiver's path (any method; the receiver
/// answers 405 for non-POST), `GET /api/events/stats` and `GET /metrics`. These routes ignore
/// the `Host` header (GHL's deliveries carry the public host name), so they refuse web pages
/// instead: the receiver any browser request, the two pages a request a web page made
/// (`WebPageSignal`: a URL a person types still opens) → 403 JSON. Thread-safe.
class EventsHttpApi {
 public:
  /// `store` must not be null; `receiver` may be null (then only the two pages are served).
  EventsHttpApi(std::shared_ptr<store::EventStore> store,
                std::shared_ptr<const WebhookReceiver> receiver);

  /// The answer when `request` is one of the routes above, else nullopt (pass it on).
  /// Stats when the store fails: 503 JSON; /metrics still answers 200 with store_up 0.
  std::optional<http::Response> Handle(const http::Request& request) const;

 private:
  std::shared_ptr<store::EventStore> store_;
  std::shared_ptr<const WebhookReceiver> receiver_;
};

}  // namespace ghl::webhooks
