// Telnyx Messaging API v2: send, Ed25519 webhook verification over "timestamp|body", event
// parsing (message.received, message.sent, message.finalized).
#include "ghl/carriers/telnyx.h"

#include <charconv>
#include <nlohmann/json.hpp>

#include "crypto.h"
#include "ghl/core/json_depth.h"

namespace ghl::carriers {
namespace {

using nlohmann::json;

using internal::Str;

// GHL's status for a Telnyx per-recipient status; "" = nothing new for GHL.
std::string GhlStatus(const std::string& telnyx) {
  if (telnyx == "delivered") return "delivered";
  if (telnyx == "sending_failed" || telnyx == "delivery_failed" || telnyx == "expired") {
    return "failed";
  }
  return "";
}

class Telnyx final : public Carrier {
 public:
  explicit Telnyx(TelnyxOptions o) : o_(std::move(o)) {}
  std::string_view name() const override { return "telnyx"; }

  Result<SendReceipt> Send(const OutboundSms& sms) const override {
    json body = {{"from", sms.from}, {"to", sms.to}, {"text", sms.text}};
    if (!sms.media.empty()) body["media_urls"] = sms.media;
    if (!o_.messaging_profile_id.empty()) body["messaging_profile_id"] = o_.messaging_profile_id;
    if (!o_.webhook_url.empty()) body["webhook_url"] = o_.webhook_url;
    if (!sms.ghl_message_id.empty()) body["tags"] = {"ghl:" + sms.ghl_message_id};
    http::Request req;
    req.method = "POST";
    req.target = o_.api_base + "/v2/messages";
    req.headers.Set("Authorization", "Bearer " + o_.api_key);
    req.headers.Set("Content-Type", "application/json");
    req.headers.Set("Accept", "application/json");
    if (!sms.ghl_message_id.empty()) {
      req.headers.Set("Idempotency-Key", "ghl-" + sms.ghl_message_id);
    }
    req.body = body.dump();
    http::TransportOptions topts;
    topts.timeout = o_.timeout;
    topts.connect_timeout = std::min(o_.timeout, std::chrono::milliseconds(5000));
    topts.max_response_bytes = 1u << 20;
    auto sent = o_.transport->Send(req, topts);
    if (!sent.ok()) return sent.error();
    json answer = ParseJsonBounded<json>(sent->body);
    if (sent->status < 200 || sent->status >= 300) {
      Error e;
      e.kind = ErrorKind::kApi;
      e.http_status = sent->status;
      std::string detail;
      if (answer.is_object() && answer.contains("errors") && answer["errors"].is_array() &&
          !answer["errors"].empty()) {
        detail = Str(answer["errors"][0], "detail");
        if (detail.empty()) detail = Str(answer["errors"][0], "title");
      }
      e.messages.push_back("Telnyx answered HTTP " + std::to_string(sent->status) +
                           (detail.empty() ? "" : ": " + detail));
      return e;
    }
    std::string id = answer.is_object() ? Str(answer.value("data", json()), "id") : "";
    if (id.empty()) {
      return Error{.kind = ErrorKind::kInternal,
                   .messages = {"Telnyx answered the send without data.id"}};
    }
    return SendReceipt{id};
  }

  Status Verify(const http::Request& request,
                std::chrono::system_clock::time_point now) const override {
    auto sig = request.headers.Get("telnyx-signature-ed25519");
    auto ts = request.headers.Get("telnyx-timestamp");
    if (!sig || !ts) {
      return UsageError("no telnyx-signature-ed25519 / telnyx-timestamp header");
    }
    return VerifyTelnyxSignature(o_.public_key, *ts, request.body, *sig, now, o_.tolerance);
  }

