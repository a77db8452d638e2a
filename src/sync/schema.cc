// Versioned migrations of the sync database; the same statements on SQLite and PostgreSQL.
#include "ghl/sync/schema.h"

#include <chrono>

#include "ghl/core/time_format.h"

namespace ghl::sync {
namespace {

// Version 1: the synced tables, checkpoints and the KPI snapshot table.
constexpr const char* kTables = R"SQL(
CREATE TABLE sync_checkpoints (
  location_id TEXT NOT NULL, stream TEXT NOT NULL,
  cursor TEXT NOT NULL DEFAULT '', pass BIGINT NOT NULL DEFAULT 0,
  in_pass INTEGER NOT NULL DEFAULT 0, full_pass INTEGER NOT NULL DEFAULT 0,
  rows_synced BIGINT NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
  PRIMARY KEY (location_id, stream));
CREATE TABLE change_feed (
  id TEXT PRIMARY KEY, last_event_id BIGINT NOT NULL, applied BIGINT NOT NULL DEFAULT 0,
  updated_at TEXT NOT NULL);
CREATE TABLE locations (
  id TEXT PRIMARY KEY, name TEXT, timezone TEXT, raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0);
CREATE TABLE users (
  location_id TEXT NOT NULL, id TEXT NOT NULL, name TEXT, email TEXT, role TEXT,
  raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (location_id, id));
CREATE TABLE custom_fields (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, name TEXT, field_key TEXT, data_type TEXT,
  model TEXT, raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0);
CREATE TABLE pipelines (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, name TEXT, raw TEXT NOT NULL,
  pass BIGINT NOT NULL DEFAULT 0);
CREATE TABLE pipeline_stages (
  id TEXT PRIMARY KEY, pipeline_id TEXT NOT NULL, location_id TEXT NOT NULL, name TEXT,
  position INTEGER NOT NULL DEFAULT 0);
CREATE TABLE contacts (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, first_name TEXT, last_name TEXT, email TEXT,
  phone TEXT, company_name TEXT, source TEXT, tags TEXT, date_added TEXT, date_added_ms BIGINT,
  date_updated TEXT, date_updated_ms BIGINT, raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0);
CREATE INDEX contacts_location ON contacts (location_id, date_added_ms);
CREATE TABLE contact_custom_values (
  contact_id TEXT NOT NULL, field_id TEXT NOT NULL, location_id TEXT NOT NULL,
  value_text TEXT, value_number DOUBLE PRECISION, value_json TEXT NOT NULL,
  PRIMARY KEY (contact_id, field_id));
CREATE TABLE opportunities (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, name TEXT, pipeline_id TEXT, stage_id TEXT,
  status TEXT, monetary_value DOUBLE PRECISION, contact_id TEXT, source TEXT, assigned_to TEXT,
  created_at TEXT, created_ms BIGINT, updated_at TEXT, updated_ms BIGINT,
  last_status_change_at TEXT, last_status_change_ms BIGINT,
  last_stage_change_at TEXT, last_stage_change_ms BIGINT,
  raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0);
CREATE INDEX opportunities_status ON opportunities (location_id, status, last_status_change_ms);
CREATE TABLE calendars (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, name TEXT, raw TEXT NOT NULL,
  pass BIGINT NOT NULL DEFAULT 0);
CREATE TABLE appointments (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, calendar_id TEXT, contact_id TEXT, title TEXT,
  status TEXT, start_time TEXT, start_ms BIGINT, end_time TEXT, end_ms BIGINT,
  raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0);
CREATE INDEX appointments_contact ON appointments (contact_id, start_ms);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY, location_id TEXT NOT NULL, contact_id TEXT, last_message_ms BIGINT,
  raw TEXT NOT NULL, pass BIGINT NOT NULL DEFAULT 0);
CREATE TABLE messages (
  id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, location_id TEXT NOT NULL,
  contact_id TEXT, direction TEXT, message_type TEXT, source TEXT, user_id TEXT,
  date_added TEXT, date_ms BIGINT, body TEXT, raw TEXT NOT NULL);
CREATE INDEX messages_conversation ON messages (conversation_id, date_ms);
CREATE TABLE kpi_snapshots (
  location_id TEXT NOT NULL, day TEXT NOT NULL, computed_at TEXT NOT NULL,
  won BIGINT NOT NULL, lost BIGINT NOT NULL, win_rate DOUBLE PRECISION,
  revenue_won DOUBLE PRECISION NOT NULL, open_deals BIGINT NOT NULL,
  open_value DOUBLE PRECISION NOT NULL, stale_deals BIGINT NOT NULL,
  first_response_median_s DOUBLE PRECISION, first_response_p90_s DOUBLE PRECISION,
  leads BIGINT NOT NULL, PRIMARY KEY (location_id, day))
)SQL";

