// The MCP protocol: JSON-RPC 2.0 framing, lifecycle, tools, prompts, logging. Transport-free.
#include "ghl/mcp/server.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>

#include "audit.h"
#include "ghl/core/json_depth.h"
#include "ghl/core/time_format.h"
#include "prompts.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

constexpr std::string_view kVersions[] = {"2025-11-25", "2025-06-18", "2025-03-26"};
constexpr std::string_view kToolsets[] = {"contacts",      "opportunities", "calendars",
                                          "conversations", "workflows",     "locations",
                                          "operations"};
constexpr std::string_view kLevels[] = {"debug", "info",     "notice", "warning",
                                        "error", "critical", "alert",  "emergency"};

// JSON-RPC 2.0 error codes.
constexpr int kParseError = -32700;
constexpr int kInvalidRequest = -32600;
constexpr int kMethodNotFound = -32601;
constexpr int kInvalidParams = -32602;
constexpr int kInternalError = -32603;

constexpr char kInstructions[] =
    "GoHighLevel CRM tools (ghlkit). Every tool takes an optional locationId (sub-account); "
    "without it the server's default location is used; list_locations shows what the "
    "credentials reach. Look contacts up exactly with find_contact (email or phone) before "
    "creating one. Writes change a live CRM and messages reach real people: confirm with the "
    "user before send_message, book_appointment and any update. Tools that overwrite data and "
    "execute_operation on non-GET operations need the server's --allow-writes. For anything "
    "the curated tools do not cover: search_operations, describe_operation, execute_operation.";

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

json ErrorReply(const json& id, int code, std::string message) {
  return {
      {"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", code}, {"message", std::move(message)}}}};
}

