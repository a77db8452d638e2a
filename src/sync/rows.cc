#include "rows.h"

#include <chrono>
#include <climits>

#include "ghl/core/time_format.h"
#include "ghl/ops/calendars.h"  // ParseIsoMs

namespace ghl::sync::internal {
namespace {

using Cols = std::vector<std::pair<std::string, SqlValue>>;

SqlValue Text(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return nullptr;
  if (it->is_string()) return it->get<std::string>();
  return it->dump();
}

std::string Str(const json& obj, std::string_view key) {
  auto v = Text(obj, key);
  return std::holds_alternative<std::string>(v) ? std::get<std::string>(v) : "";
}

SqlValue Number(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  if (it == obj.end()) return nullptr;
  if (it->is_number()) return it->get<double>();
  if (it->is_string()) {
    try {
      size_t used = 0;
      double d = std::stod(it->get<std::string>(), &used);
      if (used == it->get<std::string>().size()) return d;
    } catch (...) {
    }
  }
  return nullptr;
}

constexpr int64_t kNoTime = INT64_MIN;

// The time at obj[key] in epoch ms, or kNoTime (no std::optional: GCC 12 warns wrongly on it).
int64_t TimeAt(const json& obj, std::string_view key) {
  if (!obj.is_object() || !obj.contains(key)) return kNoTime;
  auto ms = TimeMs(obj[key]);
  return ms.has_value() ? *ms : kNoTime;
}
SqlValue MsValue(int64_t ms) {
  if (ms == kNoTime) return nullptr;
  return ms;
}
SqlValue IsoValue(int64_t ms) {
  if (ms == kNoTime) return nullptr;
  return IsoMs(ms);
}

// (`at`, `ms`) columns for the time at `key`.
void AddTime(Cols& cols, const std::string& prefix, const json& obj, std::string_view key,
             const std::string& ms_suffix = "_ms", const std::string& at_suffix = "_at") {
  int64_t ms = TimeAt(obj, key);
  if (!at_suffix.empty()) {
    cols.emplace_back(prefix + at_suffix, IsoValue(ms));
  }
  cols.emplace_back(prefix + ms_suffix, MsValue(ms));
}

Status Write(Database& db, std::string_view table, std::string_view conflict, const Cols& cols) {
  std::string names, values, updates;
  std::vector<SqlValue> params;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (i) {
      names += ", ";
      values += ", ";
    }
    names += cols[i].first;
    values += "$" + std::to_string(i + 1);
    params.push_back(cols[i].second);
    if (conflict.find(cols[i].first) == std::string_view::npos) {
      if (!updates.empty()) updates += ", ";
      updates += cols[i].first + " = excluded." + cols[i].first;
    }
  }
  std::string sql = "INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + values +
                    ") ON CONFLICT (" + std::string(conflict) + ") DO " +
                    (updates.empty() ? "NOTHING" : "UPDATE SET " + updates);
  return db.Exec(sql, params);
}

// Multi-row upsert of `rows` (same columns each) into `table`.
Status WriteMany(Database& db, const std::string& table, std::string_view conflict,
                 const std::vector<const Cols*>& rows) {
  if (rows.empty()) return Ok{};
  const Cols& first = *rows.front();
  std::string names, updates;
  for (size_t i = 0; i < first.size(); ++i) {
    if (i) names += ", ";
    names += first[i].first;
    if (conflict.find(first[i].first) == std::string_view::npos) {
      if (!updates.empty()) updates += ", ";
      updates += first[i].first + " = excluded." + first[i].first;
    }
  }
  std::string values;
  std::vector<SqlValue> params;
  for (const Cols* r : rows) {
    values += values.empty() ? "(" : ", (";
    for (size_t i = 0; i < r->size(); ++i) {
      if (i) values += ", ";
      params.push_back((*r)[i].second);
      values += "$" + std::to_string(params.size());
    }
    values += ")";
  }
  return db.Exec("INSERT INTO " + table + " (" + names + ") VALUES " + values + " ON CONFLICT (" +
                     std::string(conflict) + ") DO " +
                     (updates.empty() ? "NOTHING" : "UPDATE SET " + updates),
                 params);
}

std::string ConflictOf(const std::string& table) {
  if (table == "users") return "location_id, id";
  if (table == "contact_custom_values") return "contact_id, field_id";
  return "id";
}

// Writes now, or holds the row in the sink's batch.
Status Put(RowSink& sink, std::string_view table, std::string_view conflict, Cols cols) {
  if (sink.batch) {
    sink.batch->rows.emplace_back(std::string(table), std::move(cols));
    return Ok{};
  }
  return Write(sink.db, table, conflict, cols);
}

// Compares with the stored row when the sink tracks drift.
Status Compare(RowSink& sink, std::string_view table, const std::string& id,
               const std::string& raw) {
  if (!sink.drift) return Ok{};
  std::string sql = "SELECT raw FROM " + std::string(table) + " WHERE id = $1";
  std::vector<SqlValue> params = {id};
  if (table == "users") {
    sql += " AND location_id = $2";
    params.push_back(sink.location_id);
  }
  auto rows = sink.db.Query(sql, params);
  if (!rows.ok()) return rows.error();
  if (rows->empty()) {
    ++sink.drift->missing[std::string(table)];
  } else if (rows->front()[0].value_or("") != raw) {
    ++sink.drift->changed[std::string(table)];
  }
  return Ok{};
}

Status Record(RowSink& sink, std::string_view table, const json& record, Cols cols,
              bool stamped = true, std::string_view conflict = "id") {
  std::string id = Str(record, "id");
  if (id.empty())
    return UsageError(std::string(table) +
                      " record without an id: " + record.dump().substr(0, 200));
  std::string raw = CanonicalRaw(record);
  if (auto st = Compare(sink, table, id, raw); !st.ok()) return st;
  cols.insert(cols.begin(), {"id", id});
  cols.emplace_back("raw", raw);
  if (stamped) cols.emplace_back("pass", sink.pass);
  return Put(sink, table, conflict, std::move(cols));
}

}  // namespace

