/// \file
/// The MCP server (Model Context Protocol, revision 2025-11-25; 2025-06-18 and 2025-03-26 are
/// accepted too): JSON-RPC 2.0 written on nlohmann/json, transport-free. `Server::Handle` takes
/// one message as text and returns the answer as text (or nothing for a notification); the
/// stdio transport (`ServeStdio`) and streamable HTTP (`HttpTransport`, ghl/mcp/http.h) are thin
/// layers around it; the JSON-RPC engine itself is `Protocol` (ghl/mcp/protocol.h).
///
/// Tools: curated GHL tools over `ghl::ops` in toolsets (contacts, opportunities, calendars,
/// conversations, workflows, locations) and the long tail of the 576 catalog operations through
/// `search_operations` / `describe_operation` / `execute_operation` (toolset "operations").
/// Every tool takes an optional `locationId` (default: `ServerOptions::default_location_id`).
/// GHL failures come back as tool results with `isError: true`, GHL's message and the fix
/// hint; protocol mistakes as JSON-RPC errors; nothing a client sends makes it throw.
/// Spec: https://modelcontextprotocol.io/specification/2025-11-25.
#pragma once

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/core/result.h"
#include "ghl/mcp/protocol.h"

namespace ghl::mcp {

/// The curated toolsets, in listing order: contacts, opportunities, calendars, conversations,
/// workflows, locations, operations.
std::span<const std::string_view> ToolsetNames();

/// Server settings; plain struct with defaults.
struct ServerOptions {
  /// Toolsets to offer (see ToolsetNames); empty = all.
  std::vector<std::string> toolsets;
  /// Offer only tools that read: write tools are not listed and a call to one is refused;
  /// execute_operation runs only operations that read (GET, and POST searches whose scopes
  /// are all `.readonly`).
  bool read_only = false;
  /// Offer destructive tools (updates that overwrite, tag removal) and let execute_operation
  /// run operations that change data. Off by default.
  bool allow_writes = false;
  /// Location used when a call gives no `locationId` (GHL_LOCATION_ID); may be empty, then
  /// every location-scoped tool needs the argument.
  std::string default_location_id;
  /// Audit trail: every tools/call appended as one JSON line (time, tool, arguments with
  /// secrets masked, locationId, outcome, error, GHL traceId, ms). Empty = none. Each line
  /// reaches the kernel (one write(2)) before the call is answered, so it survives a crash of
  /// the server; it is not fsync'd (a power loss may lose the last lines).
  std::string audit_path;
  /// Without allow_writes (and not read_only), a client that declared elicitation sees the
  /// destructive tools too, and each call of one (or of execute_operation on an operation that
  /// changes data) first asks its user through elicitation/create (what will run, arguments
  /// with secrets masked); it runs only when the user accepts. This long for the answer.
  std::chrono::milliseconds confirm_timeout{std::chrono::minutes(10)};
  /// serverInfo.version.
  std::string version = "0.1.0";
  /// When set, `list_locations` answers this instead of asking GHL, and needs no location: the
  /// locations the server's credentials hold (e.g. a token store's rows: id, name, state).
  std::function<Result<nlohmann::json>()> list_locations;
  /// When set, checked for every call's location before its tool runs: an error (the location
  /// and the fix, e.g. "not in the token store: `ghl auth login`") comes back as the tool's
  /// result with isError, and nothing is sent to GHL.
  std::function<Status(const std::string& location_id)> check_location;
  /// Writes one server→client notification (a complete JSON-RPC message, no newline), e.g.
  /// notifications/message log lines. Empty = notifications are dropped.
  std::function<void(std::string_view)> notify;
};

/// The MCP server. Thread-compatible: one Session per connection; `Handle` may run for
/// several sessions at once (the tool table is read-only after Create; each audit line is one
/// O_APPEND write).
class Server {
 public:
  /// Builds the tool table. kUsage error for an unknown toolset name (listing the known ones)
  /// or an audit file that cannot be opened for appending (naming the path and why).
  static Result<std::unique_ptr<Server>> Create(const client::Client& client,
                                                ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  /// Answers one JSON-RPC message (or batch) given as text: the response text, or nullopt
  /// for notifications and client responses. Malformed JSON, invalid UTF-8, JSON nested
  /// deeper than ghl::kMaxJsonDepth and wrong shapes get JSON-RPC errors. Never throws.
  std::optional<std::string> Handle(Session& session, std::string_view message);
  /// Same, sending this request's notifications (log lines) through `notify` instead of
  /// `ServerOptions::notify` (the HTTP transport puts them in the request's SSE stream).
  std::optional<std::string> Handle(Session& session, std::string_view message,
                                    const Notify& notify);
  /// Like the first `Handle`, but hands the response text to `answer` (not called when there is
  /// none) before the parsed request and the tool's result are freed: a transport sends it
  /// without waiting for that (ServeStdio does).
  void Respond(Session& session, std::string_view message, const Notify& answer);

  /// Names of the tools `tools/list` offers, in order.
  std::vector<std::string> ToolNames() const;

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// Serves one session over stdio framing: reads newline-delimited messages from `in` until
/// EOF, writes each answer as one line to `out` (flushed); `ServerOptions::notify` should
/// write to the same stream (use `StdioWriter`). Lines over 8 MiB are answered with a parse
/// error and skipped. Returns at EOF.
void ServeStdio(Server& server, std::FILE* in, const std::function<void(std::string_view)>& write);

/// A thread-safe line writer for `out`: whatever `out` buffered, then the message and its newline
/// in one system call (writev on its descriptor).
std::function<void(std::string_view)> StdioWriter(std::FILE* out);

}  // namespace ghl::mcp
