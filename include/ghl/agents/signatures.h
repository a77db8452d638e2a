/// \file
/// Checking that a voice-agent request comes from the platform it claims (Vapi or Retell), over
/// the exact bytes received. Comparisons are constant-time; secrets never reach an error text.
///
/// Retell (docs.retellai.com "Custom Function" and "Secure the webhook"; retell-python-sdk
/// `lib/webhook_auth.py`): header `X-Retell-Signature: v=<unix ms>,d=<hex>`, where hex is
/// HMAC-SHA256 keyed with the Retell API key (the one with the webhook badge) over
/// `<raw body><unix ms digits>`; refused when |now − v| > 5 minutes.
///
/// Vapi (docs.vapi.ai "Server authentication"; OpenAPI `BearerAuthenticationPlan`,
/// `HMACAuthenticationPlan`): the secret itself in `Authorization: Bearer <secret>` (the prefix
/// is optional in Vapi's credential), in `X-Vapi-Secret` (legacy inline `server.secret`) or in
/// `X-Vapi-Signature` (what the docs' secret-token section names); or an HMAC: `x-signature`
/// carries HMAC-SHA256 (the plan's default; SHA-512 and SHA-1 too) of `{timestamp}.{body}` keyed
/// with the secret, in hex or base64 (an optional "sha256=" / "sha512=" / "sha1=" prefix),
/// `x-timestamp` the timestamp (unix seconds or ms), refused beyond ±5 minutes. The plan's
/// other header names and payload formats are not read.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::agents {

/// Largest accepted distance between a signed timestamp and now (both platforms): 5 minutes.
inline constexpr int64_t kSignatureToleranceMs = 5 * 60 * 1000;

/// Lower-case hex HMAC-SHA256 of `data` keyed with `key`.
std::string HmacSha256Hex(std::string_view key, std::string_view data);

/// The `X-Retell-Signature` value Retell would send for `body` at `timestamp_ms` (for tests and
/// local tools): "v=<timestamp_ms>,d=<hex>".
std::string SignRetell(std::string_view body, std::string_view api_key, int64_t timestamp_ms);

/// Checks an `X-Retell-Signature` header against the raw `body`. kUsage error (naming what
/// failed, never the key) when the header is missing or malformed, the timestamp is more than
/// 5 minutes from `now_ms`, or the digest does not match.
Status VerifyRetell(std::string_view body, std::string_view header, std::string_view api_key,
                    int64_t now_ms);

/// The `x-signature` value of Vapi's default HMAC plan (sha256, hex, payload
/// `{timestamp}.{body}`), for tests and local tools.
std::string SignVapiHmac(std::string_view body, std::string_view secret,
                         std::string_view timestamp);

/// Checks a request to the Vapi endpoint against `secret` by any scheme above (first the
/// secret headers, then the HMAC). kUsage error naming the scheme that failed (never the
/// secret) when none verifies.
Status VerifyVapi(const http::Request& request, std::string_view secret, int64_t now_ms);

}  // namespace ghl::agents
