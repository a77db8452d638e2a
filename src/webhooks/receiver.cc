// The webhook receiver: verify raw bytes → replay checks → durable Append → 200 / 429.
#include "ghl/webhooks/receiver.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <variant>

#include "ghl/webhooks/browser_guard.h"
#include "ghl/webhooks/replay.h"

namespace ghl::webhooks {

using SysClock = std::chrono::system_clock;

std::string_view ToString(ReceiveOutcome outcome) {
  switch (outcome) {
    case ReceiveOutcome::kAccepted:
      return "accepted";
    case ReceiveOutcome::kDuplicate:
      return "duplicate";
    case ReceiveOutcome::kInsecureAccepted:
      return "insecure_accepted";
    case ReceiveOutcome::kUnsigned:
      return "unsigned";
    case ReceiveOutcome::kBadSignature:
      return "bad_signature";
    case ReceiveOutcome::kRsaAfterCutoff:
      return "rsa_after_cutoff";
    case ReceiveOutcome::kStale:
      return "stale";
    case ReceiveOutcome::kTooLarge:
      return "too_large";
    case ReceiveOutcome::kStoreUnavailable:
      return "store_unavailable";
    case ReceiveOutcome::kBrowser:
      return "browser";
  }
  return "unknown";
}

const std::array<ReceiveOutcome, kReceiveOutcomeCount>& AllReceiveOutcomes() {
  static const std::array<ReceiveOutcome, kReceiveOutcomeCount> kAll = {
      ReceiveOutcome::kAccepted, ReceiveOutcome::kDuplicate,    ReceiveOutcome::kInsecureAccepted,
      ReceiveOutcome::kUnsigned, ReceiveOutcome::kBadSignature, ReceiveOutcome::kRsaAfterCutoff,
      ReceiveOutcome::kStale,    ReceiveOutcome::kTooLarge,     ReceiveOutcome::kStoreUnavailable,
      ReceiveOutcome::kBrowser,
  };
  return kAll;
}

bool IsStored(ReceiveOutcome outcome) {
  return outcome == ReceiveOutcome::kAccepted || outcome == ReceiveOutcome::kDuplicate ||
         outcome == ReceiveOutcome::kInsecureAccepted;
}

uint64_t ReceiverCounters::received() const {
  uint64_t n = 0;
  for (uint64_t v : by_outcome) n += v;
  return n;
}

uint64_t ReceiverCounters::refused() const {
  uint64_t n = 0;
  for (ReceiveOutcome o : AllReceiveOutcomes()) {
    if (!IsStored(o)) n += count(o);
  }
  return n;
}

const std::vector<std::string>& KnownEventTypes() {
  // Facts: the event type names GHL documents for its webhooks (official examples' `type`
  // values and schema names under ghl-openapi/webhooks/).
  static const std::vector<std::string> kTypes = {
      "INSTALL",
      "UNINSTALL",
      "PLAN_CHANGE",
      "AppointmentCreate",
      "AppointmentDelete",
      "AppointmentUpdate",
      "AssociationCreate",
      "AssociationDelete",
      "AssociationUpdate",
      "CampaignStatusUpdate",
      "ContactCreate",
      "ContactDelete",
      "ContactDndUpdate",
      "ContactTagUpdate",
      "ContactUpdate",
      "ConversationUnreadUpdate",
      "InboundMessage",
      "OutboundMessage",
      "ProviderOutboundMessage",
      "InvoiceCreate",
      "InvoiceDelete",
      "InvoicePaid",
      "InvoicePartiallyPaid",
      "InvoiceSent",
      "InvoiceUpdate",
      "InvoiceVoid",
      "LCEmailStats",
      "LocationCreate",
      "LocationUpdate",
      "NoteCreate",
      "NoteDelete",
      "NoteUpdate",
      "ObjectSchemaCreate",
      "ObjectSchemaUpdate",
      "OpportunityAssignedToUpdate",
      "OpportunityCreate",
      "OpportunityDelete",
      "OpportunityMonetaryValueUpdate",
      "OpportunityStageUpdate",
      "OpportunityStatusUpdate",
      "OpportunityUpdate",
      "OrderCreate",
      "OrderStatusUpdate",
      "PriceCreate",
      "PriceDelete",
      "PriceUpdate",
      "ProductCreate",
      "ProductDelete",
      "ProductUpdate",
      "RecordCreate",
      "RecordDelete",
      "RecordUpdate",
      "RelationCreate",
      "RelationDelete",
      "TaskComplete",
      "TaskCreate",
      "TaskDelete",
      "UserCreate",
  };
  return kTypes;
}

bool IsKnownEventType(std::string_view type) {
  static const std::unordered_set<std::string_view> kSet = [] {
    std::unordered_set<std::string_view> s;
    for (const auto& t : KnownEventTypes()) s.insert(t);
    return s;
  }();
  return kSet.count(type) > 0;
}

Result<std::optional<SysClock::time_point>> ParseRsaCutoff(std::string_view text) {
  if (text == "never") return std::optional<SysClock::time_point>();
  std::string candidate(text);
  if (candidate.size() == 10) candidate += "T00:00:00Z";  // a bare date: midnight UTC
  if (auto t = ParseIsoTimestamp(candidate)) return std::optional<SysClock::time_point>(*t);
  return UsageError("invalid RSA cutoff '" + std::string(text) + "'",
                    "Use 'never', a date such as 2026-07-01 (midnight UTC) or an RFC 3339 "
                    "date-time such as 2026-07-01T00:00:00Z.");
}

namespace {

std::string Json(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

http::Response JsonBody(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

http::Response JsonAnswer(int status, const nlohmann::json& body) {
  return JsonBody(status, Json(body));
}

http::Response Refusal(int status, ReceiveOutcome outcome, std::string_view message) {
  return JsonAnswer(status, {{"status", "refused"},
                             {"reason", std::string(ToString(outcome))},
                             {"message", std::string(message)}});
}

ReceiveOutcome FromVerify(VerifyOutcome v) {
  switch (v) {
    case VerifyOutcome::kNoSignature:
      return ReceiveOutcome::kUnsigned;
    case VerifyOutcome::kRsaAfterCutoff:
      return ReceiveOutcome::kRsaAfterCutoff;
    default:
      return ReceiveOutcome::kBadSignature;
  }
}

}  // namespace

struct WebhookReceiver::Impl {
  ReceiverOptions options;
  std::shared_ptr<store::EventStore> store;
  // One verifier per trusted key, each holding only that key: a delivery is genuine when any of
  // them accepts it. Immutable, shared by all threads without locks.
  std::vector<SignatureVerifier> verifiers;
  size_t ed25519_keys = 0;
  size_t rsa_keys = 0;
  SysClock::time_point started_at;
  mutable std::array<std::atomic<uint64_t>, kReceiveOutcomeCount> counters{};
  mutable std::array<std::atomic<bool>, kReceiveOutcomeCount> logged{};
  // Deliveries handed to AppendAsync whose callback has not finished: the destructor waits for
  // them, since the callback uses this object (and the store drains only when released).
  mutable std::mutex flight_mu;
  mutable std::condition_variable flight_cv;
  mutable int in_flight = 0;
  mutable std::atomic<size_t> last_hit{0};

  SysClock::time_point Now() const { return options.clock ? options.clock() : SysClock::now(); }

  void Log(std::string_view line) const {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "ghl webhooks: %.*s\n", static_cast<int>(line.size()), line.data());
    }
  }