json Reply(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const std::string_view> SupportedProtocolVersions() { return kVersions; }
std::span<const std::string_view> ToolsetNames() { return kToolsets; }

struct Server::Impl {
  const client::Client& client;
  ServerOptions options;
  std::vector<ToolDef> tools;   // listed
  std::vector<ToolDef> hidden;  // known but refused in this mode (read-only, writes off)
  std::unique_ptr<AuditLog> audit;
  json tools_list;

  std::optional<json> HandleOne(Session& s, const json& msg);
  json Dispatch(Session& s, const std::string& method, const json& params, const json& id);
  json CallTool(Session& s, const json& params, const json& id);
  json Finish(Session& s, const std::string& name, const json& args, const std::string& location,
              Result<json> out, int64_t started, std::string outcome);
  void Log(Session& s, int level, json data);
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Create(const client::Client& client,
                                               ServerOptions options) {
  for (const auto& t : options.toolsets) {
    if (std::find(std::begin(kToolsets), std::end(kToolsets), t) == std::end(kToolsets)) {
      std::string known;
      for (auto k : kToolsets) known += (known.empty() ? "" : ", ") + std::string(k);
      return UsageError("unknown toolset '" + t + "'", "toolsets: " + known);
    }
  }
  auto impl = std::unique_ptr<Impl>(new Impl{client, std::move(options), {}, {}, nullptr, {}});
  if (!impl->options.audit_path.empty()) {
    auto log = AuditLog::Open(impl->options.audit_path);
    if (!log.ok()) return log.error();
    impl->audit = std::move(*log);
  }
  std::vector<ToolDef> all;
  AddContactTools(all);
  AddOpportunityTools(all);
  AddCalendarTools(all);
  AddConversationTools(all);
  AddWorkflowTools(all);
  AddLocationTools(all);
  AddOperationTools(all);
  const auto& sets = impl->options.toolsets;
  json listed = json::array();
  for (auto& t : all) {
    if (!sets.empty() && std::find(sets.begin(), sets.end(), t.toolset) == sets.end()) continue;
    t.input_schema["properties"]["locationId"] =
        Str("Location (sub-account) id; default: the server's.");
    bool refused = !t.self_gated && ((impl->options.read_only && !t.read_only) ||
                                     (t.destructive && !impl->options.allow_writes));
    if (refused) {
      impl->hidden.push_back(std::move(t));
      continue;
    }
    bool read_only =
        t.read_only || (t.self_gated && (impl->options.read_only || !impl->options.allow_writes));
    json annotations = {{"title", t.title},
                        {"readOnlyHint", read_only},
                        {"destructiveHint", !read_only && t.destructive},
                        {"idempotentHint", read_only || t.idempotent},
                        {"openWorldHint", true}};
    listed.push_back({{"name", t.name},
                      {"title", t.title},
                      {"description", t.description},
                      {"inputSchema", t.input_schema},
                      {"outputSchema", t.output_schema},
                      {"annotations", std::move(annotations)}});
    impl->tools.push_back(std::move(t));
  }
  impl->tools_list = {{"tools", std::move(listed)}};
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

std::vector<std::string> Server::ToolNames() const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tools) out.push_back(t.name);
  return out;
}

std::optional<std::string> Server::Handle(Session& session, std::string_view message) {
  try {
    if (auto deep = FindJsonTooDeep(message)) {
      return Dump(ErrorReply(nullptr, kParseError, "Parse error: JSON " + deep->Describe()));
    }
    json msg = ParseJsonBounded(message);
    if (msg.is_discarded()) {
      return Dump(ErrorReply(nullptr, kParseError,
                             "Parse error: not one JSON value in UTF-8 (a JSON-RPC 2.0 message)"));
    }
    if (msg.is_array()) {
      // Batches: required by 2025-03-26, removed later; answered for every revision.
      if (msg.empty())
        return Dump(ErrorReply(nullptr, kInvalidRequest, "Invalid Request: empty batch"));
      json answers = json::array();
      for (const auto& m : msg) {
        if (auto a = impl_->HandleOne(session, m)) answers.push_back(std::move(*a));
      }
      if (answers.empty()) return std::nullopt;
      return Dump(answers);
    }
    auto a = impl_->HandleOne(session, msg);
    if (!a) return std::nullopt;
    return Dump(*a);
  } catch (const std::exception& e) {
    return Dump(ErrorReply(nullptr, kInternalError, std::string("Internal error: ") + e.what()));
  }
}

std::optional<json> Server::Impl::HandleOne(Session& s, const json& msg) {
  if (!msg.is_object())
    return ErrorReply(nullptr, kInvalidRequest, "Invalid Request: not an object");
  bool has_id = msg.contains("id");
  json id = has_id ? msg["id"] : json();
  bool id_ok = !has_id || id.is_string() || id.is_number_integer();
  auto method_it = msg.find("method");
  if (method_it == msg.end()) {
    // A response to a request of ours (we send none) or junk.
    if (has_id && (msg.contains("result") || msg.contains("error"))) return std::nullopt;
    return ErrorReply(id_ok ? id : json(), kInvalidRequest, "Invalid Request: no method");
  }
  if (!id_ok) {
    return ErrorReply(nullptr, kInvalidRequest,
                      "Invalid Request: id must be a string or an integer (never null)");
  }
  if (msg.value("jsonrpc", json()) != "2.0") {
    return has_id ? std::optional<json>(
                        ErrorReply(id, kInvalidRequest, "Invalid Request: jsonrpc must be \"2.0\""))
                  : std::nullopt;
  }
  if (!method_it->is_string()) {
    return has_id ? std::optional<json>(
                        ErrorReply(id, kInvalidRequest, "Invalid Request: method must be a string"))
                  : std::nullopt;
  }
  std::string method = method_it->get<std::string>();
  json params = msg.value("params", json::object());
  if (!has_id) return std::nullopt;  // notifications: initialized, cancelled, … need no answer
  if (!params.is_object())
    return ErrorReply(id, kInvalidParams, "Invalid params: must be an object");
  return Dispatch(s, method, params, id);
}

json Server::Impl::Dispatch(Session& s, const std::string& method, const json& params,
                            const json& id) {
  if (method == "initialize") {
    std::string asked = params.value("protocolVersion", json()).is_string()
                            ? params["protocolVersion"].get<std::string>()
                            : std::string();
    bool known =
        std::find(std::begin(kVersions), std::end(kVersions), asked) != std::end(kVersions);
    s.protocol_version = known ? asked : std::string(kLatestProtocolVersion);
    s.initialized = true;
    const json& info = params.value("clientInfo", json::object());
    if (info.is_object() && info.contains("name") && info["name"].is_string()) {
      s.client_name = info["name"].get<std::string>();
    }
    return Reply(
        id,
        {{"protocolVersion", s.protocol_version},
         {"capabilities",
          {{"tools", {{"listChanged", false}}},
           {"prompts", {{"listChanged", false}}},
           {"logging", json::object()}}},
         {"serverInfo",
          {{"name", "ghlkit"}, {"title", "GoHighLevel (ghlkit)"}, {"version", options.version}}},
         {"instructions", kInstructions}});
  }
  if (method == "ping") return Reply(id, json::object());
  if (!s.initialized) {
    return ErrorReply(id, kInvalidRequest, "Invalid Request: send initialize first");
  }
  if (method == "tools/list") {
    if (params.contains("cursor") && !(params["cursor"].is_string() && params["cursor"] == "")) {
      return ErrorReply(id, kInvalidParams,
                        "Invalid params: unknown cursor (the list has one page)");
    }
    return Reply(id, tools_list);
  }
  if (method == "tools/call") return CallTool(s, params, id);
  if (method == "prompts/list") return Reply(id, {{"prompts", PromptList()}});
  if (method == "prompts/get") {
    if (!params.contains("name") || !params["name"].is_string()) {
      return ErrorReply(id, kInvalidParams, "Invalid params: name must be a string");
    }
    auto p =
        GetPrompt(params["name"].get<std::string>(), params.value("arguments", json::object()));
    if (!p.ok()) return ErrorReply(id, kInvalidParams, "Invalid params: " + p.error().Describe());
    return Reply(id, *p);
  }
  if (method == "logging/setLevel") {
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
  return ErrorReply(id, kMethodNotFound, "Method not found: " + method);
}

void Server::Impl::Log(Session& s, int level, json data) {
  if (!options.notify || level < s.log_level) return;
  options.notify(Dump(
      {{"jsonrpc", "2.0"},
       {"method", "notifications/message"},
       {"params", {{"level", kLevels[level]}, {"logger", "ghl"}, {"data", std::move(data)}}}}));
}

json Server::Impl::CallTool(Session& s, const json& params, const json& id) {
  if (!params.contains("name") || !params["name"].is_string()) {
    return ErrorReply(id, kInvalidParams, "Invalid params: name must be a string");
  }
  std::string name = params["name"].get<std::string>();
  json args = params.value("arguments", json::object());
  if (args.is_null()) args = json::object();
  auto find = [&](const std::vector<ToolDef>& list) -> const ToolDef* {
    for (const auto& t : list) {
      if (t.name == name) return &t;
    }
    return nullptr;
  };
  const ToolDef* def = find(tools);
  if (!def && !find(hidden)) return ErrorReply(id, kInvalidParams, "Unknown tool: " + name);
  std::string location =
      args.is_object() && args.contains("locationId") && args["locationId"].is_string()
          ? args["locationId"].get<std::string>()
          : options.default_location_id;
  int64_t started = NowMs();
  if (!def) {
    const ToolDef* h = find(hidden);
    Error refused = UsageError(
        "tool " + name + " is refused: the server runs " +
            (options.read_only ? std::string("--read-only (writes are off)")
                               : std::string("without --allow-writes (tools that overwrite or "
                                             "remove data are off)")),
        options.read_only ? "restart the server without --read-only to write"
                          : "restart the server with --allow-writes to " + h->title);
    return Reply(id, Finish(s, name, args, location, refused, started, "refused"));
  }
  if (!args.is_object()) {
    return Reply(id, Finish(s, name, args, location, UsageError("arguments must be a JSON object"),
                            started, "error"));
  }
  if (auto st = ValidateArgs(args, def->input_schema); !st.ok()) {
    return Reply(id, Finish(s, name, args, location, st.error(), started, "error"));
  }
  if (location.empty()) {
    return Reply(id, Finish(s, name, args, location,
                            UsageError("no location: pass locationId",
                                       "or start the server with GHL_LOCATION_ID set; "
                                       "list_locations shows the ids"),
                            started, "error"));
  }
  ops::Context ctx{client, location, nullptr};
  Result<json> out = UsageError("not run");
  try {
    out = def->run(ToolCall{args, ctx, options});
  } catch (const std::exception& e) {
    Error err;
    err.kind = ErrorKind::kInternal;
    err.messages.push_back(std::string("internal error in ") + name + ": " + e.what());
    out = err;
  }
  return Reply(id, Finish(s, name, args, location, std::move(out), started, ""));
}

json Server::Impl::Finish(Session& s, const std::string& name, const json& args,
                          const std::string& location, Result<json> out, int64_t started,
                          std::string outcome) {
  json audit_entry = {{"time", UtcIsoNow(IsoPrecision::kMilliseconds)},
                      {"client", s.client_name},
                      {"tool", name},
                      {"arguments", MaskSecrets(args)},
                      {"locationId", location}};
  json result;
  if (out.ok()) {
    audit_entry["outcome"] = "ok";
    result = {{"content", json::array({{{"type", "text"}, {"text", Dump(*out)}}})},
              {"structuredContent", std::move(*out)}};
    Log(s, 1, {{"tool", name}, {"outcome", "ok"}});
  } else {
    const Error& e = out.error();
    audit_entry["outcome"] = outcome.empty() ? "error" : outcome;
    audit_entry["error"] = e.Summary();
    if (!e.trace_id.empty()) audit_entry["traceId"] = e.trace_id;
    if (e.http_status) audit_entry["status"] = e.http_status;
    result = {{"content", json::array({{{"type", "text"}, {"text", "Error: " + e.Describe()}}})},
              {"isError", true}};
    Log(s, 3, {{"tool", name}, {"outcome", audit_entry["outcome"]}, {"error", e.Summary()}});
  }
  audit_entry["ms"] = NowMs() - started;
  if (audit) audit->Write(audit_entry);
  return result;
}

}  // namespace ghl::mcp
