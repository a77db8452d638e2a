// The bridge's journal: one SQLite file (WAL, synchronous=FULL), two tables, one connection
// behind a mutex.
#include "ghl/carriers/journal.h"

#include <sqlite3.h>

#include <mutex>

namespace ghl::carriers {

struct Journal::Impl {
  sqlite3* db = nullptr;
  std::mutex mu;
  ~Impl() {
    if (db) sqlite3_close(db);
  }
  Error Fail(const std::string& what) const {
    return Error{.kind = ErrorKind::kInternal,
                 .messages = {"carrier journal: " + what + ": " + sqlite3_errmsg(db)}};
  }
};

Journal::Journal(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Journal::~Journal() = default;

Result<std::unique_ptr<Journal>> Journal::Open(const std::string& path) {
  auto impl = std::make_unique<Impl>();
  if (sqlite3_open_v2(path.c_str(), &impl->db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    return UsageError("cannot open the carrier journal '" + path +
                          "': " + (impl->db ? sqlite3_errmsg(impl->db) : "out of memory"),
                      "check that the directory exists and is writable");
  }
  sqlite3_busy_timeout(impl->db, 10000);
  const char* schema =
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
      "CREATE TABLE IF NOT EXISTS journal (key TEXT PRIMARY KEY, state TEXT NOT NULL,"
      "  value TEXT NOT NULL, updated_ms INTEGER NOT NULL);"
      "CREATE TABLE IF NOT EXISTS parts (ref TEXT NOT NULL, part INTEGER NOT NULL,"
      "  total INTEGER NOT NULL, text TEXT NOT NULL, PRIMARY KEY (ref, part));";
  if (sqlite3_exec(impl->db, schema, nullptr, nullptr, nullptr) != SQLITE_OK) {
    return UsageError("cannot create the carrier journal tables in '" + path +
                      "': " + sqlite3_errmsg(impl->db));
  }
  return std::unique_ptr<Journal>(new Journal(std::move(impl)));
}

Result<std::optional<JournalEntry>> Journal::Get(const std::string& key) {
  std::lock_guard lock(impl_->mu);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(impl_->db, "SELECT state, value FROM journal WHERE key = ?", -1, &st,
                         nullptr) != SQLITE_OK) {
    return impl_->Fail("read");
  }
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  std::optional<JournalEntry> out;
  int rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    out = JournalEntry{reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                       reinterpret_cast<const char*>(sqlite3_column_text(st, 1))};
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return impl_->Fail("read");
  return out;
}

Status Journal::Put(const std::string& key, const JournalEntry& entry) {
  std::lock_guard lock(impl_->mu);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(impl_->db,
                         "INSERT OR REPLACE INTO journal(key, state, value, updated_ms) "
                         "VALUES(?, ?, ?, CAST((julianday('now') - 2440587.5) * 86400000 AS "
                         "INTEGER))",
                         -1, &st, nullptr) != SQLITE_OK) {
    return impl_->Fail("write");
  }
  sqlite3_bind_text(st, 1, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 2, entry.state.data(), static_cast<int>(entry.state.size()),
                    SQLITE_TRANSIENT);
  sqlite3_bind_text(st, 3, entry.value.data(), static_cast<int>(entry.value.size()),
                    SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return impl_->Fail("write");
  return Ok{};
}

Result<std::optional<std::string>> Journal::AddPart(const std::string& ref, int part, int total,
                                                    const std::string& text) {
  if (total < 1 || total > 255 || part < 1 || part > total) {
    return UsageError("concatenated part " + std::to_string(part) + " of " + std::to_string(total) +
                      " is out of range");
  }
  std::lock_guard lock(impl_->mu);
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(impl_->db,
                         "INSERT OR IGNORE INTO parts(ref, part, total, text) VALUES(?, ?, ?, ?)",
                         -1, &st, nullptr) != SQLITE_OK) {
    return impl_->Fail("write a part");
  }
  sqlite3_bind_text(st, 1, ref.data(), static_cast<int>(ref.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int(st, 2, part);
  sqlite3_bind_int(st, 3, total);
  sqlite3_bind_text(st, 4, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return impl_->Fail("write a part");
  if (sqlite3_prepare_v2(impl_->db, "SELECT part, text FROM parts WHERE ref = ? ORDER BY part", -1,
                         &st, nullptr) != SQLITE_OK) {
    return impl_->Fail("read parts");
  }
  sqlite3_bind_text(st, 1, ref.data(), static_cast<int>(ref.size()), SQLITE_TRANSIENT);
  std::string whole;
  int have = 0;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    ++have;
    whole += reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return impl_->Fail("read parts");
  if (have < total) return std::optional<std::string>();
  return std::optional<std::string>(whole);
}

}  // namespace ghl::carriers
