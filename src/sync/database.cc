// OpenDatabase and the helpers shared by both backends.
#include "ghl/sync/database.h"

#include "database_internal.h"
#include "ghl/core/db_location.h"

namespace ghl::sync {

bool IsPostgresUrl(std::string_view location) { return IsPostgresLocation(location); }

Result<std::unique_ptr<Database>> OpenDatabase(const DatabaseOptions& options) {
  if (options.location.empty()) {
    return UsageError("--db is empty", "give a SQLite file or a postgresql:// URL");
  }
  if (IsPostgresUrl(options.location)) return internal::OpenPostgres(options);
  return internal::OpenSqlite(options.location);
}

Status InTransaction(Database& db, const std::function<Status()>& body) {
  if (auto st = db.Begin(); !st.ok()) return st;
  Status st = body();
  if (!st.ok()) {
    db.Rollback();
    return st;
  }
  return db.Commit();
}

Result<int64_t> QueryInt(Database& db, std::string_view sql, const std::vector<SqlValue>& params,
                         int64_t fallback) {
  auto rows = db.Query(sql, params);
  if (!rows.ok()) return rows.error();
  if (rows->empty() || rows->front().empty() || !rows->front()[0]) return fallback;
  return std::stoll(*rows->front()[0]);
}

namespace internal {

Error DbError(std::string_view what, std::string_view sql, std::string_view message) {
  Error e;
  e.kind = ErrorKind::kInternal;
  std::string head(sql.substr(0, 60));
  for (auto& c : head) {
    if (c == '\n') c = ' ';
  }
  e.messages.push_back(std::string(what) + ": " + std::string(message) + " (in: " + head + "…)");
  return e;
}

}  // namespace internal
}  // namespace ghl::sync
