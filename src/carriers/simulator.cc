// The local carrier: Telnyx's send API and Telnyx-shaped, Ed25519-signed webhooks (simulator.h).
#include "ghl/carriers/simulator.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "crypto.h"
#include "ghl/core/json_depth.h"
#include "ghl/core/time_format.h"
#include "ghl/http/transport.h"
#include "ghl/sandbox/webhook_delivery.h"
#include "ghl/server/http_server.h"
#include "ghl/webhooks/signer.h"

namespace ghl::carriers {
namespace {

using nlohmann::json;

using internal::Str;

std::string Uuid(std::mt19937_64& rng) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    out.push_back(kHex[rng() & 15]);
  }
  return out;
}

std::string IsoNow() { return UtcIsoNow(IsoPrecision::kMilliseconds); }

http::Response Answer(int status, const json& body) {
  return server::JsonResponse(status, body.dump());
}

}  // namespace

struct CarrierSimulator::Impl {
  SimulatorOptions o;
  std::optional<webhooks::WebhookSigner> signer;
  std::string public_key;
  std::string base_url;
  std::unique_ptr<server::HttpServer> server;
  std::shared_ptr<http::Transport> transport = http::MakeCurlTransport();

  struct Hook {
    std::string url;
    std::string body;
    std::chrono::steady_clock::time_point not_before;
  };
  mutable std::mutex mu;
  std::condition_variable wake, idle;
  std::deque<Hook> hooks;
  bool sending = false;
  bool stop = false;
  std::string webhook_url;
  std::map<std::string, json> by_key;  // Idempotency-Key → first answer
  std::set<std::string> replied;       // recipients that sent their auto reply
  json messages = json::array();
  SimulatorCounters counters;
  std::mt19937_64 rng{std::random_device{}()};
  std::thread thread;

  // Queues one Telnyx event (copies times); `delay` before it may go.
  void Queue(const std::string& url, std::string_view event_type, json payload,
             std::chrono::milliseconds delay) {
    if (url.empty()) return;
    json event = {{"data",
                   {{"record_type", "event"},
                    {"id", Uuid(rng)},
                    {"event_type", event_type},
                    {"occurred_at", IsoNow()},
                    {"payload", std::move(payload)}}},
                  {"meta", {{"attempt", 1}, {"delivered_to", url}}}};
    std::string body = event.dump();
    auto at = std::chrono::steady_clock::now() + delay;
    for (int i = 0; i < std::clamp(o.copies, 1, 5); ++i) hooks.push_back({url, body, at});
    wake.notify_all();
  }

  json Payload(const json& msg, std::string_view direction, const std::string& status) {
    json p = msg;
    p["record_type"] = "message";
    p["direction"] = direction;
    p["to"][0]["status"] = status;
    return p;
  }