Status Flush(RowSink& sink) {
  if (!sink.batch) return Ok{};
  Batch& b = *sink.batch;
  for (size_t start = 0; start < b.custom_value_deletes.size(); start += 200) {
    std::string in;
    std::vector<SqlValue> params;
    for (size_t i = start; i < b.custom_value_deletes.size() && i < start + 200; ++i) {
      params.push_back(b.custom_value_deletes[i]);
      in += (in.empty() ? "$" : ", $") + std::to_string(params.size());
    }
    if (auto st = sink.db.Exec("DELETE FROM contact_custom_values WHERE contact_id IN (" + in + ")",
                               params);
        !st.ok()) {
      return st;
    }
  }
  std::vector<std::string> order;
  std::map<std::string, std::vector<const Cols*>> groups;
  for (const auto& [table, cols] : b.rows) {
    if (!groups.count(table)) order.push_back(table);
    groups[table].push_back(&cols);
  }
  for (const auto& table : order) {
    const auto& rows = groups[table];
    for (size_t start = 0; start < rows.size(); start += 200) {
      std::vector<const Cols*> chunk(
          rows.begin() + static_cast<std::ptrdiff_t>(start),
          rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), start + 200)));
      if (auto st = WriteMany(sink.db, table, ConflictOf(table), chunk); !st.ok()) return st;
    }
  }
  b.rows.clear();
  b.custom_value_deletes.clear();
  return Ok{};
}

int64_t Drift::total() const {
  int64_t n = 0;
  for (const auto* m : {&missing, &changed, &deleted}) {
    for (const auto& [t, c] : *m) n += c;
  }
  return n;
}

std::string Drift::Describe() const {
  std::map<std::string, std::string> per;
  auto add = [&](const std::map<std::string, int64_t>& m, const char* what) {
    for (const auto& [t, c] : m) {
      if (!c) continue;
      auto& s = per[t];
      if (!s.empty()) s += ", ";
      s += std::to_string(c) + " " + what;
    }
  };
  add(deleted, "deleted");
  add(changed, "changed");
  add(missing, "missing");
  std::string out;
  for (const auto& [t, s] : per) {
    if (!out.empty()) out += "; ";
    out += t + ": " + s;
  }
  return out;
}

std::string CanonicalRaw(json record) {
  if (record.is_object()) record.erase("searchAfter");
  return record.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<int64_t> TimeMs(const json& value) {
  if (value.is_number_integer()) return value.get<int64_t>();
  if (value.is_number()) return static_cast<int64_t>(value.get<double>());
  if (!value.is_string()) return std::nullopt;
  const auto& s = value.get_ref<const std::string&>();
  if (s.empty()) return std::nullopt;
  if (s.find_first_not_of("0123456789") == std::string::npos && s.size() >= 10) {
    return std::stoll(s);
  }
  return ops::ParseIsoMs(s);
}

std::string IsoMs(int64_t ms) {
  return FormatUtcIso(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)),
                      IsoPrecision::kMilliseconds);
}

Status UpsertLocation(RowSink& sink, const json& l) {
  return Record(sink, "locations", l,
                {{"name", Text(l, "name")}, {"timezone", Text(l, "timezone")}});
}

