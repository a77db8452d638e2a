// The MCP protocol engine: JSON-RPC 2.0 framing, lifecycle, logging level, method table.
#include "ghl/mcp/protocol.h"

#include <algorithm>
#include <exception>
#include <variant>
#include <vector>

#include "ghl/core/json_depth.h"
#include "ghl/core/json_write.h"
#include "unreadable.h"

namespace ghl::mcp {
namespace {

using nlohmann::json;

constexpr std::string_view kVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
// The one revision with JSON-RPC batches (removed in 2025-06-18).
constexpr std::string_view kBatchVersion = "2025-03-26";
constexpr std::string_view kLevels[] = {"debug", "info",     "notice", "warning",
                                        "error", "critical", "alert",  "emergency"};

json ErrorReply(const json& id, int code, std::string message, json data = nullptr) {
  json error = {{"code", code}, {"message", std::move(message)}};
  if (!data.is_null()) error["data"] = std::move(data);
  return {{"jsonrpc", "2.0"}, {"id", id}, {"error", std::move(error)}};
}

json Reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

}  // namespace

ClientReply MethodCall::Ask(std::string_view method, json request_params,
                            std::chrono::milliseconds timeout) const {
  std::string m(method);
  if ((m == "sampling/createMessage" && !session.client_sampling) ||
      (m == "elicitation/create" && !session.client_elicitation)) {
    std::string capability = m == "sampling/createMessage" ? "sampling" : "elicitation (form)";
    return RpcError{kInvalidRequest,
                    "the client did not declare the " + capability +
                        " capability in initialize, so it cannot be sent " + m,
                    {}};
  }
  if (!session.pending || !session.can_wait || !notify) {
    return RpcError{kInvalidRequest,
                    "this transport cannot send " + m +
                        " here (over HTTP the client must accept text/event-stream)",
                    {}};
  }
  auto request_id = session.pending->Open();
  if (!request_id) return RpcError{kConnectionClosed, "the session ended", {}};
  notify(Protocol::Dump({{"jsonrpc", "2.0"},
                         {"id", *request_id},
                         {"method", m},
                         {"params", std::move(request_params)}}));
  ClientReply reply = session.pending->Wait(*request_id, timeout);
  if (auto* err = std::get_if<RpcError>(&reply); err && err->code == kRequestTimeout) {
    notify(Protocol::Dump({{"jsonrpc", "2.0"},
                           {"method", "notifications/cancelled"},
                           {"params", {{"requestId", *request_id}, {"reason", "timed out"}}}}));
  }
  return reply;
}

std::span<const std::string_view> SupportedProtocolVersions() { return kVersions; }

bool IsSupportedProtocolVersion(std::string_view version) {
  return std::find(std::begin(kVersions), std::end(kVersions), version) != std::end(kVersions);
}

Protocol::Protocol(ServerInfo info) : info_(std::move(info)) {}

void Protocol::On(std::string method, Method handler) {
  methods_[std::move(method)] = std::move(handler);
}

std::string Protocol::Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

void Protocol::Log(const Session& session, const Notify& notify, int level, json data) {
  if (!notify || level < session.log_level || level < 0 || level > 7) return;
  notify(Dump(
      {{"jsonrpc", "2.0"},
       {"method", "notifications/message"},
       {"params", {{"level", kLevels[level]}, {"logger", "ghl"}, {"data", std::move(data)}}}}));
}

std::optional<std::string> Protocol::Handle(Session& session, std::string_view message,
                                            const Notify& notify) const {
  json msg;
  std::vector<json> keep;
  return Handle(session, message, notify, msg, keep);
}

void Protocol::Handle(Session& session, std::string_view message, const Notify& notify,
                      const Notify& answer) const {
  // The request and what the answer was written from are freed after `answer` has it.
  json msg;
  std::vector<json> keep;
  if (auto out = Handle(session, message, notify, msg, keep)) answer(*out);
}

std::optional<std::string> Protocol::Handle(Session& session, std::string_view message,
                                            const Notify& notify, json& msg,
                                            std::vector<json>& keep) const {
  try {
    if (auto deep = FindJsonTooDeep(message)) {
      return Dump(ErrorReply(nullptr, kParseError, "Parse error: JSON " + deep->Describe()));
    }
    msg = json::parse(message, nullptr, /*allow_exceptions=*/false);  // depth checked above
    if (msg.is_discarded()) {
      if (auto bad = FindUnreadable(message)) {  // answered under its id: no client waits
        return Dump(ErrorReply(bad->id, kParseError,
                               "Parse error: the message is not UTF-8 (" + bad->why +
                                   "); nothing was run: send the text as UTF-8"));
      }
      return Dump(ErrorReply(nullptr, kParseError,
                             "Parse error: not one JSON value in UTF-8 (a JSON-RPC 2.0 message)"));
    }
    if (msg.is_array()) {
      // Batches exist in 2025-03-26 only; later revisions removed them.
      if (session.initialized && session.protocol_version != kBatchVersion) {
        return Dump(ErrorReply(nullptr, kInvalidRequest,
                               "Invalid Request: JSON-RPC batches were removed after 2025-03-26; "
                               "this session speaks " +
                                   session.protocol_version + ": send one message at a time"));
      }
      if (msg.empty())
        return Dump(ErrorReply(nullptr, kInvalidRequest, "Invalid Request: empty batch"));
      std::string answers;
      for (const auto& m : msg) {
        if (auto a = HandleOne(session, m, notify, keep.emplace_back())) {
          answers += (answers.empty() ? "" : ",") + *a;
        }
      }
      if (answers.empty()) return std::nullopt;
      return "[" + answers + "]";
    }
    return HandleOne(session, msg, notify, keep.emplace_back());
  } catch (const std::exception& e) {
    return Dump(ErrorReply(nullptr, kInternalError, std::string("Internal error: ") + e.what()));
  }
}

std::optional<std::string> Protocol::HandleOne(Session& s, const json& msg, const Notify& notify,
                                               json& keep) const {
  auto answer = Answer(s, msg, notify);
  if (!answer) return std::nullopt;
  if (auto* raw = std::get_if<RawResult>(&*answer)) {
    keep = std::move(raw->keep);
    // {"id":…,"jsonrpc":"2.0","result":…}, keys in the order Dump writes them, put around the
    // result in its own buffer (no copy of a large result into a new one).
    std::string head = R"({"id":)";
    AppendJson(head, msg["id"]);  // a string or an integer (Answer checked)
    head += R"(,"jsonrpc":"2.0","result":)";
    std::string& out = raw->json;
    out.insert(0, head);
    out += '}';
    return std::move(out);
  }
  return Dump(std::get<json>(*answer));
}

std::optional<std::variant<json, RawResult>> Protocol::Answer(Session& s, const json& msg,
                                                              const Notify& notify) const {
  if (!msg.is_object())
    return ErrorReply(nullptr, kInvalidRequest, "Invalid Request: not an object");
  bool has_id = msg.contains("id");
  json id = has_id ? msg["id"] : json();
  bool id_ok = !has_id || id.is_string() || id.is_number_integer();
  auto method_it = msg.find("method");
  if (method_it == msg.end()) {
    // A response to a request of ours (elicitation/create, …): to the call waiting for it.
    if (has_id && (msg.contains("result") || msg.contains("error"))) {
      if (s.pending) s.pending->Resolve(msg);
      return std::nullopt;
    }
    return ErrorReply(id_ok ? id : json(), kInvalidRequest, "Invalid Request: no method");
  }
  if (!id_ok) {
    return ErrorReply(nullptr, kInvalidRequest,
                      "Invalid Request: id must be a string or an integer (never null)");
  }
  if (msg.value("jsonrpc", json()) != "2.0") {
    return has_id ? std::optional<std::variant<json, RawResult>>(
                        ErrorReply(id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\""))
                  : std::nullopt;
  }
  if (!method_it->is_string()) {
    return has_id ? std::optional<std::variant<json, RawResult>>(
                        ErrorReply(id, kInvalidRequest, "Invalid Request: method must be a string"))
                  : std::nullopt;
  }
  std::string method = method_it->get<std::string>();
  static const json kNoParams = json::object();
  auto params_it = msg.find("params");
  const json& params = params_it == msg.end() ? kNoParams : *params_it;  // no copy
  if (!has_id) return std::nullopt;  // notifications: initialized, cancelled, … need no answer
  if (!params.is_object())
    return ErrorReply(id, kInvalidParams, "Invalid params: must be an object");

  if (method == "initialize") {
    if (s.initialized) {
      return ErrorReply(id, kInvalidRequest,
                        "Invalid Request: this session is already initialized (protocol " +
                            s.protocol_version +
                            "); initialize once per session (over HTTP: without Mcp-Session-Id "
                            "for a new session)");
    }
    auto version = params.find("protocolVersion");
    if (version == params.end() || !version->is_string()) {
      return ErrorReply(id, kInvalidParams,
                        "Invalid params: initialize needs params.protocolVersion, a string such "
                        "as \"" +
                            std::string(kLatestProtocolVersion) + "\"");
    }
    std::string asked = version->get<std::string>();
    s.protocol_version =
        IsSupportedProtocolVersion(asked) ? asked : std::string(kLatestProtocolVersion);
    s.initialized = true;
    const json& info = params.value("clientInfo", json::object());
    if (info.is_object() && info.contains("name") && info["name"].is_string()) {
      s.client_name = info["name"].get<std::string>();
    }
    const json& caps = params.value("capabilities", json::object());
    if (caps.is_object()) {
      s.client_sampling = caps.contains("sampling") && caps["sampling"].is_object();
      // 2025-11-25: {} means form mode; {"url":{}} alone does not offer forms.
      if (auto e = caps.find("elicitation"); e != caps.end() && e->is_object()) {
        s.client_elicitation = e->empty() || e->contains("form");
      }
    }
    json result = {
        {"protocolVersion", s.protocol_version},
        {"capabilities", info_.capabilities},
        {"serverInfo", {{"name", info_.name}, {"title", info_.title}, {"version", info_.version}}}};
    if (!info_.instructions.empty()) result["instructions"] = info_.instructions;
    return Reply(id, std::move(result));
  }
  if (method == "ping") return Reply(id, json::object());
  if (!s.initialized) {
    return ErrorReply(id, kInvalidRequest, "Invalid Request: send initialize first");
  }
  if (method == "logging/setLevel" && info_.capabilities.contains("logging")) {
    std::string level = params.value("level", json()).is_string()
                            ? params["level"].get<std::string>()
                            : std::string();
    auto it = std::find(std::begin(kLevels), std::end(kLevels), level);
    if (it == std::end(kLevels)) {
      return ErrorReply(id, kInvalidParams,
                        "Invalid params: level must be one of debug, info, notice, warning, "
                        "error, critical, alert, emergency");
    }
    s.log_level = static_cast<int>(it - std::begin(kLevels));
    return Reply(id, json::object());
  }
  auto handler = methods_.find(method);
  if (handler == methods_.end()) {
    return ErrorReply(id, kMethodNotFound, "Method not found: " + method);
  }
  try {
    auto out = handler->second(MethodCall{s, params, id, notify});
    if (auto* err = std::get_if<RpcError>(&out)) {
      return ErrorReply(id, err->code, std::move(err->message), std::move(err->data));
    }
    if (auto* raw = std::get_if<RawResult>(&out)) return std::move(*raw);
    return Reply(id, std::move(std::get<json>(out)));
  } catch (const std::exception& e) {
    return ErrorReply(id, kInternalError, "Internal error in " + method + ": " + e.what());
  }
}

}  // namespace ghl::mcp