  void Count(ReceiveOutcome outcome) const {
    counters[static_cast<size_t>(outcome)].fetch_add(1, std::memory_order_relaxed);
  }

  // Logs the first refusal of each kind only: a flood of forged requests must not fill the
  // log (the counters in /metrics keep the totals).
  void LogFirst(ReceiveOutcome outcome, std::string_view reason) const {
    if (logged[static_cast<size_t>(outcome)].exchange(true, std::memory_order_relaxed)) return;
    Log("refused a delivery (" + std::string(ToString(outcome)) + "): " + std::string(reason) +
        "; further refusals of this kind are only counted (see /metrics)");
  }

  Verification VerifyAll(const http::Request& request, SysClock::time_point now) const {
    auto ed = request.headers.Get(kEd25519SignatureHeader);
    auto rsa = request.headers.Get(kRsaSignatureHeader);
    std::optional<std::string_view> ed_view, rsa_view;
    if (ed) ed_view = *ed;
    if (rsa) rsa_view = *rsa;
    std::optional<Verification> refusal;
    // Start with the key that verified the previous delivery: with several keys configured a
    // stream from one sender then costs one verification per request, not one per key.
    const size_t n = verifiers.size();
    const size_t first = n ? last_hit.load(std::memory_order_relaxed) % n : 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t index = (first + k) % n;
      Verification result = verifiers[index].Verify(request.body, ed_view, rsa_view, now);
      if (result.accepted) {
        if (index != first) last_hit.store(index, std::memory_order_relaxed);
        return result;
      }
      // Prefer a verdict from a verifier that had a key for the deciding algorithm.
      if (!refusal ||
          (refusal->outcome == VerifyOutcome::kNoKey && result.outcome != VerifyOutcome::kNoKey)) {
        refusal = std::move(result);
      }
    }
    if (refusal) return *refusal;
    Verification none;
    none.outcome = (ed_view || rsa_view) ? VerifyOutcome::kNoKey : VerifyOutcome::kNoSignature;
    none.reason = (ed_view || rsa_view) ? "no webhook public key is configured"
                                        : "no X-GHL-Signature or x-wh-signature header";
    return none;
  }

