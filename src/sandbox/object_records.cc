// Custom object records: create, get, update, delete, and search with `query` and the
// `searchAfter` cursor (spec: shared/ghl-openapi/apps/objects.json; events RecordCreate,
// RecordUpdate, RecordDelete from shared/ghl-openapi/webhooks/, whose `owners` and
// key/valueString `properties` array differ from the API's `owner` and properties object).
#include <algorithm>

#include "objects.h"
#include "time_util.h"

namespace ghl::sandbox {
namespace {

constexpr FieldRule kCreateRecord[] = {
    {"locationId", FieldType::kString, true},
    {"properties", FieldType::kObject, true},
    {"owner", FieldType::kArray},
    {"followers", FieldType::kArray},
};
constexpr FieldRule kUpdateRecord[] = {
    {"locationId", FieldType::kString},
    {"properties", FieldType::kObject},
    {"owner", FieldType::kArray},
    {"followers", FieldType::kArray},
};

// The custom object named by {schemaKey}: records live on custom objects only (business
// records are not emulated; contacts and opportunities have their own APIs).
std::optional<http::Response> LoadObject(const Ctx& ctx, const std::string& location_id,
                                         json* out) {
  std::string key = FullObjectKey(ctx.Path("schemaKey"));
  if (IsStandardObject(key)) {
    return ErrorResponse(400, "The sandbox emulates records of custom objects only; " + key +
                                  " records are written through their own API (/" +
                                  (key == "business" ? std::string("businesses") : key + "s") +
                                  "/)");
  }
  auto schema = FindSchema(ctx.store, location_id, key);
  if (!schema) {
    return ErrorResponse(404, "Object with key " + key +
                                  " not found in this location; GET /objects/ lists the "
                                  "location's objects");
  }
  *out = std::move(*schema);
  return std::nullopt;
}

// `properties` with the "custom_objects.<object>." prefix taken off each key.
json Properties(const json& input, const std::string& object_key) {
  json out = json::object();
  if (!input.is_object()) return out;
  std::string prefix = object_key + ".";
  for (const auto& [k, v] : input.items()) {
    std::string key = Lower(k);
    if (key.rfind(prefix, 0) == 0) key = key.substr(prefix.size());
    out[key] = v;
  }
  return out;
}

// owner (at most 1) and followers (at most 10): GHL's limits.
void CheckPeople(const json& body, std::vector<std::string>* msgs) {
  auto count = [&](std::string_view k) {
    auto it = body.find(k);
    return it != body.end() && it->is_array() ? it->size() : 0;
  };
  if (count("owner") > 1) msgs->push_back("owner must contain no more than 1 elements");
  if (count("followers") > 10) msgs->push_back("followers must contain no more than 10 elements");
}

// GET /objects/{schemaKey}/records/{id} shape (IRecordSchema) plus where it belongs.
json RecordView(const json& r) {
  return {{"id", r["id"]},
          {"owner", r["owner"]},
          {"followers", r["followers"]},
          {"properties", r["properties"]},
          {"dateAdded", r["createdAt"]},
          {"dateUpdated", r["updatedAt"]},
          {"locationId", r["locationId"]},
          {"objectId", r["objectId"]},
          {"objectKey", r["objectKey"]}};
}

// Search shape (RecordResponseDTO): createdAt/updatedAt and the searchAfter cursor.
json SearchView(const json& r) {
  json v = r;
  v["searchAfter"] = json::array({ParseIso(Str(r, "createdAt")).value_or(0), r["id"]});
  return v;
}

json RecordEvent(std::string_view type, const json& r) {
  json props = json::array();
  for (const auto& [k, v] : r["properties"].items()) {
    props.push_back({{"key", k}, {"valueString", v.is_string() ? v.get<std::string>() : v.dump()}});
  }
  return {{"type", type},
          {"id", r["id"]},
          {"locationId", r["locationId"]},
          {"objectKey", r["objectKey"]},
          {"owners", r["owner"]},
          {"followers", r["followers"]},
          {"properties", props}};
}

json CreatedBy(int64_t now_ms) {
  return {{"channel", "API"},
          {"createdAt", IsoUtcMs(now_ms)},
          {"source", "PUBLIC_API"},
          {"sourceId", "sandbox"}};
}

std::optional<http::Response> LoadRecord(const Ctx& ctx, const std::string& location_id,
                                         const Doc** out) {
  json schema;
  if (auto err = LoadObject(ctx, location_id, &schema)) return err;
  const Doc* d = ctx.store.Get(Coll::kObjectRecords, ctx.Path("id"));
  if (!d || Str(d->value, "objectKey") != Str(schema, "key") ||
      Str(d->value, "locationId") != location_id) {
    return NotFound("Record not found");
  }
  *out = d;
  return std::nullopt;
}

http::Response CreateRecord(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateRecord);
  CheckPeople(ctx.body, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = Str(ctx.body, "locationId");
  json schema;
  if (auto err = LoadObject(ctx, loc, &schema)) return *err;
  std::string now = IsoUtcMs(ctx.now_ms);
  json r = {{"id", ctx.store.NewId()},
            {"owner", ctx.body.value("owner", json::array())},
            {"followers", ctx.body.value("followers", json::array())},
            {"properties", Properties(ctx.body["properties"], Str(schema, "key"))},
            {"createdAt", now},
            {"updatedAt", now},
            {"locationId", loc},
            {"objectId", schema["id"]},
            {"objectKey", schema["key"]},
            {"createdBy", CreatedBy(ctx.now_ms)},
            {"lastUpdatedBy", CreatedBy(ctx.now_ms)}};
  const Doc& d = ctx.store.Put(Coll::kObjectRecords, r);
  ctx.events.push_back({"RecordCreate", RecordEvent("RecordCreate", d.value)});
  return Json(201, {{"record", RecordView(d.value)}});
}

// The location of a record request: `locationId` in the query (PUT requires it), else the
// token's.
std::string RecordLocation(const Ctx& ctx) {
  auto q = ctx.Query("locationId");
  return q && !q->empty() ? *q : ctx.LocationId();
}

http::Response GetRecord(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadRecord(ctx, RecordLocation(ctx), &d)) return *err;
  return Json(200, {{"record", RecordView(d->value)}});
}

http::Response UpdateRecord(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadRecord(ctx, RecordLocation(ctx), &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kUpdateRecord);
  CheckPeople(ctx.body, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json r = d->value;
  json changed = Properties(ctx.body.value("properties", json::object()), Str(r, "objectKey"));
  for (const auto& [k, v] : changed.items()) r["properties"][k] = v;
  for (auto k : {"owner", "followers"}) {
    if (ctx.body.contains(k) && ctx.body[k].is_array()) r[k] = ctx.body[k];
  }
  r["updatedAt"] = IsoUtcMs(ctx.now_ms);
  r["lastUpdatedBy"] = CreatedBy(ctx.now_ms);
  const Doc& nd = ctx.store.Put(Coll::kObjectRecords, r);
  ctx.events.push_back({"RecordUpdate", RecordEvent("RecordUpdate", nd.value)});
  return Json(200, {{"record", RecordView(nd.value)}});
}

http::Response DeleteRecord(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadRecord(ctx, RecordLocation(ctx), &d)) return *err;
  json ev = RecordEvent("RecordDelete", d->value);
  std::string id = Str(d->value, "id");
  ctx.store.Erase(Coll::kObjectRecords, id);
  EraseRelationsOf(ctx.store, id);
  ctx.events.push_back({"RecordDelete", std::move(ev)});
  return Json(200, {{"id", id}, {"success", true}});
}

constexpr FieldRule kSearch[] = {
    {"locationId", FieldType::kString, true}, {"page", FieldType::kNumber},
    {"pageLimit", FieldType::kNumber},        {"query", FieldType::kString},
    {"searchAfter", FieldType::kArray},
};

// Whether the property value contains `needle` (lower case), as text.
bool ValueContains(const json& v, const std::string& needle) {
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  return Lower(text).find(needle) != std::string::npos;
}

http::Response SearchRecords(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kSearch);
  auto number = [&](std::string_view k, int64_t def) -> int64_t {
    auto it = ctx.body.find(k);
    if (it == ctx.body.end() || !it->is_number()) return def;
    double v = it->get<double>();  // clamped before the cast: 1e300 must not overflow
    return v < -1e15  ? int64_t{-1000000000000000}
           : v > 1e15 ? int64_t{1000000000000000}
                      : static_cast<int64_t>(v);
  };
  int64_t page = number("page", 1);
  int64_t limit = number("pageLimit", 10);
  CheckRange("page", page, 1, INT64_MAX, &msgs);
  CheckRange("pageLimit", limit, 1, 100, &msgs);
  json after = ctx.body.is_object() ? ctx.body.value("searchAfter", json::array()) : json::array();
  if (after.is_array() && !after.empty() &&
      (after.size() != 2 || !after[0].is_number() || !after[1].is_string())) {
    msgs.push_back(
        "searchAfter must be the searchAfter of the last record of the previous "
        "page: [createdAt epoch ms, record id]");
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = Str(ctx.body, "locationId");
  json schema;
  if (auto err = LoadObject(ctx, loc, &schema)) return *err;
  std::string key = Str(schema, "key");

  // `query`: "field:value" on one searchable property, else free text on all of them.
  std::vector<std::string> searchable;
  for (const auto& p : schema.value("searchableProperties", json::array())) {
    std::string s = p.is_string() ? p.get<std::string>() : "";
    if (s.rfind(key + ".", 0) == 0) searchable.push_back(s.substr(key.size() + 1));
  }
  std::string query = Str(ctx.body, "query");
  std::vector<std::string> fields = searchable;
  std::string needle = Lower(query);
  if (auto colon = query.find(':'); colon != std::string::npos) {
    std::string field = Lower(query.substr(0, colon));
    if (field.rfind(key + ".", 0) == 0) field = field.substr(key.size() + 1);
    if (std::find(searchable.begin(), searchable.end(), field) == searchable.end()) {
      std::string list;
      for (const auto& s : searchable) list += (list.empty() ? "" : ", ") + s;
      return ErrorResponse(400, "query field '" + field + "' is not a searchable property of " +
                                    key + " (searchable: " + list + "); add it with PUT /objects/" +
                                    key + " searchableProperties");
    }
    fields = {field};
    needle = Lower(query.substr(colon + 1));
  }

  struct Hit {
    const Doc* doc;
    int64_t time;
    std::string id;
  };
  std::vector<Hit> hits;
  for (const auto& [id, r] : ctx.store.All(Coll::kObjectRecords)) {
    if (Str(r.value, "objectKey") != key || Str(r.value, "locationId") != loc) continue;
    bool match = needle.empty();
    const json& props = r.value["properties"];
    for (const auto& f : fields) {
      if (!match && props.contains(f)) match = ValueContains(props[f], needle);
    }
    if (match) hits.push_back({&r, ParseIso(Str(r.value, "createdAt")).value_or(0), id});
  }
  // Newest first, then id (descending): the order searchAfter continues.
  auto later = [](int64_t ta, const std::string& ia, int64_t tb, const std::string& ib) {
    return ta != tb ? ta > tb : ia > ib;
  };
  std::sort(hits.begin(), hits.end(),
            [&](const Hit& a, const Hit& b) { return later(a.time, a.id, b.time, b.id); });
  size_t start = 0;
  if (after.is_array() && after.size() == 2) {
    double raw = after[0].get<double>();
    int64_t t = raw < -1e15 || raw > 1e15 ? 0 : static_cast<int64_t>(raw);
    std::string id = after[1].get<std::string>();
    while (start < hits.size() && !later(t, id, hits[start].time, hits[start].id)) ++start;
  } else {
    start = page - 1 >= static_cast<int64_t>(hits.size())
                ? hits.size()
                : std::min(hits.size(), static_cast<size_t>((page - 1) * limit));
  }
  size_t end = std::min(hits.size(), start + static_cast<size_t>(limit));
  json records = json::array();
  for (size_t i = start; i < end; ++i) records.push_back(SearchView(hits[i].doc->value));
  return Json(200, {{"records", records}, {"total", hits.size()}});
}

constexpr RouteDef kRoutes[] = {
    {"objects.create-object-record", CreateRecord, true},
    {"objects.get-record-by-id", GetRecord, false},
    {"objects.update-object-record", UpdateRecord, true},
    {"objects.delete-object-record", DeleteRecord, true},
    {"objects.search-object-records", SearchRecords, false},
};

}  // namespace

std::span<const RouteDef> ObjectRecordRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
