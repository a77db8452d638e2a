// The two database drivers behind the token store: one connection each, statements with
// positional parameters written `$1, $2, …` (the SQLite driver rewrites them to `?1, ?2`), every
// value and column as int64 or text. The store's logic (token_store.cc) is written once above.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ghl/core/result.h"

namespace ghl::tokens::internal {

using SqlParam = std::variant<int64_t, std::string>;
using SqlRow = std::vector<std::string>;  // every column as text ("" for NULL)

class SqlSession {
 public:
  virtual ~SqlSession() = default;
  /// Runs a statement; a SELECT or `… RETURNING` gives its rows.
  virtual Result<std::vector<SqlRow>> Query(std::string_view sql,
                                            const std::vector<SqlParam>& params) = 0;
  /// Rows changed by the last statement of `Query`.
  virtual int64_t Changes() const = 0;
  /// A write transaction (SQLite BEGIN IMMEDIATE; PostgreSQL BEGIN); statements until
  /// Commit/Rollback run in it.
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual void Rollback() = 0;
};

/// Portable DDL (SQLite and PostgreSQL both take it).
inline constexpr std::string_view kTokenSchema = R"sql(
CREATE TABLE IF NOT EXISTS ghl_tokens (
  id TEXT PRIMARY KEY,
  kind TEXT NOT NULL DEFAULT 'location',
  company_id TEXT NOT NULL DEFAULT '',
  name TEXT NOT NULL DEFAULT '',
  access_token TEXT NOT NULL DEFAULT '',
  refresh_token TEXT NOT NULL DEFAULT '',
  scopes TEXT NOT NULL DEFAULT '',
  expires_at BIGINT NOT NULL DEFAULT 0,
  generation BIGINT NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'ok',
  prev_state TEXT NOT NULL DEFAULT 'ok',
  state_detail TEXT NOT NULL DEFAULT '',
  state_since BIGINT NOT NULL DEFAULT 0,
  last_refresh BIGINT NOT NULL DEFAULT 0,
  next_attempt BIGINT NOT NULL DEFAULT 0,
  failures BIGINT NOT NULL DEFAULT 0,
  lease_holder TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  lease_stale BIGINT NOT NULL DEFAULT 0,
  refreshes BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS ghl_token_meta (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
)sql";

Result<std::unique_ptr<SqlSession>> OpenSqliteSession(const std::string& path,
                                                      std::chrono::milliseconds busy_timeout);
Result<std::unique_ptr<SqlSession>> OpenPostgresSession(const std::string& url,
                                                        const std::string& schema);

}  // namespace ghl::tokens::internal
