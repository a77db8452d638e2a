// The two Database backends (sqlite_database.cc, postgres_database.cc) and a shared error helper.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ghl/sync/database.h"

namespace ghl::sync::internal {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Database>> OpenPostgres(const DatabaseOptions& options);
/// SQLite: `sql` with each `$N` placeholder outside quotes written `?N` (same index; SQLite
/// binds `?N` by number, while it finds a `$name` by a linear scan of the names).
std::string PositionalParameters(std::string_view sql);
/// kInternal "<what>: <message> (in: <first 60 chars of sql>…)".
Error DbError(std::string_view what, std::string_view sql, std::string_view message);

}  // namespace ghl::sync::internal
