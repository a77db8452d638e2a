// SQLite backend of the sync database: WAL, synchronous=NORMAL. Statements are prepared once
// and kept (a small LRU cache keyed by their text), and `$N` placeholders are rewritten to
// SQLite's `?N`: SQLite looks a `$name` up by a linear scan of the names seen so far, at prepare
// and at bind, which made a page's 1,600-parameter upsert quadratic (a third of a sync's CPU).
#include <sqlite3.h>

#include <list>
#include <memory>
#include <string>
#include <unordered_map>

#include "database_internal.h"

namespace ghl::sync::internal {
namespace {

// Statements kept prepared: the sync repeats a few dozen texts (a page's upserts, the
// checkpoint, the feed position) thousands of times.
constexpr size_t kCachedStatements = 64;

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  ~SqliteDatabase() override {
    for (auto& entry : lru_) sqlite3_finalize(entry.second);
    sqlite3_close_v2(db_);
  }

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
  // The prepared statement for `sql` (from the cache, or prepared and cached); nullptr on a
  // prepare error (sqlite3_errmsg has it).
  sqlite3_stmt* Prepare(std::string_view sql) {
    auto found = index_.find(std::string(sql));
    if (found != index_.end()) {
      lru_.splice(lru_.begin(), lru_, found->second);  // most recently used first
      return found->second->second;
    }
    std::string text = internal::PositionalParameters(sql);
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, text.data(), static_cast<int>(text.size()),
                           SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return nullptr;
    }
    if (lru_.size() >= kCachedStatements) {
      sqlite3_finalize(lru_.back().second);
      index_.erase(lru_.back().first);
      lru_.pop_back();
    }
    lru_.emplace_front(std::string(sql), stmt);
    index_.emplace(lru_.front().first, lru_.begin());
    return stmt;
  }

  Result<std::vector<SqlRow>> Run(std::string_view sql, const std::vector<SqlValue>& params,
                                  bool want_rows) {
    sqlite3_stmt* stmt = Prepare(sql);
    if (!stmt) return DbError("sqlite " + path_, sql, sqlite3_errmsg(db_));
    // Reset (not finalized) after use, so the cached statement holds no lock or open read.
    auto reset = [](sqlite3_stmt* s) {
      sqlite3_reset(s);
      sqlite3_clear_bindings(s);
      return 0;
    };
    std::unique_ptr<sqlite3_stmt, decltype(reset)> guard(stmt, reset);
    // `?N` has index N: parameters the statement does not use are skipped.
    int used = sqlite3_bind_parameter_count(stmt);
    for (size_t i = 0; i < params.size() && static_cast<int>(i) < used; ++i) {
      int idx = static_cast<int>(i) + 1;
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
  // The statement cache: most recently used first; index_ points into lru_ by SQL text.
  using Entry = std::pair<std::string, sqlite3_stmt*>;
  std::list<Entry> lru_;
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
};

}  // namespace

std::string PositionalParameters(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // inside '…' or "…": copied as is
  for (size_t i = 0; i < sql.size(); ++i) {
    char c = sql[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9') {
      c = '?';
    }
    out += c;
  }
  return out;
}

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
