// KPI queries over the views (schema.cc); the same SQL on both backends.
#include "ghl/sync/kpi.h"

#include <chrono>

#include "ghl/core/time_format.h"
#include "ghl/core/time_parse.h"
#include "rows.h"

namespace ghl::sync {
namespace {

using nlohmann::json;
constexpr int64_t kDayMs = 86400000;

std::string DayOf(int64_t ms) { return internal::IsoMs(ms).substr(0, 10); }

bool IsDay(std::string_view s) { return ParseIsoDayMs(s).has_value(); }

int64_t DayStartMs(const std::string& day) {
  return internal::TimeMs(json(day + "T00:00:00Z")).value_or(0);
}

double D(const std::optional<std::string>& v) { return v ? std::stod(*v) : 0.0; }
int64_t I(const std::optional<std::string>& v) { return v ? std::stoll(*v) : 0; }
std::string S(const std::optional<std::string>& v) { return v.value_or(""); }

}  // namespace

Status ApplyPeriod(std::string_view period, KpiQuery& q) {
  int64_t now = q.now_ms ? q.now_ms
                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  std::string today = DayOf(now);
  auto bad = [&] {
    return UsageError("--period '" + std::string(period) + "' is not a period",
                      "use 30d (last 30 days, today included), all, 2025-01-06 or "
                      "2025-01-01..2025-01-31 (UTC days)");
  };
  if (period == "all") {
    q.from_day = "";
    q.to_day = "";
    return Ok{};
  }
  if (!period.empty() && period.back() == 'd') {
    std::string n(period.substr(0, period.size() - 1));
    if (n.empty() || n.size() > 5 || n.find_first_not_of("0123456789") != std::string::npos) {
      return bad();
    }
    int days = std::stoi(n);
    if (days < 1) return bad();
    q.from_day = DayOf(DayStartMs(today) - int64_t{days - 1} * kDayMs);
    q.to_day = today;
    return Ok{};
  }
  auto dots = period.find("..");
  std::string from(period.substr(0, dots));
  std::string to(dots == std::string_view::npos ? from : std::string(period.substr(dots + 2)));
  if (!IsDay(from) || !IsDay(to) || to < from) return bad();
  q.from_day = from;
  q.to_day = to;
  return Ok{};
}

Result<std::vector<std::string>> SyncedLocations(Database& db) {
  auto rows = db.Query(
      "SELECT location_id FROM opportunities UNION SELECT location_id FROM contacts "
      "ORDER BY 1");
  if (!rows.ok()) return rows.error();
  std::vector<std::string> out;
  for (const auto& row : *rows) out.push_back(row[0].value_or(""));
  return out;
}

Result<Kpis> ComputeKpis(Database& db, const KpiQuery& q) {
  if (q.location_id.empty())
    return UsageError("no location given for the KPIs", "give --location ID");
  // An unknown location would read as all zeros, indistinguishable from a quiet one.
  auto known = db.Query(
      "SELECT 1 FROM locations WHERE id = $1 UNION SELECT 1 FROM sync_checkpoints WHERE "
      "location_id = $1 UNION SELECT 1 FROM contacts WHERE location_id = $1 UNION SELECT 1 FROM "
      "opportunities WHERE location_id = $1 UNION SELECT 1 FROM messages WHERE location_id = $1",
      {q.location_id});
  if (!known.ok()) return known.error();
  if (known->empty()) {
    return UsageError("location '" + q.location_id + "' is not in the sync database",
                      "run `ghl sync --location " + q.location_id +
                          "` first, or pick a synced location (ghl kpi lists them when "
                          "--location is left out)");
  }
  Kpis k;
  k.location_id = q.location_id;
  k.from_day = q.from_day;
  k.to_day = q.to_day;
  k.stale_days = q.stale_days;
  std::string from_day = q.from_day.empty() ? "0000-00-00" : q.from_day;
  std::string to_day = q.to_day.empty() ? "9999-12-31" : q.to_day;
  int64_t from_ms = q.from_day.empty() ? INT64_MIN / 2 : DayStartMs(q.from_day);
  int64_t to_ms = q.to_day.empty() ? INT64_MAX / 2 : DayStartMs(q.to_day) + kDayMs;
  int64_t now = q.now_ms ? q.now_ms
                         : std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  const std::string& loc = q.location_id;

  auto won = db.Query(
      "SELECT COALESCE(SUM(won), 0), COALESCE(SUM(lost), 0), COALESCE(SUM(revenue_won), 0) "
      "FROM kpi_win_rate_daily WHERE location_id = $1 AND day >= $2 AND day <= $3",
      {loc, from_day, to_day});
  if (!won.ok()) return won.error();
  k.won = I((*won)[0][0]);
  k.lost = I((*won)[0][1]);
  k.revenue_won = D((*won)[0][2]);
  if (k.won + k.lost > 0)
    k.win_rate = static_cast<double>(k.won) / static_cast<double>(k.won + k.lost);

  auto stages = db.Query(
      "SELECT pipeline_id, pipeline_name, stage_id, stage_name, position, open_deals, open_value "
      "FROM kpi_open_pipeline WHERE location_id = $1 ORDER BY pipeline_name, position, stage_id",
      {loc});
  if (!stages.ok()) return stages.error();
  for (const auto& r : *stages) {
    StageValue s{S(r[0]), S(r[1]), S(r[2]), S(r[3]), I(r[4]), I(r[5]), D(r[6])};
    k.open_deals += s.open_deals;
    k.open_value += s.open_value;
    k.open_by_stage.push_back(std::move(s));
  }

  auto conv = db.Query(
      "SELECT pipeline_id, stage_id, stage_name, position, reached, advanced "
      "FROM kpi_stage_conversion WHERE location_id = $1 ORDER BY pipeline_id, position",
      {loc});
  if (!conv.ok()) return conv.error();
  for (const auto& r : *conv) {
    StageConversion c{S(r[0]), S(r[1]), S(r[2]), I(r[3]), I(r[4]), I(r[5]), std::nullopt};
    if (c.reached > 0)
      c.conversion = static_cast<double>(c.advanced) / static_cast<double>(c.reached);
    k.stage_conversion.push_back(std::move(c));
  }

  int64_t cutoff = now - int64_t{q.stale_days} * kDayMs;
  auto stale = db.Query(
      "SELECT d.id, d.name, d.stage_name, d.contact_id, d.monetary_value, d.in_stage_since_ms, "
      "(SELECT MIN(a.start_ms) FROM appointments a WHERE a.contact_id = d.contact_id "
      "  AND a.start_ms >= $2 AND COALESCE(a.status, '') NOT IN ('cancelled', 'invalid')) "
      "FROM kpi_open_deals d WHERE d.location_id = $1 AND d.in_stage_since_ms < $3 "
      "ORDER BY d.in_stage_since_ms, d.id",
      {loc, now, cutoff});
  if (!stale.ok()) return stale.error();
  for (const auto& r : *stale) {
    StaleDeal s{S(r[0]), S(r[1]), S(r[2]), S(r[3]), D(r[4]), I(r[5]), 0, std::nullopt};
    s.days_in_stage = static_cast<double>(now - s.in_stage_since_ms) / static_cast<double>(kDayMs);
    if (r[6]) s.next_appointment_ms = I(r[6]);
    k.stale_deals.push_back(std::move(s));
  }

  // Nearest rank: the smallest response whose rank r satisfies r >= q·n.
  auto resp = db.Query(
      "SELECT MIN(CASE WHEN rn * 2 >= n THEN response_ms END), "
      "MIN(CASE WHEN rn * 10 >= n * 9 THEN response_ms END), MAX(n) FROM ("
      "  SELECT reply_ms - inbound_ms AS response_ms, "
      "    ROW_NUMBER() OVER (ORDER BY reply_ms - inbound_ms) AS rn, COUNT(*) OVER () AS n "
      "  FROM kpi_first_responses WHERE location_id = $1 AND reply_ms IS NOT NULL "
      "    AND inbound_ms >= $2 AND inbound_ms < $3) r",
      {loc, from_ms, to_ms});
  if (!resp.ok()) return resp.error();
  if (!resp->empty() && (*resp)[0][2]) {
    k.responses = I((*resp)[0][2]);
    k.first_response_median_s = D((*resp)[0][0]) / 1000.0;
    k.first_response_p90_s = D((*resp)[0][1]) / 1000.0;
  }
  auto unanswered = QueryInt(db,
                             "SELECT COUNT(*) FROM kpi_first_responses WHERE location_id = $1 "
                             "AND reply_ms IS NULL AND inbound_ms >= $2 AND inbound_ms < $3",
                             {loc, from_ms, to_ms});
  if (!unanswered.ok()) return unanswered.error();
  k.unanswered = *unanswered;

  auto leads = db.Query(
      "SELECT source, SUM(leads) FROM kpi_leads_by_source WHERE location_id = $1 AND day >= $2 "
      "AND day <= $3 GROUP BY source ORDER BY SUM(leads) DESC, source",
      {loc, from_day, to_day});
  if (!leads.ok()) return leads.error();
  for (const auto& r : *leads) {
    k.leads_by_source.push_back({S(r[0]), I(r[1])});
    k.leads += I(r[1]);
  }
  return k;
}

json ToJson(const Kpis& k) {
  auto opt = [](const std::optional<double>& v) { return v ? json(*v) : json(nullptr); };
  json stages = json::array();
  for (const auto& s : k.open_by_stage) {
    stages.push_back({{"pipelineId", s.pipeline_id},
                      {"pipeline", s.pipeline_name},
                      {"stageId", s.stage_id},
                      {"stage", s.stage_name},
                      {"position", s.position},
                      {"openDeals", s.open_deals},
                      {"openValue", s.open_value}});
  }
  json conv = json::array();
  for (const auto& c : k.stage_conversion) {
    conv.push_back({{"pipelineId", c.pipeline_id},
                    {"stageId", c.stage_id},
                    {"stage", c.stage_name},
                    {"position", c.position},
                    {"reached", c.reached},
                    {"advanced", c.advanced},
                    {"conversion", opt(c.conversion)}});
  }
  json stale = json::array();
  for (const auto& s : k.stale_deals) {
    stale.push_back(
        {{"id", s.id},
         {"name", s.name},
         {"stage", s.stage_name},
         {"contactId", s.contact_id},
         {"value", s.value},
         {"inStageSince", internal::IsoMs(s.in_stage_since_ms)},
         {"daysInStage", s.days_in_stage},
         {"nextAppointment",
          s.next_appointment_ms ? json(internal::IsoMs(*s.next_appointment_ms)) : json(nullptr)}});
  }
  json leads = json::array();
  for (const auto& l : k.leads_by_source)
    leads.push_back({{"source", l.source}, {"leads", l.leads}});
  return {{"locationId", k.location_id},
          {"period",
           {{"from", k.from_day.empty() ? json(nullptr) : json(k.from_day)},
            {"to", k.to_day.empty() ? json(nullptr) : json(k.to_day)}}},
          {"won", k.won},
          {"lost", k.lost},
          {"winRate", opt(k.win_rate)},
          {"revenueWon", k.revenue_won},
          {"openDeals", k.open_deals},
          {"openValue", k.open_value},
          {"openByStage", stages},
          {"stageConversion", conv},
          {"staleDays", k.stale_days},
          {"staleDeals", stale},
          {"firstResponse",
           {{"medianSeconds", opt(k.first_response_median_s)},
            {"p90Seconds", opt(k.first_response_p90_s)},
            {"answered", k.responses},
            {"unanswered", k.unanswered}}},
          {"leads", k.leads},
          {"leadsBySource", leads}};
}

Status WriteKpiSnapshot(Database& db, const std::string& location_id, const std::string& day,
                        int64_t now_ms, int stale_days) {
  KpiQuery q{location_id, day, day, now_ms, stale_days};
  auto k = ComputeKpis(db, q);
  if (!k.ok()) return k.error();
  auto opt = [](const std::optional<double>& v) { return v ? SqlValue(*v) : SqlValue(nullptr); };
  return db.Exec(
      "INSERT INTO kpi_snapshots (location_id, day, computed_at, won, lost, win_rate, "
      "revenue_won, open_deals, open_value, stale_deals, first_response_median_s, "
      "first_response_p90_s, leads) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, "
      "$13) "
      "ON CONFLICT (location_id, day) DO UPDATE SET computed_at = excluded.computed_at, "
      "won = excluded.won, lost = excluded.lost, win_rate = excluded.win_rate, "
      "revenue_won = excluded.revenue_won, open_deals = excluded.open_deals, "
      "open_value = excluded.open_value, stale_deals = excluded.stale_deals, "
      "first_response_median_s = excluded.first_response_median_s, "
      "first_response_p90_s = excluded.first_response_p90_s, leads = excluded.leads",
      {location_id, day, UtcIsoNow(IsoPrecision::kMilliseconds), k->won, k->lost, opt(k->win_rate),
       k->revenue_won, k->open_deals, k->open_value, static_cast<int64_t>(k->stale_deals.size()),
       opt(k->first_response_median_s), opt(k->first_response_p90_s), k->leads});
}

}  // namespace ghl::sync
