// The provider bridge: GHL's Delivery URL and the carrier's webhooks → the bridge's queue →
// workers that send, report statuses and log replies (see bridge.h).
#include "ghl/carriers/bridge.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "crypto.h"
#include "ghl/core/json_depth.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/webhooks/browser_guard.h"
#include "ghl/webhooks/receiver.h"

namespace ghl::carriers {
namespace {

using nlohmann::json;

constexpr std::string_view kInboundType = "carrier.inbound";
constexpr std::string_view kStatusType = "carrier.status";
constexpr size_t kMaxCarrierBody = 256u * 1024u;

using internal::Str;

http::Response JsonAnswer(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

json EventJson(const CarrierEvent& e) {
  json j = {{"carrierMessageId", e.carrier_message_id}, {"dedupKey", e.dedup_key}};
  if (e.kind == CarrierEventKind::kStatus) {
    j["ghlMessageId"] = e.ghl_message_id;
    j["status"] = e.ghl_status;
    j["errorCode"] = e.error_code;
    j["errorMessage"] = e.error_message;
  } else {
    j["from"] = e.from;
    j["to"] = e.to;
    j["text"] = e.text;
    j["media"] = e.media;
    if (e.concat_part > 0) {
      j["concatRef"] = e.concat_ref;
      j["concatPart"] = e.concat_part;
      j["concatTotal"] = e.concat_total;
    }
  }
  return j;
}

// What to do with a processed event.
struct Outcome {
  enum Kind { kAck, kRetry, kDead } kind = kAck;
  std::string why;
};
Outcome Ack() { return {}; }
Outcome Retry(std::string why) { return {Outcome::kRetry, std::move(why)}; }
Outcome Dead(std::string why) { return {Outcome::kDead, std::move(why)}; }
// A GHL error: retry when retrying can help (network, 429, 5xx, 401 — the token may be
// rotated meanwhile; never refreshed here), dead for other 4xx.
Outcome FromGhl(const std::string& what, const Error& e) {
  bool transient = e.kind != ErrorKind::kApi || e.http_status == 401 || e.http_status == 408 ||
                   e.http_status == 429 || e.http_status >= 500;
  std::string why = what + ": " + e.Summary();
  return transient ? Retry(why) : Dead(why);
}

}  // namespace

store::RetryPolicy DefaultBridgeRetryPolicy() {
  store::RetryPolicy p;
  p.max_attempts = 40;
  p.initial_backoff = std::chrono::milliseconds(500);
  p.max_backoff = std::chrono::seconds(4);
  return p;
}

struct ProviderBridge::Impl {
  BridgeOptions o;
  std::unique_ptr<webhooks::WebhookReceiver> delivery;
  std::string carrier_prefix;
  std::string worker_prefix;

  std::atomic<bool> stopping{false};
  std::mutex wake_mu;
  std::condition_variable wake;
  std::vector<std::thread> workers;

  mutable std::mutex counters_mu;
  BridgeCounters counters;

  void Log(const std::string& line) const {
    if (o.log) {
      o.log(line);
    } else {
      std::fprintf(stderr, "ghl carrier: %s\n", line.c_str());
    }
  }
  template <typename F>
  void Count(F f) {
    std::lock_guard lock(counters_mu);
    f(counters);
  }
  std::chrono::system_clock::time_point Now() const {
    return o.clock ? o.clock() : std::chrono::system_clock::now();
  }
  ops::Context Ctx(const std::string& location) const {
    return ops::Context{*o.client, location.empty() ? o.location_id : location, {}};
  }

  // ---- intake ---------------------------------------------------------------------------------

