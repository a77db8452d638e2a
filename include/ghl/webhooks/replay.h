/// \file
/// Replay protection and facts about a webhook body, read once after its signature verified.
///
/// GHL's docs (`docs/oauth/WebhookAuthentication.md`) say a delivery body carries `timestamp`
/// and `webhookId`: refuse a `timestamp` outside a window (5 minutes) and a repeated
/// `webhookId`. In the official examples (`../shared/ghl-openapi/webhooks/*.example.json`) a
/// top-level `timestamp` is an ISO 8601 string ("2025-02-10T08:26:05.961Z"; offsets such as
/// "+05:30" also occur in GHL dates); we also accept a number (JSON number or a string of
/// digits), read as epoch milliseconds
/// (values below 10^11 are read as epoch seconds). Only the top-level `timestamp` counts:
/// nested ones (e.g. `webhookPayload.timestamp` of LCEmailStats, the mail event time) do not.
/// Many event types carry neither field; those are deduplicated on a key derived from type,
/// entity id and a SHA-256 of the body, so GHL's retry of the same body is still a duplicate.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::webhooks {

/// Type marker stored for events whose body has no string `type` field (unrouted).
inline constexpr std::string_view kUnknownEventType = "unknown";

/// What the receiver needs from a body, read in one parse.
struct WebhookFacts {
  /// Top-level `type` (e.g. "ContactCreate", "INSTALL"), or "unknown".
  std::string type;
  /// Top-level `locationId`, or empty.
  std::string location_id;
  /// Top-level `webhookId`, or empty.
  std::string webhook_id;
  /// The entity the event is about: first string among top-level `id`, `_id`,
  /// `appointment.id`, `messageId`, `emailMessageId`, `contactId`, `appId`; or empty.
  std::string entity_id;
  /// Raw text of a top-level `timestamp`: the string itself, or the number as written;
  /// empty when absent.
  std::string timestamp_text;
  /// The parsed timestamp (UTC); nullopt when absent or unparseable (see timestamp_text).
  std::optional<std::chrono::system_clock::time_point> timestamp;
  /// Lower-case hex SHA-256 of the raw body bytes when there is no `webhookId` (the dedup key
  /// then needs it); empty when there is one.
  std::string body_sha256;
};

/// Parses `raw_body` once (it must be a JSON object) and extracts the facts above.
/// kUsage error when the body is not JSON or not an object.
Result<WebhookFacts> InspectBody(std::string_view raw_body);

/// Parses an ISO 8601 / RFC 3339 date-time ("2025-01-28T14:35:00Z", fractional seconds and
/// "+05:30" offsets allowed) into a UTC instant; nullopt when it is not one, or when the
/// instant is outside what `system_clock` holds (64-bit nanoseconds: 1677-09-22 to 2262-04-11).
std::optional<std::chrono::system_clock::time_point> ParseIsoTimestamp(std::string_view text);

/// The dedup key of an event: "wh:" + webhookId when present, else
/// "h:" + type + ":" + entity id + ":" + SHA-256 hex of the body. Stable for the same bytes.
std::string DedupKey(const WebhookFacts& facts);

/// Verdict of the timestamp window check.
enum class FreshnessOutcome {
  kFresh,         ///< Within the window.
  kNoTimestamp,   ///< No top-level `timestamp`: accepted (dedup still protects).
  kStale,         ///< Older than now - window: refused.
  kFuture,        ///< Later than now + window (clock skew or forgery): refused.
  kUnparseable,   ///< `timestamp` present but neither ISO 8601 nor a number: refused.
};

/// Stable lower-case name, e.g. "stale".
std::string_view ToString(FreshnessOutcome outcome);

/// Replay settings.
struct ReplayOptions {
  /// Largest accepted |now - timestamp|. GHL's docs suggest 5 minutes.
  std::chrono::milliseconds window = std::chrono::minutes(5);
};

/// The result of a freshness check; `accepted` for kFresh and kNoTimestamp.
struct Freshness {
  bool accepted = false;
  FreshnessOutcome outcome = FreshnessOutcome::kNoTimestamp;
  /// One sentence for logs, e.g. "timestamp 2025-01-28T14:35:00Z is 7 min old (window 5 min)".
  std::string reason;
  explicit operator bool() const { return accepted; }
};

/// Checks `facts.timestamp` against `now` (injected clock, UTC).
Freshness CheckFreshness(const WebhookFacts& facts, std::chrono::system_clock::time_point now,
                         const ReplayOptions& options = {});

/// Lower-case hex SHA-256 of `bytes`.
std::string Sha256Hex(std::string_view bytes);

}  // namespace ghl::webhooks