  void Run() {
    std::unique_lock lock(mu);
    while (true) {
      wake.wait(lock, [this] { return stop || !hooks.empty(); });
      if (stop) break;
      auto when = hooks.front().not_before;
      if (std::chrono::steady_clock::now() < when) {
        wake.wait_until(lock, when, [this] { return stop; });
        continue;
      }
      Hook h = std::move(hooks.front());
      hooks.pop_front();
      sending = true;
      lock.unlock();
      bool ok = false;
      for (int attempt = 1; attempt <= std::max(1, o.webhook_attempts) && !ok; ++attempt) {
        std::string ts = std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                            std::chrono::system_clock::now().time_since_epoch())
                                            .count());
        http::Request req;
        req.method = "POST";
        req.target = h.url;
        req.body = h.body;
        req.headers.Set("Content-Type", "application/json");
        req.headers.Set("User-Agent", "ghlkit-carrier-sim");
        req.headers.Set("telnyx-timestamp", ts);
        req.headers.Set("telnyx-signature-ed25519", signer->Sign(ts + "|" + h.body));
        http::TransportOptions topts;
        topts.timeout = std::chrono::seconds(5);
        topts.connect_timeout = std::chrono::seconds(2);
        auto began = std::chrono::steady_clock::now();
        auto sent = transport->Send(req, topts);
        auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began);
        ok = sent.ok() && sent->status >= 200 && sent->status < 300;
        std::unique_lock count(mu);
        if (ok) {
          ++counters.webhooks_sent;
          counters.slowest_answer = std::max(counters.slowest_answer, took);
        } else {
          ++counters.webhook_failures;
        }
        if (!ok && attempt < o.webhook_attempts) {
          wake.wait_for(count, o.retry_backoff * attempt, [this] { return stop; });
        }
        if (stop) break;
      }
      lock.lock();
      sending = false;
      if (hooks.empty()) idle.notify_all();
    }
    sending = false;
    idle.notify_all();
  }

  http::Response SendMessage(const http::Request& req) {
    http::Response res = Accept(req);
    if (res.status == 200 && o.answer_delay.count() > 0)
      std::this_thread::sleep_for(o.answer_delay);
    return res;
  }

  http::Response Accept(const http::Request& req) {
    if (!o.api_key.empty() && req.headers.GetOr("Authorization", "") != "Bearer " + o.api_key) {
      return Answer(401, {{"errors", {{{"code", "10009"}, {"title", "Authentication failed"}}}}});
    }
    if (req.headers.GetOr("Authorization", "").rfind("Bearer ", 0) != 0) {
      return Answer(401, {{"errors", {{{"code", "10009"}, {"title", "Authentication failed"}}}}});
    }
    json b = ParseJsonBounded<json>(req.body);
    if (!b.is_object() || Str(b, "to").empty() || Str(b, "from").empty() ||
        (Str(b, "text").empty() && !b.contains("media_urls"))) {
      return Answer(422, {{"errors",
                           {{{"code", "10015"},
                             {"title", "Invalid parameter"},
                             {"detail", "from, to and text (or media_urls) are required"}}}}});
    }
    std::string key = req.headers.GetOr("Idempotency-Key", "");
    std::lock_guard lock(mu);
    ++counters.send_requests;
    if (!key.empty()) {
      if (auto it = by_key.find(key); it != by_key.end()) {
        ++counters.replays;
        return Answer(200, it->second);
      }
    }
    ++counters.messages;
    json msg = {{"id", Uuid(rng)},
                {"type", b.contains("media_urls") ? "MMS" : "SMS"},
                {"from", {{"phone_number", Str(b, "from")}, {"carrier", "ghlkit sim"}}},
                {"to", {{{"phone_number", Str(b, "to")}, {"status", "queued"}}}},
                {"text", Str(b, "text")},
                {"media", json::array()},
                {"tags", b.value("tags", json::array())},
                {"parts", 1},
                {"encoding", "GSM-7"}};
    json data = msg;
    data["record_type"] = "message";
    data["direction"] = "outbound";
    json answer = {{"data", data}};
    if (!key.empty()) by_key[key] = answer;
    messages.push_back({{"id", msg["id"]},
                        {"to", Str(b, "to")},
                        {"text", Str(b, "text")},
                        {"tags", msg["tags"]},
                        {"idempotencyKey", key}});
    std::string url = Str(b, "webhook_url");
    if (url.empty()) url = webhook_url;
    Queue(url, "message.sent", Payload(msg, "outbound", "sent"), std::chrono::milliseconds(0));
    Queue(url, "message.finalized", Payload(msg, "outbound", o.final_status), o.finalize_delay);
    if (!o.auto_reply.empty() && o.final_status == "delivered" &&
        replied.insert(Str(b, "to")).second) {
      json reply = {{"id", Uuid(rng)},
                    {"type", "SMS"},
                    {"from", {{"phone_number", Str(b, "to")}, {"carrier", "ghlkit sim"}}},
                    {"to", {{{"phone_number", Str(b, "from")}, {"status", "webhook_delivered"}}}},
                    {"text", o.auto_reply},
                    {"media", json::array()},
                    {"parts", 1}};
      Queue(url, "message.received", Payload(reply, "inbound", "webhook_delivered"),
            o.finalize_delay * 2);
    }
    return Answer(200, answer);
  }

  void InboundLocked(const std::string& from, const std::string& text, const std::string& to) {
    json msg = {{"id", Uuid(rng)},
                {"type", "SMS"},
                {"from", {{"phone_number", from}, {"carrier", "ghlkit sim"}}},
                {"to", {{{"phone_number", to.empty() ? o.our_number : to}, {"status", ""}}}},
                {"text", text},
                {"media", json::array()},
                {"parts", 1}};
    Queue(webhook_url, "message.received", Payload(msg, "inbound", "webhook_delivered"),
          std::chrono::milliseconds(0));
  }

  http::Response Handle(const http::Request& req) {
    std::string_view path = req.Path();
    if (path == "/v2/messages" && req.method == "POST") return SendMessage(req);
    if (path == "/sim/inbound" && req.method == "POST") {
      json b = ParseJsonBounded<json>(req.body);
      if (Str(b, "from").empty() || Str(b, "text").empty()) {
        return Answer(422, {{"message", "from and text are required"}});
      }
      std::lock_guard lock(mu);
      if (webhook_url.empty()) return Answer(409, {{"message", "no webhook URL is set"}});
      InboundLocked(Str(b, "from"), Str(b, "text"), Str(b, "to"));
      return Answer(202, {{"status", "queued"}});
    }
    if (path == "/sim/messages" && req.method == "GET") {
      std::lock_guard lock(mu);
      return Answer(200, {{"messages", messages},
                          {"sendRequests", counters.send_requests},
                          {"replays", counters.replays},
                          {"webhooksSent", counters.webhooks_sent},
                          {"webhookFailures", counters.webhook_failures},
                          {"slowestWebhookAnswerMs", counters.slowest_answer.count()}});
    }
    if (path == "/sim/public-key" && req.method == "GET") {
      return Answer(200, {{"ed25519", public_key}});
    }
    return Answer(404, {{"errors", {{{"code", "10005"}, {"title", "Resource not found"}}}}});
  }
};