  http::Response Decorate(http::Response r) const {
    if (options.insecure_accept_unsigned) {
      r.headers.Set(kInsecureHeader,
                    "unsigned webhooks accepted (--insecure-accept-unsigned); local use only");
    }
    return r;
  }

  // A verified, fresh delivery ready for the store, or the final answer when it is refused.
  struct Admitted {
    store::NewEvent event;
    bool unsigned_accepted = false;
    std::string unsigned_reason;
  };
  using Admission = std::variant<http::Response, Admitted>;

  // Steps 1-5 of the file comment (everything before the store); runs on the caller's thread.
  Admission Admit(const http::Request& request) const {
    // 0. Never from a web browser: GHL sends no Origin or Sec-Fetch-*, and a page the developer
    // visits must not be able to post (forged, or in insecure mode unsigned) events here.
    if (auto signal = BrowserSignal(request)) {
      Count(ReceiveOutcome::kBrowser);
      std::string msg = "refused a request sent by a web browser (" + *signal +
                        "); GHL's deliveries never carry Origin or Sec-Fetch-* headers, so no web "
                        "page may post to " +
                        options.path;
      LogFirst(ReceiveOutcome::kBrowser, msg);
      return Decorate(Refusal(403, ReceiveOutcome::kBrowser, msg));
    }
    if (request.method != "POST") {
      http::Response r =
          JsonAnswer(405, {{"status", "refused"},
                           {"reason", "method_not_allowed"},
                           {"message", "webhooks are delivered with POST " + options.path}});
      r.headers.Set("Allow", "POST");
      return Decorate(std::move(r));
    }
    if (request.body.size() > options.max_body_bytes) {
      Count(ReceiveOutcome::kTooLarge);
      std::string msg = "body of " + std::to_string(request.body.size()) +
                        " bytes is over the receiver's cap of " +
                        std::to_string(options.max_body_bytes) + " bytes";
      LogFirst(ReceiveOutcome::kTooLarge, msg);
      return Decorate(Refusal(413, ReceiveOutcome::kTooLarge, msg));
    }
    const SysClock::time_point now = Now();

    // 1. Signature over the exact bytes, before any parsing.
    Verification verdict = VerifyAll(request, now);
    Admitted admitted;
    if (!verdict.accepted) {
      ReceiveOutcome outcome = FromVerify(verdict.outcome);
      if (!options.insecure_accept_unsigned) {
        Count(outcome);
        LogFirst(outcome, verdict.reason);
        return Refusal(401, outcome, verdict.reason);
      }
      admitted.unsigned_accepted = true;
      admitted.unsigned_reason = verdict.reason;
    }

    // 2. Facts; a signed body we cannot read is still stored, as "unknown".
    WebhookFacts facts;
    if (auto inspected = InspectBody(request.body); inspected.ok()) {
      facts = std::move(inspected.value());
    } else {
      facts.type = std::string(kUnknownEventType);
      facts.body_sha256 = Sha256Hex(request.body);
    }
    if (facts.type.empty()) facts.type = std::string(kUnknownEventType);

    // 3. Timestamp window.
    ReplayOptions replay;
    replay.window = options.timestamp_window;
    Freshness fresh = CheckFreshness(facts, now, replay);
    if (!fresh.accepted) {
      Count(ReceiveOutcome::kStale);
      LogFirst(ReceiveOutcome::kStale, fresh.reason);
      return Decorate(Refusal(400, ReceiveOutcome::kStale, fresh.reason));
    }

    // 4. The event as stored: exact bytes, headers, receive time.
    store::NewEvent& event = admitted.event;
    event.dedup_key = DedupKey(facts);
    event.type = facts.type;
    event.location_id = facts.location_id;
    event.body = request.body;
    event.headers.reserve(request.headers.fields().size());
    for (const auto& field : request.headers.fields()) event.headers.push_back(field);
    event.received_at = std::chrono::floor<std::chrono::milliseconds>(now);
    if (event.received_at.time_since_epoch().count() <= 0) {
      event.received_at = store::UtcTime(std::chrono::milliseconds(1));
    }
    return admitted;
  }

