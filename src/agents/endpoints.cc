#include "ghl/agents/endpoints.h"

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "functions.h"
#include "ghl/agents/signatures.h"
#include "ghl/core/json_depth.h"
#include "ghl/webhooks/browser_guard.h"

namespace ghl::agents {
namespace {

using internal::Outcome;
using nlohmann::json;

// Answers of write functions are kept this long for retries (Retell retries after its timeout,
// 2 minutes by default, twice).
constexpr auto kKeepAnswers = std::chrono::minutes(15);

http::Response Json(int status, const json& body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return r;
}

http::Response Refuse(int status, const std::string& message) {
  return Json(status, {{"statusCode", status}, {"message", message}});
}

// One answer per key, computed once even when copies of a request arrive at the same time.
class Once {
 public:
  Outcome Run(const std::string& key, const std::function<Outcome()>& fn) {
    std::shared_ptr<Entry> entry;
    {
      std::lock_guard lock(mu_);
      auto now = std::chrono::steady_clock::now();
      for (auto it = entries_.begin(); it != entries_.end();) {
        it = it->second->expires < now ? entries_.erase(it) : std::next(it);
      }
      auto& slot = entries_[key];
      if (!slot) slot = std::make_shared<Entry>();
      slot->expires = now + kKeepAnswers;
      entry = slot;
    }
    std::lock_guard lock(entry->mu);
    if (entry->answer) return *entry->answer;
    Outcome out = fn();
    if (out.ok) entry->answer = out;  // failures may be retried for real
    return out;
  }

 private:
  struct Entry {
    std::mutex mu;
    std::optional<Outcome> answer;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
};

// The answers of a request's calls, filled by a worker thread.
struct Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::optional<Outcome>> answers;
  size_t done = 0;
};

}  // namespace

struct AgentEndpoints::Impl : std::enable_shared_from_this<Impl> {
  Impl(AgentOptions o, client::ClientOptions c)
      : options(std::move(o)), cancel(c.cancel), client(std::move(c)) {}

  int64_t NowMs() const {
    if (options.now_ms) return options.now_ms();
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  void Log(const std::string& line) const {
    if (options.log) options.log(line);
  }

  // The call's location (see the file comment of endpoints.h), or the text to answer instead.
  Result<std::string> LocationFor(const FunctionCall& call, const std::string& platform) const {
    std::string location = call.location_id;
    if (location.empty() && !call.agent_id.empty()) {
      if (auto it = options.location_of.find(call.agent_id); it != options.location_of.end()) {
        location = it->second;
      }
    }
    if (location.empty()) location = options.location_id;
    std::string where = platform + " call " + (call.call_id.empty() ? "?" : call.call_id) +
                        (call.agent_id.empty() ? "" : " (assistant/agent " + call.agent_id + ")");
    if (auto asked = call.args.find("locationId");
        asked != call.args.end() && asked->is_string() && *asked != location) {
      Log("agents: " + where + ": refused locationId '" + asked->get<std::string>() +
          "' from the arguments (this call's location: '" + location + "')");
      return UsageError(
          "Nothing was done: this line's business is set in its assistant's configuration, "
          "not in the conversation; leave locationId out.");
    }
    if (options.check_location) {
      Status st = location.empty()
                      ? Status(UsageError("the request names no location",
                                          "put locationId in the assistant's or call's metadata, "
                                          "or map its id with --agent-location ID=LOCATION"))
                      : options.check_location(location);
      if (!st.ok()) {
        Log("agents: " + where + ": location '" + location + "': " + st.error().Describe());
        return UsageError(
            "This phone line's CRM account is not available right now, so nothing was looked "
            "up or booked. Apologise and offer to take a message for a callback.");
      }
    }
    return location;
  }

  Outcome RunOne(FunctionCall call, const std::string& platform) {
    auto location = LocationFor(call, platform);
    if (!location.ok()) return {false, location.error().messages[0]};
    // --agent-calendar belongs to the default location; elsewhere the metadata's calendarId,
    // else the location's only calendar.
    if (call.calendar_id.empty() && *location == options.location_id) {
      call.calendar_id = options.default_calendar_id;
    }
    ops::Context ctx{client, *location, nullptr};
    auto run = [&] { return internal::RunFunction(ctx, options, NowMs(), call); };
    if (!internal::IsWrite(call.name)) return run();
    // Same location, call id, function and arguments: the same answer, the work done once.
    std::string key = platform + "\n" + *location + "\n" + call.call_id + "\n" + call.id + "\n" +
                      call.name + "\n" +
                      call.args.dump(-1, ' ', false, json::error_handler_t::replace);
    return once.Run(key, run);
  }

  // Runs `calls` in order on a worker thread; waits until all are done or the deadline.
  std::vector<Outcome> RunAll(std::vector<FunctionCall> calls, const std::string& platform,
                              std::chrono::steady_clock::time_point received) {
    const Outcome too_late{false, "The CRM did not answer within " +
                                      std::to_string(options.deadline.count() / 1000) +
                                      " seconds; please try again in a moment."};
    // From the request's arrival: time spent queued for a thread counts against the platform's
    // wait. A request whose time is up before it starts runs nothing.
    auto deadline = received + options.deadline;
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::vector<Outcome>(calls.size(), too_late);
    }
    auto pending = std::make_shared<Pending>();
    pending->answers.resize(calls.size());
    {
      std::lock_guard lock(workers_mu);
      ++workers;
    }
    std::thread([self = shared_from_this(), calls, pending, platform, deadline] {
      for (size_t i = 0; i < calls.size(); ++i) {
        // Past the deadline the caller has its answer: the rest would only spend the CRM's
        // rate limit for nobody.
        if (std::chrono::steady_clock::now() >= deadline) break;
        Outcome out = self->RunOne(calls[i], platform);
        std::lock_guard lock(pending->mu);
        pending->answers[i] = std::move(out);
        ++pending->done;
        pending->cv.notify_all();
      }
      std::lock_guard lock(self->workers_mu);
      --self->workers;
      self->workers_cv.notify_all();
    }).detach();
    std::unique_lock lock(pending->mu);
    pending->cv.wait_until(lock, deadline, [&] { return pending->done == calls.size(); });
    std::vector<Outcome> out;
    for (auto& a : pending->answers) out.push_back(a ? *a : too_late);
    return out;
  }