  void HandleCarrier(const http::Request& request,
                     const std::function<void(http::Response)>& reply) const {
    if (auto signal = webhooks::BrowserSignal(request)) {
      return reply(JsonAnswer(403, {{"status", "refused"}, {"reason", "browser"}}));
    }
    if (request.method != "POST" && request.method != "GET") {
      http::Response r = JsonAnswer(405, {{"status", "refused"}, {"reason", "method"}});
      r.headers.Set("Allow", "POST, GET");
      return reply(std::move(r));
    }
    if (request.body.size() > kMaxCarrierBody) {
      return reply(JsonAnswer(413, {{"status", "refused"}, {"reason", "too_large"}}));
    }
    if (auto st = o.carrier->Verify(request, Now()); !st.ok()) {
      return reply(JsonAnswer(
          401,
          {{"status", "refused"}, {"reason", "bad_signature"}, {"message", st.error().Summary()}}));
    }
    auto parsed = o.carrier->Parse(request);
    if (!parsed.ok()) {
      return reply(JsonAnswer(400, {{"status", "refused"},
                                    {"reason", "unreadable"},
                                    {"message", parsed.error().Summary()}}));
    }
    if (parsed->kind == CarrierEventKind::kIgnored ||
        (parsed->kind == CarrierEventKind::kStatus && parsed->ghl_status.empty())) {
      return reply(JsonAnswer(200, {{"status", "ignored"}}));
    }
    store::NewEvent event;
    event.dedup_key = parsed->dedup_key;
    event.type =
        std::string(parsed->kind == CarrierEventKind::kInbound ? kInboundType : kStatusType);
    event.location_id = o.location_id;
    event.body = EventJson(*parsed).dump();  // normalised: a Vonage GET has no body at all
    std::vector<store::NewEvent> batch;
    batch.push_back(std::move(event));
    auto answer = [reply](Result<std::vector<store::AppendResult>> r) {
      if (!r.ok() || r->size() != 1) {
        http::Response busy = JsonAnswer(429, {{"status", "refused"}, {"reason", "store"}});
        busy.headers.Set("Retry-After", "1");
        return reply(std::move(busy));
      }
      reply(JsonAnswer(200, {{"status", r->front().duplicate ? "duplicate" : "accepted"},
                             {"id", r->front().id}}));
    };
    try {
      o.store->AppendAsync(std::move(batch), answer);
    } catch (const std::exception& e) {
      answer(Error{.kind = ErrorKind::kInternal, .messages = {e.what()}});
    }
  }

  // ---- processing -----------------------------------------------------------------------------

  Outcome HandOff(const store::Event& ev) {
    json b = ParseJsonBounded<json>(ev.body);
    std::string id = Str(b, "messageId");
    if (id.empty()) return Dead("the hand-off has no messageId");
    if (Str(b, "type") != "SMS") {
      return Dead("hand-off " + id + " is of type '" + Str(b, "type") +
                  "': this bridge carries SMS only");
    }
    std::string key = "out:" + id;
    auto seen = o.journal->Get(key);
    if (!seen.ok()) return Retry(seen.error().Summary());
    if (seen->has_value() && (*seen)->state == "sent") {
      Count([](auto& c) { ++c.send_skipped; });
      return Ack();
    }
    if (!seen->has_value()) {
      if (auto st = o.journal->Put(key, {"sending", ""}); !st.ok())
        return Retry(st.error().Summary());
    }
    OutboundSms sms;
    sms.ghl_message_id = id;
    sms.to = Str(b, "phone");
    sms.from = o.from_number;
    sms.text = Str(b, "message");
    for (const auto& a : b.value("attachments", json::array())) {
      if (a.is_string()) sms.media.push_back(a.get<std::string>());
    }
    auto sent = o.carrier->Send(sms);
    if (!sent.ok()) {
      if (IsTransientSendError(sent.error())) {
        return Retry(std::string(o.carrier->name()) + " send: " + sent.error().Summary());
      }
      // The carrier refused for good: tell GHL the message failed (retried like any status).
      ops::MessageStatusUpdate failed{"failed", std::to_string(sent.error().http_status), "carrier",
                                      sent.error().Summary()};
      auto st = ops::UpdateMessageStatus(Ctx(Str(b, "locationId")), id, failed);
      if (!st.ok()) {
        if (ops::IsProviderNotReady(st.error())) {
          Count([](auto& c) { ++c.status_retries; });
          return Retry("GHL has not downstreamed " + id + " yet; failed status retried");
        }
        return FromGhl("status failed of " + id, st.error());
      }
      (void)o.journal->Put(key, {"sent", "refused"});
      Log("carrier refused GHL message " + id + ": " + sent.error().Summary() +
          "; reported failed");
      return Ack();
    }
    if (auto st = o.journal->Put(key, {"sent", sent->carrier_message_id}); !st.ok()) {
      return Retry(st.error().Summary());  // the idempotency key keeps the re-send single
    }
    (void)o.journal->Put("carrier:" + sent->carrier_message_id, {"sent", id});
    Count([](auto& c) { ++c.sent; });
    Log("sent GHL message " + id + " via " + std::string(o.carrier->name()) + " (carrier id " +
        sent->carrier_message_id + ")");
    return Ack();
  }

