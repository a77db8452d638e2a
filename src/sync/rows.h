// GHL records → rows of the sync tables (typed columns + raw JSON), and row deletes. One
// function per record kind; every write is an upsert by id, so replaying a page or an event
// never doubles a row.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/sync/database.h"

namespace ghl::sync::internal {

using nlohmann::json;

/// What a reconcile pass found different from the API, per table: rows the API has that the
/// table lacked ("missing"), rows whose content differed ("changed"), rows the API no longer
/// has ("deleted").
struct Drift {
  std::map<std::string, int64_t> missing, changed, deleted;
  int64_t total() const;
  /// "contacts: 1 deleted, 2 changed; opportunities: 1 missing" ("" when none).
  std::string Describe() const;
};

/// Rows held back to be written with one multi-row statement per table (see Flush).
struct Batch {
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, SqlValue>>>> rows;
  std::vector<std::string> custom_value_deletes;  ///< contact ids whose values are replaced
};

/// Where rows go: the database, the location, the pass number stamped on each row (rows not
/// stamped by a full pass are swept at its end), and, when `drift` is set, a comparison with
/// the stored row before each write.
struct RowSink {
  Database& db;
  std::string location_id;
  int64_t pass = 0;
  Drift* drift = nullptr;
  /// When set, writes are collected here and sent by Flush (a page of contacts in a handful of
  /// statements instead of hundreds: the round trips, not the rows, cost on PostgreSQL).
  Batch* batch = nullptr;
};

/// Sends what `sink.batch` holds: the custom-value deletes, then one multi-row upsert per
/// table (chunks of 200 rows), and empties it.
Status Flush(RowSink& sink);

/// The record without volatile paging fields (`searchAfter`), as compact JSON with sorted keys.
std::string CanonicalRaw(json record);
/// GHL time (ISO 8601 text or epoch ms number/string) → epoch ms; nullopt when absent/invalid.
std::optional<int64_t> TimeMs(const json& value);
/// Epoch ms → "2025-01-06T09:00:00.000Z".
std::string IsoMs(int64_t ms);

Status UpsertLocation(RowSink& sink, const json& location);
Status UpsertUser(RowSink& sink, const json& user);
Status UpsertCustomField(RowSink& sink, const json& field);
/// The pipeline and its `stages` (replaced).
Status UpsertPipeline(RowSink& sink, const json& pipeline);
/// The contact and its custom field values, normalised to (field_id, value_json, value_text,
/// value_number) whatever shape GHL used ({id,value}, {id,field_value}, {id:value} object).
Status UpsertContact(RowSink& sink, const json& contact);
Status UpsertOpportunity(RowSink& sink, const json& opportunity);
Status UpsertCalendar(RowSink& sink, const json& calendar);
Status UpsertAppointment(RowSink& sink, const json& appointment);
Status UpsertConversation(RowSink& sink, const json& conversation);
/// `direction_override` (from a webhook's type) wins over the record's `direction`.
Status UpsertMessage(RowSink& sink, const json& message, const std::string& conversation_id,
                     std::string_view direction_override = {});
/// Whether a message row exists.
Result<bool> HasMessage(Database& db, const std::string& id);

/// Deletes one record (and its children: custom values, stages, messages). `table` is one of
/// DataTables().
Status DeleteRow(Database& db, std::string_view table, const std::string& id);
/// Full-pass sweep: deletes `table` rows of the location not stamped with `pass` (and their
/// children); counts them in `drift->deleted` when set. Returns how many went.
Result<int64_t> Sweep(RowSink& sink, std::string_view table);

}  // namespace ghl::sync::internal
