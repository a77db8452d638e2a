/// \file
/// The sandbox sends webhooks: `WebhookDelivery` POSTs each event the sandbox emits (see
/// `sandbox::WebhookSink`) to a configured URL, signed the way GHL signs its deliveries, so a
/// receiver (`ghl serve`, `POST /webhooks/ghl`) can verify it with the sandbox's public key.
///
/// What a delivery looks like (GHL's shape, see `webhooks/signature_verifier.h`):
///   POST <url>
///   Content-Type: application/json
///   X-GHL-Signature: <base64 Ed25519 signature over exactly the body bytes>
///   <the event JSON, byte for byte as the sandbox produced it>
///
/// Behaviour:
///  - `Enqueue` never blocks on the network: it appends to a bounded in-memory FIFO and returns
///    (the sandbox's request path stays fast). A full queue drops the event and logs it.
///  - One background thread signs and sends events in order. Like GHL, it retries **only** on
///    429 and on network errors (no HTTP answer: refused, reset, timeout), with exponential
///    backoff (honouring `Retry-After` seconds, capped by `max_backoff`), up to `max_attempts`
///    sends; any other non-2xx status drops the event at once and logs it. While one event
///    waits for a retry the events behind it wait too (order is kept).
///  - The queue lives in memory: events still queued when the process dies are lost (the
///    sandbox is a test tool; GHL itself gives no stronger guarantee to a receiver that fails).
///
/// The key: `LoadOrCreateWebhookKey` keeps the Ed25519 private key in a PEM file (created with
/// mode 0600 when missing) so a restarted sandbox keeps its public key; without a file a fresh
/// key is generated at every start. The public half, base64 DER SubjectPublicKeyInfo (the form
/// GHL publishes its own key in), is what a receiver is configured to trust.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ghl/core/result.h"
#include "ghl/http/transport.h"
#include "ghl/webhooks/signer.h"

namespace ghl::sandbox {

/// Path (outside GHL's API paths, no token needed) where a running sandbox publishes its
/// webhook public key: `GET /sandbox/webhook-public-key` → 200 {"ed25519":"<base64 SPKI>"}.
inline constexpr std::string_view kWebhookPublicKeyPath = "/sandbox/webhook-public-key";

/// Delivery settings; plain struct with defaults.
struct WebhookDeliveryOptions {
  /// Absolute http(s) URL events are POSTed to, e.g. "http://127.0.0.1:8080/webhooks/ghl".
  /// Empty: nothing is sent (events are ignored) until `WebhookDelivery::SetUrl`.
  std::string url;
  /// Ed25519 private key file (PKCS#8 PEM): loaded when it exists, else created (mode 0600).
  /// Empty: a fresh key at every start. Used by `RunningSandbox::Start`.
  std::string key_file;
  /// Most events waiting in memory; further events are dropped (and logged) while it is full.
  size_t queue_capacity = 10000;
  /// Most sends of one event (first send included) on 429 / network errors before it is
  /// dropped. The default schedule waits 1+2+4+8+16+32+60 s ≈ 2 min in all, well inside the
  /// receiver's 5-minute timestamp window.
  int max_attempts = 8;
  /// Wait before the first retry; doubles after each further failure. Milliseconds.
  std::chrono::milliseconds initial_backoff{1000};
  /// Longest wait between two sends of one event (also caps `Retry-After`). Milliseconds.
  std::chrono::milliseconds max_backoff{60000};
  /// Whole-request timeout of one send (a timeout is a network error: retried). Milliseconds.
  std::chrono::milliseconds timeout{10000};
  /// HTTP transport; null = libcurl (`http::MakeCurlTransport`). Tests inject fakes.
  std::shared_ptr<http::Transport> transport;
  /// One line per dropped event or failed attempt; never holds the body or key material.
  /// Null = standard error.
  std::function<void(std::string_view line)> log;
};

/// Counters since the delivery started.
struct WebhookDeliveryCounters {
  uint64_t enqueued = 0;          ///< Events accepted into the queue.
  uint64_t delivered = 0;         ///< Events answered 2xx.
  uint64_t retries = 0;           ///< Re-sends after a 429 or a network error.
  uint64_t dropped_full = 0;      ///< Events refused because the queue was full.
  uint64_t dropped_status = 0;    ///< Events dropped on a non-2xx, non-429 answer (not retried).
  uint64_t dropped_attempts = 0;  ///< Events dropped after `max_attempts` sends.
  uint64_t dropped_stopped = 0;   ///< Events still queued when `Stop` gave up waiting.
  size_t queued = 0;              ///< Events waiting now (including one being sent).
};

/// Signs and POSTs sandbox events from a background thread. Thread-safe.
class WebhookDelivery {
 public:
  /// Starts the background thread. kUsage error when `options.url` is set but not an absolute
  /// http(s) URL, or when `signer` is not an Ed25519 key.
  static Result<std::unique_ptr<WebhookDelivery>> Start(WebhookDeliveryOptions options,
                                                        webhooks::WebhookSigner signer);
  /// Stops (see `Stop`) with a 2 s drain.
  ~WebhookDelivery();
  WebhookDelivery(const WebhookDelivery&) = delete;
  WebhookDelivery& operator=(const WebhookDelivery&) = delete;

  /// Queues one event (`json`: the exact bytes to send; `event_type` for logs). Returns false,
  /// without blocking, when no URL is set, the delivery is stopped, or the queue is full (the
  /// last case is counted and logged). Matches `sandbox::WebhookSink`.
  bool Enqueue(std::string_view event_type, std::string_view json);

  /// Queues one body for `url` instead of the delivery's URL (a conversation provider's
  /// Delivery URL), signed and retried the same way. False when `url` is not absolute http(s),
  /// the delivery is stopped, or the queue is full.
  bool EnqueueTo(std::string url, std::string_view event_type, std::string_view json);

  /// Sets or replaces the target URL (e.g. once `ghl serve` knows its own port); queued events
  /// go to the new URL. Empty stops sending new events. kUsage error for a non-http(s) URL.
  Status SetUrl(std::string url);
  /// The current target URL (empty = none).
  std::string url() const;

  /// Waits until the queue is empty (everything delivered or dropped), at most `timeout`.
  /// True when it emptied in time.
  bool Flush(std::chrono::milliseconds timeout);

  /// Stops accepting events, keeps sending what is queued for at most `drain`, then ends the
  /// thread (an event in its backoff wait is abandoned); what is left is counted in
  /// `dropped_stopped` and logged. Idempotent.
  void Stop(std::chrono::milliseconds drain = std::chrono::seconds(2));

  /// The public key, base64 DER SubjectPublicKeyInfo (give it to the receiver).
  const std::string& public_key_base64() const;

  WebhookDeliveryCounters Counters() const;

 private:
  struct Impl;
  explicit WebhookDelivery(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// The sandbox's Ed25519 webhook key from `path`: loaded when the file exists (kUsage error
/// naming the path when it is unreadable or not an Ed25519 PKCS#8 PEM key), else generated and
/// written there with mode 0600 (kUsage error naming the path when it cannot be written).
/// Empty `path`: a fresh key, nothing written.
Result<webhooks::WebhookSigner> LoadOrCreateWebhookKey(const std::string& path);

}  // namespace ghl::sandbox
