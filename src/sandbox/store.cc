#include "store.h"

#include <sqlite3.h>

#include <algorithm>

#include "ghl/core/json_depth.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kAlphabet =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

Error DbError(sqlite3* db, std::string_view what) {
  Error e;
  e.kind = ErrorKind::kInternal;
  e.messages.push_back("sandbox database: " + std::string(what) + ": " +
                       (db ? sqlite3_errmsg(db) : "cannot allocate"));
  return e;
}

// Sequence values NewId can plausibly have produced: 6 significant base62 digits (56.8 billion
// ids). Fixed ids (e.g. the demo location "sbxLoc7Qm2Xk9PzDemo1") decode far above this and must
// not move the sequence (they did once: new ids then looked like "sbxLoc7R...").
constexpr uint64_t kMaxGeneratedSeq = 56800235584ULL;  // 62^6

// The sequence of a generated id (20 characters of kAlphabet), 0 for any other form.
uint64_t DecodeSeq(std::string_view id) {
  if (id.size() != 20) return 0;
  uint64_t v = 0;
  for (char c : id.substr(0, 8)) {
    auto p = kAlphabet.find(c);
    if (p == std::string_view::npos) return 0;
    v = v * 62 + p;
  }
  if (id.substr(8).find_first_not_of(kAlphabet) != std::string_view::npos) return 0;
  return v < kMaxGeneratedSeq ? v : 0;
}

}  // namespace

std::string_view CollName(Coll c) {
  static constexpr std::array<std::string_view, static_cast<int>(Coll::kCount)> kNames = {
      "locations",
      "contacts",
      "notes",
      "opportunities",
      "pipelines",
      "calendars",
      "appointments",
      "conversations",
      "messages",
      "customFields",
      "workflows",
      "workflowEnrollments",
      "tasks",
      "users",
      "customValues",
      "conversationProviders",
      "oauthApps",
      "oauthCodes",
      "oauthRefreshTokens",
      "oauthAccessTokens",
      "appInstalls",
      "inactiveLocations",
      "oauthStats",
      "objectSchemas",
      "objectRecords",
      "associations",
      "relations"};
  return kNames[static_cast<int>(c)];
}

Store::Store() : rng_(0x5eed5a1d) {}

Store::~Store() {
  if (db_) sqlite3_close(db_);
}

Status Store::Open(const std::string& path) {
  if (path.empty()) return Ok{};
  if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
      SQLITE_OK) {
    // A path the caller chose that cannot be opened is a usage error, not an internal one.
    Error e = UsageError("sandbox database: cannot open '" + path +
                             "': " + (db_ ? sqlite3_errmsg(db_) : "cannot allocate"),
                         "the file is created if missing, its directory is not: check that the "
                         "directory exists and is writable");
    sqlite3_close(db_);
    db_ = nullptr;
    return e;
  }
  // One writer per file: this process keeps the file's state in memory from now on.
  auto locked = StateFileLock::Acquire(path);
  if (!locked.ok()) {
    sqlite3_close(db_);
    db_ = nullptr;
    return locked.error();
  }
  lock_ = std::move(*locked);
  sqlite3_busy_timeout(db_, 5000);
  const char* ddl =
      "PRAGMA journal_mode=WAL;"
      "PRAGMA synchronous=NORMAL;"
      "CREATE TABLE IF NOT EXISTS documents ("
      "  collection TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL,"
      "  PRIMARY KEY (collection, id));"
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);";
  char* err = nullptr;
  if (sqlite3_exec(db_, ddl, nullptr, nullptr, &err) != SQLITE_OK) {
    Error e = DbError(db_, "cannot create the documents table in '" + path + "'");
    sqlite3_free(err);
    return e;
  }
  return Ok{};
}

