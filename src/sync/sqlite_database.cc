// SQLite backend of the sync database: WAL, synchronous=NORMAL, `$N` parameters bound by name.
#include <sqlite3.h>

#include <string>

#include "database_internal.h"

namespace ghl::sync::internal {
namespace {

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }

  Status Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    auto rows = Run(sql, params, false);
    if (!rows.ok()) return rows.error();
    return Ok{};
  }

  Status ExecScript(std::string_view sql) override {
    char* err = nullptr;
    std::string text(sql);
    if (sqlite3_exec(db_, text.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : "unknown error";
      sqlite3_free(err);
      return DbError("sqlite " + path_, sql, msg);
    }
    return Ok{};
  }

  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    const std::vector<SqlValue>& params) override {
    return Run(sql, params, true);
  }

  Status Begin() override { return ExecScript("BEGIN IMMEDIATE"); }
  Status Commit() override { return ExecScript("COMMIT"); }
  void Rollback() override {
    if (!sqlite3_get_autocommit(db_)) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  Backend backend() const override { return Backend::kSqlite; }
  const std::string& description() const override { return path_; }

 private:
  Result<std::vector<SqlRow>> Run(std::string_view sql, const std::vector<SqlValue>& params,
                                  bool want_rows) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return DbError("sqlite " + path_, sql, sqlite3_errmsg(db_));
    }
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> guard(stmt, sqlite3_finalize);
    for (size_t i = 0; i < params.size(); ++i) {
      std::string name = "$" + std::to_string(i + 1);
      int idx = sqlite3_bind_parameter_index(stmt, name.c_str());
      if (idx == 0) continue;  // not used by this statement
      const SqlValue& v = params[i];
      if (std::holds_alternative<std::nullptr_t>(v)) {
        sqlite3_bind_null(stmt, idx);
      } else if (auto* n = std::get_if<int64_t>(&v)) {
        sqlite3_bind_int64(stmt, idx, *n);
      } else if (auto* d = std::get_if<double>(&v)) {
        sqlite3_bind_double(stmt, idx, *d);
      } else {
        const auto& s = std::get<std::string>(v);
        sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
    }
    std::vector<SqlRow> rows;
    while (true) {
      int rc = sqlite3_step(stmt);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return DbError("sqlite " + path_, sql, sqlite3_errmsg(db_));
      if (!want_rows) continue;
      int n = sqlite3_column_count(stmt);
      SqlRow row;
      row.reserve(static_cast<size_t>(n));
      for (int c = 0; c < n; ++c) {
        if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
          row.emplace_back(std::nullopt);
        } else {
          const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
          row.emplace_back(std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  sqlite3* db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close_v2(db);
    return UsageError("cannot open the sync database " + path + ": " + msg,
                      "check that the directory exists and is writable");
  }
  sqlite3_busy_timeout(db, 10000);
  auto out = std::make_unique<SqliteDatabase>(db, path);
  if (auto st = out->ExecScript("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"); !st.ok()) {
    return UsageError("cannot use " + path + " as the sync database: " + st.error().Summary(),
                      "give a new file or one written by ghl sync");
  }
  return std::unique_ptr<Database>(std::move(out));
}

}  // namespace ghl::sync::internal