  http::Response Vapi(const http::Request& request,
                      std::chrono::steady_clock::time_point received) {
    if (options.vapi_secret.empty()) {
      return Refuse(503, "the Vapi endpoint is off: start ghl serve with --vapi-secret-file FILE");
    }
    if (auto v = VerifyVapi(request, options.vapi_secret, NowMs()); !v.ok()) {
      return Refuse(401, v.error().Describe());
    }
    json body = ParseJsonBounded(request.body);
    auto message = ParseVapiToolCalls(body);
    if (!message.ok()) return Refuse(400, message.error().Describe());
    std::vector<FunctionCall>& calls = message->calls;
    if (calls.empty()) return Json(200, json::object());  // another message type
    std::vector<std::string> ids;
    for (const auto& c : calls) ids.push_back(c.id);
    bool legacy = message->legacy_function_call;
    std::vector<Outcome> answers;
    if (calls.size() > kMaxVapiToolCalls) {
      // Vapi reads only a 200: each call learns why nothing ran.
      answers.assign(
          calls.size(),
          Outcome{false, "Not run: the message carries " + std::to_string(calls.size()) +
                             " tool calls; at most " + std::to_string(kMaxVapiToolCalls) +
                             " are answered per message."});
    } else {
      answers = RunAll(std::move(calls), "vapi", received);
    }
    if (legacy) return Json(200, {{"result", SingleLine(answers[0].text)}});
    json results = json::array();
    for (size_t i = 0; i < answers.size(); ++i) {
      results.push_back({{"toolCallId", ids[i]},
                         {answers[i].ok ? "result" : "error", SingleLine(answers[i].text)}});
    }
    return Json(200, {{"results", results}});
  }

  http::Response Retell(const http::Request& request,
                        std::chrono::steady_clock::time_point received) {
    if (options.retell_api_key.empty()) {
      return Refuse(503, "the Retell endpoint is off: start ghl serve with --retell-key-file FILE");
    }
    auto v = VerifyRetell(request.body, request.headers.GetOr("X-Retell-Signature", ""),
                          options.retell_api_key, NowMs());
    if (!v.ok()) return Refuse(401, v.error().Describe());
    std::string_view path = request.Path();
    std::string_view function = path.substr(kRetellPath.size());
    if (!function.empty()) function.remove_prefix(1);  // the '/'
    json body = ParseJsonBounded(request.body);
    auto call = ParseRetellCall(body, http::UrlDecode(function, false));
    if (!call.ok()) return Refuse(400, call.error().Describe());
    auto answers = RunAll({std::move(*call)}, "retell", received);
    json out = {{"result", SingleLine(answers[0].text)}};
    if (!answers[0].ok) out["ok"] = false;
    return Json(200, out);
  }

  AgentOptions options;
  std::shared_ptr<client::CancelToken> cancel;
  client::Client client;
  Once once;
  // Worker threads still running (the destructor waits for them).
  std::mutex workers_mu;
  std::condition_variable workers_cv;
  int workers = 0;
};

namespace {
client::ClientOptions WithCancel(client::ClientOptions o) {
  if (!o.cancel) o.cancel = std::make_shared<client::CancelToken>();
  return o;
}
}  // namespace

AgentEndpoints::AgentEndpoints(AgentOptions options, client::ClientOptions client)
    : impl_(std::make_shared<Impl>(std::move(options), WithCancel(std::move(client)))) {}

AgentEndpoints::~AgentEndpoints() {
  impl_->cancel->Cancel();
  std::unique_lock lock(impl_->workers_mu);
  // Cancelled calls end within about a second (the transport polls the token).
  impl_->workers_cv.wait_for(lock, std::chrono::seconds(10), [&] { return impl_->workers == 0; });
}

bool AgentEndpoints::Matches(const http::Request& request) {
  std::string_view path = request.Path();
  if (path == kVapiPath || path == kRetellPath) return true;
  return path.size() > kRetellPath.size() + 1 &&
         path.substr(0, kRetellPath.size()) == kRetellPath && path[kRetellPath.size()] == '/';
}

http::Response AgentEndpoints::Handle(const http::Request& request) const {
  return Handle(request, std::chrono::steady_clock::now());
}

http::Response AgentEndpoints::Handle(const http::Request& request,
                                      std::chrono::steady_clock::time_point received) const {
  if (auto signal = webhooks::BrowserSignal(request)) {
    return Refuse(403, "agent endpoints refuse web browsers (" + *signal + ")");
  }
  if (request.method != "POST") {
    http::Response r = Refuse(405, "use POST");
    r.headers.Set("Allow", "POST");
    return r;
  }
  if (request.Path() == kVapiPath) return impl_->Vapi(request, received);
  return impl_->Retell(request, received);
}

const AgentOptions& AgentEndpoints::options() const { return impl_->options; }

}  // namespace ghl::agents
