/// \file
/// The SQL database `ghl sync` writes to: one small interface, two backends (SQLite, the
/// default, a file; PostgreSQL by `postgresql://` URL). Statements are written once in the
/// SQL both understand (`INSERT … ON CONFLICT … DO UPDATE`, window functions, `$1`, `$2` …
/// placeholders) and run unchanged on either.
///
/// Values travel as `SqlValue` (null, 64-bit integer, double, text); results come back as text
/// (`std::optional<std::string>`, nullopt for SQL NULL) whatever the column type, so callers
/// parse what they need. Errors: kUsage naming the file or the masked URL when the database
/// cannot be opened; kInternal with the database's message (and the statement's first words)
/// for a failing statement; kNetwork when PostgreSQL cannot be reached.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "ghl/core/result.h"

namespace ghl::sync {

/// A statement parameter: NULL, integer, double or text.
using SqlValue = std::variant<std::nullptr_t, int64_t, double, std::string>;
/// One result row, columns in SELECT order; nullopt = NULL. Numbers as their text.
using SqlRow = std::vector<std::optional<std::string>>;

/// Which backend a Database is.
enum class Backend { kSqlite, kPostgres };

/// A connection. Not thread-safe: one per thread (the sync and the change feed each open one).
class Database {
 public:
  virtual ~Database() = default;
  /// Runs `sql` (one statement; `$1`… bound to `params` in order).
  virtual Status Exec(std::string_view sql, const std::vector<SqlValue>& params = {}) = 0;
  /// Runs several `;`-separated statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
  /// Runs a query and returns every row.
  virtual Result<std::vector<SqlRow>> Query(std::string_view sql,
                                            const std::vector<SqlValue>& params = {}) = 0;
  /// Starts a transaction (SQLite: BEGIN IMMEDIATE, so the write lock is taken at once).
  virtual Status Begin() = 0;
  /// Commits the open transaction (durable on return).
  virtual Status Commit() = 0;
  /// Rolls the open transaction back; harmless when none is open.
  virtual void Rollback() = 0;
  /// The backend.
  virtual Backend backend() const = 0;
  /// The file path or the URL with its password masked (for messages).
  virtual const std::string& description() const = 0;
};

/// Where the sync database is: a SQLite file path, or a `postgresql://` / `postgres://` URL.
struct DatabaseOptions {
  std::string location = "ghl-sync.db";
  /// PostgreSQL only: the schema holding the tables (created when missing; tests use a fresh
  /// one each).
  std::string schema = "public";
};

/// True for postgres:// and postgresql:// locations.
bool IsPostgresUrl(std::string_view location);

/// Opens (creating when missing) the database. SQLite: WAL, synchronous=NORMAL (each commit
/// survives a crash of the process; a power loss may drop the last commits, rows and checkpoint
/// together, which the next run re-reads), a 10 s busy timeout. PostgreSQL: the session's
/// synchronous_commit is off, the same trade (a crash of the server, not of this process, may
/// drop the last ~0.6 s of commits, each whole). Does not migrate (see `Migrate` in schema.h).
Result<std::unique_ptr<Database>> OpenDatabase(const DatabaseOptions& options);

/// Runs `body` inside Begin/Commit; rolls back and returns its error when it fails.
Status InTransaction(Database& db, const std::function<Status()>& body);

/// The first column of the first row as an integer; `fallback` when there is no row or NULL.
Result<int64_t> QueryInt(Database& db, std::string_view sql, const std::vector<SqlValue>& params,
                         int64_t fallback = 0);

}  // namespace ghl::sync
