#include "checkpoint.h"

#include "ghl/core/time_format.h"

namespace ghl::sync::internal {

Result<Checkpoint> LoadCheckpoint(Database& db, const std::string& location_id,
                                  const std::string& stream) {
  auto rows = db.Query(
      "SELECT cursor, pass, in_pass, full_pass, rows_synced FROM sync_checkpoints "
      "WHERE location_id = $1 AND stream = $2",
      {location_id, stream});
  if (!rows.ok()) return rows.error();
  Checkpoint cp;
  if (rows->empty()) return cp;
  const auto& r = rows->front();
  cp.cursor = r[0].value_or("");
  cp.pass = std::stoll(r[1].value_or("0"));
  cp.in_pass = r[2].value_or("0") != "0";
  cp.full_pass = r[3].value_or("0") != "0";
  cp.rows = std::stoll(r[4].value_or("0"));
  return cp;
}

Status SaveCheckpoint(Database& db, const std::string& location_id, const std::string& stream,
                      const Checkpoint& cp) {
  return db.Exec(
      "INSERT INTO sync_checkpoints (location_id, stream, cursor, pass, in_pass, full_pass, "
      "rows_synced, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
      "ON CONFLICT (location_id, stream) DO UPDATE SET cursor = excluded.cursor, "
      "pass = excluded.pass, in_pass = excluded.in_pass, full_pass = excluded.full_pass, "
      "rows_synced = excluded.rows_synced, updated_at = excluded.updated_at",
      {location_id, stream, cp.cursor, cp.pass, int64_t{cp.in_pass ? 1 : 0},
       int64_t{cp.full_pass ? 1 : 0}, cp.rows, UtcIsoNow(IsoPrecision::kMilliseconds)});
}

}  // namespace ghl::sync::internal
