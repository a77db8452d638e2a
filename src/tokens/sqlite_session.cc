// The SQLite driver of the token store: one connection, prepared statements cached by text,
// `$N` parameters rewritten to `?N`.
#include <sqlite3.h>

#include <map>

#include "ghl/store/sqlite_schema.h"
#include "sql_session.h"

namespace ghl::tokens::internal {
namespace {

bool IsBusy(int rc) {
  rc &= 0xff;
  return rc == SQLITE_BUSY || rc == SQLITE_LOCKED;
}

std::string Rewrite(std::string_view sql) {
  std::string out(sql);
  for (size_t i = 0; i + 1 < out.size(); ++i) {
    if (out[i] == '$' && std::isdigit(static_cast<unsigned char>(out[i + 1]))) out[i] = '?';
  }
  return out;
}

class SqliteSession final : public SqlSession {
 public:
  SqliteSession(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteSession() override {
    for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
    sqlite3_close_v2(db_);
  }

  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    const std::vector<SqlParam>& params) override {
    std::string text = Rewrite(sql);
    sqlite3_stmt*& stmt = cache_[text];
    if (stmt == nullptr) {
      int rc = sqlite3_prepare_v2(db_, text.c_str(), -1, &stmt, nullptr);
      if (rc != SQLITE_OK) return Fail(rc);
    }
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    for (size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      if (const auto* n = std::get_if<int64_t>(&params[i])) {
        sqlite3_bind_int64(stmt, idx, *n);
      } else {
        const auto& s = std::get<std::string>(params[i]);
        sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
    }
    std::vector<SqlRow> rows;
    for (;;) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) {
        sqlite3_reset(stmt);
        return Fail(rc);
      }
      SqlRow row;
      int n = sqlite3_column_count(stmt);
      for (int c = 0; c < n; ++c) {
        const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.emplace_back(t ? std::string(t, static_cast<size_t>(sqlite3_column_bytes(stmt, c)))
                           : std::string());
      }
      rows.push_back(std::move(row));
    }
    changes_ = sqlite3_changes(db_);
    sqlite3_reset(stmt);
    return rows;
  }

  int64_t Changes() const override { return changes_; }

  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec("COMMIT"); }
  void Rollback() override { sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr); }

 private:
  Status Exec(const char* sql) {
    int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return Fail(rc).error();
    return Ok{};
  }

  Result<std::vector<SqlRow>> Fail(int rc) {
    if (auto damaged = store::DamagedSqliteFile(path_, rc, sqlite3_errmsg(db_))) return *damaged;
    Error e;
    e.kind = IsBusy(rc) ? ErrorKind::kBusy : ErrorKind::kInternal;
    e.messages.push_back(path_ + ": " + sqlite3_errmsg(db_));
    if (IsBusy(rc)) e.hint = std::string(store::kSqliteBusyHint);
    return e;
  }

  sqlite3* db_;
  std::string path_;
  std::map<std::string, sqlite3_stmt*> cache_;
  int64_t changes_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlSession>> OpenSqliteSession(const std::string& path,
                                                      std::chrono::milliseconds busy_timeout) {
  if (auto st = store::CreateSqliteSchema(path, kTokenSchema, busy_timeout); !st.ok()) {
    return st.error();
  }
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close_v2(db);
    return UsageError(path + ": " + msg, "Check that the file exists and is writable.");
  }
  sqlite3_busy_timeout(db, static_cast<int>(busy_timeout.count()));
  sqlite3_exec(db, "PRAGMA synchronous=NORMAL", nullptr, nullptr, nullptr);
  return std::unique_ptr<SqlSession>(std::make_unique<SqliteSession>(db, path));
}

}  // namespace ghl::tokens::internal
