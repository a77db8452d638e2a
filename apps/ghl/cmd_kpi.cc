// `ghl kpi`: the KPIs of the synced tables (ghl/sync/kpi.h) as text or JSON.
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "ghl/core/text.h"
#include "ghl/core/time_format.h"
#include "ghl/sync/kpi.h"
#include "ghl/sync/schema.h"
#include "sync_common.h"

namespace ghl::cli {

std::string ResolveSyncDb(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv("GHL_SYNC_DB");
  if (env && *env) return env;
  return kDefaultSyncDb;
}

void AddSyncDbOptions(CLI::App* cmd, std::string* db, std::string* schema) {
  cmd->add_option("--db", *db,
                  "Sync database: a SQLite file or a postgresql:// URL (default ./ghl-sync.db "
                  "or $GHL_SYNC_DB)");
  cmd->add_option("--db-schema", *schema, "PostgreSQL schema holding the tables")
      ->capture_default_str();
}

namespace {

struct KpiArgs {
  std::string location;
  std::string db;
  std::string db_schema = "public";
  std::string period = "30d";
  int stale_days = 14;
  bool json = false;
};

int Fail(const Error& e) {
  std::fprintf(stderr, "ghl kpi: %s\n", e.Describe().c_str());
  return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
}

std::string Money(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

std::string Seconds(const std::optional<double>& s) {
  if (!s) return "-";
  char buf[64];
  if (*s >= 3600)
    std::snprintf(buf, sizeof buf, "%.1f h", *s / 3600);
  else if (*s >= 60)
    std::snprintf(buf, sizeof buf, "%.1f min", *s / 60);
  else
    std::snprintf(buf, sizeof buf, "%.0f s", *s);
  return buf;
}

// Synced text (names, sources) comes from web forms and other people's input: one line,
// control characters escaped, so a contact's source cannot retitle or clear the terminal.
std::string Safe(const std::string& text) { return TerminalSafeLine(text); }

std::string When(const std::optional<int64_t>& ms) {
  if (!ms) return "none";
  return FormatUtcIso(std::chrono::system_clock::time_point(std::chrono::milliseconds(*ms)));
}

void PrintText(const sync::Kpis& k) {
  std::printf("location %s, period %s .. %s (UTC days)\n", Safe(k.location_id).c_str(),
              k.from_day.empty() ? "start" : k.from_day.c_str(),
              k.to_day.empty() ? "now" : k.to_day.c_str());
  std::printf("win rate           %s (won %lld, lost %lld; closed in the period)\n",
              k.win_rate ? (Money(*k.win_rate * 100) + "%").c_str() : "-",
              static_cast<long long>(k.won), static_cast<long long>(k.lost));
  std::printf("revenue won        %s\n", Money(k.revenue_won).c_str());
  std::printf("open pipeline      %s in %lld deals\n", Money(k.open_value).c_str(),
              static_cast<long long>(k.open_deals));
  for (const auto& s : k.open_by_stage) {
    std::printf("  %-24s %-20s %6lld deals %12s\n", Safe(s.pipeline_name).c_str(),
                Safe(s.stage_name).c_str(), static_cast<long long>(s.open_deals),
                Money(s.open_value).c_str());
  }
  std::printf("stage conversion (deals now in a later stage / in this stage or later)\n");
  for (const auto& c : k.stage_conversion) {
    std::printf("  %-24s %5lld / %-5lld %s\n", Safe(c.stage_name).c_str(),
                static_cast<long long>(c.advanced), static_cast<long long>(c.reached),
                c.conversion ? (Money(*c.conversion * 100) + "%").c_str() : "-");
  }
  std::printf("first response     median %s, p90 %s (%lld answered, %lld unanswered)\n",
              Seconds(k.first_response_median_s).c_str(), Seconds(k.first_response_p90_s).c_str(),
              static_cast<long long>(k.responses), static_cast<long long>(k.unanswered));
  std::printf("leads              %lld\n", static_cast<long long>(k.leads));
  for (const auto& l : k.leads_by_source) {
    std::printf("  %-24s %lld\n", Safe(l.source).c_str(), static_cast<long long>(l.leads));
  }
  std::printf("stale deals (> %d days in stage): %zu\n", k.stale_days, k.stale_deals.size());
  for (const auto& s : k.stale_deals) {
    std::printf("  %-32s %-20s %6.0f days  next appointment %s\n", Safe(s.name).c_str(),
                Safe(s.stage_name).c_str(), s.days_in_stage, When(s.next_appointment_ms).c_str());
  }
}

int RunKpi(const KpiArgs& args) {
  if (args.stale_days < 0) return Fail(UsageError("--stale-days must be 0 or more"));
  auto db = sync::OpenDatabase({ResolveSyncDb(args.db), args.db_schema});
  if (!db.ok()) return Fail(db.error());
  if (auto v = sync::Migrate(**db); !v.ok()) return Fail(v.error());
  sync::KpiQuery q;
  q.location_id = args.location;
  if (q.location_id.empty()) {
    const char* env = std::getenv("GHL_LOCATION_ID");
    if (env) q.location_id = env;
  }
  if (q.location_id.empty()) {
    auto locations = sync::SyncedLocations(**db);
    if (!locations.ok()) return Fail(locations.error());
    if (locations->size() != 1) {
      return Fail(UsageError(
          std::to_string(locations->size()) + " locations in the sync database; say which",
          "give --location ID (or set GHL_LOCATION_ID)"));
    }
    q.location_id = locations->front();
  }
  q.stale_days = args.stale_days;
  if (auto st = sync::ApplyPeriod(args.period, q); !st.ok()) return Fail(st.error());
  auto k = sync::ComputeKpis(**db, q);
  if (!k.ok()) return Fail(k.error());
  if (args.json) {
    std::printf(
        "%s\n",
        sync::ToJson(*k).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  } else {
    PrintText(*k);
  }
  return kExitOk;
}

}  // namespace

void AddKpiCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<KpiArgs>();
  auto* cmd = app.add_subcommand(
      "kpi",
      "KPIs of the synced tables: win rate, revenue won, open pipeline by stage, stage "
      "conversion, stale deals, first-response time, leads by source (doc/sync.md)");
  cmd->add_option("--location", args->location, "Location id (env GHL_LOCATION_ID)");
  AddSyncDbOptions(cmd, &args->db, &args->db_schema);
  cmd->add_option("--period", args->period,
                  "30d (last 30 UTC days), all, 2025-01-06 or 2025-01-01..2025-01-31")
      ->capture_default_str();
  cmd->add_option("--stale-days", args->stale_days, "Days in a stage before a deal is stale")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "One JSON object (the shape of /dashboard's data)");
  cmd->callback([args, exit_code] { *exit_code = RunKpi(*args); });
}

}  // namespace ghl::cli
