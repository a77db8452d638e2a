// The MCP audit trail: one JSON line per tools/call, secrets masked.
#pragma once

#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "ghl/core/result.h"

namespace ghl::mcp {

/// Copy of `value` with the value of every key that names a secret (token, secret, password,
/// authorization, apiKey, api_key, key, signature; case-insensitive) replaced by "***".
nlohmann::json MaskSecrets(const nlohmann::json& value, int depth = 0);

/// Appends JSON lines to a file (opened once, O_APPEND semantics, flushed per line).
class AuditLog {
 public:
  /// Opens `path` for appending, creating it (0600) and its directory. kUsage error naming the
  /// path and the system's reason when it cannot.
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path);
  ~AuditLog();
  /// Writes `entry` as one line (invalid UTF-8 replaced).
  void Write(const nlohmann::json& entry);

 private:
  explicit AuditLog(std::FILE* f) : file_(f) {}
  std::mutex mu_;
  std::FILE* file_;
};

}  // namespace ghl::mcp
