/// \file
/// Telnyx Messaging API v2 adapter (https://developers.telnyx.com/api-reference/messages):
///  - send: POST {api_base}/v2/messages {"from","to","text","media_urls"?,"webhook_url"?,
///    "tags":["ghl:<messageId>"]} with `Authorization: Bearer <api key>` and
///    `Idempotency-Key: ghl-<messageId>` (Telnyx's general idempotency contract, docs
///    "api-fundamentals/idempotency": a retried key replays the first success for 24 h; whether
///    the messages endpoint declares it is NOT CONFIRMED, so a crash between the send and its
///    journal entry can still send twice on Telnyx if it ignores the key) → `data.id`.
///  - webhooks: `telnyx-signature-ed25519` (base64, 64 bytes) over `<telnyx-timestamp>|<raw
///    body>`, checked with the account's Ed25519 public key (portal: Keys & Credentials; base64
///    of the 32 raw bytes, or SPKI/PEM); the timestamp (Unix seconds) must be within
///    `tolerance` of now (Telnyx SDKs: 300 s). Telnyx wants 2xx within 2 s, else it retries.
///  - events: `message.received` (inbound: data.payload.from.phone_number, text, media[].url),
///    `message.sent` / `message.finalized` (status in data.payload.to[0].status: delivered →
///    delivered; sending_failed, delivery_failed, expired → failed; others → nothing to report).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "ghl/carriers/carrier.h"
#include "ghl/http/transport.h"

namespace ghl::carriers {

/// Telnyx settings; plain struct with defaults.
struct TelnyxOptions {
  std::string api_base = "https://api.telnyx.com";
  std::string api_key;  ///< Secret: never logged.
  /// Ed25519 public key that signs Telnyx's webhooks: base64 of the 32 raw bytes (what the
  /// portal shows), base64 DER SubjectPublicKeyInfo, or PEM.
  std::string public_key;
  std::string messaging_profile_id;  ///< Optional.
  std::string webhook_url;           ///< Optional per-message webhook URL.
  std::chrono::seconds tolerance{300};
  std::chrono::milliseconds timeout{10000};
  std::shared_ptr<http::Transport> transport;  ///< Null = libcurl.
};

/// The Telnyx adapter. kUsage error naming the option for a missing API key or an unreadable
/// public key.
Result<std::unique_ptr<Carrier>> MakeTelnyx(TelnyxOptions options);

/// Verifies one Telnyx signature: `signature_b64` over `timestamp + "|" + raw_body` with
/// `public_key` (forms as in TelnyxOptions), `timestamp` (Unix seconds) within `tolerance` of
/// `now`. kUsage error saying which check failed (missing, malformed, stale, bad signature).
Status VerifyTelnyxSignature(std::string_view public_key, std::string_view timestamp,
                             std::string_view raw_body, std::string_view signature_b64,
                             std::chrono::system_clock::time_point now,
                             std::chrono::seconds tolerance = std::chrono::seconds(300));

}  // namespace ghl::carriers