Status Store::Load(bool* loaded_any) {
  *loaded_any = false;
  if (!db_) return Ok{};
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db_, "SELECT collection, id, body FROM documents", -1, &st, nullptr) !=
      SQLITE_OK) {
    return DbError(db_, "cannot read documents");
  }
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    std::string_view coll(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    std::string id(reinterpret_cast<const char*>(sqlite3_column_text(st, 1)));
    std::string body(reinterpret_cast<const char*>(sqlite3_column_text(st, 2)));
    for (int i = 0; i < static_cast<int>(Coll::kCount); ++i) {
      if (CollName(static_cast<Coll>(i)) != coll) continue;
      json value = ghl::ParseJsonBounded<json>(body);
      if (value.is_discarded()) break;
      seq_ = std::max(seq_, DecodeSeq(id));
      maps_[i][id] = Doc{std::move(value), std::move(body)};
      *loaded_any = true;
      break;
    }
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE) return DbError(db_, "cannot read documents");
  // The persisted counter wins over ids seen (it also covers deleted documents).
  if (sqlite3_prepare_v2(db_, "SELECT value FROM meta WHERE key = 'idSeq'", -1, &st, nullptr) !=
      SQLITE_OK) {
    return DbError(db_, "cannot read the id sequence");
  }
  if (sqlite3_step(st) == SQLITE_ROW) {
    seq_ = std::max(seq_, static_cast<uint64_t>(sqlite3_column_int64(st, 0)));
  }
  sqlite3_finalize(st);
  return Ok{};
}

const Doc* Store::Get(Coll c, std::string_view id) const {
  const auto& m = maps_[static_cast<int>(c)];
  auto it = m.find(id);
  return it == m.end() ? nullptr : &it->second;
}

const Doc& Store::Put(Coll c, const std::string& id, json value) {
  // Replace, never throw: a stored string may hold bytes from a path or query.
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  auto& slot = maps_[static_cast<int>(c)][id];
  slot.value = std::move(value);
  slot.text = std::move(text);
  if (db_) pending_.emplace_back(c, id);
  return slot;
}

const Doc& Store::Put(Coll c, json value) {
  std::string id = value.at("id").get<std::string>();
  return Put(c, id, std::move(value));
}

bool Store::Erase(Coll c, std::string_view id) {
  auto& m = maps_[static_cast<int>(c)];
  auto it = m.find(id);
  if (it == m.end()) return false;
  m.erase(it);
  if (db_) pending_.emplace_back(c, std::string(id));
  return true;
}

Status Store::Flush() {
  if (!db_ || pending_.empty()) return Ok{};
  auto pending = std::move(pending_);
  pending_.clear();
  sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr);
  sqlite3_stmt* put = nullptr;
  sqlite3_stmt* del = nullptr;
  sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO documents(collection, id, body) VALUES(?,?,?)",
                     -1, &put, nullptr);
  sqlite3_prepare_v2(db_, "DELETE FROM documents WHERE collection = ? AND id = ?", -1, &del,
                     nullptr);
  bool ok = put && del;
  for (const auto& [c, id] : pending) {
    if (!ok) break;
    auto name = CollName(c);
    const Doc* doc = Get(c, id);
    sqlite3_stmt* st = doc ? put : del;
    sqlite3_reset(st);
    sqlite3_bind_text(st, 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
    if (doc) {
      sqlite3_bind_text(st, 3, doc->text.data(), static_cast<int>(doc->text.size()), SQLITE_STATIC);
    }
    ok = sqlite3_step(st) == SQLITE_DONE;
  }
  sqlite3_finalize(put);
  sqlite3_finalize(del);
  if (ok) {
    sqlite3_stmt* meta = nullptr;
    ok = sqlite3_prepare_v2(db_, "INSERT OR REPLACE INTO meta(key, value) VALUES('idSeq', ?)", -1,
                            &meta, nullptr) == SQLITE_OK;
    if (ok) {
      sqlite3_bind_int64(meta, 1, static_cast<sqlite3_int64>(seq_));
      ok = sqlite3_step(meta) == SQLITE_DONE;
    }
    sqlite3_finalize(meta);
  }
  if (!ok) {
    Error e = DbError(db_, "cannot write documents");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return e;
  }
  if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
    return DbError(db_, "cannot commit documents");
  }
  return Ok{};
}

std::string Store::NewId() {
  std::string id(20, '0');
  uint64_t seq = ++seq_;
  for (int i = 7; i >= 0; --i) {
    id[i] = kAlphabet[seq % 62];
    seq /= 62;
  }
  for (int i = 8; i < 20; ++i) id[i] = kAlphabet[rng_() % 62];
  return id;
}

void Store::RandomizeIds() {
  std::random_device rd;
  rng_.seed((static_cast<uint64_t>(rd()) << 32) ^ rd());
}

}  // namespace ghl::sandbox