  // Step 6: the answer once the store has (or has not) committed the event. Quick and
  // non-blocking: with AppendAsync it runs on the store's committer thread.
  http::Response Conclude(const std::string& type, bool unsigned_accepted,
                          const std::string& unsigned_reason,
                          const Result<std::vector<store::AppendResult>>& appended) const {
    if (!appended.ok() || appended->size() != 1) {
      Count(ReceiveOutcome::kStoreUnavailable);
      std::string why = appended.ok() ? "the store returned no result" : appended.error().Summary();
      Log("the event store cannot take a " + type + " event, answered 429 so GHL retries: " + why);
      return StoreUnavailable("the event store is unavailable; retry later");
    }
    const store::AppendResult& stored = appended->front();
    // Written by hand (keys in the order nlohmann would sort them): this runs on the store's
    // committer thread, the one serial stage of ingest, once per event.
    const std::string id = std::to_string(stored.id);
    if (stored.duplicate) {
      Count(ReceiveOutcome::kDuplicate);
      return Decorate(JsonBody(200, R"({"id":)" + id + R"(,"status":"duplicate"})"));
    }
    bool routed = options.is_routed ? options.is_routed(type) : IsKnownEventType(type);
    if (unsigned_accepted) {
      Count(ReceiveOutcome::kInsecureAccepted);
      Log("WARNING: stored event " + std::to_string(stored.id) + " (" + type +
          ") WITHOUT a valid signature because --insecure-accept-unsigned is on (" +
          unsigned_reason + "); anyone can forge such events");
    } else {
      Count(ReceiveOutcome::kAccepted);
    }
    return Decorate(JsonBody(200, R"({"id":)" + id + R"(,"routed":)" + (routed ? "true" : "false") +
                                      R"(,"status":"accepted","type":)" + Json(type) + "}"));
  }

  // 429 (the only status GHL retries) with Retry-After, never 500.
  http::Response StoreUnavailable(std::string_view message) const {
    http::Response r = Refusal(429, ReceiveOutcome::kStoreUnavailable, message);
    r.headers.Set("Retry-After", "1");
    return Decorate(std::move(r));
  }

  static Result<std::vector<store::AppendResult>> FromException(const std::exception_ptr& e) {
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      return Error{.kind = ErrorKind::kInternal, .messages = {ex.what()}};
    } catch (...) {
      return Error{.kind = ErrorKind::kInternal, .messages = {"unknown exception"}};
    }
  }

  http::Response Handle(const http::Request& request) const {
    Admission admission = Admit(request);
    if (auto* answer = std::get_if<http::Response>(&admission)) return std::move(*answer);
    Admitted& admitted = std::get<Admitted>(admission);
    std::string type = admitted.event.type;
    Result<std::vector<store::AppendResult>> appended = UsageError("not attempted");
    try {
      std::vector<store::NewEvent> batch;
      batch.push_back(std::move(admitted.event));
      appended = store->Append(std::move(batch));
    } catch (...) {
      appended = FromException(std::current_exception());
    }
    return Conclude(type, admitted.unsigned_accepted, admitted.unsigned_reason, appended);
  }

  void HandleAsync(const http::Request& request,
                   const std::function<void(http::Response)>& reply) const {
    Admission admission = Admit(request);
    if (auto* answer = std::get_if<http::Response>(&admission)) return reply(std::move(*answer));
    Admitted& admitted = std::get<Admitted>(admission);
    std::vector<store::NewEvent> batch;
    std::string type = admitted.event.type;
    batch.push_back(std::move(admitted.event));
    // The callback may outlive this call (it runs on the committer thread): it captures by value.
    auto fired = std::make_shared<std::atomic<bool>>(false);
    auto done = [this, reply, type, fired, unsigned_accepted = admitted.unsigned_accepted,
                 unsigned_reason = std::move(admitted.unsigned_reason)](
                    Result<std::vector<store::AppendResult>> appended) {
      if (fired->exchange(true)) return;  // a store that throws after calling back
      reply(Conclude(type, unsigned_accepted, unsigned_reason, appended));
      std::lock_guard lock(flight_mu);
      --in_flight;
      flight_cv.notify_all();
    };
    {
      std::lock_guard lock(flight_mu);
      ++in_flight;
    }
    try {
      store->AppendAsync(std::move(batch), done);
    } catch (...) {
      done(FromException(std::current_exception()));
    }
  }
};

