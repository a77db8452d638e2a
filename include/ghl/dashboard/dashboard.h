/// \file
/// The KPI dashboard of `ghl serve` (issue 9): `GET /dashboard` is one self-contained page
/// (web/dashboard.html with Debian's Chart.js inlined, both compiled in; nothing is loaded from
/// the internet), `GET /api/kpi` answers the JSON `ghl kpi --json` prints, and
/// `GET /api/kpi/locations` lists the synced locations for the page's picker. The figures come
/// from the sync database `ghl sync` fills (ghl/sync/kpi.h); each call opens it afresh, so the
/// page follows a running `ghl sync --watch`.
#pragma once

#include <optional>
#include <string>

#include "ghl/http/message.h"

namespace ghl::dashboard {

/// Paths served.
inline constexpr const char* kDashboardPath = "/dashboard";
inline constexpr const char* kKpiPath = "/api/kpi";
inline constexpr const char* kLocationsPath = "/api/kpi/locations";

/// Where the figures come from.
struct DashboardOptions {
  /// The sync database: a SQLite file or a postgresql:// URL (what `ghl sync --db` wrote).
  std::string db = "ghl-sync.db";
  /// PostgreSQL only: the schema holding the tables.
  std::string db_schema = "public";
  /// The location shown when the request names none and the database holds several.
  std::string default_location;
  /// The address `ghl serve` listens on: besides 127.0.0.1, localhost and [::1], the only host
  /// name accepted in `Host` (a guard against DNS rebinding; a wildcard address accepts any).
  std::string listen_host = "127.0.0.1";
};

/// The three routes. Thread-safe (no state besides the options).
class Dashboard {
 public:
  explicit Dashboard(DashboardOptions options);

  /// True for the paths above.
  static bool Matches(const http::Request& request);

  /// Answers a matching request (blocking: opens and queries the database).
  /// - `/dashboard`: the page (text/html, a Content-Security-Policy allowing only this origin).
  /// - `/api/kpi?location=ID&period=30d|all|DAY|FROM..TO&stale_days=N`: 200 with
  ///   `sync::ToJson` of the KPIs; 400 `{"statusCode","error":"bad_request","message"}` for a
  ///   bad period or stale_days; 503 with `"error":"sync_db_missing"` (no SQLite file; the
  ///   message says to run `ghl sync`), `"sync_db_empty"` (no location synced yet) or
  ///   `"sync_db_error"` (cannot open or query).
  /// - `/api/kpi/locations`: `{"locations":[ID…],"names":{ID:name…},"default":ID|null,
  ///   "db":description}` (names from the synced `locations` table; a location without one is
  ///   absent from `names`) or the 503s above.
  /// Other methods than GET: 405; a `Host` naming another server: 403.
  http::Response Handle(const http::Request& request) const;

  const DashboardOptions& options() const { return options_; }

 private:
  DashboardOptions options_;
};

}  // namespace ghl::dashboard