Status UpsertUser(RowSink& sink, const json& u) {
  SqlValue name = Text(u, "name");
  if (std::holds_alternative<std::nullptr_t>(name)) {
    std::string n = Str(u, "firstName");
    if (!Str(u, "lastName").empty()) n += (n.empty() ? "" : " ") + Str(u, "lastName");
    name = n;
  }
  SqlValue role = Text(u, "role");
  if (u.contains("roles") && u["roles"].is_object()) role = Text(u["roles"], "role");
  return Record(sink, "users", u,
                {{"location_id", sink.location_id},
                 {"name", name},
                 {"email", Text(u, "email")},
                 {"role", role}},
                true, "location_id, id");
}

Status UpsertCustomField(RowSink& sink, const json& f) {
  return Record(sink, "custom_fields", f,
                {{"location_id", sink.location_id},
                 {"name", Text(f, "name")},
                 {"field_key", Text(f, "fieldKey")},
                 {"data_type", Text(f, "dataType")},
                 {"model", Text(f, "model")}});
}

Status UpsertPipeline(RowSink& sink, const json& p) {
  if (auto st = Record(sink, "pipelines", p,
                       {{"location_id", sink.location_id}, {"name", Text(p, "name")}});
      !st.ok()) {
    return st;
  }
  std::string id = Str(p, "id");
  if (auto st = sink.db.Exec("DELETE FROM pipeline_stages WHERE pipeline_id = $1", {id});
      !st.ok()) {
    return st;
  }
  int64_t pos = 0;
  for (const auto& s : p.value("stages", json::array())) {
    int64_t position = s.contains("position") && s["position"].is_number_integer()
                           ? s["position"].get<int64_t>()
                           : pos;
    ++pos;
    if (auto st = Write(sink.db, "pipeline_stages", "id",
                        {{"id", Str(s, "id")},
                         {"pipeline_id", id},
                         {"location_id", sink.location_id},
                         {"name", Text(s, "name")},
                         {"position", position}});
        !st.ok()) {
      return st;
    }
  }
  return Ok{};
}

Status UpsertContact(RowSink& sink, const json& c) {
  Cols cols = {{"location_id", sink.location_id},
               {"first_name", Text(c, "firstName")},
               {"last_name", Text(c, "lastName")},
               {"email", Text(c, "email")},
               {"phone", Text(c, "phone")},
               {"company_name", Text(c, "companyName")},
               {"source", Text(c, "source")},
               {"tags", c.contains("tags") ? SqlValue(c["tags"].dump()) : SqlValue(nullptr)}};
  AddTime(cols, "date_added", c, "dateAdded", "_ms", "");
  AddTime(cols, "date_updated", c, "dateUpdated", "_ms", "");
  // date_added / date_updated text columns, normalised to UTC.
  for (auto [key, col] : {std::pair{"dateAdded", "date_added"}, {"dateUpdated", "date_updated"}}) {
    cols.emplace_back(col, IsoValue(TimeAt(c, key)));
  }
  if (auto st = Record(sink, "contacts", c, std::move(cols)); !st.ok()) return st;
  std::string id = Str(c, "id");
  if (sink.batch) {
    sink.batch->custom_value_deletes.push_back(id);
  } else if (auto st =
                 sink.db.Exec("DELETE FROM contact_custom_values WHERE contact_id = $1", {id});
             !st.ok()) {
    return st;
  }
  // GHL writes custom field values as [{id, value}] (contact GET/search), [{id, field_value}]
  // (writes, some answers) or {id: value}: one shape here.
  std::vector<std::pair<std::string, json>> values;
  const json cf = c.value("customFields", c.value("customField", json()));
  if (cf.is_array()) {
    for (const auto& e : cf) {
      std::string fid = Str(e, "id");
      if (fid.empty()) continue;
      json v = e.contains("value") ? e["value"] : e.value("field_value", json());
      values.emplace_back(fid, v);
    }
  } else if (cf.is_object()) {
    for (auto it = cf.begin(); it != cf.end(); ++it) values.emplace_back(it.key(), it.value());
  }
  for (const auto& [fid, v] : values) {
    SqlValue text = v.is_string() ? SqlValue(v.get<std::string>())
                    : v.is_null() ? SqlValue(nullptr)
                                  : SqlValue(v.dump());
    SqlValue number = nullptr;
    if (v.is_number()) {
      number = v.get<double>();
    } else if (v.is_string()) {
      number = Number(json{{"v", v}}, "v");
    }
    if (auto st = Put(sink, "contact_custom_values", "contact_id, field_id",
                      {{"contact_id", id},
                       {"field_id", fid},
                       {"location_id", sink.location_id},
                       {"value_text", text},
                       {"value_number", number},
                       {"value_json", v.dump()}});
        !st.ok()) {
      return st;
    }
  }
  return Ok{};
}