// Version 2: the KPI views (doc/sync.md, "KPIs"). Period and "now" are parameters of the
// queries over them (kpi.cc), so the views hold per-record facts.
constexpr const char* kViews = R"SQL(
CREATE VIEW kpi_closed_deals AS
  SELECT location_id, id, name, status, COALESCE(monetary_value, 0) AS monetary_value,
         last_status_change_ms AS closed_ms, SUBSTR(last_status_change_at, 1, 10) AS closed_day
  FROM opportunities WHERE status IN ('won', 'lost') AND last_status_change_ms IS NOT NULL;
CREATE VIEW kpi_win_rate_daily AS
  SELECT location_id, closed_day AS day,
         SUM(CASE WHEN status = 'won' THEN 1 ELSE 0 END) AS won,
         SUM(CASE WHEN status = 'lost' THEN 1 ELSE 0 END) AS lost,
         SUM(CASE WHEN status = 'won' THEN monetary_value ELSE 0 END) AS revenue_won
  FROM kpi_closed_deals GROUP BY location_id, closed_day;
CREATE VIEW kpi_open_pipeline AS
  SELECT o.location_id, o.pipeline_id, p.name AS pipeline_name, o.stage_id,
         s.name AS stage_name, COALESCE(s.position, -1) AS position,
         COUNT(*) AS open_deals, SUM(COALESCE(o.monetary_value, 0)) AS open_value
  FROM opportunities o
  LEFT JOIN pipelines p ON p.id = o.pipeline_id
  LEFT JOIN pipeline_stages s ON s.id = o.stage_id
  WHERE o.status = 'open'
  GROUP BY o.location_id, o.pipeline_id, p.name, o.stage_id, s.name, s.position;
CREATE VIEW kpi_stage_conversion AS
  SELECT s.location_id, s.pipeline_id, s.id AS stage_id, s.name AS stage_name, s.position,
         (SELECT COUNT(*) FROM opportunities o JOIN pipeline_stages c ON c.id = o.stage_id
           WHERE o.pipeline_id = s.pipeline_id AND c.position >= s.position) AS reached,
         (SELECT COUNT(*) FROM opportunities o JOIN pipeline_stages c ON c.id = o.stage_id
           WHERE o.pipeline_id = s.pipeline_id AND c.position > s.position) AS advanced
  FROM pipeline_stages s;
CREATE VIEW kpi_open_deals AS
  SELECT o.location_id, o.id, o.name, o.pipeline_id, o.stage_id, s.name AS stage_name,
         o.contact_id, COALESCE(o.monetary_value, 0) AS monetary_value,
         COALESCE(o.last_stage_change_ms, o.created_ms) AS in_stage_since_ms
  FROM opportunities o LEFT JOIN pipeline_stages s ON s.id = o.stage_id
  WHERE o.status = 'open';
