/// \file
/// Server→client requests of one MCP session (sampling/createMessage, elicitation/create, …):
/// the table of requests sent and not yet answered. A tool handler registers a request (`Open`),
/// the transport writes it to the client, and the handler waits (`Wait`, on a worker thread,
/// never an I/O thread) until the transport routes the client's response to it (`Resolve`), the
/// timeout passes, or the session ends (`Close`). Thread-safe.
/// Spec: https://modelcontextprotocol.io/specification/2025-11-25/basic (requests go both ways).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <variant>

namespace ghl::mcp {

/// A JSON-RPC error: what a method answers with (`data` omitted when null), and what a client
/// answered (or we concluded) for a request of ours.
struct RpcError {
  int code = -32603;
  std::string message;
  nlohmann::json data;
};

/// JSON-RPC error codes for our own requests that got no answer (the values the MCP SDKs use):
/// the client did not answer in time, or the session ended first.
inline constexpr int kRequestTimeout = -32001;
inline constexpr int kConnectionClosed = -32000;

/// What the client answered to one of our requests: its `result` (any JSON value), or an error
/// (the client's JSON-RPC error, or kRequestTimeout / kConnectionClosed).
using ClientReply = std::variant<nlohmann::json, RpcError>;

/// The pending-request table of one session.
class PendingRequests {
 public:
  PendingRequests() = default;
  PendingRequests(const PendingRequests&) = delete;
  PendingRequests& operator=(const PendingRequests&) = delete;

  /// Registers a new request and returns its id: a JSON string "ghl-N", unique in this table;
  /// nullopt once the table is closed (the session ended).
  std::optional<nlohmann::json> Open();

  /// Waits for the answer to `id` (from Open) at most `timeout`, then forgets the request:
  /// the client's result, its error, kRequestTimeout (a later answer is then ignored) or
  /// kConnectionClosed (Close was called, or `id` is not waiting).
  ClientReply Wait(const nlohmann::json& id, std::chrono::milliseconds timeout);

  /// Routes a client's response message ({"id":…,"result":…} or {"id":…,"error":{…}}) to the
  /// request waiting under its id. False when none waits (unknown, already answered, timed out:
  /// the message is dropped). A response carrying neither a result nor a well-formed error
  /// resolves its request with a -32600 error that says so.
  bool Resolve(const nlohmann::json& response);

  /// Ends the session: every waiting request is answered kConnectionClosed with `reason`, and
  /// Open returns nullopt from now on. Idempotent.
  void Close(const std::string& reason);

  /// Requests registered and not yet collected by Wait.
  size_t size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, std::optional<ClientReply>, std::less<>> waiting_;
  uint64_t next_ = 1;
  bool closed_ = false;
  std::string close_reason_;
};

}  // namespace ghl::mcp
