/// \file
/// Database locations as users give them (`--tokens-db`, `--events-db`, `--db`, `--ledger`,
/// `--journal`, GHL_*_DB): a SQLite file path, a PostgreSQL URL (`postgresql://user:pw@host/db`)
/// or a libpq keyword/value connection string (`host=… user=… password=… dbname=…`, libpq
/// "Connection Strings", https://www.postgresql.org/docs/current/libpq-connect.html).
/// The one place that decides which kind a location is, how it is printed (never with its
/// password) and how a database driver's message is cleaned of the password before it reaches
/// an error, a log or a terminal. Every store (events, tokens, sync, ledger, onboarding journal)
/// and every printer of a location goes through these.
#pragma once

#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl {

/// True when `location` names a PostgreSQL database: it starts with "postgres://" or
/// "postgresql://", or it is a libpq keyword/value string (one or more `keyword=value` pairs,
/// every keyword one libpq knows: host, port, dbname, user, password, sslmode, …). Anything
/// else is a SQLite file path.
bool IsPostgresLocation(std::string_view location);

/// `location` fit to print: the password of a URL (`user:***@host`), of a `?password=` query
/// parameter and of a keyword string (`password=***`) replaced by "***". Paths are unchanged.
std::string MaskLocation(std::string_view location);

/// `text` (a driver's message, e.g. libpq's "invalid percent-encoded token: \"pw%\"") with
/// every occurrence of `location`'s password, as written and percent-decoded, replaced by
/// "***". `text` unchanged when the location has no password.
std::string ScrubLocationSecret(std::string_view text, std::string_view location);

/// Checks a PostgreSQL location's syntax before a driver sees it (a driver's own complaint
/// quotes the password). Today: every "%" of a URL starts a two-hex-digit escape. kUsage
/// naming `what` (e.g. "--tokens-db") and the masked location, with the fix; Ok otherwise, and
/// for SQLite paths.
Status CheckDbLocation(std::string_view location, std::string_view what);

}  // namespace ghl