  Outcome HandleStatus(const store::Event& ev) {
    json b = ParseJsonBounded<json>(ev.body);
    std::string id = Str(b, "ghlMessageId");
    std::string status = Str(b, "status");
    if (id.empty()) {
      auto mapped = o.journal->Get("carrier:" + Str(b, "carrierMessageId"));
      if (!mapped.ok()) return Retry(mapped.error().Summary());
      if (!mapped->has_value()) {
        return Retry("no GHL message is known for carrier message " + Str(b, "carrierMessageId") +
                     " yet");
      }
      id = (*mapped)->value;
    }
    std::string key = "status:" + id + ":" + status;
    auto seen = o.journal->Get(key);
    if (!seen.ok()) return Retry(seen.error().Summary());
    if (seen->has_value()) return Ack();
    ops::MessageStatusUpdate update{status, Str(b, "errorCode"), "carrier", Str(b, "errorMessage")};
    auto r = ops::UpdateMessageStatus(Ctx(ev.location_id), id, update);
    if (!r.ok()) {
      if (ops::IsProviderNotReady(r.error())) {
        Count([](auto& c) { ++c.status_retries; });
        return Retry("GHL has not downstreamed message " + id +
                     " yet (403 No conversation provider found); retrying with backoff");
      }
      return FromGhl("status " + status + " of " + id, r.error());
    }
    if (auto st = o.journal->Put(key, {"done", ""}); !st.ok()) return Retry(st.error().Summary());
    Count([](auto& c) { ++c.statuses; });
    Log("reported " + status + " for GHL message " + id + " (attempt " +
        std::to_string(ev.attempts) + ")");
    return Ack();
  }

  Outcome Inbound(const store::Event& ev) {
    json b = ParseJsonBounded<json>(ev.body);
    std::string text = Str(b, "text");
    std::string alt = Str(b, "carrierMessageId");
    if (b.contains("concatPart")) {
      auto whole = o.journal->AddPart(Str(b, "concatRef"), b.value("concatPart", 0),
                                      b.value("concatTotal", 0), text);
      if (!whole.ok()) {
        return whole.error().kind == ErrorKind::kUsage ? Dead(whole.error().Summary())
                                                       : Retry(whole.error().Summary());
      }
      if (!whole->has_value()) {
        Count([](auto& c) { ++c.parts_waiting; });
        return Ack();  // the last part to arrive logs the whole message
      }
      text = **whole;
      alt = std::string(o.carrier->name()) + ":concat:" + Str(b, "concatRef");
    }
    std::string key = "in:" + alt;
    auto seen = o.journal->Get(key);
    if (!seen.ok()) return Retry(seen.error().Summary());
    if (seen->has_value() && (*seen)->state == "done") {
      Count([](auto& c) { ++c.inbound_skipped; });
      return Ack();
    }
    ops::Context ctx = Ctx(ev.location_id);
    auto contact = ops::EnsureContactByPhone(ctx, Str(b, "from"));
    if (!contact.ok()) {
      return contact.error().kind == ErrorKind::kUsage
                 ? Dead("inbound from '" + Str(b, "from") + "': " + contact.error().Summary())
                 : FromGhl("contact of an inbound SMS", contact.error());
    }
    std::string contact_id = Str(*contact, "id");
    if (seen->has_value()) {
      // An earlier attempt began logging it: did it land? Look before logging again.
      auto conv = ops::ConversationOf(ctx, contact_id);
      if (!conv.ok()) return FromGhl("conversation lookup", conv.error());
      if (!conv->empty()) {
        auto found = ops::FindMessageByAltId(ctx, *conv, alt);
        if (!found.ok()) return FromGhl("message lookup", found.error());
        if (found->has_value()) {
          (void)o.journal->Put(key, {"done", Str(**found, "id")});
          Count([](auto& c) { ++c.inbound_skipped; });
          return Ack();
        }
      }
    } else if (auto st = o.journal->Put(key, {"started", ""}); !st.ok()) {
      return Retry(st.error().Summary());
    }
    ops::InboundMessageWrite write;
    write.contact_id = contact_id;
    write.message = text;
    write.alt_id = alt;
    for (const auto& m : b.value("media", json::array())) {
      if (m.is_string()) write.attachments.push_back(m.get<std::string>());
    }
    auto logged = ops::AddInboundMessage(ctx, write);
    if (!logged.ok()) return FromGhl("inbound message", logged.error());
    (void)o.journal->Put(key, {"done", Str(*logged, "messageId")});
    Count([](auto& c) { ++c.inbound_logged; });
    Log("logged the reply from " + Str(b, "from") + " in conversation " +
        Str(*logged, "conversationId") + " (GHL message " + Str(*logged, "messageId") + ")");
    return Ack();
  }

