// The two Database backends (sqlite_database.cc, postgres_database.cc) and a shared error helper.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ghl/sync/database.h"

namespace ghl::sync::internal {

Result<std::unique_ptr<Database>> OpenSqlite(const std::string& path);
Result<std::unique_ptr<Database>> OpenPostgres(const DatabaseOptions& options);
/// kInternal "<what>: <message> (in: <first 60 chars of sql>…)".
Error DbError(std::string_view what, std::string_view sql, std::string_view message);

}  // namespace ghl::sync::internal
