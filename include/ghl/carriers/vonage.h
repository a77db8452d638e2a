/// \file
/// Vonage SMS API adapter (https://developer.vonage.com/messaging/sms):
///  - send: POST {api_base}/sms/json (form: api_key, api_secret, from, to without "+", text,
///    type=unicode for non-GSM text, client-ref=<GHL messageId>) → messages[0]["message-id"];
///    a messages[0].status other than "0" is the carrier's refusal (error-text).
///  - inbound SMS webhook (GET query, POST form or JSON): msisdn (sender), to, messageId, text,
///    and for a long message each part separately with concat=true, concat-ref, concat-total,
///    concat-part: the bridge reassembles them (journal.h) before logging one message.
///  - delivery receipt: messageId, status (delivered → delivered; failed, rejected, expired →
///    failed; accepted, buffered → nothing), err-code, client-ref (our GHL messageId).
///  - signed webhooks (enabled by Vonage support): `sig` = MD5 hex of the parameters sorted by
///    name, each "&name=value" (values with '&' and '=' replaced by '_'), then the signature
///    secret, with `timestamp` within 5 minutes. Without a signature secret webhooks are
///    accepted unsigned (Vonage's default) and `Verify` says so once in the log.
///  Vonage resends a webhook answered other than 200/204 for 24 h: dedupe by messageId.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ghl/carriers/carrier.h"
#include "ghl/http/transport.h"

namespace ghl::carriers {

/// Vonage settings; plain struct with defaults.
struct VonageOptions {
  std::string api_base = "https://rest.nexmo.com";
  std::string api_key;
  std::string api_secret;        ///< Secret: never logged.
  std::string signature_secret;  ///< Empty = webhooks unsigned (Vonage's default).
  std::chrono::seconds tolerance{300};
  std::chrono::milliseconds timeout{10000};
  std::shared_ptr<http::Transport> transport;  ///< Null = libcurl.
};

/// The Vonage adapter. kUsage error naming the option for a missing key or secret.
Result<std::unique_ptr<Carrier>> MakeVonage(VonageOptions options);

/// Vonage's `md5hash` signature of `params` (name → value; `sig` itself is skipped): lower-case
/// hex MD5 of "&n1=v1&n2=v2…" (sorted by name; '&' and '=' in values → '_') + secret.
std::string VonageMd5Signature(const std::vector<std::pair<std::string, std::string>>& params,
                               std::string_view secret);

}  // namespace ghl::carriers
