// Custom object schemas: list (with the standard objects contact, opportunity and business),
// get by key (with `fetchProperties`), create (agency token, `custom_objects.` prefix added) and
// update (labels, description, searchable properties) (spec: shared/ghl-openapi/apps/objects.json,
// events ObjectSchemaCreate / ObjectSchemaUpdate from shared/ghl-openapi/webhooks/).
#include "objects.h"

#include <algorithm>

#include "time_util.h"

namespace ghl::sandbox {
namespace {

struct StandardObject {
  std::string_view key;
  std::string_view singular;
  std::string_view plural;
  std::string_view primary;
};
constexpr StandardObject kStandard[] = {
    {"contact", "Contact", "Contacts", "contact.name"},
    {"opportunity", "Opportunity", "Opportunities", "opportunity.name"},
    {"business", "Company", "Companies", "business.name"},
};

// A stable 24-hex id per (location, standard object): GHL's standard schemas have fixed ids.
std::string StandardId(const std::string& location_id, std::string_view key) {
  uint64_t h = 1469598103934665603ULL;
  for (char c : location_id + ":" + std::string(key))
    h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id(24, '0');
  for (int i = 0; i < 24; ++i) id[i] = kHex[(h >> ((i % 16) * 4)) & 15];
  return id;
}

// Where an update of a standard object (searchable properties, labels) is kept.
std::string StandardOverrideId(const std::string& location_id, std::string_view key) {
  return "std:" + location_id + ":" + std::string(key);
}

json StandardSchema(const Store& store, const std::string& location_id, const StandardObject& o) {
  json s = {{"id", StandardId(location_id, o.key)},
            {"standard", true},
            {"key", o.key},
            {"labels", {{"singular", o.singular}, {"plural", o.plural}}},
            {"description", ""},
            {"locationId", location_id},
            {"primaryDisplayProperty", o.primary},
            {"searchableProperties", json::array({o.primary})},
            {"dateAdded", "2024-01-01T00:00:00.000Z"},
            {"dateUpdated", "2024-01-01T00:00:00.000Z"},
            {"type", "SYSTEM_DEFINED"}};
  if (const Doc* d = store.Get(Coll::kObjectSchemas, StandardOverrideId(location_id, o.key))) {
    for (const auto& [k, v] : d->value.items()) s[k] = v;
  }
  return s;
}

// The primary property as a field (ICustomField), as GET /objects/{key}?fetchProperties lists.
json PrimaryField(const json& schema) {
  return {{"id", Str(schema, "id") + "01"},
          {"name", schema.value("primaryDisplayName", "Name")},
          {"fieldKey", schema["primaryDisplayProperty"]},
          {"objectKey", schema["key"]},
          {"dataType", schema.value("primaryDisplayDataType", "TEXT")},
          {"locationId", schema["locationId"]},
          {"parentId", Str(schema, "id")},
          {"showInForms", true},
          {"dateAdded", schema["dateAdded"]},
          {"dateUpdated", schema["dateUpdated"]}};
}

// The schema without the sandbox's own bookkeeping keys.
json SchemaView(json schema) {
  schema.erase("primaryDisplayName");
  schema.erase("primaryDisplayDataType");
  return schema;
}

json SchemaEvent(std::string_view type, const json& s) {
  return {{"type", type},
          {"id", s["id"]},
          {"labels", s["labels"]},
          {"description", s.value("description", "")},
          {"searchableProperties", s.value("searchableProperties", json::array())},
          {"primaryDisplayProperty", s["primaryDisplayProperty"]},
          {"key", s["key"]},
          {"locationId", s["locationId"]},
          {"createdAt", s["dateAdded"]},
          {"updatedAt", s["dateUpdated"]},
          {"objectType", s.value("standard", false) ? "SYSTEM_DEFINED" : "USER_DEFINED"}};
}

// The location a schema request names: the `locationId` query (GET) or body (PUT, POST).
std::string SchemaLocation(const Ctx& ctx) {
  if (auto q = ctx.Query("locationId"); q && !q->empty()) return *q;
  std::string b = Str(ctx.body, "locationId");
  return b.empty() ? ctx.LocationId() : b;
}

bool IsKeyWord(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

http::Response ListObjects(Ctx& ctx) {
  std::string loc = SchemaLocation(ctx);
  json objects = json::array();
  for (const auto& o : kStandard) objects.push_back(StandardSchema(ctx.store, loc, o));
  for (const auto& [id, s] : ctx.store.All(Coll::kObjectSchemas)) {
    if (Str(s.value, "locationId") == loc && !s.value.value("standard", false) &&
        s.value.contains("key")) {
      objects.push_back(SchemaView(s.value));
    }
  }
  return Json(200, {{"objects", objects}});
}

http::Response NoSuchObject(std::string_view key) {
  return ErrorResponse(
      404, "Object with key " + std::string(key) +
               " not found in this location; GET /objects/ lists the location's objects");
}

http::Response GetObject(Ctx& ctx) {
  auto schema = FindSchema(ctx.store, SchemaLocation(ctx), ctx.Path("key"));
  if (!schema) return NoSuchObject(FullObjectKey(ctx.Path("key")));
  json out = {{"object", SchemaView(*schema)}, {"cache", false}};
  if (ctx.Query("fetchProperties").value_or("") == "true") {
    out["fields"] = json::array({PrimaryField(*schema)});
  }
  return Json(200, out);
}

constexpr FieldRule kCreateSchema[] = {
    {"labels", FieldType::kObject, true},
    {"key", FieldType::kString, true},
    {"description", FieldType::kString},
    {"locationId", FieldType::kString, true},
    {"primaryDisplayPropertyDetails", FieldType::kObject, true},
};
constexpr std::string_view kPrimaryTypes[] = {"TEXT", "NUMERICAL"};
constexpr FieldRule kPrimaryDetails[] = {
    {"key", FieldType::kString, true},
    {"name", FieldType::kString, true},
    {"dataType", FieldType::kString, true, kPrimaryTypes},
};
constexpr FieldRule kLabels[] = {{"singular", FieldType::kString, true},
                                 {"plural", FieldType::kString, true}};

// Messages of a nested object, each prefixed "parent." as class-validator does.
void ValidateNested(const json& body, std::string_view parent, std::span<const FieldRule> rules,
                    std::vector<std::string>* msgs) {
  auto it = body.find(parent);
  if (it == body.end() || !it->is_object()) return;
  for (auto& m : ValidateBody(*it, rules)) msgs->push_back(std::string(parent) + "." + m);
}

http::Response CreateObject(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateSchema);
  ValidateNested(ctx.body, "labels", kLabels, &msgs);
  ValidateNested(ctx.body, "primaryDisplayPropertyDetails", kPrimaryDetails, &msgs);
  std::string key = FullObjectKey(Str(ctx.body, "key"));
  std::string word = key.substr(std::min(key.size(), kCustomObjectPrefix.size()));
  if (msgs.empty() && (IsStandardObject(Str(ctx.body, "key")) || !IsKeyWord(word))) {
    msgs.push_back(
        "key must be lowercase letters, digits and underscores after the "
        "custom_objects. prefix (e.g. custom_objects.pet); got '" +
        Str(ctx.body, "key") + "'");
  }
  const json& details = ctx.body.is_object() && ctx.body.contains("primaryDisplayPropertyDetails")
                            ? ctx.body["primaryDisplayPropertyDetails"]
                            : json::object();
  std::string primary = Lower(Str(details, "key"));
  if (primary.rfind(key + ".", 0) == 0) primary = primary.substr(key.size() + 1);
  if (msgs.empty() && !IsKeyWord(primary)) {
    msgs.push_back(
        "primaryDisplayPropertyDetails.key must be lowercase letters, digits and "
        "underscores, optionally prefixed with " +
        key + ". (e.g. " + key + ".name); got '" + Str(details, "key") + "'");
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = Str(ctx.body, "locationId");
  if (FindSchema(ctx.store, loc, key)) {
    return ErrorResponse(400, "An object with key " + key + " already exists in this location");
  }
  std::string now = IsoUtcMs(ctx.now_ms);
  json s = {
      {"id", ctx.store.NewId()},
      {"standard", false},
      {"key", key},
      {"labels",
       {{"singular", ctx.body["labels"]["singular"]}, {"plural", ctx.body["labels"]["plural"]}}},
      {"description", Str(ctx.body, "description")},
      {"locationId", loc},
      {"primaryDisplayProperty", key + "." + primary},
      {"primaryDisplayName", details["name"]},
      {"primaryDisplayDataType", details["dataType"]},
      {"searchableProperties", json::array({key + "." + primary})},
      {"dateAdded", now},
      {"dateUpdated", now},
      {"type", "USER_DEFINED"}};
  const Doc& d = ctx.store.Put(Coll::kObjectSchemas, s);
  ctx.events.push_back({"ObjectSchemaCreate", SchemaEvent("ObjectSchemaCreate", d.value)});
  return Json(201, {{"object", SchemaView(d.value)}});
}

constexpr FieldRule kUpdateSchema[] = {
    {"labels", FieldType::kObject},
    {"description", FieldType::kString},
    {"locationId", FieldType::kString, true},
    {"searchableProperties", FieldType::kArray, true},
};
constexpr FieldRule kUpdateLabels[] = {{"singular", FieldType::kString},
                                       {"plural", FieldType::kString}};

http::Response UpdateObject(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kUpdateSchema);
  ValidateNested(ctx.body, "labels", kUpdateLabels, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = Str(ctx.body, "locationId");
  auto schema = FindSchema(ctx.store, loc, ctx.Path("key"));
  if (!schema) return NoSuchObject(FullObjectKey(ctx.Path("key")));
  std::string key = Str(*schema, "key");
  json searchable = json::array();
  for (const auto& p : ctx.body["searchableProperties"]) {
    std::string prop = p.is_string() ? Lower(p.get<std::string>()) : "";
    if (prop.rfind(key + ".", 0) != 0 || !IsKeyWord(prop.substr(key.size() + 1))) {
      msgs.push_back("searchableProperties must hold field keys of " + key + " written " + key +
                     ".<field_key>; got " + p.dump());
    }
    searchable.push_back(prop);
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json changes = {{"searchableProperties", searchable}, {"dateUpdated", IsoUtcMs(ctx.now_ms)}};
  if (ctx.body.contains("description") && ctx.body["description"].is_string()) {
    changes["description"] = ctx.body["description"];
  }
  json labels = schema->value("labels", json::object());
  if (ctx.body.contains("labels") && ctx.body["labels"].is_object()) {
    for (const auto& [k, v] : ctx.body["labels"].items()) labels[k] = v;
    changes["labels"] = labels;
  }
  json stored;
  if (schema->value("standard", false)) {
    const Doc* prior = ctx.store.Get(Coll::kObjectSchemas, StandardOverrideId(loc, key));
    stored = prior ? prior->value : json::object();
    for (const auto& [k, v] : changes.items()) stored[k] = v;
    ctx.store.Put(Coll::kObjectSchemas, StandardOverrideId(loc, key), stored);
    stored = *FindSchema(ctx.store, loc, key);
  } else {
    stored = *schema;
    for (const auto& [k, v] : changes.items()) stored[k] = v;
    stored = ctx.store.Put(Coll::kObjectSchemas, stored).value;
  }
  ctx.events.push_back({"ObjectSchemaUpdate", SchemaEvent("ObjectSchemaUpdate", stored)});
  return Json(200, {{"object", SchemaView(stored)}});
}

constexpr RouteDef kRoutes[] = {
    {"objects.get-object-by-location-id", ListObjects, false},
    {"objects.get-object-schema-by-key", GetObject, false},
    {"objects.create-custom-object-schema", CreateObject, true},
    {"objects.update-custom-object", UpdateObject, true},
};

}  // namespace

bool IsStandardObject(std::string_view key) {
  return std::any_of(std::begin(kStandard), std::end(kStandard),
                     [&](const StandardObject& o) { return o.key == key; });
}

std::string FullObjectKey(std::string_view key) {
  std::string k = Lower(key);
  if (IsStandardObject(k) || k.rfind(kCustomObjectPrefix, 0) == 0) return k;
  return std::string(kCustomObjectPrefix) + k;
}

std::optional<json> FindSchema(const Store& store, const std::string& location_id,
                               std::string_view key) {
  std::string full = FullObjectKey(key);
  for (const auto& o : kStandard) {
    if (o.key == full) return StandardSchema(store, location_id, o);
  }
  for (const auto& [id, s] : store.All(Coll::kObjectSchemas)) {
    if (Str(s.value, "key") == full && Str(s.value, "locationId") == location_id) return s.value;
  }
  return std::nullopt;
}

bool RecordExists(const Store& store, const std::string& location_id, const std::string& object_key,
                  const std::string& record_id) {
  const Doc* d = nullptr;
  if (object_key == "contact") {
    d = store.Get(Coll::kContacts, record_id);
  } else if (object_key == "opportunity") {
    d = store.Get(Coll::kOpportunities, record_id);
  } else if (object_key.rfind(kCustomObjectPrefix, 0) == 0) {
    d = store.Get(Coll::kObjectRecords, record_id);
    if (d && Str(d->value, "objectKey") != object_key) d = nullptr;
  }
  return d && Str(d->value, "locationId") == location_id;
}

void EraseRelationsOf(Store& store, const std::string& record_id) {
  std::vector<std::string> gone;
  for (const auto& [id, r] : store.All(Coll::kRelations)) {
    if (Str(r.value, "firstRecordId") == record_id || Str(r.value, "secondRecordId") == record_id) {
      gone.push_back(id);
    }
  }
  for (const auto& id : gone) store.Erase(Coll::kRelations, id);
}

void ReadSkipLimit(const Ctx& ctx, int64_t* skip, int64_t* limit, std::vector<std::string>* msgs) {
  *skip = QueryInt(ctx, "skip", 0, msgs);
  *limit = QueryInt(ctx, "limit", 10, msgs);
  CheckRange("skip", *skip, 0, INT64_MAX, msgs);
  CheckRange("limit", *limit, 1, 100, msgs);
}

std::span<const RouteDef> ObjectRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