CarrierSimulator::CarrierSimulator(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
CarrierSimulator::~CarrierSimulator() { Stop(); }

Result<std::unique_ptr<CarrierSimulator>> CarrierSimulator::Start(SimulatorOptions options) {
  if (options.final_status != "delivered" && options.final_status != "delivery_failed" &&
      options.final_status != "sending_failed" && options.final_status != "expired") {
    return UsageError("final status '" + options.final_status + "' is not one Telnyx sends",
                      "use delivered, delivery_failed, sending_failed or expired");
  }
  auto key = sandbox::LoadOrCreateWebhookKey(options.key_file);
  if (!key.ok()) return key.error();
  auto impl = std::make_unique<Impl>();
  impl->signer = std::move(key.value());
  // The raw 32 bytes (Telnyx's portal form) are the tail of the 44-byte DER SPKI.
  auto spki = internal::Base64Decode(impl->signer->PublicKeyBase64());
  if (!spki || spki->size() != 44) return UsageError("cannot read the simulator's public key");
  impl->public_key = internal::Base64Encode(spki->substr(12));
  impl->webhook_url = options.webhook_url;
  impl->o = std::move(options);
  server::ServerOptions so;
  so.host = impl->o.host;
  so.port = static_cast<uint16_t>(impl->o.port);
  so.threads = 4;
  Impl* raw = impl.get();
  impl->server = std::make_unique<server::HttpServer>(
      so, [raw](const http::Request& req) { return raw->Handle(req); });
  uint16_t port = 0;
  try {
    port = impl->server->Start();
  } catch (const std::exception& e) {
    return UsageError(e.what(), "pick another --port, or 0 for a free one");
  }
  std::string host = impl->o.host == "0.0.0.0" ? "127.0.0.1" : impl->o.host;
  impl->base_url = "http://" + host + ":" + std::to_string(port);
  impl->thread = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<CarrierSimulator>(new CarrierSimulator(std::move(impl)));
}

const std::string& CarrierSimulator::base_url() const { return impl_->base_url; }
const std::string& CarrierSimulator::public_key() const { return impl_->public_key; }

void CarrierSimulator::SetWebhookUrl(std::string url) {
  std::lock_guard lock(impl_->mu);
  impl_->webhook_url = std::move(url);
}

void CarrierSimulator::Inbound(const std::string& from, const std::string& text,
                               const std::string& to) {
  std::lock_guard lock(impl_->mu);
  impl_->InboundLocked(from, text, to);
}

SimulatorCounters CarrierSimulator::Counters() const {
  std::lock_guard lock(impl_->mu);
  return impl_->counters;
}

bool CarrierSimulator::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->idle.wait_for(lock, timeout,
                              [this] { return impl_->hooks.empty() && !impl_->sending; });
}

void CarrierSimulator::Wait(bool handle_signals) {
  if (impl_->server) impl_->server->Wait(handle_signals);
}

void CarrierSimulator::Stop() {
  if (impl_->server) impl_->server->Stop();
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop = true;
    impl_->wake.notify_all();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
}

}  // namespace ghl::carriers
