#include "ghl/ops/objects.h"

#include "call.h"
#include "ghl/core/json_depth.h"

namespace ghl::ops {

using namespace internal;

namespace {

constexpr std::string_view kPrefix = "custom_objects.";

Status CheckKey(const std::string& key, std::string_view what) {
  if (key.empty() || key == kPrefix) return UsageError(std::string(what) + " is empty");
  return Ok{};
}

}  // namespace

std::string ObjectKey(const std::string& key) {
  std::string k = Lower(key);
  if (k == "contact" || k == "opportunity" || k == "business" || k.rfind(kPrefix, 0) == 0) {
    return k;
  }
  return std::string(kPrefix) + k;
}

Result<json> GetObjectSchema(const Context& ctx, const std::string& object_key) {
  std::string key = ObjectKey(object_key);
  if (auto st = CheckKey(key, "object key"); !st.ok()) return st.error();
  auto r = Read(ctx, {.method = "GET",
                      .path = "/objects/{key}",
                      .query = {{"locationId", LocationOf(ctx)}},
                      .path_params = {{"key", key}}});
  if (!r.ok()) return r.error();
  json o = Unwrap(*r, "object");
  if (Str(o, "key").empty()) return Malformed("GET /objects/" + key, "the object's key");
  return o;
}

Result<json> CreateRecord(const Context& ctx, const std::string& object_key, const json& properties,
                          const std::vector<std::string>& owner) {
  std::string key = ObjectKey(object_key);
  if (auto st = CheckKey(key, "object key"); !st.ok()) return st.error();
  if (!properties.is_object()) {
    return UsageError("record properties must be a JSON object",
                      "e.g. {\"name\": \"Buddy\"} (field keys without the " + key + ". prefix)");
  }
  json body = {{"locationId", LocationOf(ctx)}, {"properties", properties}};
  if (!owner.empty()) body["owner"] = owner;
  return WriteCreated(ctx,
                      {.method = "POST",
                       .path = "/objects/{schemaKey}/records",
                       .path_params = {{"schemaKey", key}},
                       .body = body.dump()},
                      "record", "a record id");
}

Result<json> GetRecord(const Context& ctx, const std::string& object_key,
                       const std::string& record_id) {
  std::string key = ObjectKey(object_key);
  if (auto st = CheckKey(key, "object key"); !st.ok()) return st.error();
  if (record_id.empty()) return UsageError("record id is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/objects/{schemaKey}/records/{id}",
                      .path_params = {{"schemaKey", key}, {"id", record_id}}});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "record");
}

Result<json> SearchRecords(const Context& ctx, const std::string& object_key,
                           const std::string& query, int max_records) {
  std::string key = ObjectKey(object_key);
  if (auto st = CheckKey(key, "object key"); !st.ok()) return st.error();
  if (max_records < 1) return UsageError("max_records must be at least 1");
  json out = json::array();
  json after = json::array();
  // Each page continues after the last record's own `searchAfter`; a cursor that does not
  // move would loop, so it ends the walk.
  for (int page = 0; page < 10000 && static_cast<int>(out.size()) < max_records; ++page) {
    int limit = std::min(100, max_records - static_cast<int>(out.size()));
    json body = {{"locationId", LocationOf(ctx)},
                 {"page", 1},
                 {"pageLimit", limit},
                 {"query", query},
                 {"searchAfter", after}};
    auto r = Read(ctx, {.method = "POST",
                        .path = "/objects/{schemaKey}/records/search",
                        .path_params = {{"schemaKey", key}},
                        .body = body.dump()});
    if (!r.ok()) return r.error();
    json records = ArrayAt(*r, "records");
    for (const auto& rec : records) out.push_back(rec);
    if (static_cast<int>(records.size()) < limit) break;
    json next = records.back().value("searchAfter", json());
    if (!next.is_array() || next.empty() || next == after) break;
    after = std::move(next);
  }
  return out;
}

Result<json> GetAssociationByKey(const Context& ctx, const std::string& key) {
  if (key.empty()) return UsageError("association key is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/associations/key/{key_name}",
                      .query = {{"locationId", LocationOf(ctx)}},
                      .path_params = {{"key_name", key}}});
  if (!r.ok()) return r.error();
  if (Str(*r, "id").empty()) return Malformed("GET /associations/key/" + key, "an association id");
  return *r;
}

Result<json> ListRelations(const Context& ctx, const std::string& record_id,
                           const std::string& association_id) {
  if (record_id.empty()) return UsageError("record id is empty");
  json out = json::array();
  constexpr int kLimit = 100;
  for (int skip = 0;; skip += kLimit) {
    auto r = Read(ctx, {.method = "GET",
                        .path = "/associations/relations/{recordId}",
                        .query = {{"locationId", LocationOf(ctx)},
                                  {"skip", std::to_string(skip)},
                                  {"limit", std::to_string(kLimit)}},
                        .path_params = {{"recordId", record_id}}});
    if (!r.ok()) return r.error();
    json page = ArrayAt(*r, "relations");
    for (const auto& rel : page) {
      if (association_id.empty() || Str(rel, "associationId") == association_id) {
        out.push_back(rel);
      }
    }
    int64_t total = r->is_object() && (*r)["total"].is_number() ? (*r)["total"].get<int64_t>() : 0;
    if (page.size() < static_cast<size_t>(kLimit) || skip + kLimit >= total) break;
  }
  return out;
}

bool IsDuplicateRelation(const Error& e) {
  if (e.kind != ErrorKind::kApi || e.http_status != 400) return false;
  auto has = [](const std::string& s) { return s.find("duplicate relation") != std::string::npos; };
  for (const auto& m : e.messages) {
    if (has(m)) return true;
  }
  return has(e.body);
}

Result<EnsuredRelation> EnsureRelation(const Context& ctx, const std::string& association_id,
                                       const std::string& first_record_id,
                                       const std::string& second_record_id) {
  if (association_id.empty()) return UsageError("associationId is empty");
  if (first_record_id.empty()) return UsageError("firstRecordId is empty");
  if (second_record_id.empty()) return UsageError("secondRecordId is empty");
  json body = {{"locationId", LocationOf(ctx)},
               {"associationId", association_id},
               {"firstRecordId", first_record_id},
               {"secondRecordId", second_record_id}};
  auto r =
      WriteCreated(ctx, {.method = "POST", .path = "/associations/relations", .body = body.dump()},
                   "relation", "a relation id");
  if (r.ok()) return EnsuredRelation{std::move(*r), true};
  if (!IsDuplicateRelation(r.error())) return r.error();
  auto existing = ListRelations(ctx, first_record_id, association_id);
  if (!existing.ok()) return existing.error();
  for (const auto& rel : *existing) {
    if (Str(rel, "firstRecordId") == first_record_id &&
        Str(rel, "secondRecordId") == second_record_id) {
      return EnsuredRelation{rel, false};
    }
  }
  return Malformed(
      "GET /associations/relations/" + first_record_id + " after GHL's duplicate-relation 400",
      "the relation it said exists");
}

}  // namespace ghl::ops
