/// \file
/// KPIs over the synced tables, through the views of schema.h (same SQL on SQLite and
/// PostgreSQL). Definitions (doc/sync.md, "KPIs"):
/// - win rate = won ÷ (won + lost) over deals closed in the period, close time =
///   `lastStatusChangeAt` (GHL has no wonAt); abandoned deals are not counted. Revenue won =
///   Σ monetaryValue of the won ones.
/// - open pipeline value by stage: Σ monetaryValue of open deals, per pipeline stage (now).
/// - stage conversion (funnel of current stages, GHL's API keeps no stage history): reached(s)
///   = deals whose stage is s or a later one; advanced(s) = deals in a later stage;
///   conversion = advanced ÷ reached.
/// - stale deals: open deals in their stage (since `lastStageChangeAt`, else `createdAt`)
///   longer than N days, with the contact's next appointment (start ≥ now, not cancelled).
/// - first-response time: per conversation, each inbound message that opens a block (no earlier
///   inbound since the last human reply) → the first human outbound reply at or after it.
///   Human = outbound and `source` not workflow, bulk_actions or campaign, and not an activity
///   or internal-comment message type. Median and p90 by nearest rank (the ⌈q·n⌉-th smallest),
///   over blocks opened in the period that got a reply; unanswered blocks are counted apart.
/// - leads by source: contacts added in the period, by `source` ("(none)" when empty).
/// Periods are whole UTC days, [from_day, to_day] inclusive.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ghl/sync/database.h"

namespace ghl::sync {

/// What to compute.
struct KpiQuery {
  std::string location_id;
  std::string from_day;  ///< "2025-01-01" (UTC), inclusive; "" = from the beginning.
  std::string to_day;    ///< "2025-01-31" (UTC), inclusive; "" = up to now.
  int64_t now_ms = 0;    ///< "Now" for stale deals and next appointments (epoch ms, UTC).
  int stale_days = 14;   ///< Stale after this many days in the stage.
};

/// Parses `--period`: "30d" (the last 30 UTC days, today included), "all", "2025-01-01..2025-01-31"
/// or one day "2025-01-06". Sets from_day/to_day of `query` (today from now_ms). kUsage error
/// naming the forms otherwise.
Status ApplyPeriod(std::string_view period, KpiQuery& query);

/// Open deals of one stage.
struct StageValue {
  std::string pipeline_id, pipeline_name, stage_id, stage_name;
  int64_t position = 0;
  int64_t open_deals = 0;
  double open_value = 0;
};

/// The funnel at one stage.
struct StageConversion {
  std::string pipeline_id, stage_id, stage_name;
  int64_t position = 0;
  int64_t reached = 0, advanced = 0;
  std::optional<double> conversion;  ///< advanced ÷ reached; nullopt when none reached.
};

/// An open deal stuck in its stage.
struct StaleDeal {
  std::string id, name, stage_name, contact_id;
  double value = 0;
  int64_t in_stage_since_ms = 0;
  double days_in_stage = 0;
  std::optional<int64_t> next_appointment_ms;
};

/// Leads of one source.
struct SourceLeads {
  std::string source;
  int64_t leads = 0;
};

/// The figures for one location and period.
struct Kpis {
  std::string location_id, from_day, to_day;
  int64_t won = 0, lost = 0;
  std::optional<double> win_rate;  ///< nullopt when nothing closed in the period.
  double revenue_won = 0;
  int64_t open_deals = 0;
  double open_value = 0;
  std::vector<StageValue> open_by_stage;
  std::vector<StageConversion> stage_conversion;
  int stale_days = 14;
  std::vector<StaleDeal> stale_deals;
  int64_t responses = 0;   ///< Blocks answered by a human in the period.
  int64_t unanswered = 0;  ///< Blocks opened in the period without a human reply yet.
  std::optional<double> first_response_median_s, first_response_p90_s;
  int64_t leads = 0;
  std::vector<SourceLeads> leads_by_source;
};

/// The location ids that have synced contacts or opportunities, sorted (empty for a database
/// `ghl sync` has not filled yet).
Result<std::vector<std::string>> SyncedLocations(Database& db);

/// Computes the KPIs. kUsage error for an empty location.
Result<Kpis> ComputeKpis(Database& db, const KpiQuery& query);

/// The KPIs as JSON (the shape `ghl kpi --json` prints and the dashboard reads).
nlohmann::json ToJson(const Kpis& kpis);

/// Upserts the snapshot row of `day` (UTC) for the location into `kpi_snapshots`: the day's
/// KPIs (closed, won, revenue, responses, leads of that day) and the open pipeline and stale
/// deals as of `now_ms`.
Status WriteKpiSnapshot(Database& db, const std::string& location_id, const std::string& day,
                        int64_t now_ms, int stale_days = 14);

}  // namespace ghl::sync