CREATE VIEW kpi_human_replies AS
  SELECT * FROM messages
  WHERE direction = 'outbound'
    AND COALESCE(source, '') NOT IN ('workflow', 'bulk_actions', 'campaign')
    AND COALESCE(message_type, '') NOT LIKE 'TYPE_ACTIVITY%'
    AND COALESCE(message_type, '') <> 'TYPE_INTERNAL_COMMENT';
CREATE VIEW kpi_first_responses AS
  SELECT i.location_id, i.conversation_id, i.id AS inbound_id, i.date_ms AS inbound_ms,
         (SELECT MIN(h.date_ms) FROM kpi_human_replies h
           WHERE h.conversation_id = i.conversation_id AND h.date_ms >= i.date_ms) AS reply_ms
  FROM messages i
  WHERE i.direction = 'inbound' AND i.date_ms IS NOT NULL
    AND NOT EXISTS (
      SELECT 1 FROM messages p
      WHERE p.conversation_id = i.conversation_id AND p.direction = 'inbound'
        AND (p.date_ms < i.date_ms OR (p.date_ms = i.date_ms AND p.id < i.id))
        AND NOT EXISTS (SELECT 1 FROM kpi_human_replies h
                         WHERE h.conversation_id = i.conversation_id
                           AND h.date_ms >= p.date_ms AND h.date_ms <= i.date_ms));
CREATE VIEW kpi_leads_by_source AS
  SELECT location_id, SUBSTR(date_added, 1, 10) AS day,
         COALESCE(NULLIF(source, ''), '(none)') AS source, COUNT(*) AS leads
  FROM contacts GROUP BY location_id, SUBSTR(date_added, 1, 10),
                         COALESCE(NULLIF(source, ''), '(none)')
)SQL";

Result<int> MigrateLocked(Database& db);

}  // namespace

const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kAll = {
      {1, "synced tables, checkpoints, kpi_snapshots", kTables},
      {2, "KPI views", kViews},
  };
  return kAll;
}

const std::vector<std::string>& DataTables() {
  static const std::vector<std::string> kTables = {
      "locations",       "users",        "custom_fields",         "pipelines",
      "pipeline_stages", "contacts",     "contact_custom_values", "opportunities",
      "calendars",       "appointments", "conversations",         "messages"};
  return kTables;
}

Result<int> Migrate(Database& db) {
  // PostgreSQL: one migrator at a time per database (CREATE TABLE IF NOT EXISTS races too).
  bool locked = false;
  if (db.backend() == Backend::kPostgres) {
    if (auto st = db.ExecScript("SELECT pg_advisory_lock(74061729)"); !st.ok()) return st.error();
    locked = true;
  }
  auto result = MigrateLocked(db);
  if (locked) (void)db.ExecScript("SELECT pg_advisory_unlock(74061729)");
  return result;
}

namespace {
Result<int> MigrateLocked(Database& db) {
  if (auto st = db.ExecScript(
          "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
          "name TEXT NOT NULL, applied_at TEXT NOT NULL)");
      !st.ok()) {
    return st.error();
  }
  const int newest = Migrations().back().version;
  for (const Migration& m : Migrations()) {
    Status st = InTransaction(db, [&]() -> Status {
      // Read inside the transaction: two processes migrating at once apply each step once.
      auto have = QueryInt(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", {});
      if (!have.ok()) return have.error();
      if (*have > newest) {
        return UsageError("the sync database " + db.description() + " has schema version " +
                              std::to_string(*have) + ", newer than this ghl knows (" +
                              std::to_string(newest) + ")",
                          "upgrade ghl, or sync into another database");
      }
      if (*have >= m.version) return Ok{};
      if (auto s = db.ExecScript(m.sql); !s.ok()) return s;
      return db.Exec(
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
          {int64_t{m.version}, m.name, UtcIsoNow(IsoPrecision::kMilliseconds)});
    });
    if (!st.ok()) return st.error();
  }
  return newest;
}

}  // namespace

}  // namespace ghl::sync
