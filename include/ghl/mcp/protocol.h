/// \file
/// The MCP protocol engine, free of any transport and of GHL: JSON-RPC 2.0 framing on
/// nlohmann/json, the lifecycle (initialize once, ping, logging/setLevel), batches (accepted only
/// for sessions that negotiated 2025-03-26, the one revision that has them), and a table of
/// method handlers. `ghl::mcp::Server` registers the GHL tools and prompts on it; the stdio loop
/// and the streamable HTTP transport (`HttpTransport`) feed it messages; the conformance fixture
/// server (tests/mcp/conformance) registers the suite's fixtures on it.
/// Spec: https://modelcontextprotocol.io/specification/2025-11-25/basic.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ghl/mcp/pending.h"

namespace ghl::mcp {

/// The revision this server speaks and answers an unknown request with.
inline constexpr std::string_view kLatestProtocolVersion = "2025-11-25";

/// Every revision accepted in `initialize` (and in an HTTP `MCP-Protocol-Version` header),
/// newest first: 2025-11-25, 2025-06-18, 2025-03-26.
std::span<const std::string_view> SupportedProtocolVersions();

/// True when `version` is one of SupportedProtocolVersions().
bool IsSupportedProtocolVersion(std::string_view version);

/// Writes one complete server→client JSON-RPC message (no newline): a line on stdio, an SSE
/// event on HTTP. May be empty (messages are dropped).
using Notify = std::function<void(std::string_view)>;

/// State of one client connection (initialize, negotiated revision, log level, what the client
/// can be asked).
struct Session {
  bool initialized = false;      ///< `initialize` was answered.
  std::string protocol_version;  ///< The negotiated revision ("" before initialize).
  /// Lowest RFC 5424 severity sent as notifications/message (0 debug … 7 emergency);
  /// 3 = warning until the client sends logging/setLevel.
  int log_level = 3;
  std::string client_name;  ///< clientInfo.name, for the audit trail.
  /// The client declared `sampling` (it answers sampling/createMessage).
  bool client_sampling = false;
  /// The client declared `elicitation` in form mode (`{}` or with `form`): it answers
  /// elicitation/create with a requestedSchema.
  bool client_elicitation = false;
  /// Requests we sent the client and wait for (shared by the copies a transport makes); set by
  /// the transport, null = this transport cannot route a client's answer back.
  std::shared_ptr<PendingRequests> pending;
  /// The transport runs this message on a thread that may wait for the client (never an I/O
  /// thread) and can write a request to the client while it runs (on HTTP: a streamed answer).
  bool can_wait = false;
};

// JSON-RPC 2.0 error codes.
inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
/// MCP: resource not found (2025-11-25).
inline constexpr int kResourceNotFound = -32002;

/// What a method handler gets for one request.
struct MethodCall {
  Session& session;
  const nlohmann::json& params;  ///< Always an object.
  const nlohmann::json& id;      ///< The request id (string or integer).
  const Notify& notify;          ///< Messages to the client while this request runs.

  /// Sends the client a request (`method`, e.g. "elicitation/create", with `params`) through
  /// `notify` and waits for its answer at most `timeout` (on this handler's thread). Without
  /// sending anything it answers an RpcError (kInvalidRequest) saying why when the client did
  /// not declare the capability the method needs (sampling/createMessage: sampling;
  /// elicitation/create: elicitation), or the transport cannot wait here (`Session::can_wait`,
  /// `Session::pending`). On timeout it also sends notifications/cancelled for the request.
  ClientReply Ask(std::string_view method, nlohmann::json request_params,
                  std::chrono::milliseconds timeout) const;
};

/// A result already serialized (one JSON object, as Protocol::Dump writes it), spliced into the
/// response as is: lets a large result (a tool's structuredContent and its text copy) be
/// serialized once.
struct RawResult {
  std::string json;
  /// What `json` was written from (e.g. the tool's result), freed only after the answer is
  /// handed over by `Protocol::Handle(…, answer)`: the client does not wait for the free.
  nlohmann::json keep;
};

/// A method handler: the result (an object, or already serialized) or a JSON-RPC error.
/// Exceptions become -32603.
using MethodResult = std::variant<nlohmann::json, RpcError, RawResult>;
using Method = std::function<MethodResult(const MethodCall&)>;

/// What `initialize` answers besides the revision.
struct ServerInfo {
  std::string name;             ///< serverInfo.name.
  std::string title;            ///< serverInfo.title.
  std::string version;          ///< serverInfo.version.
  std::string instructions;     ///< Free text for the model; empty = none.
  nlohmann::json capabilities;  ///< e.g. {"tools":{…},"logging":{}}.
};

/// The engine. Register methods before the first Handle; Handle is then safe to call from
/// several threads at once for different sessions.
class Protocol {
 public:
  explicit Protocol(ServerInfo info);

  /// Registers (or replaces) a method. `initialize`, `ping` and `logging/setLevel` are built in.
  void On(std::string method, Method handler);

  /// Answers one JSON-RPC message (or a 2025-03-26 batch) given as text: the response text, or
  /// nullopt for notifications and client responses. Malformed JSON, invalid UTF-8, JSON nested
  /// deeper than ghl::kMaxJsonDepth, wrong shapes, a second `initialize` and a batch on a
  /// session of a later revision get JSON-RPC errors. Before `initialize` only `ping` is
  /// answered. Never throws.
  std::optional<std::string> Handle(Session& session, std::string_view message,
                                    const Notify& notify) const;

  /// Same, handing the response text to `answer` (not called when there is none) before the
  /// parsed request and the result are freed, so a transport sends it without waiting for that.
  void Handle(Session& session, std::string_view message, const Notify& notify,
              const Notify& answer) const;

  /// Sends notifications/message {level, logger:"ghl", data} when `level` (0 debug … 7
  /// emergency) is at least the session's log level.
  static void Log(const Session& session, const Notify& notify, int level, nlohmann::json data);

  /// Dumps JSON for the wire (invalid UTF-8 replaced, never throws on it).
  static std::string Dump(const nlohmann::json& value);

 private:
  // Handle's work: `msg` gets the parsed message and `keep` what results were written from, for
  // the caller to free after sending the answer.
  std::optional<std::string> Handle(Session& session, std::string_view message,
                                    const Notify& notify, nlohmann::json& msg,
                                    std::vector<nlohmann::json>& keep) const;
  // One message → the serialized response, or nullopt; what it was written from, to free after
  // it is sent, moves to `keep`.
  std::optional<std::string> HandleOne(Session& s, const nlohmann::json& msg, const Notify& notify,
                                       nlohmann::json& keep) const;
  // One message → the response object (or a raw result to splice), or nullopt.
  std::optional<std::variant<nlohmann::json, RawResult>> Answer(Session& s,
                                                                const nlohmann::json& msg,
                                                                const Notify& notify) const;
  ServerInfo info_;
  std::map<std::string, Method, std::less<>> methods_;
};

}  // namespace ghl::mcp
