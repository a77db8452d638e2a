/// \file
/// Creating the tables of an SQLite file that several processes may open for the first time at
/// once (`ghl serve`, `ghl automations run` and `ghl events` share one events file).
///
/// SQLite's busy timeout does not cover everything a first start does: switching a new file to
/// WAL (`PRAGMA journal_mode=WAL`) answers SQLITE_BUSY at once, without waiting, while another
/// connection holds a lock on it (measured: 4 of 2,400 concurrent first starts failed with
/// "database is locked"). `CreateSqliteSchema` retries that, and runs the DDL in one
/// `BEGIN IMMEDIATE` transaction, so concurrent first starts wait for each other instead.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::store {

/// Opens (creating when missing) the SQLite file at `path`, switches it to WAL and runs `ddl`
/// (statements that must be idempotent: `CREATE TABLE IF NOT EXISTS …`) in one
/// `BEGIN IMMEDIATE` transaction, then closes its connection. A lock held by another
/// connection or process is waited for, retried with backoff (1 → 50 ms), up to
/// `busy_timeout` in all. Errors (the message starts with `path`): kUsage when the file cannot
/// be opened (missing directory, not writable, not a database); kBusy when the lock is still
/// held after `busy_timeout`; kInternal for any other SQLite failure.
Status CreateSqliteSchema(const std::string& path, std::string_view ddl,
                          std::chrono::milliseconds busy_timeout);

/// The error for an SQLite file that is damaged (SQLITE_CORRUPT: truncated, overwritten) or is
/// not a database (SQLITE_NOTADB): kUsage, naming `path`, saying it is damaged, SQLite's own
/// words (`sqlite_message`), and what to do (restore a backup, or move it aside and start
/// again). nullopt for any other result code `rc` (primary or extended).
std::optional<Error> DamagedSqliteFile(const std::string& path, int rc,
                                       std::string_view sqlite_message);

/// The kBusy error's hint: what holds an SQLite write lock and that the operation is retried
/// (or can be retried). Shared so every place that reports kBusy says the same.
inline constexpr std::string_view kSqliteBusyHint =
    "Another process (or connection) holds this database's write lock: a `ghl serve`, "
    "`ghl automations run` or `ghl events retry|replay` on the same file, or a long "
    "`sqlite3` session. The operation is retryable; try again once it is done.";

}  // namespace ghl::store
