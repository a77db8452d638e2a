/// \file
/// The MCP streamable HTTP transport (revision 2025-11-25, also 2025-06-18 and 2025-03-26) on
/// our own http::Request/Response types, so it mounts on any ghl::server::HttpServer (`ghl serve
/// --mcp` mounts it at `/mcp`). Transport only: each message goes to a `MessageHandler`
/// (`Server::Handle`, or a bare `Protocol` for the conformance fixtures).
///
/// Per request, in this order:
/// 1. `Host` must name this machine's loopback (127.0.0.1, localhost, [::1]) on the server's
///    port, or an allowed host on any port or none (what a reverse proxy forwards); `Origin`,
///    when sent, must be http(s) on such a host: else 403 (DNS-rebinding protection, spec
///    "Security Warning").
/// 2. `Authorization: Bearer KEY` must carry the configured key (when one is set): else 401 with
///    `WWW-Authenticate: Bearer`. The key is ours; it is never forwarded to GHL.
/// 3. `MCP-Protocol-Version`, when sent, must be a supported revision: else 400.
/// 4. POST: one JSON-RPC message (a batch only on a 2025-03-26 session). `initialize` without
///    `Mcp-Session-Id` opens a session and answers its id in `Mcp-Session-Id`; anything else
///    needs that header (400 without, 404 for an unknown or ended session). A notification or
///    response is answered 202 with no body. A request is answered `application/json`, or
///    `text/event-stream` (its notifications, e.g. log lines, then the response, then the end)
///    when the client accepts only SSE or prefers it (a higher q-value), or when the request
///    produced notifications and the client accepts SSE; through `Serve`, a tool call of a client
///    that can be asked (sampling, elicitation) streams (see Serve). A client's response to our
///    request is answered 202 and handed to the tool call waiting for it. 415 for a body that is
///    not `application/json`, 406 for an `Accept` that allows neither JSON nor SSE. GET: through
///    `Serve`, the session's standalone SSE stream (no resumption); else 405. DELETE: ends the
///    session (204; 404 unknown); a tool call waiting for the client then gets an error. Other
///    methods: 405.
/// Spec: https://modelcontextprotocol.io/specification/2025-11-25/basic/transports.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/http/message.h"
#include "ghl/mcp/protocol.h"
#include "ghl/server/http_server.h"

namespace ghl::mcp {

/// Answers one message of a session: the response text, or nullopt for a notification.
using MessageHandler =
    std::function<std::optional<std::string>(Session&, std::string_view, const Notify&)>;

/// HTTP transport settings; plain struct with defaults.
struct HttpOptions {
  /// The endpoint path.
  std::string path = "/mcp";
  /// The bearer key clients must present. Empty = no authentication: only for a server bound to
  /// loopback whose clients cannot send headers (the conformance suite); the caller decides.
  std::string bearer_key;
  /// Host names (lower case, no port; IPv6 in brackets) accepted in `Host` and `Origin` besides
  /// 127.0.0.1, localhost and [::1], e.g. the name a reverse proxy forwards; with any port.
  std::vector<std::string> allowed_hosts;
  /// The server's port: `Host` must carry it (0 = any port; set it with SetPort once bound).
  uint16_t port = 0;
  /// At most this many open sessions; beyond it the least recently used one ends.
  size_t max_sessions = 1024;
  /// A session unused this long ends (its id then gets 404).
  std::chrono::seconds session_idle{3600};
};

/// The transport: thread-safe; `Handle` blocks while the message's tool runs, so mount it on a
/// `server::BlockingPool` when tools call out (GHL).
class HttpTransport {
 public:
  HttpTransport(MessageHandler handler, HttpOptions options);
  ~HttpTransport();
  HttpTransport(const HttpTransport&) = delete;
  HttpTransport& operator=(const HttpTransport&) = delete;

  /// True when the request's path is the endpoint (`HttpOptions::path`).
  bool Matches(const http::Request& request) const;
  /// Answers one request to the endpoint with one complete response (see the file comment for
  /// the statuses): no streams, so a tool cannot ask the client anything (its Ask gets an
  /// error) and GET is 405.
  http::Response Handle(const http::Request& request);
  /// Same, answering through `respond`, streamed where it helps: a `tools/call` of a client
  /// that declared sampling or elicitation and accepts SSE gets a `text/event-stream` body
  /// written as things happen (log lines, progress, the server's request to the client), the
  /// result last; the client answers the request by another POST (202) while the tool waits.
  /// GET with `Accept: text/event-stream` and a live session opens the session's standalone
  /// SSE stream (one per session; a newer GET ends the older; no event ids, so no resumption
  /// with Last-Event-ID), which stays open until the session ends. Blocks while the tool runs:
  /// call it on a worker thread (`server::BlockingPool::RunAsync`), never an I/O thread.
  void Serve(const http::Request& request, const server::Responder& respond);
  /// Ends every session (for shutdown): tool calls waiting for a client's answer get an error
  /// at once, GET streams end.
  void CloseAll();
  /// The server's bound port, for the Host check (after a start on port 0).
  void SetPort(uint16_t port);
  /// Open sessions.
  size_t SessionCount() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// A fresh secret: `bytes` random bytes from the kernel (getrandom) as lower-case hex. Used for
/// session ids and the generated bearer key.
std::string NewSecret(size_t bytes = 32);

}  // namespace ghl::mcp
