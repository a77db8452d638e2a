// The MCP audit trail: one JSON line per tools/call, secrets masked.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::mcp {

/// One tools/call as the audit trail records it (views into the caller's data).
/// Copy of `value` with the value of every key that names a secret (client::IsSecretName, the
/// one rule for every masked output) replaced by "***"; nesting beyond 64 levels becomes "…".
/// For text shown to a person (the write confirmation); audit lines mask while writing.
/// Tool arguments that name a catalog operation (`operationId`, as execute_operation takes)
/// are masked with that operation's path, so an `oauth.*` body's `code` is masked too.
nlohmann::json MaskSecrets(const nlohmann::json& value, int depth = 0);

/// The GHL path whose rules mask `arguments` (client::IsSecretName's `path`): the path of the
/// catalog operation its `operationId` names, else "".
std::string_view SecretContext(const nlohmann::json& arguments);

struct AuditEntry {
  std::string_view client;                    ///< clientInfo.name of the session.
  std::string_view tool;                      ///< The tool name the client asked for.
  const nlohmann::json* arguments = nullptr;  ///< As sent; written with secrets masked.
  std::string_view location;  ///< The location the call ran in (or was refused for).
  std::string_view outcome;   ///< "ok", "error" or "refused".
  std::string_view error;     ///< Error summary ("" = none).
  std::string_view trace_id;  ///< GHL traceId of the failed request ("" = none).
  int http_status = 0;        ///< GHL's HTTP status of the failure (0 = none).
  int64_t ms = 0;             ///< Wall time of the call, milliseconds.
};

/// Appends JSON lines to a file (opened once, O_APPEND). Durability: each line goes to the
/// kernel with one write(2) before the call's answer is sent, so it survives a crash or kill
/// of the server; lines are not fsync'd (a power loss may lose the last ones).
class AuditLog {
 public:
  /// Opens `path` for appending, creating it (0600) and its directory. kUsage error naming the
  /// path and the system's reason when it cannot.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;
  /// Writes `entry` as one line {"arguments","client","error"?,"locationId","ms","outcome",
  /// "status"?,"time" (UTC, ms),"tool","traceId"?}: the value of every argument key that names
  /// a secret (token, secret, password, authorization, apikey, api_key, key, signature,
  /// cookie; case-insensitive, at any depth) is "***"; invalid UTF-8 is replaced.
  void Write(const AuditEntry& entry);

 private:
  explicit AuditLog(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace ghl::mcp