  Result<CarrierEvent> Parse(const http::Request& request) const override {
    json doc = ParseJsonBounded<json>(request.body);
    const json data = doc.is_object() ? doc.value("data", json()) : json();
    if (!data.is_object()) return UsageError("a Telnyx webhook body has a `data` object");
    const json payload = data.value("payload", json());
    CarrierEvent e;
    std::string type = Str(data, "event_type");
    e.dedup_key = "telnyx:" + Str(data, "id");
    e.carrier_message_id = Str(payload, "id");
    if (Str(data, "id").empty() || e.carrier_message_id.empty()) {
      return UsageError("a Telnyx event has data.id and data.payload.id");
    }
    json to = payload.value("to", json::array());
    if (type == "message.received") {
      e.kind = CarrierEventKind::kInbound;
      e.from = Str(payload.value("from", json()), "phone_number");
      if (to.is_array() && !to.empty()) e.to = Str(to[0], "phone_number");
      e.text = Str(payload, "text");
      for (const auto& m : payload.value("media", json::array())) {
        if (auto url = Str(m, "url"); !url.empty()) e.media.push_back(url);
      }
      if (e.from.empty()) return UsageError("message.received without payload.from.phone_number");
      return e;
    }
    if (type == "message.sent" || type == "message.finalized") {
      e.kind = CarrierEventKind::kStatus;
      std::string status = to.is_array() && !to.empty() ? Str(to[0], "status") : "";
      e.ghl_status = GhlStatus(status);
      for (const auto& t : payload.value("tags", json::array())) {
        if (t.is_string() && t.get<std::string>().rfind("ghl:", 0) == 0) {
          e.ghl_message_id = t.get<std::string>().substr(4);
        }
      }
      if (e.ghl_status == "failed") {
        e.error_code = status;
        const json errors = payload.value("errors", json::array());
        if (errors.is_array() && !errors.empty()) {
          if (auto c = Str(errors[0], "code"); !c.empty()) e.error_code = c;
          e.error_message = Str(errors[0], "detail");
          if (e.error_message.empty()) e.error_message = Str(errors[0], "title");
        }
        if (e.error_message.empty()) e.error_message = "Telnyx: " + status;
      }
      return e;
    }
    return e;  // kIgnored
  }

 private:
  TelnyxOptions o_;
};

}  // namespace

bool IsTransientSendError(const Error& error) {
  if (error.kind == ErrorKind::kNetwork || error.kind == ErrorKind::kBusy) return true;
  if (error.kind != ErrorKind::kApi) return false;
  return error.http_status == 429 || error.http_status >= 500;
}

Status VerifyTelnyxSignature(std::string_view public_key, std::string_view timestamp,
                             std::string_view raw_body, std::string_view signature_b64,
                             std::chrono::system_clock::time_point now,
                             std::chrono::seconds tolerance) {
  long long seconds = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), seconds);
  if (timestamp.empty() || ec != std::errc() || end != timestamp.data() + timestamp.size()) {
    return UsageError("telnyx-timestamp is not Unix seconds");
  }
  long long now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  long long skew = now_s > seconds ? now_s - seconds : seconds - now_s;
  if (seconds < 0 || skew > tolerance.count()) {
    return UsageError("telnyx-timestamp is " + std::to_string(skew) + " s away from now (window " +
                      std::to_string(tolerance.count()) + " s): stale or replayed");
  }
  auto sig = internal::Base64Decode(signature_b64);
  if (!sig || sig->size() != 64) {
    return UsageError("telnyx-signature-ed25519 is not a base64 64-byte signature");
  }
  std::string signed_bytes(timestamp);
  signed_bytes += '|';
  signed_bytes += raw_body;
  auto ok = internal::Ed25519Verify(public_key, signed_bytes, *sig);
  if (!ok) return UsageError("the Telnyx public key is unreadable");
  if (!*ok) {
    return UsageError(
        "telnyx-signature-ed25519 does not verify with the configured key "
        "(wrong key or tampered body)");
  }
  return Ok{};
}

Result<std::unique_ptr<Carrier>> MakeTelnyx(TelnyxOptions options) {
  if (options.api_key.empty()) {
    return UsageError("Telnyx needs an API key", "set TELNYX_API_KEY");
  }
  if (!internal::IsEd25519PublicKey(options.public_key)) {
    return UsageError("the Telnyx webhook public key is missing or not an Ed25519 key",
                      "set TELNYX_PUBLIC_KEY (portal: Keys & Credentials, base64) or "
                      "--carrier-public-key");
  }
  if (!options.transport) options.transport = http::MakeCurlTransport();
  return std::unique_ptr<Carrier>(new Telnyx(std::move(options)));
}

}  // namespace ghl::carriers