  Outcome Dispatch(const store::Event& ev) {
    try {
      if (ev.type == kStatusType) return HandleStatus(ev);
      if (ev.type == kInboundType) return Inbound(ev);
      return HandOff(ev);
    } catch (const std::exception& e) {
      return Retry(std::string("unexpected error: ") + e.what());
    }
  }

  void Process(const store::Event& ev, const std::string& worker) {
    Outcome out = Dispatch(ev);
    if (out.kind == Outcome::kAck) {
      if (auto st = o.store->Ack(ev.id, worker); !st.ok()) {
        Log("event " + std::to_string(ev.id) + ": " + st.error().Summary());
      }
      return;
    }
    Count([](auto& c) { ++c.failures; });
    auto kind = out.kind == Outcome::kDead ? store::FailureKind::kPermanent
                                           : store::FailureKind::kTransient;
    auto state = o.store->Fail(ev.id, worker, out.why, kind);
    if (!state.ok()) {
      Log("event " + std::to_string(ev.id) + ": " + state.error().Summary());
    } else if (*state == store::EventState::kDead) {
      Log("gave up on event " + std::to_string(ev.id) + " (" + ev.type + "): " + out.why);
    } else if (ev.attempts <= 1) {
      Log("event " + std::to_string(ev.id) + " (" + ev.type + ") will be retried: " + out.why);
    }
  }

