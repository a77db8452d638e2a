/// \file
/// Carrier adapters for GHL's custom conversation provider ("SMS through any carrier"): what a
/// carrier can do for the provider bridge (bridge.h) — send one SMS, verify one of its webhooks
/// over the exact bytes received, and read that webhook as an inbound message or a delivery
/// status. Adapters: Telnyx (telnyx.h), Vonage (vonage.h); the local simulator (simulator.h)
/// speaks Telnyx's shapes. No adapter holds state between calls; all are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::carriers {

/// One SMS to send, from GHL's ProviderOutboundMessage hand-off.
struct OutboundSms {
  /// GHL's messageId: sent as the carrier's idempotency key / client reference and echoed in
  /// its status webhooks, so a status maps back to GHL's message without a lookup.
  std::string ghl_message_id;
  std::string to;    ///< E.164, e.g. "+15125550123".
  std::string from;  ///< E.164 sender number (or alphanumeric sender id where allowed).
  std::string text;
  std::vector<std::string> media;  ///< MMS media URLs (GHL's `attachments`).
};

/// What the carrier answered to a send.
struct SendReceipt {
  std::string carrier_message_id;
};

/// What a verified carrier webhook says.
enum class CarrierEventKind {
  kInbound,  ///< A handset's message to our number.
  kStatus,   ///< A delivery status of a message we sent.
  kIgnored,  ///< Any other event (answered 200, not stored).
};

/// One carrier webhook, read.
struct CarrierEvent {
  CarrierEventKind kind = CarrierEventKind::kIgnored;
  /// Deduplication key of this delivery: the carrier's event id (Telnyx `data.id`) or message
  /// id (Vonage `messageId`), prefixed with the carrier's name. Carriers redeliver.
  std::string dedup_key;
  std::string carrier_message_id;
  /// kStatus: GHL's messageId as echoed by the carrier (Telnyx `tags`, Vonage `client-ref`);
  /// empty when the carrier did not echo it.
  std::string ghl_message_id;
  /// kStatus: GHL's status for it ("delivered", "failed"); empty = nothing to report (queued,
  /// sending, sent: GHL already shows the message as pending).
  std::string ghl_status;
  std::string error_code;     ///< kStatus failed: the carrier's code.
  std::string error_message;  ///< kStatus failed: the carrier's words.
  std::string from;           ///< kInbound: the sender, E.164.
  std::string to;             ///< kInbound: our number.
  std::string text;           ///< kInbound: the text (one part of it for a concatenated SMS).
  std::vector<std::string> media;
  /// kInbound, a part of a concatenated SMS (Vonage `concat=true`): reference shared by the
  /// parts (per sender), this part's number (1-based) and how many there are. 0 = not a part.
  std::string concat_ref;
  int concat_part = 0;
  int concat_total = 0;
};

/// A carrier, as the bridge uses it.
class Carrier {
 public:
  virtual ~Carrier() = default;
  /// "telnyx", "vonage": the path segment of its webhook route (/providers/carrier/<name>).
  virtual std::string_view name() const = 0;
  /// Sends one SMS. Errors: kNetwork (no answer: the outcome is unknown), kApi with the
  /// carrier's status and message (5xx and 429 are worth retrying, other 4xx are not).
  virtual Result<SendReceipt> Send(const OutboundSms& sms) const = 0;
  /// Checks a webhook's authenticity over the exact bytes received (`now`: UTC, for the
  /// timestamp window). kUsage error saying why when it is refused (answer 401).
  virtual Status Verify(const http::Request& request,
                        std::chrono::system_clock::time_point now) const = 0;
  /// Reads a verified webhook. kUsage error for a body it cannot read (answer 400).
  virtual Result<CarrierEvent> Parse(const http::Request& request) const = 0;
};

/// True for a send error worth retrying: a network error, 429, 5xx.
bool IsTransientSendError(const Error& error);

}  // namespace ghl::carriers
