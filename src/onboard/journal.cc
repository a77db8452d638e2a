#include "journal.h"

#include <chrono>
#include <ctime>
#include <initializer_list>

#include "ghl/core/db_location.h"

namespace ghl::onboard::internal {
namespace {

Error DbError(sqlite3* db, const std::string& what) {
  Error e;
  e.kind = ErrorKind::kInternal;
  e.messages = {"onboarding journal: " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory")};
  return e;
}

std::string NowUtc() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

struct Stmt {
  sqlite3_stmt* s = nullptr;
  ~Stmt() { sqlite3_finalize(s); }
};

std::string Col(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? reinterpret_cast<const char*>(t) : "";
}

// Prepares `sql` with `binds` as text parameters 1..n; false on a prepare error.
bool Prepare(sqlite3* db, Stmt& q, const char* sql, std::initializer_list<std::string> binds) {
  if (sqlite3_prepare_v2(db, sql, -1, &q.s, nullptr) != SQLITE_OK) return false;
  int i = 0;
  for (const auto& b : binds) sqlite3_bind_text(q.s, ++i, b.c_str(), -1, SQLITE_TRANSIENT);
  return true;
}

// Runs a write statement to the end.
Status Write(sqlite3* db, const std::string& what, const char* sql,
             std::initializer_list<std::string> binds) {
  Stmt q;
  if (!Prepare(db, q, sql, binds) || sqlite3_step(q.s) != SQLITE_DONE) return DbError(db, what);
  return Ok{};
}

}  // namespace

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& path, bool create) {
  if (IsPostgresLocation(path)) {
    return UsageError("--journal " + MaskLocation(path) +
                          ": the onboarding journal is a SQLite file, not a PostgreSQL database",
                      "pass --journal FILE (default ./ghl-onboard.db)");
  }
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    Error e = DbError(db, "cannot open '" + path + "'");
    sqlite3_close(db);
    e.kind = ErrorKind::kUsage;
    e.hint = "pass --journal FILE in a directory that exists and is writable";
    return e;
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<Journal> j(new Journal(db));
  auto st = j->Exec(
      "PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS onboard_requests(id TEXT PRIMARY KEY, input TEXT NOT NULL,"
      " started_at TEXT NOT NULL, finished_at TEXT);"
      "CREATE TABLE IF NOT EXISTS onboard_steps(request_id TEXT NOT NULL, step TEXT NOT NULL,"
      " result_id TEXT NOT NULL, trace_id TEXT NOT NULL, how TEXT NOT NULL, done_at TEXT NOT "
      "NULL, PRIMARY KEY(request_id, step));");
  if (!st.ok()) return st.error();
  return j;
}

Journal::~Journal() { sqlite3_close(db_); }

Status Journal::Exec(const std::string& sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string m = msg ? msg : "";
    sqlite3_free(msg);
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages = {"onboarding journal: " + m};
    return e;
  }
  return Ok{};
}

Result<std::optional<std::string>> Journal::Input(const std::string& id) {
  Stmt q;
  if (sqlite3_prepare_v2(db_, "SELECT input FROM onboard_requests WHERE id=?", -1, &q.s, nullptr) !=
      SQLITE_OK) {
    return DbError(db_, "read request");
  }
  sqlite3_bind_text(q.s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  int rc = sqlite3_step(q.s);
  if (rc == SQLITE_ROW) return std::optional<std::string>(Col(q.s, 0));
  if (rc == SQLITE_DONE) return std::optional<std::string>();
  return DbError(db_, "read request");
}

Status Journal::Begin(const std::string& id, const std::string& input) {
  return Write(db_, "begin request",
               "INSERT OR IGNORE INTO onboard_requests(id,input,started_at) VALUES(?,?,?)",
               {id, input, NowUtc()});
}

Result<std::optional<StepRecord>> Journal::Step(const std::string& id, const std::string& step) {
  Stmt q;
  if (!Prepare(db_, q,
               "SELECT result_id,trace_id,how,done_at FROM onboard_steps WHERE request_id=? AND "
               "step=?",
               {id, step})) {
    return DbError(db_, "read step");
  }
  int rc = sqlite3_step(q.s);
  if (rc == SQLITE_DONE) return std::optional<StepRecord>();
  if (rc != SQLITE_ROW) return DbError(db_, "read step");
  StepRecord r{step, true, Col(q.s, 0), Col(q.s, 1), Col(q.s, 2), Col(q.s, 3)};
  return std::optional<StepRecord>(r);
}

Status Journal::Record(const std::string& id, const StepRecord& step) {
  return Write(db_, "record step",
               "INSERT OR REPLACE INTO onboard_steps(request_id,step,result_id,trace_id,how,"
               "done_at) VALUES(?,?,?,?,?,?)",
               {id, step.step, step.result_id, step.trace_id, step.how, NowUtc()});
}

Status Journal::Finish(const std::string& id) {
  return Write(db_, "finish request", "UPDATE onboard_requests SET finished_at=? WHERE id=?",
               {NowUtc(), id});
}

Result<bool> Journal::Finished(const std::string& id) {
  Stmt q;
  if (sqlite3_prepare_v2(db_, "SELECT finished_at IS NOT NULL FROM onboard_requests WHERE id=?", -1,
                         &q.s, nullptr) != SQLITE_OK) {
    return DbError(db_, "read request");
  }
  sqlite3_bind_text(q.s, 1, id.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(q.s) != SQLITE_ROW) return false;
  return sqlite3_column_int(q.s, 0) != 0;
}

}  // namespace ghl::onboard::internal
