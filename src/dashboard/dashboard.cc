// The dashboard routes: the embedded page and the KPI JSON read from the sync database.
#include "ghl/dashboard/dashboard.h"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/server/http_server.h"
#include "ghl/sync/kpi.h"
#include "ghl/sync/schema.h"

namespace ghl::playground::generated {
std::string_view DashboardHtml();  // web/dashboard.html (embed_html.cmake)
std::string_view ChartJs();        // Debian's Chart.js (embed_html.cmake)
}  // namespace ghl::playground::generated

namespace ghl::dashboard {
namespace {

constexpr std::string_view kChartMarker = "<!--CHARTJS-->";

// The page with Chart.js inlined where web/dashboard.html has the marker.
const std::string& Page() {
  static const std::string kPage = [] {
    std::string page(playground::generated::DashboardHtml());
    size_t at = page.find(kChartMarker);
    if (at != std::string::npos) {
      page.replace(at, kChartMarker.size(),
                   "<script>" + std::string(playground::generated::ChartJs()) + "</script>");
    }
    return page;
  }();
  return kPage;
}

http::Response Problem(int status, std::string_view error, const std::string& message) {
  nlohmann::json body = {{"statusCode", status}, {"error", error}, {"message", message}};
  return server::JsonResponse(status, body.dump());
}

// Host without its port ("[::1]:8080" → "[::1]").
std::string HostName(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return std::string(host.substr(0, close == std::string_view::npos ? host.size() : close + 1));
  }
  return std::string(host.substr(0, host.find(':')));
}

bool HostAllowed(const http::Request& request, const std::string& listen_host) {
  auto host = request.headers.Get("Host");
  if (!host) return true;  // HTTP/1.0 clients (curl -0) send none
  if (listen_host == "0.0.0.0" || listen_host == "::" || listen_host.empty()) return true;
  std::string name = HostName(*host);
  return name == "127.0.0.1" || name == "localhost" || name == "[::1]" || name == listen_host ||
         "[" + listen_host + "]" == name;
}

// The database for messages: a PostgreSQL URL may carry a password, so it is never shown.
std::string Shown(const std::string& db) {
  return sync::IsPostgresUrl(db) ? std::string("(the PostgreSQL URL given to --sync-db)") : db;
}

// The database, opened and migrated, or the 503 that says why not.
struct Opened {
  std::unique_ptr<sync::Database> db;
  std::optional<http::Response> problem;
};

Opened Open(const DashboardOptions& o) {
  Opened out;
  std::error_code ec;
  if (!sync::IsPostgresUrl(o.db) && !std::filesystem::exists(o.db, ec)) {
    out.problem = Problem(503, "sync_db_missing",
                          "no sync database at " + o.db + ": run `ghl sync --db " + o.db +
                              "` (or start ghl serve with --sync-db FILE|postgresql://…)");
    return out;
  }
  auto db = sync::OpenDatabase({o.db, o.db_schema});
  if (!db.ok()) {
    out.problem =
        Problem(503, "sync_db_error",
                "cannot open the sync database " + Shown(o.db) + ": " + db.error().Summary());
    return out;
  }
  if (auto v = sync::Migrate(**db); !v.ok()) {
    out.problem = Problem(
        503, "sync_db_error",
        "cannot migrate the sync database " + (*db)->description() + ": " + v.error().Summary());
    return out;
  }
  out.db = std::move(db.value());
  return out;
}

http::Response EmptyProblem(const sync::Database& db) {
  return Problem(503, "sync_db_empty",
                 "the sync database " + db.description() +
                     " holds no location yet: run `ghl sync` (ghl sync --db " + db.description() +
                     ")");
}

// id → name of the synced locations whose name the `locations` table holds (the locations
// stream); a location synced without it is left out and the page shows its id.
nlohmann::json LocationNames(sync::Database& db, const std::vector<std::string>& ids) {
  nlohmann::json names = nlohmann::json::object();
  auto rows = db.Query("SELECT id, name FROM locations WHERE name IS NOT NULL AND name <> ''");
  if (!rows.ok()) return names;  // names are a nicety: the ids still work
  for (const auto& row : *rows) {
    if (!row[0] || !row[1]) continue;
    if (std::find(ids.begin(), ids.end(), *row[0]) != ids.end()) names[*row[0]] = *row[1];
  }
  return names;
}

http::Response Locations(const DashboardOptions& o) {
  Opened opened = Open(o);
  if (opened.problem) return std::move(*opened.problem);
  auto locations = sync::SyncedLocations(*opened.db);
  if (!locations.ok()) {
    return Problem(503, "sync_db_error", locations.error().Summary());
  }
  if (locations->empty()) return EmptyProblem(*opened.db);
  nlohmann::json body = {{"locations", *locations},
                         {"names", LocationNames(*opened.db, *locations)},
                         {"default", nullptr},
                         {"db", opened.db->description()}};
  for (const auto& id : *locations) {
    if (id == o.default_location) body["default"] = id;
  }
  if (body["default"].is_null()) body["default"] = locations->front();
  return server::JsonResponse(200, body.dump());
}

http::Response Kpi(const DashboardOptions& o, const http::Request& request) {
  std::string location, period = "30d", stale = "14";
  for (auto& [name, value] : http::ParseQuery(request.Query())) {
    if (name == "location") location = value;
    if (name == "period") period = value;
    if (name == "stale_days") stale = value;
  }
  sync::KpiQuery q;
  try {
    size_t used = 0;
    q.stale_days = std::stoi(stale, &used);
    if (used != stale.size() || q.stale_days < 0) throw std::invalid_argument(stale);
  } catch (const std::exception&) {
    return Problem(400, "bad_request",
                   "stale_days must be a whole number, 0 or more (got '" + stale + "')");
  }
  if (auto st = sync::ApplyPeriod(period, q); !st.ok()) {
    return Problem(400, "bad_request", "period: " + st.error().Summary());
  }
  Opened opened = Open(o);
  if (opened.problem) return std::move(*opened.problem);
  if (location.empty()) {
    auto locations = sync::SyncedLocations(*opened.db);
    if (!locations.ok()) return Problem(503, "sync_db_error", locations.error().Summary());
    if (locations->empty()) return EmptyProblem(*opened.db);
    location = locations->front();
    for (const auto& id : *locations) {
      if (id == o.default_location) location = id;
    }
  }
  q.location_id = location;
  auto kpis = sync::ComputeKpis(*opened.db, q);
  if (!kpis.ok()) {
    bool usage = kpis.error().kind == ErrorKind::kUsage;
    return Problem(usage ? 400 : 503, usage ? "bad_request" : "sync_db_error",
                   kpis.error().Summary());
  }
  return server::JsonResponse(
      200, sync::ToJson(*kpis).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

Dashboard::Dashboard(DashboardOptions options) : options_(std::move(options)) {}

bool Dashboard::Matches(const http::Request& request) {
  std::string_view path = request.Path();
  return path == kDashboardPath || path == "/dashboard/" || path == kKpiPath ||
         path == kLocationsPath;
}

http::Response Dashboard::Handle(const http::Request& request) const {
  if (!HostAllowed(request, options_.listen_host)) {
    return Problem(403, "forbidden", "Host must name this server (127.0.0.1 or localhost)");
  }
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = Problem(405, "method_not_allowed", "only GET");
    r.headers.Set("Allow", "GET");
    return r;
  }
  std::string_view path = request.Path();
  http::Response r;
  if (path == kKpiPath) {
    r = Kpi(options_, request);
  } else if (path == kLocationsPath) {
    r = Locations(options_);
  } else {
    r.status = 200;
    r.headers.Set("Content-Type", "text/html; charset=utf-8");
    // Inline script and style only; data from this origin; nothing from the internet.
    r.headers.Set("Content-Security-Policy",
                  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                  "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; "
                  "frame-ancestors 'none'");
    r.headers.Set("X-Content-Type-Options", "nosniff");
    r.body = Page();
  }
  r.headers.Set("Cache-Control", "no-store");
  return r;
}

}  // namespace ghl::dashboard
