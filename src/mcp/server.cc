// The MCP protocol: JSON-RPC 2.0 framing, lifecycle, tools, prompts, logging. Transport-free.
#include "ghl/mcp/server.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <nlohmann/json.hpp>
#include <variant>

#include "audit.h"
#include "confirm.h"
#include "ghl/core/json_depth.h"
#include "ghl/core/json_write.h"
#include "prompts.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

constexpr std::string_view kToolsets[] = {"contacts",      "opportunities", "calendars",
                                          "conversations", "workflows",     "locations",
                                          "operations"};

constexpr char kInstructions[] =
    "GoHighLevel CRM tools (ghlkit). Every tool takes an optional locationId (sub-account); "
    "without it the server's default location is used; list_locations shows what the "
    "credentials reach. Look contacts up exactly with find_contact (email or phone) before "
    "creating one. Writes change a live CRM and messages reach real people: confirm with the "
    "user before send_message, book_appointment and any update. Tools that overwrite data and "
    "execute_operation on operations that change data need the server's --allow-writes. For "
    "anything "
    "the curated tools do not cover: search_operations, describe_operation, execute_operation.";

RpcError InvalidParams(std::string message) {
  return RpcError{kInvalidParams, "Invalid params: " + std::move(message), nullptr};
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::span<const std::string_view> ToolsetNames() { return kToolsets; }

struct Server::Impl {
  const client::Client& client;
  ServerOptions options;
  std::vector<ToolDef> tools;   // listed
  std::vector<ToolDef> hidden;  // known but refused in this mode (read-only, writes off)
  std::unique_ptr<AuditLog> audit;
  json tools_list;
  // tools/list for clients that can confirm a write (elicitation) when the server runs without
  // --allow-writes: also the destructive tools, each call of which asks the user first.
  json tools_list_confirm;
  std::optional<Protocol> protocol;

  void Register();
  MethodResult CallTool(const MethodCall& call);
  MethodResult Finish(const MethodCall& call, const std::string& name, const json& args,
                      const std::string& location, Result<json> out, int64_t started,
                      std::string outcome);
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
  auto impl =
      std::unique_ptr<Impl>(new Impl{client, std::move(options), {}, {}, nullptr, {}, {}, {}});
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
  json listed = json::array(), listed_confirm = json::array();
  auto entry = [](const ToolDef& t, bool read_only) {
    json annotations = {{"title", t.title},
                        {"readOnlyHint", read_only},
                        {"destructiveHint", !read_only && t.destructive},
                        {"idempotentHint", read_only || t.idempotent},
                        {"openWorldHint", true}};
    return json{{"name", t.name},
                {"title", t.title},
                {"description", t.description},
                {"inputSchema", t.input_schema},
                {"outputSchema", t.output_schema},
                {"annotations", std::move(annotations)}};
  };
  for (auto& t : all) {
    if (!sets.empty() && std::find(sets.begin(), sets.end(), t.toolset) == sets.end()) continue;
    t.input_schema["properties"]["locationId"] =
        Str("Location (sub-account) id; default: the server's.");
    bool refused = !t.self_gated && ((impl->options.read_only && !t.read_only) ||
                                     (t.destructive && !impl->options.allow_writes));
    if (refused) {
      if (!impl->options.read_only) {
        json e = entry(t, false);
        e["description"] = t.description + " (Asks the user to confirm each call.)";
        listed_confirm.push_back(std::move(e));
      }
      impl->hidden.push_back(std::move(t));
      continue;
    }
    bool read_only =
        t.read_only || (t.self_gated && (impl->options.read_only || !impl->options.allow_writes));
    listed.push_back(entry(t, read_only));
    listed_confirm.push_back(listed.back());
    impl->tools.push_back(std::move(t));
  }
  impl->tools_list = {{"tools", std::move(listed)}};
  impl->tools_list_confirm = {{"tools", std::move(listed_confirm)}};
  impl->Register();
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

void Server::Respond(Session& session, std::string_view message, const Notify& answer) {
  impl_->protocol->Handle(session, message, impl_->options.notify, answer);
}

std::vector<std::string> Server::ToolNames() const {
  std::vector<std::string> out;
  for (const auto& t : impl_->tools) out.push_back(t.name);
  return out;
}

std::optional<std::string> Server::Handle(Session& session, std::string_view message) {
  return impl_->protocol->Handle(session, message, impl_->options.notify);
}

std::optional<std::string> Server::Handle(Session& session, std::string_view message,
                                          const Notify& notify) {
  return impl_->protocol->Handle(session, message, notify);
}

void Server::Impl::Register() {
  protocol.emplace(ServerInfo{.name = "ghlkit",
                              .title = "GoHighLevel (ghlkit)",
                              .version = options.version,
                              .instructions = kInstructions,
                              .capabilities = {{"tools", {{"listChanged", false}}},
                                               {"prompts", {{"listChanged", false}}},
                                               {"logging", json::object()}}});
  protocol->On("tools/list", [this](const MethodCall& c) -> MethodResult {
    const json& params = c.params;
    if (params.contains("cursor") && !(params["cursor"].is_string() && params["cursor"] == "")) {
      return InvalidParams("unknown cursor (the list has one page)");
    }
    // Without --allow-writes, a client that can ask its user (elicitation) also sees the
    // destructive tools: each call asks for confirmation.
    return c.session.client_elicitation ? tools_list_confirm : tools_list;
  });
  protocol->On("tools/call", [this](const MethodCall& c) { return CallTool(c); });
  protocol->On("prompts/list", [](const MethodCall&) -> MethodResult {
    return json{{"prompts", PromptList()}};
  });
  protocol->On("prompts/get", [](const MethodCall& c) -> MethodResult {
    if (!c.params.contains("name") || !c.params["name"].is_string()) {
      return InvalidParams("name must be a string");
    }
    auto p =
        GetPrompt(c.params["name"].get<std::string>(), c.params.value("arguments", json::object()));
    if (!p.ok()) return InvalidParams(p.error().Describe());
    return *p;
  });
}

MethodResult Server::Impl::CallTool(const MethodCall& call) {
  const json& params = call.params;
  if (!params.contains("name") || !params["name"].is_string()) {
    return InvalidParams("name must be a string");
  }
  static const json kNoArguments = json::object();
  const std::string& name = params["name"].get_ref<const std::string&>();
  auto given = params.find("arguments");
  const json& args = given == params.end() || given->is_null() ? kNoArguments : *given;
  auto find = [&](const std::vector<ToolDef>& list) -> const ToolDef* {
    for (const auto& t : list) {
      if (t.name == name) return &t;
    }
    return nullptr;
  };
  const ToolDef* def = find(tools);
  if (!def && !find(hidden)) {
    return RpcError{kInvalidParams, "Unknown tool: " + name, nullptr};
  }
  std::string location =
      args.is_object() && args.contains("locationId") && args["locationId"].is_string() &&
              !args["locationId"].get_ref<const std::string&>().empty()  // "": the default
          ? args["locationId"].get<std::string>()
          : options.default_location_id;
  int64_t started = NowMs();
  // Without --allow-writes (and not --read-only) a client that declared elicitation may run a
  // write the mode refuses, once its user confirms it.
  const bool can_confirm =
      !options.read_only && !options.allow_writes && call.session.client_elicitation;
  bool confirm_first = false;
  if (!def && can_confirm) {
    def = find(hidden);
    confirm_first = true;
  }
  if (!def) {
    const ToolDef* h = find(hidden);
    Error refused = UsageError(
        "tool " + name + " is refused: the server runs " +
            (options.read_only ? std::string("--read-only (writes are off)")
                               : std::string("without --allow-writes (tools that overwrite or "
                                             "remove data are off)")),
        options.read_only ? "restart the server without --read-only to write"
                          : "restart the server with --allow-writes to " + h->title);
    return Finish(call, name, args, location, refused, started, "refused");
  }
  if (!args.is_object()) {
    return Finish(call, name, args, location, UsageError("arguments must be a JSON object"),
                  started, "error");
  }
  if (auto st = ValidateArgs(args, def->input_schema); !st.ok()) {
    return Finish(call, name, args, location, st.error(), started, "error");
  }
  bool listing_held = name == "list_locations" && options.list_locations;
  if (location.empty() && !listing_held) {
    return Finish(call, name, args, location,
                  UsageError("no location: pass locationId",
                             "or start the server with GHL_LOCATION_ID set; "
                             "list_locations shows the ids"),
                  started, "error");
  }
  if (options.check_location && !location.empty() && !listing_held) {
    if (auto st = options.check_location(location); !st.ok()) {
      return Finish(call, name, args, location, st.error(), started, "error");
    }
  }
  ops::Context ctx{client, location, nullptr};
  if (auto st = CheckOwnership(ctx, args, def->owned); !st.ok()) {
    return Finish(call, name, args, location, st.error(), started, "error");
  }
  if (confirm_first) {
    if (auto st = ConfirmWrite(call, name, name, args, options.confirm_timeout); !st.ok()) {
      return Finish(call, name, args, location, st.error(), started, "declined");
    }
  }
  // execute_operation asks itself, for the operations that change data.
  std::function<Status(const std::string&)> confirm;
  if (can_confirm && def->self_gated) {
    confirm = [&](const std::string& action) {
      return ConfirmWrite(call, name, action, args, options.confirm_timeout);
    };
  }
  Result<json> out = UsageError("not run");
  try {
    out = def->run(ToolCall{args, ctx, options, confirm ? &confirm : nullptr});
  } catch (const std::exception& e) {
    Error err;
    err.kind = ErrorKind::kInternal;
    err.messages.push_back(std::string("internal error in ") + name + ": " + e.what());
    out = err;
  }
  return Finish(call, name, args, location, std::move(out), started, "");
}

MethodResult Server::Impl::Finish(const MethodCall& call, const std::string& name, const json& args,
                                  const std::string& location, Result<json> out, int64_t started,
                                  std::string outcome) {
  const Session& s = call.session;
  // Log lines are built only when the session's level lets them out.
  auto logs = [&](int level) { return call.notify && level >= s.log_level; };
  MethodResult result;
  std::string summary;
  if (out.ok()) {
    outcome = "ok";
    // {"content":[{"text":…,"type":"text"}],"structuredContent":…}: the structured result is
    // serialized once and its text copy is that serialization, escaped.
    std::string structured;
    structured.reserve(4096);  // a contact or a page of them without regrowing
    AppendJson(structured, *out);
    std::string raw;
    // The escaped copy is longer by one byte per quote (~1 in 8 bytes of JSON), and the
    // protocol puts up to ~64 bytes of envelope ({"id":…,"result":) in front: one allocation.
    raw.reserve(structured.size() * 9 / 4 + 192);
    raw += R"({"content":[{"text":)";
    AppendJsonString(raw, structured);
    raw += R"(,"type":"text"}],"structuredContent":)";
    raw += structured;
    raw += '}';
    result = RawResult{std::move(raw), std::move(*out)};  // the result is freed after sending
    if (logs(1)) Protocol::Log(s, call.notify, 1, {{"tool", name}, {"outcome", "ok"}});
  } else {
    const Error& e = out.error();
    if (outcome.empty()) outcome = "error";
    summary = e.Summary();
    result =
        json{{"content", json::array({{{"type", "text"}, {"text", "Error: " + e.Describe()}}})},
             {"isError", true}};
    if (logs(3)) {
      Protocol::Log(s, call.notify, 3, {{"tool", name}, {"outcome", outcome}, {"error", summary}});
    }
  }
  if (audit) {
    audit->Write({.client = s.client_name,
                  .tool = name,
                  .arguments = &args,
                  .location = location,
                  .outcome = outcome,
                  .error = summary,
                  .trace_id = out.ok() ? std::string_view() : out.error().trace_id,
                  .http_status = out.ok() ? 0 : out.error().http_status,
                  .ms = NowMs() - started});
  }
  return result;
}

}  // namespace ghl::mcp
