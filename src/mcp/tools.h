// Private to the MCP module: the tool table, JSON Schema builders and argument readers shared
// by the toolset files (tools_*.cc).
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/mcp/server.h"
#include "ghl/ops/context.h"

namespace ghl::mcp {

using nlohmann::json;

/// What a tool's handler gets.
struct ToolCall {
  const json& args;         ///< Validated against the tool's inputSchema.
  const ops::Context& ctx;  ///< Client and the call's location.
  const ServerOptions& options;
  /// Set when a write the server's mode refuses may run once the user confirms it (see
  /// ConfirmWrite): call it with what will run; Ok = go ahead. Null = refuse as the mode says.
  const std::function<Status(const std::string&)>* confirm = nullptr;
};

/// An argument naming an object that must belong to the call's location (checked by the
/// registry before the tool runs: one GET of the object, or the location's calendar list).
struct Owned {
  enum Kind { kContact, kOpportunity, kConversation, kCalendar };
  std::string argument;  ///< e.g. "contactId".
  Kind kind;
};

/// One tool. `run` returns the structuredContent object (conforming to output_schema).
struct ToolDef {
  std::string name;
  std::string toolset;
  std::string title;
  std::string description;
  json input_schema;   ///< Properties and required; "locationId" is added by the registry.
  json output_schema;  ///< A JSON Schema object.
  bool read_only = true;
  bool destructive = false;
  bool idempotent = true;
  /// Listed even when writes are off: the handler refuses the writing cases itself
  /// (execute_operation runs GET operations in every mode).
  bool self_gated = false;
  /// Arguments naming objects that must be in the call's location (see Owned).
  std::vector<Owned> owned;
  std::function<Result<json>(const ToolCall&)> run;
};

/// kUsage error naming both locations when `object` (a GHL object, or its {"<kind>":{…}}
/// envelope) carries a locationId other than ctx's; Ok when it matches or carries none.
Status RequireInLocation(const ops::Context& ctx, std::string_view kind, std::string_view id,
                         const json& object);
/// Checks every `owned` argument present in `args` (ownership.cc); the first failure.
Status CheckOwnership(const ops::Context& ctx, const json& args, const std::vector<Owned>& owned);

/// Tools of each toolset (tools_contacts.cc, …).
void AddContactTools(std::vector<ToolDef>& out);
void AddOpportunityTools(std::vector<ToolDef>& out);
void AddCalendarTools(std::vector<ToolDef>& out);
void AddConversationTools(std::vector<ToolDef>& out);
void AddWorkflowTools(std::vector<ToolDef>& out);
void AddLocationTools(std::vector<ToolDef>& out);
void AddOperationTools(std::vector<ToolDef>& out);

// Schema builders (JSON Schema 2020-12 subset used by ValidateArgs).
json Str(std::string description);
json Int(std::string description, int64_t minimum, int64_t maximum);
json Num(std::string description);
json Bool(std::string description);
json StrList(std::string description);
json Enum(std::string description, std::vector<std::string> values);
json AnyObject(std::string description);
/// {"type":"object","properties":…,"required":[…],"additionalProperties":false}.
json Object(json properties, std::vector<std::string> required = {});
/// An output schema {"type":"object","properties":…,"required":[…]} (extra keys allowed).
json Output(json properties, std::vector<std::string> required);

/// Checks `args` against `schema` (types, required, enum, min/max, no unknown keys). On failure
/// the message names the argument and what it must be.
Status ValidateArgs(const json& args, const json& schema);

/// A tool's result {key: value, …} built member by member, e.g. Members("contact",
/// std::move(*r)): a json initializer list copies every value (a whole page of records) and builds
/// a two-element array per member first. Pass large values moved.
inline void AddMembers(json&) {}
template <class... Rest>
void AddMembers(json& out, const char* key, json value, Rest&&... rest) {
  out[key] = std::move(value);
  AddMembers(out, std::forward<Rest>(rest)...);
}
template <class... Rest>
json Members(const char* key, json value, Rest&&... rest) {
  json out = json::object();
  AddMembers(out, key, std::move(value), std::forward<Rest>(rest)...);
  return out;
}

// Argument readers (after validation).
std::string ArgStr(const json& args, std::string_view key);
int64_t ArgInt(const json& args, std::string_view key, int64_t fallback);
std::vector<std::string> ArgList(const json& args, std::string_view key);

}  // namespace ghl::mcp
