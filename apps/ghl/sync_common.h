// Options shared by `ghl sync` and `ghl kpi`: where the sync database is.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ghl::cli {

/// Default sync database: this SQLite file in the current directory (overridden by --db, then
/// by $GHL_SYNC_DB).
inline constexpr const char* kDefaultSyncDb = "ghl-sync.db";
/// `flag` if set, else $GHL_SYNC_DB, else kDefaultSyncDb.
std::string ResolveSyncDb(const std::string& flag);
/// Adds --db and --db-schema.
void AddSyncDbOptions(CLI::App* cmd, std::string* db, std::string* schema);

}  // namespace ghl::cli
