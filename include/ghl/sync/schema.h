/// \file
/// The sync database's schema: versioned migrations (table `schema_migrations`), the same SQL on
/// SQLite and PostgreSQL. doc/sync.md documents every table and view.
///
/// Tables hold typed columns for what queries and KPIs use, and `raw`: the record exactly as
/// GHL answered it (compact JSON, keys sorted). Times are kept twice: GHL's ISO 8601 text in UTC
/// (`…_at`) and epoch milliseconds (`…_ms`) for arithmetic. Every row carries `location_id`.
#pragma once

#include <string>
#include <vector>

#include "ghl/sync/database.h"

namespace ghl::sync {

/// One migration: applied once, in version order, in one transaction with its row in
/// `schema_migrations`.
struct Migration {
  int version = 0;
  std::string name;
  std::string sql;  ///< `;`-separated statements valid on both backends.
};

/// Every migration, oldest first.
const std::vector<Migration>& Migrations();

/// Applies the migrations `db` lacks; returns the schema version in force. A database whose
/// version is newer than this build knows is refused (kUsage: upgrade ghl).
Result<int> Migrate(Database& db);

/// The tables whose rows the sync writes (for tests and `ghl sync --status`), in dependency
/// order: locations, users, custom_fields, pipelines, pipeline_stages, contacts,
/// contact_custom_values, opportunities, calendars, appointments, conversations, messages.
const std::vector<std::string>& DataTables();

}  // namespace ghl::sync