WebhookReceiver::WebhookReceiver(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WebhookReceiver::~WebhookReceiver() {
  std::unique_lock lock(impl_->flight_mu);
  impl_->flight_cv.wait(lock, [this] { return impl_->in_flight == 0; });
}

Result<std::unique_ptr<WebhookReceiver>> WebhookReceiver::Create(
    ReceiverOptions options, std::shared_ptr<store::EventStore> store) {
  if (!store) return UsageError("the webhook receiver needs an event store");
  if (options.path.empty() || options.path.front() != '/') {
    return UsageError("webhook path '" + options.path + "' must start with '/'");
  }
  auto impl = std::make_unique<Impl>();
  for (size_t i = 0; i < options.public_keys.size(); ++i) {
    const std::string& key = options.public_keys[i];
    VerifierOptions as_ed;
    as_ed.ed25519_public_key = key;
    as_ed.rsa_public_key.clear();
    as_ed.rsa_cutoff_utc = options.rsa_cutoff_utc;
    if (auto v = SignatureVerifier::Create(as_ed); v.ok()) {
      impl->verifiers.push_back(std::move(v.value()));
      ++impl->ed25519_keys;
      continue;
    }
    VerifierOptions as_rsa;
    as_rsa.ed25519_public_key.clear();
    as_rsa.rsa_public_key = key;
    as_rsa.rsa_cutoff_utc = options.rsa_cutoff_utc;
    if (auto v = SignatureVerifier::Create(as_rsa); v.ok()) {
      impl->verifiers.push_back(std::move(v.value()));
      ++impl->rsa_keys;
      continue;
    }
    return UsageError("webhook public key #" + std::to_string(i + 1) +
                          " is neither an Ed25519 nor an RSA public key",
                      "Give a PEM public key (-----BEGIN PUBLIC KEY-----) or the base64 DER "
                      "SubjectPublicKeyInfo, e.g. what `ghl sandbox` publishes.");
  }
  impl->options = std::move(options);
  impl->store = std::move(store);
  impl->started_at = impl->Now();
  if (impl->options.insecure_accept_unsigned) {
    impl->Log(
        "WARNING: --insecure-accept-unsigned is ON: webhooks WITHOUT a valid signature are "
        "accepted and stored on " +
        impl->options.path +
        ". Anyone who can reach this port can forge events. Use it for local experiments "
        "only, never with real GHL traffic.");
  } else if (impl->verifiers.empty()) {
    impl->Log("no webhook public key is configured: every delivery will be refused with 401");
  }
  return std::unique_ptr<WebhookReceiver>(new WebhookReceiver(std::move(impl)));
}

http::Response WebhookReceiver::Handle(const http::Request& request) const {
  if (!Matches(request)) {
    return JsonAnswer(404, {{"status", "refused"},
                            {"reason", "not_found"},
                            {"message", "webhooks are received on " + impl_->options.path}});
  }
  try {
    return impl_->Handle(request);
  } catch (const std::exception& e) {
    // Never 500: GHL would drop the event. 429 makes it retry.
    impl_->Count(ReceiveOutcome::kStoreUnavailable);
    impl_->Log(std::string("unexpected error while receiving a webhook, answered 429: ") +
               e.what());
    return impl_->StoreUnavailable("temporary failure; retry later");
  }
}

void WebhookReceiver::HandleAsync(const http::Request& request,
                                  std::function<void(http::Response)> reply) const {
  if (!Matches(request)) return reply(Handle(request));
  // Exactly once, even if something throws after the store already called back.
  auto answered = std::make_shared<std::atomic<bool>>(false);
  auto once = [answered, reply = std::move(reply)](http::Response r) {
    if (!answered->exchange(true)) reply(std::move(r));
  };
  try {
    impl_->HandleAsync(request, once);
  } catch (const std::exception& e) {
    impl_->Count(ReceiveOutcome::kStoreUnavailable);
    impl_->Log(std::string("unexpected error while receiving a webhook, answered 429: ") +
               e.what());
    once(impl_->StoreUnavailable("temporary failure; retry later"));
  }
}

bool WebhookReceiver::Matches(const http::Request& request) const {
  return request.Path() == impl_->options.path;
}

ReceiverCounters WebhookReceiver::Counters() const {
  ReceiverCounters c;
  c.started_at = impl_->started_at;
  for (size_t i = 0; i < kReceiveOutcomeCount; ++i) {
    c.by_outcome[i] = impl_->counters[i].load(std::memory_order_relaxed);
  }
  return c;
}

bool WebhookReceiver::IsRouted(std::string_view type) const {
  return impl_->options.is_routed ? impl_->options.is_routed(type) : IsKnownEventType(type);
}

size_t WebhookReceiver::ed25519_key_count() const { return impl_->ed25519_keys; }
size_t WebhookReceiver::rsa_key_count() const { return impl_->rsa_keys; }
const ReceiverOptions& WebhookReceiver::options() const { return impl_->options; }

}  // namespace ghl::webhooks
