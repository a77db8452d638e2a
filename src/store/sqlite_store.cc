// SQLite backend of the event store: one file, WAL, group commit. One write connection (the
// group committer and the queue operations share it under a mutex; SQLite allows one writer
// anyway) and one read connection (WAL readers do not wait for writers).
#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <mutex>

#include "ghl/store/event_store.h"
#include "ghl/store/sqlite_schema.h"
#include "group_committed_store.h"
#include "store_internal.h"

namespace ghl::store {
namespace {

using internal::FromMs;
using internal::OptionalFromMs;
using internal::ToMs;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS ghl_events (
  id INTEGER PRIMARY KEY,
  dedup_key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  location_id TEXT NOT NULL DEFAULT '',
  body BLOB NOT NULL,
  headers TEXT NOT NULL DEFAULT '[]',
  received_at INTEGER NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  processed_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS ghl_events_due ON ghl_events (next_attempt_at, id)
  WHERE state IN ('pending', 'processing');
CREATE INDEX IF NOT EXISTS ghl_events_state_received ON ghl_events (state, received_at);
)sql";

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// A prepared statement; finalized on destruction, reset before reuse.
class Stmt {
 public:
  Stmt() = default;
  Stmt(sqlite3* db, std::string_view sql) : db_(db) {
    rc_ = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                             SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  }
  ~Stmt() { sqlite3_finalize(stmt_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_), rc_(o.rc_) { o.stmt_ = nullptr; }
  Stmt& operator=(Stmt&& o) noexcept {
    std::swap(db_, o.db_);
    std::swap(stmt_, o.stmt_);
    std::swap(rc_, o.rc_);
    return *this;
  }

  bool ok() const { return rc_ == SQLITE_OK && stmt_ != nullptr; }
  sqlite3_stmt* get() const { return stmt_; }

  Stmt& Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    next_ = 1;
    return *this;
  }
  Stmt& Bind(int64_t v) {
    sqlite3_bind_int64(stmt_, next_++, v);
    return *this;
  }
  Stmt& Bind(std::string_view v) {
    sqlite3_bind_text(stmt_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& BindBlob(std::string_view v) {
    sqlite3_bind_blob(stmt_, next_++, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  /// SQLITE_ROW, SQLITE_DONE or an error code.
  int Step() { return sqlite3_step(stmt_); }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  std::string Text(int col) const {
    const void* p = sqlite3_column_blob(stmt_, col);
    int n = sqlite3_column_bytes(stmt_, col);
    return p == nullptr ? std::string() : std::string(static_cast<const char*>(p), n);
  }

 private:
  sqlite3* db_ = nullptr;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_ = SQLITE_ERROR;
  int next_ = 1;
};

Event ReadEvent(const Stmt& s) {
  Event e;
  e.id = s.Int(0);
  e.dedup_key = s.Text(1);
  e.type = s.Text(2);
  e.location_id = s.Text(3);
  e.body = s.Text(4);
  e.headers = internal::DecodeHeaders(s.Text(5));
  e.received_at = FromMs(s.Int(6));
  e.state = ParseEventState(s.Text(7)).value_or(EventState::kPending);
  e.attempts = static_cast<int>(s.Int(8));
  e.next_attempt_at = FromMs(s.Int(9));
  e.lease_owner = s.Text(10);
  e.lease_until = OptionalFromMs(s.Int(11));
  e.last_error = s.Text(12);
  e.processed_at = OptionalFromMs(s.Int(13));
  return e;
}

class SqliteStore final : public internal::GroupCommittedStore {
 public:
  SqliteStore(SqliteOptions sqlite, StoreOptions options)
      : GroupCommittedStore(std::move(options)), sqlite_(std::move(sqlite)) {}

  ~SqliteStore() override { StopCommitter(); }  // Drain Appends before closing the files.

  Status Open() {
    // WAL and the tables first, on their own connection: safe when several processes start on
    // a new file at once (WAL is a property of the file, kept by the connections below).
    if (auto st = CreateSqliteSchema(sqlite_.path, kSchema, sqlite_.busy_timeout); !st.ok()) {
      Error e = st.error();
      e.messages.front() =
          (e.kind == ErrorKind::kUsage ? "cannot open event store " : "event store: ") +
          e.messages.front();
      return e;
    }
    auto w = OpenConnection();
    if (!w.ok()) return w.error();
    write_ = std::move(*w);
    if (auto st = Exec(write_.get(), sqlite_.fsync_each_commit ? "PRAGMA synchronous=FULL"
                                                               : "PRAGMA synchronous=NORMAL");
        !st.ok()) {
      return st;
    }
    auto r = OpenConnection();
    if (!r.ok()) return r.error();
    read_ = std::move(*r);
    insert_ = Stmt(write_.get(),
                   "INSERT INTO ghl_events (dedup_key, type, location_id, body, headers, "
                   "received_at, state, attempts, next_attempt_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?) "
                   "ON CONFLICT (dedup_key) DO NOTHING");
    find_key_ = Stmt(write_.get(), "SELECT id FROM ghl_events WHERE dedup_key = ?");
    begin_ = Stmt(write_.get(), "BEGIN IMMEDIATE");
    commit_ = Stmt(write_.get(), "COMMIT");
    rollback_ = Stmt(write_.get(), "ROLLBACK");
    if (!insert_.ok() || !find_key_.ok() || !begin_.ok() || !commit_.ok() || !rollback_.ok()) {
      return DbError(write_.get(), "preparing statements");
    }
    StartCommitter([this](const std::vector<NewEvent>& events) { return CommitBatch(events); });
    return Ok{};
  }

  Result<std::vector<Event>> Claim(std::string_view worker_id, std::chrono::milliseconds lease,
                                   int max_events) override {
    if (auto st = internal::ValidateClaim(worker_id, lease, max_events); !st.ok()) {
      return st.error();
    }
    std::lock_guard lock(write_mu_);
    std::vector<Event> claimed;
    auto st = InTransaction([&]() -> Status {
      int64_t now = ToMs(options_.clock());
      int64_t until = now + lease.count();
      // Expired leases whose event used every attempt: dead-letter instead of re-running.
      Stmt doomed(write_.get(),
                  "SELECT id, lease_owner, attempts FROM ghl_events WHERE state = 'processing' "
                  "AND next_attempt_at <= ? AND attempts >= ?");
      doomed.Bind(now).Bind(options_.retry.max_attempts);
      std::vector<std::tuple<int64_t, std::string, int>> dead;
      int rc;
      while ((rc = doomed.Step()) == SQLITE_ROW) {
        dead.emplace_back(doomed.Int(0), doomed.Text(1), static_cast<int>(doomed.Int(2)));
      }
      if (rc != SQLITE_DONE) return DbError(write_.get(), "claim");
      for (const auto& [id, owner, attempts] : dead) {
        Stmt kill(write_.get(),
                  "UPDATE ghl_events SET state = 'dead', last_error = ?, lease_owner = '', "
                  "lease_until = 0 WHERE id = ?");
        kill.Bind(internal::LeaseExpiredError(owner, attempts)).Bind(id);
        if (kill.Step() != SQLITE_DONE) return DbError(write_.get(), "claim");
      }
      Stmt due(write_.get(),
               "SELECT id FROM ghl_events WHERE state IN ('pending', 'processing') "
               "AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?");
      due.Bind(now).Bind(max_events);
      std::vector<int64_t> ids;
      while ((rc = due.Step()) == SQLITE_ROW) ids.push_back(due.Int(0));
      if (rc != SQLITE_DONE) return DbError(write_.get(), "claim");
      Stmt take(write_.get(),
                "UPDATE ghl_events SET state = 'processing', lease_owner = ?, lease_until = ?, "
                "next_attempt_at = ?, attempts = attempts + 1 WHERE id = ? RETURNING " +
                    std::string(internal::kEventColumns));
      for (int64_t id : ids) {
        take.Reset().Bind(worker_id).Bind(until).Bind(until).Bind(id);
        if (take.Step() != SQLITE_ROW) return DbError(write_.get(), "claim");
        claimed.push_back(ReadEvent(take));
        while ((rc = take.Step()) == SQLITE_ROW) {
        }
      }
      return Ok{};
    });
    if (!st.ok()) return st.error();
    return claimed;
  }

  Status Ack(int64_t id, std::string_view worker_id) override {
    std::lock_guard lock(write_mu_);
    return InTransaction([&]() -> Status {
      auto cur = Current(id);
      if (!cur.ok()) return cur.error();
      if (cur->state != EventState::kProcessing || cur->lease_owner != worker_id) {
        return internal::NotLeased(id, worker_id, cur->state, cur->lease_owner);
      }
      Stmt s(write_.get(),
             "UPDATE ghl_events SET state = 'done', processed_at = ?, lease_owner = '', "
             "lease_until = 0 WHERE id = ?");
      s.Bind(ToMs(options_.clock())).Bind(id);
      if (s.Step() != SQLITE_DONE) return DbError(write_.get(), "ack");
      return Ok{};
    });
  }

  Result<EventState> Fail(int64_t id, std::string_view worker_id, std::string_view error,
                          FailureKind kind) override {
    std::lock_guard lock(write_mu_);
    EventState next = EventState::kPending;
    auto st = InTransaction([&]() -> Status {
      auto cur = Current(id);
      if (!cur.ok()) return cur.error();
      if (cur->state != EventState::kProcessing || cur->lease_owner != worker_id) {
        return internal::NotLeased(id, worker_id, cur->state, cur->lease_owner);
      }
      int64_t now = ToMs(options_.clock());
      next = internal::StateAfterFailure(cur->attempts, options_.retry, kind);
      int64_t due = now + options_.retry.BackoffAfter(cur->attempts).count();
      Stmt s(write_.get(),
             "UPDATE ghl_events SET state = ?, next_attempt_at = ?, last_error = ?, "
             "lease_owner = '', lease_until = 0 WHERE id = ?");
      s.Bind(ToString(next))
          .Bind(next == EventState::kDead ? now : due)
          .Bind(internal::SanitizeText(error))
          .Bind(id);
      if (s.Step() != SQLITE_DONE) return DbError(write_.get(), "fail");
      return Ok{};
    });
    if (!st.ok()) return st.error();
    return next;
  }

  Status Retry(int64_t id) override {
    return Redrive(id, "retry", {EventState::kDead, EventState::kPending});
  }

  Status Replay(int64_t id) override {
    return Redrive(id, "replay", {EventState::kDead, EventState::kPending, EventState::kDone});
  }

  Result<Event> Get(int64_t id) override {
    std::lock_guard lock(read_mu_);
    Stmt s(read_.get(),
           "SELECT " + std::string(internal::kEventColumns) + " FROM ghl_events WHERE id = ?");
    s.Bind(id);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return internal::NotFound(id);
    if (rc != SQLITE_ROW) return DbError(read_.get(), "get");
    return ReadEvent(s);
  }

  Result<std::vector<Event>> List(const ListFilter& filter) override {
    if (auto st = internal::ValidateFilter(filter); !st.ok()) return st.error();
    std::string sql = "SELECT " + std::string(internal::kEventColumns) +
                      " FROM ghl_events WHERE 1 = 1";
    if (filter.state) sql += " AND state = ?";
    if (filter.type) sql += " AND type = ?";
    if (filter.location_id) sql += " AND location_id = ?";
    if (filter.before_id) sql += " AND id < ?";
    sql += " ORDER BY id DESC LIMIT ?";
    std::lock_guard lock(read_mu_);
    Stmt s(read_.get(), sql);
    if (filter.state) s.Bind(ToString(*filter.state));
    if (filter.type) s.Bind(*filter.type);
    if (filter.location_id) s.Bind(*filter.location_id);
    if (filter.before_id) s.Bind(*filter.before_id);
    s.Bind(filter.limit);
    std::vector<Event> out;
    int rc;
    while ((rc = s.Step()) == SQLITE_ROW) out.push_back(ReadEvent(s));
    if (rc != SQLITE_DONE) return DbError(read_.get(), "list");
    return out;
  }

  Result<Stats> GetStats() override {
    std::lock_guard lock(read_mu_);
    // One read transaction, so the counts and the age agree with each other.
    if (auto st = Exec(read_.get(), "BEGIN"); !st.ok()) return st.error();
    Stats stats;
    Stmt counts(read_.get(), "SELECT type, state, count(*) FROM ghl_events GROUP BY type, state");
    int rc;
    while ((rc = counts.Step()) == SQLITE_ROW) {
      auto state = ParseEventState(counts.Text(1));
      if (!state) continue;
      int64_t n = counts.Int(2);
      for (StateCounts* c : {&stats.by_state, &stats.by_type[counts.Text(0)]}) {
        switch (*state) {
          case EventState::kPending: c->pending += n; break;
          case EventState::kProcessing: c->processing += n; break;
          case EventState::kDone: c->done += n; break;
          case EventState::kDead: c->dead += n; break;
        }
      }
    }
    Stmt oldest(read_.get(),
                "SELECT min(received_at) FROM ghl_events WHERE state = 'pending'");
    int rc2 = oldest.Step();
    if (rc2 == SQLITE_ROW && sqlite3_column_type(oldest.get(), 0) != SQLITE_NULL) {
      stats.oldest_pending_age = std::chrono::milliseconds(
          std::max<int64_t>(0, ToMs(options_.clock()) - oldest.Int(0)));
    }
    auto committed = Exec(read_.get(), "COMMIT");
    if (!committed.ok()) return committed.error();
    if (rc != SQLITE_DONE || (rc2 != SQLITE_ROW && rc2 != SQLITE_DONE)) {
      return DbError(read_.get(), "stats");
    }
    return stats;
  }

 private:
  Result<DbPtr> OpenConnection() {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(sqlite_.path.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    DbPtr db(raw);
    if (rc != SQLITE_OK) {
      return UsageError("cannot open event store " + sqlite_.path + ": " +
                            (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                        "Check that the directory exists and is writable.");
    }
    sqlite3_busy_timeout(db.get(), static_cast<int>(sqlite_.busy_timeout.count()));
    sqlite3_extended_result_codes(db.get(), 1);
    return db;
  }

  Status Exec(sqlite3* db, const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(db);
      sqlite3_free(err);
      return Failure(db, sqlite_.path + ": " + msg);
    }
    return Ok{};
  }

  Error DbError(sqlite3* db, std::string_view what) {
    return Failure(db, std::string(what) + " on " + sqlite_.path + ": " + sqlite3_errmsg(db));
  }

  // Busy/locked (another connection holds the write lock past busy_timeout) is a temporary
  // unavailability of the whole store (kBusy, with a hint naming who may hold the lock): the
  // group committer then fails the whole group at once instead of retrying each member.
  static Error Failure(sqlite3* db, std::string message) {
    int code = sqlite3_errcode(db) & 0xff;
    bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    Error e =
        internal::StoreError(busy ? ErrorKind::kBusy : ErrorKind::kInternal, std::move(message));
    if (busy) e.hint = std::string(kSqliteBusyHint);
    return e;
  }

  // Runs a prepared statement without results (BEGIN, COMMIT, ROLLBACK) on the write connection;
  // errors read like Exec's.
  Status Run(Stmt& stmt) {
    int rc = stmt.Step();
    Status st = Ok{};
    if (rc != SQLITE_DONE) {
      st = Failure(write_.get(), sqlite_.path + ": " + sqlite3_errmsg(write_.get()));
    }
    sqlite3_reset(stmt.get());
    return st;
  }

  // Runs `body` in BEGIN IMMEDIATE ... COMMIT on the write connection (caller holds write_mu_).
  // The three statements are prepared once: each group commit runs them.
  template <typename F>
  Status InTransaction(F&& body) {
    if (auto st = Run(begin_); !st.ok()) return st;
    Status st = body();
    if (st.ok()) st = Run(commit_);
    if (!st.ok()) static_cast<void>(Run(rollback_));  // Keep the first error.
    return st;
  }

  // The event as seen by the write connection (inside its transaction).
  Result<Event> Current(int64_t id) {
    Stmt s(write_.get(),
           "SELECT " + std::string(internal::kEventColumns) + " FROM ghl_events WHERE id = ?");
    s.Bind(id);
    int rc = s.Step();
    if (rc == SQLITE_DONE) return internal::NotFound(id);
    if (rc != SQLITE_ROW) return DbError(write_.get(), "read");
    return ReadEvent(s);
  }

  Status Redrive(int64_t id, std::string_view operation, std::initializer_list<EventState> from) {
    std::lock_guard lock(write_mu_);
    return InTransaction([&]() -> Status {
      auto cur = Current(id);
      if (!cur.ok()) return cur.error();
      if (std::find(from.begin(), from.end(), cur->state) == from.end()) {
        return internal::WrongState(id, operation, cur->state);
      }
      Stmt s(write_.get(),
             "UPDATE ghl_events SET state = 'pending', attempts = 0, next_attempt_at = ?, "
             "lease_owner = '', lease_until = 0, processed_at = 0 WHERE id = ?");
      s.Bind(ToMs(options_.clock())).Bind(id);
      if (s.Step() != SQLITE_DONE) return DbError(write_.get(), operation);
      return Ok{};
    });
  }

  // Called on the committer thread: all events in one IMMEDIATE transaction.
  Result<std::vector<AppendResult>> CommitBatch(const std::vector<NewEvent>& events) {
    std::lock_guard lock(write_mu_);
    std::vector<AppendResult> results;
    results.reserve(events.size());
    auto st = InTransaction([&]() -> Status {
      int64_t now = ToMs(options_.clock());
      for (const NewEvent& e : events) {
        insert_.Reset()
            .Bind(e.dedup_key)
            .Bind(e.type)
            .Bind(e.location_id)
            .BindBlob(e.body)
            .Bind(internal::EncodeHeaders(e.headers))
            .Bind(ToMs(e.received_at))
            .Bind(now);
        // Not RETURNING: SQLite buffers RETURNING rows in an ephemeral table, one per row
        // inserted (allocations on the committer, the serial stage).
        if (insert_.Step() != SQLITE_DONE) return DbError(write_.get(), "append");
        if (sqlite3_changes(write_.get()) == 1) {
          results.push_back({sqlite3_last_insert_rowid(write_.get()), false});
          continue;
        }
        find_key_.Reset().Bind(e.dedup_key);
        if (find_key_.Step() != SQLITE_ROW) return DbError(write_.get(), "append (dedup lookup)");
        results.push_back({find_key_.Int(0), true});
        find_key_.Reset();
      }
      insert_.Reset();
      return Ok{};
    });
    if (!st.ok()) {
      insert_.Reset();
      find_key_.Reset();
      return st.error();
    }
    return results;
  }

  SqliteOptions sqlite_;
  std::mutex write_mu_;
  std::mutex read_mu_;
  DbPtr write_;
  DbPtr read_;
  Stmt insert_;
  Stmt find_key_;
  Stmt begin_;
  Stmt commit_;
  Stmt rollback_;
};

}  // namespace

Result<std::unique_ptr<EventStore>> OpenSqliteStore(const SqliteOptions& sqlite,
                                                    StoreOptions options) {
  if (sqlite.path.empty()) return UsageError("SQLite event store path is empty");
  auto store = std::make_unique<SqliteStore>(sqlite, std::move(options));
  if (auto st = store->Open(); !st.ok()) return st.error();
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace ghl::store