Status UpsertOpportunity(RowSink& sink, const json& o) {
  Cols cols = {
      {"location_id", sink.location_id},
      {"name", Text(o, "name")},
      {"pipeline_id", Text(o, "pipelineId")},
      {"stage_id", Text(o, "pipelineStageId")},
      {"status", Text(o, "status")},
      {"monetary_value", Number(o, "monetaryValue")},
      {"contact_id", Str(o, "contactId").empty() ? Text(o.value("contact", json::object()), "id")
                                                 : Text(o, "contactId")},
      {"source", Text(o, "source")},
      {"assigned_to", Text(o, "assignedTo")}};
  AddTime(cols, "created", o, "createdAt");
  AddTime(cols, "updated", o, "updatedAt");
  AddTime(cols, "last_status_change", o, "lastStatusChangeAt");
  AddTime(cols, "last_stage_change", o, "lastStageChangeAt");
  // The embedded contact summary is a copy of the contact row: it changes with the contact,
  // with no opportunity event, so it stays out of `raw` (else every contact edit is drift).
  json stored = o;
  stored.erase("contact");
  return Record(sink, "opportunities", stored, std::move(cols));
}

Status UpsertCalendar(RowSink& sink, const json& c) {
  return Record(sink, "calendars", c,
                {{"location_id", sink.location_id}, {"name", Text(c, "name")}});
}

Status UpsertAppointment(RowSink& sink, const json& a) {
  SqlValue status = Text(a, "appointmentStatus");
  if (std::holds_alternative<std::nullptr_t>(status)) status = Text(a, "status");
  Cols cols = {{"location_id", sink.location_id},
               {"calendar_id", Text(a, "calendarId")},
               {"contact_id", Text(a, "contactId")},
               {"title", Text(a, "title")},
               {"status", status}};
  AddTime(cols, "start", a, "startTime", "_ms", "_time");
  AddTime(cols, "end", a, "endTime", "_ms", "_time");
  return Record(sink, "appointments", a, std::move(cols));
}

Status UpsertConversation(RowSink& sink, const json& c) {
  Cols cols = {{"location_id", sink.location_id}, {"contact_id", Text(c, "contactId")}};
  AddTime(cols, "last_message", c, "lastMessageDate", "_ms", "");
  return Record(sink, "conversations", c, std::move(cols));
}

Status UpsertMessage(RowSink& sink, const json& m, const std::string& conversation_id,
                     std::string_view direction_override) {
  std::string type = Str(m, "messageType");
  Cols cols = {
      {"conversation_id", conversation_id},
      {"location_id", sink.location_id},
      {"contact_id", Text(m, "contactId")},
      {"direction", direction_override.empty() ? Text(m, "direction")
                                               : SqlValue(std::string(direction_override))},
      {"message_type", type.empty() ? SqlValue(nullptr) : SqlValue(type)},
      {"source", Text(m, "source")},
      {"user_id", Text(m, "userId")},
      {"body", Text(m, "body")}};
  int64_t ms = TimeAt(m, "dateAdded");
  cols.emplace_back("date_added", IsoValue(ms));
  cols.emplace_back("date_ms", MsValue(ms));
  return Record(sink, "messages", m, std::move(cols), /*stamped=*/false);
}

Result<bool> HasMessage(Database& db, const std::string& id) {
  auto n = QueryInt(db, "SELECT COUNT(*) FROM messages WHERE id = $1", {id});
  if (!n.ok()) return n.error();
  return *n > 0;
}

Status DeleteRow(Database& db, std::string_view table, const std::string& id) {
  std::string t(table);
  if (t == "contacts") {
    if (auto st = db.Exec("DELETE FROM contact_custom_values WHERE contact_id = $1", {id});
        !st.ok())
      return st;
  } else if (t == "pipelines") {
    if (auto st = db.Exec("DELETE FROM pipeline_stages WHERE pipeline_id = $1", {id}); !st.ok())
      return st;
  } else if (t == "conversations") {
    if (auto st = db.Exec("DELETE FROM messages WHERE conversation_id = $1", {id}); !st.ok())
      return st;
  }
  return db.Exec("DELETE FROM " + t + " WHERE id = $1", {id});
}

Result<int64_t> Sweep(RowSink& sink, std::string_view table) {
  std::string t(table);
  auto gone = sink.db.Query("SELECT id FROM " + t + " WHERE location_id = $1 AND pass <> $2",
                            {sink.location_id, sink.pass});
  if (!gone.ok()) return gone.error();
  for (const auto& row : *gone) {
    if (t == "users") {
      if (auto st = sink.db.Exec("DELETE FROM users WHERE location_id = $1 AND id = $2",
                                 {sink.location_id, *row[0]});
          !st.ok()) {
        return st.error();
      }
      continue;
    }
    if (auto st = DeleteRow(sink.db, t, *row[0]); !st.ok()) return st.error();
  }
  if (sink.drift && !gone->empty()) sink.drift->deleted[t] += static_cast<int64_t>(gone->size());
  return static_cast<int64_t>(gone->size());
}

}  // namespace ghl::sync::internal
