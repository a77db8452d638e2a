/// \file
/// The webhook receiver: `POST /webhooks/ghl` → signature check over the exact bytes → replay
/// checks → durable enqueue in the event store → 200. A pure handler from `http::Request` to
/// `http::Response` (no sockets), mounted by `ghl serve` before the playground.
///
/// Order of checks on one delivery (each refusal stores nothing):
///  0. Not from a web browser: a request carrying `Origin` or any `Sec-Fetch-*` header
///     (`BrowserSignal`, browser_guard.h) → **403**, whatever the method and in every mode
///     (GHL never sends them; a web page must not be able to post events, least of all in
///     insecure mode).
///  1. Path and method: another path → 404, another method → 405 (`Allow: POST`).
///  2. Size: a body over `max_body_bytes` → 413 (the HTTP server's own cap also applies and
///     answers 413 before this handler runs; those are not counted here).
///  3. Signature over the exact received bytes, before anything parses them (see
///     signature_verifier.h): `X-GHL-Signature` (Ed25519) or the legacy `x-wh-signature`
///     (RSA-SHA256; refused when alone after the RSA cutoff). Fail closed: no valid signature
///     → 401 JSON.
///  4. Body facts (`InspectBody`): a signed body that is not a JSON object is still stored, as
///     type "unknown" (unrouted), deduplicated on a hash of its bytes — a genuine delivery is
///     never dropped because we cannot read it.
///  5. Timestamp window (`CheckFreshness`): a top-level `timestamp` older or later than
///     `timestamp_window` (default 5 min), or unreadable → **400** (the signature is genuine,
///     so this is not an authentication failure but an unacceptable request; GHL does not
///     retry 400, and retrying a stale delivery would not make it fresh). A body without a
///     top-level `timestamp` (most of GHL's event types have none) is accepted, signed or (in
///     insecure mode) unsigned; its replay protection is the dedup key alone: the same
///     webhookId, or the same bytes, is a duplicate for as long as the event is stored (ADR
///     0004).
///  6. Durable enqueue: `EventStore::Append` (idempotent on `DedupKey`, returns after the
///     commit; concurrent requests share commits). New → 200 {"status":"accepted"}, already
///     stored → 200 {"status":"duplicate"} (nothing stored, not processed twice). Any store
///     error (I/O, lock or connection timeout, full disk, exception) → **429** with
///     `Retry-After`, never 500: 429 is the only status GHL retries, so the event is not lost.
///
/// JSON answers: {"status":"accepted","id":N,"type":"ContactCreate","routed":true},
/// {"status":"duplicate","id":N}, {"status":"refused","reason":"bad_signature",
/// "message":"..."} (reason = the `ReceiveOutcome` name).
///
/// `insecure_accept_unsigned` (local experiments only): a delivery without a valid signature
/// is accepted instead of refused (steps 4–6 still apply), a warning is logged at creation and
/// for every such event, and every answer carries `X-Ghlkit-Insecure`.
///
/// Thread-safety: `Handle`/`HandleAsync` run on every server thread at once; verification takes no
/// lock (verifiers are immutable), counters are atomics, and the store groups concurrent commits.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/http/message.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/signature_verifier.h"

namespace ghl::webhooks {

/// Default path of the receiver route.
inline constexpr std::string_view kDefaultWebhookPath = "/webhooks/ghl";

/// Header present on every receiver answer in insecure mode.
inline constexpr std::string_view kInsecureHeader = "X-Ghlkit-Insecure";

/// What the receiver did with one delivery (one counter each; stable names for metrics).
enum class ReceiveOutcome {
  kAccepted,          ///< "accepted": verified and newly stored (200).
  kDuplicate,         ///< "duplicate": verified, already stored (200, nothing stored).
  kInsecureAccepted,  ///< "insecure_accepted": no valid signature, stored in insecure mode (200).
  kUnsigned,          ///< "unsigned": no signature header (401).
  kBadSignature,      ///< "bad_signature": signature not base64, wrong key, tampered (401).
  kRsaAfterCutoff,    ///< "rsa_after_cutoff": only `x-wh-signature`, after the cutoff (401).
  kStale,             ///< "stale": `timestamp` outside the window or unreadable (400).
  kTooLarge,          ///< "too_large": body over `max_body_bytes` (413).
  kStoreUnavailable,  ///< "store_unavailable": the store failed; GHL will retry (429).
  kBrowser,           ///< "browser": sent by a web browser (`Origin`/`Sec-Fetch-*`) (403).
};

/// Number of `ReceiveOutcome` values.
inline constexpr size_t kReceiveOutcomeCount = 10;

/// Stable lower-case name, e.g. "bad_signature" (metrics label, JSON `reason`).
std::string_view ToString(ReceiveOutcome outcome);

/// All outcomes, in declaration order.
const std::array<ReceiveOutcome, kReceiveOutcomeCount>& AllReceiveOutcomes();

/// True for outcomes answered 200 (the event is in the store).
bool IsStored(ReceiveOutcome outcome);

/// Snapshot of the receiver's counters since it was created.
struct ReceiverCounters {
  /// When the receiver was created (UTC).
  std::chrono::system_clock::time_point started_at{};
  /// Deliveries per outcome, indexed by `static_cast<size_t>(ReceiveOutcome)`.
  std::array<uint64_t, kReceiveOutcomeCount> by_outcome{};

