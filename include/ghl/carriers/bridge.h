/// \file
/// The provider bridge of `ghl serve --carrier …`: GHL's custom conversation provider on one
/// side, a carrier (carrier.h) on the other.
///
/// Routes (all POST; mounted before the playground, like the webhook receiver):
///  - `/providers/ghl/outbound`: GHL's Delivery URL. A `webhooks::WebhookReceiver` on this
///    path: `X-GHL-Signature` verified over the raw bytes (GHL's key, plus the embedded
///    sandbox's), fail closed (401), stored in the bridge's event store (`store::EventStore`:
///    its own queue, so the automations engine never takes these events) and answered 200 only
///    after the commit (429 when the store fails, so GHL retries). A repeated delivery of the
///    same bytes is a duplicate; a repeated messageId is caught by the journal.
///  - `/providers/carrier/<name>` (Telnyx: every event; Vonage: `…/vonage/inbound` and
///    `…/vonage/status`, GET too): verified by the carrier (`Carrier::Verify`, 401 when
///    refused), stored with the carrier's event id as dedup key, then 200 (within Telnyx's 2 s:
///    one group commit). Events the bridge does not use are answered 200 and not stored.
///
/// Workers claim the stored events and:
///  - hand-off → journal "out:<id>" sending → carrier send (idempotency key = GHL messageId) →
///    journal sent → ack. A hand-off already `sent` is acked without a send.
///  - carrier status → `PUT /conversations/messages/{id}/status` (ops::UpdateMessageStatus).
///    GHL's 403 "No conversation provider found for this message" (`ops::IsProviderNotReady`)
///    is retried with the store's backoff, never taken for a token problem.
///  - carrier inbound → (concatenated parts: journal until complete) → contact by E.164 phone,
///    upserted when new (ops::EnsureContactByPhone) → `POST /conversations/messages/inbound`
///    with direction "inbound" and altId = carrier message id (ops::AddInboundMessage); a
///    retry after an unknown outcome first looks for that altId in the conversation.
/// Failures go back to the store (`Fail`): retried with backoff, dead-lettered after the
/// policy's attempts, or at once for a permanent refusal (GHL or carrier 4xx).
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/carriers/carrier.h"
#include "ghl/carriers/journal.h"
#include "ghl/client/client.h"
#include "ghl/store/event_store.h"

namespace ghl::carriers {

/// Path of GHL's Delivery URL on `ghl serve`.
inline constexpr std::string_view kDeliveryPath = "/providers/ghl/outbound";
/// Prefix of the carriers' webhook routes: "/providers/carrier/<name>".
inline constexpr std::string_view kCarrierWebhookPrefix = "/providers/carrier/";

/// The answer to a request under `kCarrierWebhookPrefix` for a carrier this server does not run
/// (e.g. /providers/carrier/vonage/inbound on `ghl serve --carrier sim`): 404
/// {"status":"refused","reason":"unknown_carrier","message":…,"hint":…}, naming the carrier that
/// is configured (`configured`; "" = none) and the `--carrier` flag that changes it.
http::Response UnknownCarrierAnswer(std::string_view path, std::string_view configured);

/// Bridge settings.
struct BridgeOptions {
  std::shared_ptr<const Carrier> carrier;
  /// Sender number of outbound SMS (E.164).
  std::string from_number;
  /// The GHL API (or the sandbox) with the provider app's token.
  std::shared_ptr<const client::Client> client;
  /// Location of inbound messages (the number's sub-account); empty = the client's default.
  std::string location_id;
  /// The bridge's queue (open it with a retry policy suited to the 403 window, e.g.
  /// `DefaultBridgeRetryPolicy()`).
  std::shared_ptr<store::EventStore> store;
  std::shared_ptr<Journal> journal;
  /// Keys trusted for `X-GHL-Signature` on the Delivery URL (forms as in
  /// `webhooks::ReceiverOptions::public_keys`); empty = GHL's published keys.
  std::vector<std::string> ghl_public_keys;
  /// Local experiments only: accept unsigned hand-offs (GHL's deliveries had no signature
  /// headers for a while, highlevel-api-docs issue 224). Logged loudly.
  bool insecure_accept_unsigned = false;
  int workers = 4;
  std::chrono::milliseconds lease{5000};  ///< Longer than one send or status call.
  std::chrono::milliseconds poll{50};
  /// One line per action and failure; never a token or a message text. Null = stderr.
  std::function<void(std::string_view line)> log;
  /// UTC now (carrier timestamp windows); null = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
};

/// Backoff for the bridge's queue: 0.5 s doubling to 4 s, 40 attempts (≈2.5 min: GHL's
/// "not downstreamed yet" window is 5-10 s, sometimes longer).
store::RetryPolicy DefaultBridgeRetryPolicy();

/// Counters since Create.
struct BridgeCounters {
  uint64_t sent = 0;             ///< Carrier sends that succeeded.
  uint64_t send_skipped = 0;     ///< Hand-offs already sent (journal).
  uint64_t statuses = 0;         ///< Statuses reported to GHL.
  uint64_t status_retries = 0;   ///< Status updates answered "not downstreamed yet" (403).
  uint64_t inbound_logged = 0;   ///< Inbound messages logged in GHL.
  uint64_t inbound_skipped = 0;  ///< Inbound already logged (journal or altId found).
  uint64_t parts_waiting = 0;    ///< Concatenated parts stored until the rest arrive.
  uint64_t failures = 0;         ///< Events failed back to the store.
};

/// The bridge. Thread-safe; Start/Stop from one thread.
class ProviderBridge {
 public:
  /// kUsage error for a missing carrier, client, store or journal, or an unreadable key.
  static Result<std::unique_ptr<ProviderBridge>> Create(BridgeOptions options);
  ~ProviderBridge();
  ProviderBridge(const ProviderBridge&) = delete;
  ProviderBridge& operator=(const ProviderBridge&) = delete;

  /// True for the bridge's routes (`kDeliveryPath`, `kCarrierWebhookPrefix` + …).
  bool Matches(const http::Request& request) const;
  /// Answers one request to a bridge route through `reply`, exactly once (after the commit
  /// for a stored event). Never throws.
  void HandleAsync(const http::Request& request, std::function<void(http::Response)> reply) const;

  /// Starts `workers` threads claiming and processing events.
  Status Start();
  /// Stops claiming; each worker finishes its event. Idempotent.
  void Stop();
  /// Processes due events on the calling thread until none is due; returns how many.
  Result<int> Drain(int max_events = 1000000);

  BridgeCounters Counters() const;

 private:
  struct Impl;
  explicit ProviderBridge(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghl::carriers
