// Vonage SMS API: send (form POST /sms/json), inbound and delivery-receipt webhooks (GET query,
// POST form or JSON), the `md5hash` signature, concatenated-part facts.
#include "ghl/carriers/vonage.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "crypto.h"
#include "ghl/core/json_depth.h"

namespace ghl::carriers {
namespace {

using nlohmann::json;
using Params = std::vector<std::pair<std::string, std::string>>;

std::string Get(const Params& p, std::string_view name) {
  for (const auto& [k, v] : p) {
    if (k == name) return v;
  }
  return "";
}

int ToInt(const std::string& s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && end == s.data() + s.size() ? v : 0;
}

// The webhook's parameters: the query (GET), the form or the JSON object (POST).
Params ParamsOf(const http::Request& request) {
  Params out = http::ParseQuery(request.Query());
  if (request.method != "POST" || request.body.empty()) return out;
  std::string type = request.headers.GetOr("Content-Type", "");
  if (type.find("json") != std::string::npos) {
    json doc = ParseJsonBounded<json>(request.body);
    if (doc.is_object()) {
      for (const auto& [k, v] : doc.items()) {
        if (v.is_string()) {
          out.emplace_back(k, v.get<std::string>());
        } else if (v.is_boolean() || v.is_number()) {
          out.emplace_back(k, v.dump());
        }
      }
    }
    return out;
  }
  for (auto& kv : http::ParseQuery(request.body)) out.push_back(std::move(kv));
  return out;
}

std::string E164(const std::string& msisdn) {
  if (msisdn.empty() || msisdn[0] == '+') return msisdn;
  return "+" + msisdn;
}

bool IsGsm(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

class Vonage final : public Carrier {
 public:
  explicit Vonage(VonageOptions o) : o_(std::move(o)) {}
  std::string_view name() const override { return "vonage"; }

  Result<SendReceipt> Send(const OutboundSms& sms) const override {
    std::string to = sms.to.rfind('+', 0) == 0 ? sms.to.substr(1) : sms.to;
    std::string from = sms.from.rfind('+', 0) == 0 ? sms.from.substr(1) : sms.from;
    std::string form =
        "api_key=" + http::UrlEncode(o_.api_key) + "&api_secret=" + http::UrlEncode(o_.api_secret) +
        "&from=" + http::UrlEncode(from) + "&to=" + http::UrlEncode(to) +
        "&text=" + http::UrlEncode(sms.text) + "&client-ref=" + http::UrlEncode(sms.ghl_message_id);
    if (!IsGsm(sms.text)) form += "&type=unicode";
    http::Request req;
    req.method = "POST";
    req.target = o_.api_base + "/sms/json";
    req.headers.Set("Content-Type", "application/x-www-form-urlencoded");
    req.headers.Set("Accept", "application/json");
    req.body = std::move(form);
    http::TransportOptions topts;
    topts.timeout = o_.timeout;
    topts.max_response_bytes = 1u << 20;
    auto sent = o_.transport->Send(req, topts);
    if (!sent.ok()) return sent.error();
    Error e;
    e.kind = ErrorKind::kApi;
    e.http_status = sent->status;
    if (sent->status < 200 || sent->status >= 300) {
      e.messages.push_back("Vonage answered HTTP " + std::to_string(sent->status));
      return e;
    }
    json answer = ParseJsonBounded<json>(sent->body);
    json first = answer.is_object() && answer.contains("messages") &&
                         answer["messages"].is_array() && !answer["messages"].empty()
                     ? answer["messages"][0]
                     : json();
    std::string status = first.is_object() ? first.value("status", "") : "";
    if (status != "0") {
      // Vonage answers 200 with a per-message status; "1" is its throttling (retry later).
      e.http_status = status == "1" ? 429 : 400;
      e.messages.push_back("Vonage refused the message (status " + status +
                           "): " + (first.is_object() ? first.value("error-text", "") : ""));
      return e;
    }
    return SendReceipt{first.value("message-id", "")};
  }

  Status Verify(const http::Request& request,
                std::chrono::system_clock::time_point now) const override {
    if (o_.signature_secret.empty()) return Ok{};  // Vonage's default: unsigned webhooks
    Params p = ParamsOf(request);
    std::string sig = Get(p, "sig");
    if (sig.empty()) return UsageError("the Vonage webhook has no `sig` parameter");
    long long ts = 0;
    std::string t = Get(p, "timestamp");
    std::from_chars(t.data(), t.data() + t.size(), ts);
    long long now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    if (ts <= 0 || std::llabs(now_s - ts) > o_.tolerance.count()) {
      return UsageError("the Vonage webhook's timestamp is missing or outside the window");
    }
    std::string want = VonageMd5Signature(p, o_.signature_secret);
    std::string got = sig;
    std::transform(got.begin(), got.end(), got.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    if (got != want) return UsageError("the Vonage webhook's `sig` does not verify");
    return Ok{};
  }

  Result<CarrierEvent> Parse(const http::Request& request) const override {
    Params p = ParamsOf(request);
    CarrierEvent e;
    e.carrier_message_id = Get(p, "messageId");
    if (e.carrier_message_id.empty()) return UsageError("a Vonage webhook carries messageId");
    std::string path(request.Path());
    bool receipt = path.size() >= 7 && path.compare(path.size() - 7, 7, "/status") == 0;
    if (!receipt && Get(p, "text").empty() && !Get(p, "status").empty()) receipt = true;
    if (receipt) {
      e.kind = CarrierEventKind::kStatus;
      std::string status = Get(p, "status");
      e.dedup_key = "vonage:dlr:" + e.carrier_message_id + ":" + status;
      e.ghl_message_id = Get(p, "client-ref");
      if (status == "delivered") {
        e.ghl_status = "delivered";
      } else if (status == "failed" || status == "rejected" || status == "expired") {
        e.ghl_status = "failed";
        e.error_code = Get(p, "err-code");
        if (e.error_code.empty()) e.error_code = status;
        e.error_message = "Vonage: " + status;
      }
      return e;
    }
    e.kind = CarrierEventKind::kInbound;
    e.dedup_key = "vonage:in:" + e.carrier_message_id;
    e.from = E164(Get(p, "msisdn"));
    e.to = E164(Get(p, "to"));
    e.text = Get(p, "text");
    if (e.from.empty()) return UsageError("a Vonage inbound SMS carries msisdn");
    if (Get(p, "concat") == "true") {
      e.concat_ref = e.from + ":" + Get(p, "concat-ref");
      e.concat_part = ToInt(Get(p, "concat-part"));
      e.concat_total = ToInt(Get(p, "concat-total"));
      if (Get(p, "concat-ref").empty() || e.concat_part < 1 || e.concat_total < e.concat_part) {
        return UsageError(
            "a Vonage concatenated part needs concat-ref, concat-part and "
            "concat-total (part within total)");
      }
    }
    return e;
  }

 private:
  VonageOptions o_;
};

}  // namespace

std::string VonageMd5Signature(const std::vector<std::pair<std::string, std::string>>& params,
                               std::string_view secret) {
  Params sorted;
  for (const auto& [k, v] : params) {
    if (k != "sig") sorted.emplace_back(k, v);
  }
  std::sort(sorted.begin(), sorted.end());
  std::string text;
  for (const auto& [k, v] : sorted) {
    std::string clean = v;
    std::replace(clean.begin(), clean.end(), '&', '_');
    std::replace(clean.begin(), clean.end(), '=', '_');
    text += "&" + k + "=" + clean;
  }
  text += secret;
  return internal::Md5Hex(text);
}

Result<std::unique_ptr<Carrier>> MakeVonage(VonageOptions options) {
  if (options.api_key.empty() || options.api_secret.empty()) {
    return UsageError("Vonage needs an API key and secret",
                      "set VONAGE_API_KEY and VONAGE_API_SECRET");
  }
  if (!options.transport) options.transport = http::MakeCurlTransport();
  return std::unique_ptr<Carrier>(new Vonage(std::move(options)));
}

}  // namespace ghl::carriers
