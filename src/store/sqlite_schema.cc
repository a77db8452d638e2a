// CreateSqliteSchema: WAL switch and idempotent DDL, safe from concurrent first starts.
#include "ghl/store/sqlite_schema.h"

#include <sqlite3.h>

#include <algorithm>
#include <thread>

namespace ghl::store {
namespace {

bool IsBusy(int code) {
  code &= 0xff;
  return code == SQLITE_BUSY || code == SQLITE_LOCKED;
}

// One attempt: WAL, then the DDL in an immediate transaction. The SQLite result code.
int TryOnce(sqlite3* db, std::string_view ddl, std::string* message) {
  auto exec = [&](const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) *message = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return rc;
  };
  if (int rc = exec("PRAGMA journal_mode=WAL"); rc != SQLITE_OK) return rc;
  if (int rc = exec("BEGIN IMMEDIATE"); rc != SQLITE_OK) return rc;
  int rc = exec(std::string(ddl));
  if (rc == SQLITE_OK) rc = exec("COMMIT");
  if (rc != SQLITE_OK) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  return rc;
}

}  // namespace

std::optional<Error> DamagedSqliteFile(const std::string& path, int rc,
                                       std::string_view sqlite_message) {
  if ((rc & 0xff) == SQLITE_NOTADB) {
    return UsageError(path + ": not an SQLite database (" + std::string(sqlite_message) + ")",
                      "Give the path of the database this command uses, or a new file.");
  }
  if ((rc & 0xff) != SQLITE_CORRUPT) return std::nullopt;
  return UsageError(path + ": the database file is damaged (" + std::string(sqlite_message) +
                        "); nothing was changed",
                    "Restore the file from a backup, or move it aside and start again (a token "
                    "store is refilled by `ghl auth login`; a webhook event store loses its "
                    "queue).");
}

Status CreateSqliteSchema(const std::string& path, std::string_view ddl,
                          std::chrono::milliseconds busy_timeout) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  struct Closer {
    sqlite3* db;
    ~Closer() { sqlite3_close_v2(db); }
  } closer{db};
  if (rc != SQLITE_OK) {
    return UsageError(path + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)),
                      "Check that the directory exists and is writable.");
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  sqlite3_extended_result_codes(db, 1);
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  std::chrono::milliseconds delay(1);
  for (;;) {
    std::string message;
    rc = TryOnce(db, ddl, &message);
    if (rc == SQLITE_OK) return Ok{};
    if (!IsBusy(rc) || std::chrono::steady_clock::now() >= deadline) {
      Error e;
      if (IsBusy(rc)) {
        e.kind = ErrorKind::kBusy;
        e.hint = std::string(kSqliteBusyHint);
      } else if (auto damaged = DamagedSqliteFile(path, rc, message)) {
        return *damaged;
      } else {
        e.kind = ErrorKind::kInternal;
      }
      e.messages.push_back(path + ": " + message);
      return e;
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(50));
  }
}

}  // namespace ghl::store