  uint64_t count(ReceiveOutcome outcome) const { return by_outcome[static_cast<size_t>(outcome)]; }
  /// Every delivery that reached a verdict (404/405 are not counted).
  uint64_t received() const;
  /// Deliveries refused (401, 400, 403, 413, 429).
  uint64_t refused() const;
};

/// GHL's documented webhook event types (the `type` values of the official examples and the
/// names of `../shared/ghl-openapi/webhooks/*.schema.json`, e.g. "ContactCreate", "INSTALL").
const std::vector<std::string>& KnownEventTypes();

/// True when `type` is in `KnownEventTypes()`. The default `is_routed`.
bool IsKnownEventType(std::string_view type);

/// Receiver settings; plain struct with defaults.
struct ReceiverOptions {
  /// Route path (exact match on the request path, query ignored).
  std::string path = std::string(kDefaultWebhookPath);
  /// Trusted public keys, each Ed25519 or RSA (type detected), as PEM ("-----BEGIN PUBLIC
  /// KEY-----", or PKCS#1 "RSA PUBLIC KEY") or base64 DER SubjectPublicKeyInfo. A delivery is
  /// accepted when any key of the deciding algorithm verifies it (keys are tried starting with
  /// the one that verified the previous delivery, so a steady sender costs one verification per
  /// delivery). Default: GHL's published Ed25519 and RSA keys. Replace them for key
  /// rotation; add the sandbox's key to trust its webhooks. Empty list: every delivery is
  /// refused (unless insecure).
  std::vector<std::string> public_keys = {std::string(kGhlEd25519PublicKey),
                                          std::string(kGhlRsaPublicKeyPem)};
  /// UTC instant after which a delivery signed only with RSA is refused; nullopt = never
  /// (accept RSA forever). Default 2026-07-01T00:00:00Z (`DefaultRsaCutoffUtc`).
  std::optional<std::chrono::system_clock::time_point> rsa_cutoff_utc = DefaultRsaCutoffUtc();
  /// Largest accepted |now - body `timestamp`|.
  std::chrono::milliseconds timestamp_window = std::chrono::minutes(5);
  /// Largest accepted body, bytes (larger → 413). Keep it below the HTTP server's cap so
  /// oversized deliveries are counted here.
  size_t max_body_bytes = 512u * 1024u;
  /// Local experiments only: accept deliveries without a valid signature (see file comment).
  bool insecure_accept_unsigned = false;
  /// "Now" (UTC) for the RSA cutoff, the timestamp window and `received_at`; null = system clock.
  std::function<std::chrono::system_clock::time_point()> clock;
  /// Whether a worker routes events of a type (shown as routed/unrouted, never used to drop);
  /// null = `IsKnownEventType`. The automations router may supply its own.
  std::function<bool(std::string_view type)> is_routed;
  /// Receives one line per warning (insecure mode, store failures, first refusal of each kind);
  /// null = standard error. Lines never contain key material, bodies or secrets.
  std::function<void(std::string_view line)> log;
};

/// Parses a `--rsa-cutoff` value: "never" (→ nullopt), a date "2026-07-01" (midnight UTC) or
/// an RFC 3339 date-time. kUsage error naming the accepted forms otherwise.
Result<std::optional<std::chrono::system_clock::time_point>> ParseRsaCutoff(std::string_view text);

/// The `POST /webhooks/ghl` handler. Create once, share between server threads.
class WebhookReceiver {
 public:
  /// Parses the keys (kUsage error naming the key by position when one is neither an Ed25519
  /// nor an RSA public key) and logs the insecure-mode warning. `store` must not be null.
  static Result<std::unique_ptr<WebhookReceiver>> Create(ReceiverOptions options,
                                                         std::shared_ptr<store::EventStore> store);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  /// Answers one request to `options().path` (see the file comment for the statuses).
  /// Never throws; never answers 500.
  http::Response Handle(const http::Request& request) const;

  /// The same answer as `Handle`, delivered through `reply` exactly once: refusals inline,
  /// before returning; a storable delivery once the store's (group) commit is durable — on the
  /// store's committer thread (`EventStore::AppendAsync`), so `reply` must be quick (hand the
  /// answer to the server, e.g. `server::Responder`). The calling thread never waits for the
  /// disk: with `server::AsyncHandler`, a few server threads verify in parallel while many
  /// deliveries share one commit. The receiver must outlive every pending `reply`. Never throws.
  void HandleAsync(const http::Request& request, std::function<void(http::Response)> reply) const;

  /// True when `request` targets this receiver's path (any method).
  bool Matches(const http::Request& request) const;

  /// Counters since creation.
  ReceiverCounters Counters() const;

  /// Whether events of `type` are routed (the configured `is_routed`).
  bool IsRouted(std::string_view type) const;

  /// Number of trusted Ed25519 / RSA keys.
  size_t ed25519_key_count() const;
  size_t rsa_key_count() const;

  const ReceiverOptions& options() const;

 private:
  struct Impl;
  explicit WebhookReceiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghl::webhooks