  void Loop(std::string worker) {
    while (!stopping.load()) {
      auto claimed = o.store->Claim(worker, o.lease, 1);
      if (claimed.ok() && !claimed->empty()) {
        Process(claimed->front(), worker);
        continue;
      }
      std::unique_lock lock(wake_mu);
      wake.wait_for(lock, o.poll, [this] { return stopping.load(); });
    }
  }
};

ProviderBridge::ProviderBridge(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ProviderBridge::~ProviderBridge() { Stop(); }

Result<std::unique_ptr<ProviderBridge>> ProviderBridge::Create(BridgeOptions options) {
  if (!options.carrier || !options.client || !options.store || !options.journal) {
    return UsageError("the provider bridge needs a carrier, a client, a store and a journal");
  }
  if (options.workers < 1) options.workers = 1;
  auto impl = std::make_unique<Impl>();
  webhooks::ReceiverOptions r;
  r.path = std::string(kDeliveryPath);
  if (!options.ghl_public_keys.empty()) r.public_keys = options.ghl_public_keys;
  r.insecure_accept_unsigned = options.insecure_accept_unsigned;
  r.is_routed = [](std::string_view type) { return type == "SMS"; };
  if (options.log) {
    r.log = [log = options.log](std::string_view line) {
      log("Delivery URL: " + std::string(line));
    };
  }
  auto receiver = webhooks::WebhookReceiver::Create(std::move(r), options.store);
  if (!receiver.ok()) return receiver.error();
  impl->delivery = std::move(receiver.value());
  impl->carrier_prefix = std::string(kCarrierWebhookPrefix) + std::string(options.carrier->name());
  char host[64] = {0};
  gethostname(host, sizeof(host) - 1);
  impl->worker_prefix = "carrier-" + std::string(host) + "-" + std::to_string(getpid());
  impl->o = std::move(options);
  return std::unique_ptr<ProviderBridge>(new ProviderBridge(std::move(impl)));
}

http::Response UnknownCarrierAnswer(std::string_view path, std::string_view configured) {
  std::string_view rest = path.substr(std::min(path.size(), kCarrierWebhookPrefix.size()));
  std::string asked(rest.substr(0, rest.find('/')));
  const bool known = asked == "telnyx" || asked == "vonage" || asked == "sim";
  std::string message = "no carrier " +
                        (known ? "\"" + asked + "\"" : std::string("of that name")) +
                        " on this server: ";
  message += configured.empty()
                 ? "it runs no carrier"
                 : "its carrier is \"" + std::string(configured) + "\" (webhooks under " +
                       std::string(kCarrierWebhookPrefix) + std::string(configured) +
                       (configured == "telnyx" ? "; `--carrier sim` is a simulated Telnyx)" : ")");
  std::string hint =
      "Start `ghl serve --carrier " + (known ? asked : "telnyx|vonage|sim") + "`" +
      (known ? " to receive its webhooks here" : " (telnyx, vonage or sim)") +
      (configured.empty() ? std::string(".")
                          : ", or point the carrier's webhook URL at " +
                                std::string(kCarrierWebhookPrefix) + std::string(configured) + ".");
  return JsonAnswer(
      404,
      {{"status", "refused"}, {"reason", "unknown_carrier"}, {"message", message}, {"hint", hint}});
}

bool ProviderBridge::Matches(const http::Request& request) const {
  // Every carrier path: another carrier's is answered with a hint naming this one.
  return impl_->delivery->Matches(request) || request.Path().rfind(kCarrierWebhookPrefix, 0) == 0;
}

void ProviderBridge::HandleAsync(const http::Request& request,
                                 std::function<void(http::Response)> reply) const {
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto once = [answered, reply = std::move(reply)](http::Response r) {
    if (!answered->exchange(true)) reply(std::move(r));
  };
  try {
    if (impl_->delivery->Matches(request)) return impl_->delivery->HandleAsync(request, once);
    std::string_view path = request.Path();
    const std::string& own = impl_->carrier_prefix;
    if (path != own && path.rfind(own + "/", 0) != 0) {
      return once(UnknownCarrierAnswer(path, impl_->o.carrier->name()));
    }
    impl_->HandleCarrier(request, once);
  } catch (const std::exception& e) {
    http::Response busy = JsonAnswer(429, {{"status", "refused"}, {"reason", "internal"}});
    busy.headers.Set("Retry-After", "1");
    once(std::move(busy));
  }
}

Status ProviderBridge::Start() {
  if (!impl_->workers.empty()) return UsageError("the provider bridge is already running");
  impl_->stopping = false;
  for (int i = 0; i < impl_->o.workers; ++i) {
    std::string id = impl_->worker_prefix + "-" + std::to_string(i);
    impl_->workers.emplace_back([this, id] { impl_->Loop(id); });
  }
  return Ok{};
}

void ProviderBridge::Stop() {
  impl_->stopping = true;
  impl_->wake.notify_all();
  for (auto& t : impl_->workers) {
    if (t.joinable()) t.join();
  }
  impl_->workers.clear();
}

Result<int> ProviderBridge::Drain(int max_events) {
  std::string worker = impl_->worker_prefix + "-drain";
  int n = 0;
  while (n < max_events) {
    auto claimed = impl_->o.store->Claim(worker, impl_->o.lease, 1);
    if (!claimed.ok()) return claimed.error();
    if (claimed->empty()) break;
    impl_->Process(claimed->front(), worker);
    ++n;
  }
  return n;
}

BridgeCounters ProviderBridge::Counters() const {
  std::lock_guard lock(impl_->counters_mu);
  return impl_->counters;
}

}  // namespace ghl::carriers
