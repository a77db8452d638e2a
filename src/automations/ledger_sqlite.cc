// SQLite effects ledger: two tables in the event store's file (WAL), one connection guarded by
// a mutex (every statement is a single atomic upsert/select; another process waits on the
// file lock up to busy_timeout).
#include <sqlite3.h>

#include <mutex>
#include <vector>

#include "ghl/store/sqlite_schema.h"
#include "ledger_internal.h"

namespace ghl::automations::internal {
namespace {

// How long a statement waits for another process's write lock.
constexpr std::chrono::milliseconds kBusyTimeout{10000};

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS ghl_automation_locks (
  key TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  lease_until INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ghl_automation_effects (
  key TEXT PRIMARY KEY,
  state TEXT NOT NULL,
  result TEXT NOT NULL DEFAULT '',
  updated_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS ghl_automation_event_actions (
  event_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  at INTEGER NOT NULL,
  text TEXT NOT NULL,
  PRIMARY KEY (event_id, seq)
);
)sql";

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  bool ok() const { return rc_ == SQLITE_OK; }
  Statement& Bind(std::string_view v) {
    sqlite3_bind_text(stmt_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& Bind(int64_t v) {
    sqlite3_bind_int64(stmt_, next_++, v);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p)) : std::string();
  }
  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
  int next_ = 1;
};

class SqliteLedger final : public EffectLedger {
 public:
  SqliteLedger(sqlite3* db, std::string path, store::Clock clock)
      : db_(db), path_(std::move(path)), clock_(std::move(clock)) {}
  ~SqliteLedger() override { sqlite3_close_v2(db_); }

  Result<bool> TryLock(std::string_view key, std::string_view owner,
                       std::chrono::milliseconds lease) override {
    std::lock_guard lock(mu_);
    int64_t now = ToMs(clock_());
    Statement s(db_,
                "INSERT INTO ghl_automation_locks (key, owner, lease_until) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, "
                "lease_until = excluded.lease_until "
                "WHERE ghl_automation_locks.owner = excluded.owner "
                "OR ghl_automation_locks.lease_until <= ? RETURNING owner");
    if (!s.ok()) return DbError("lock");
    s.Bind(key).Bind(owner).Bind(now + lease.count()).Bind(now);
    int rc = s.Step();
    if (rc == SQLITE_ROW) {
      while (s.Step() == SQLITE_ROW) {
      }
      return true;
    }
    if (rc == SQLITE_DONE) return false;
    return DbError("lock");
  }

  Status Unlock(std::string_view key, std::string_view owner) override {
    std::lock_guard lock(mu_);
    Statement s(db_, "DELETE FROM ghl_automation_locks WHERE key = ? AND owner = ?");
    if (!s.ok()) return DbError("unlock");
    s.Bind(key).Bind(owner);
    if (s.Step() != SQLITE_DONE) return DbError("unlock");
    return Ok{};
  }

  Result<std::optional<EffectRecord>> GetEffect(std::string_view key) override {
    std::lock_guard lock(mu_);
    Statement s(db_, "SELECT state, result, updated_at FROM ghl_automation_effects WHERE key = ?");
    if (!s.ok()) return DbError("read effect");
    s.Bind(key);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return std::optional<EffectRecord>();
    if (rc != SQLITE_ROW) return DbError("read effect");
    EffectRecord r{ParseState(s.Text(0)), s.Text(1), FromMs(s.Int(2))};
    return std::optional<EffectRecord>(std::move(r));
  }

  Status PutEffect(std::string_view key, EffectState state, std::string_view result) override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "INSERT INTO ghl_automation_effects (key, state, result, updated_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
                "result = excluded.result, updated_at = excluded.updated_at");
    if (!s.ok()) return DbError("write effect");
    s.Bind(key).Bind(StateText(state)).Bind(result).Bind(ToMs(clock_()));
    if (s.Step() != SQLITE_DONE) return DbError("write effect");
    return Ok{};
  }

  Status RecordEventActions(int64_t event_id, const std::vector<std::string>& lines) override {
    std::lock_guard lock(mu_);
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return DbError("record actions");
    }
    for (const std::string& line : lines) {
      Statement s(db_,
                  "INSERT INTO ghl_automation_event_actions (event_id, seq, at, text) "
                  "SELECT ?, COALESCE(MAX(seq), 0) + 1, ?, ? FROM ghl_automation_event_actions "
                  "WHERE event_id = ?");
      if (!s.ok()) break;
      s.Bind(event_id).Bind(ToMs(clock_())).Bind(line).Bind(event_id);
      if (s.Step() != SQLITE_DONE) {
        Error e = DbError("record actions");
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return e;
      }
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      Error e = DbError("record actions");
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return e;
    }
    return Ok{};
  }

  Result<std::vector<EventAction>> EventActions(int64_t event_id) override {
    std::lock_guard lock(mu_);
    Statement s(db_,
                "SELECT seq, at, text FROM ghl_automation_event_actions WHERE event_id = ? "
                "ORDER BY seq");
    if (!s.ok()) return DbError("read actions");
    s.Bind(event_id);
    std::vector<EventAction> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) {
      out.push_back({event_id, static_cast<int>(s.Int(0)), s.Text(2), FromMs(s.Int(1))});
    }
    if (rc != SQLITE_DONE) return DbError("read actions");
    return out;
  }

 private:
  // Busy/locked (another process holds the write lock past the busy timeout) is kBusy.
  Error DbError(std::string_view what) const {
    Error e;
    int code = sqlite3_errcode(db_) & 0xff;
    bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    e.kind = busy ? ErrorKind::kBusy : ErrorKind::kInternal;
    if (busy) e.hint = std::string(store::kSqliteBusyHint);
    e.messages.push_back("effects ledger (" + path_ + "): " + std::string(what) + ": " +
                         sqlite3_errmsg(db_));
    return e;
  }

  sqlite3* db_;
  std::string path_;
  store::Clock clock_;
  std::mutex mu_;
};

}  // namespace

Result<std::unique_ptr<EffectLedger>> OpenSqliteLedger(const std::string& path,
                                                       store::Clock clock) {
  sqlite3* db = nullptr;
  int rc =
      sqlite3_open_v2(path.c_str(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  auto fail = [&](std::string what) -> Error {
    std::string msg = "cannot open the effects ledger in '" + path + "': " + what +
                      (db ? std::string(": ") + sqlite3_errmsg(db) : std::string());
    if (db) sqlite3_close_v2(db);
    return UsageError(msg, "check the --events-db path (a directory that exists, writable)");
  };
  if (rc != SQLITE_OK) return fail("open");
  sqlite3_busy_timeout(db, static_cast<int>(kBusyTimeout.count()));
  // WAL and the tables, safe when several processes start on a new file at once.
  if (auto st = store::CreateSqliteSchema(path, kSchema, kBusyTimeout); !st.ok()) {
    sqlite3_close_v2(db);
    Error e = st.error();
    e.messages.front() = "effects ledger: " + e.messages.front();
    if (e.kind == ErrorKind::kUsage)
      e.hint = "check the --events-db path (a directory that exists, writable)";
    return e;
  }
  return std::unique_ptr<EffectLedger>(std::make_unique<SqliteLedger>(db, path, std::move(clock)));
}

}  // namespace ghl::automations::internal
