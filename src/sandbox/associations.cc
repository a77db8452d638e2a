// Associations (definitions: create, list, get by id / key / object key, update labels, delete
// with its relations) and relations (create, list by record, delete), with GHL's duplicate-pair
// 400 "Could not create relation: duplicate relation of object Ids for given association <id>"
// (spec: shared/ghl-openapi/apps/associations.json; events AssociationCreate/Update/Delete and
// RelationCreate/Delete from shared/ghl-openapi/webhooks/).
#include <algorithm>

#include "objects.h"
#include "time_util.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kAssociationKeys[] = {"id",
                                                 "key",
                                                 "locationId",
                                                 "firstObjectKey",
                                                 "firstObjectLabel",
                                                 "secondObjectKey",
                                                 "secondObjectLabel",
                                                 "associationType",
                                                 "firstObjectToSecondObjectCardinality",
                                                 "secondObjectToFirstObjectCardinality"};

json AssociationEvent(std::string_view type, const json& a) {
  json ev = {{"type", type}};
  for (auto k : kAssociationKeys) ev[std::string(k)] = a.value(std::string(k), json());
  return ev;
}

json RelationEvent(std::string_view type, const json& r) {
  json ev = {{"type", type}};
  for (auto k : {"id", "firstObjectKey", "firstRecordId", "secondObjectKey", "secondRecordId",
                 "associationId", "locationId"}) {
    ev[k] = r.value(k, json());
  }
  return ev;
}

// The location named by the query's `locationId`, else the token's.
std::string QueryLocation(const Ctx& ctx) {
  auto q = ctx.Query("locationId");
  return q && !q->empty() ? *q : ctx.LocationId();
}

std::optional<http::Response> LoadAssociation(const Ctx& ctx, const std::string& id,
                                              const std::string& location_id, const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kAssociations, id);
  if (!d || Str(d->value, "locationId") != location_id) {
    return ErrorResponse(404, "Association not found: no association " + id +
                                  " in this location; GET /associations/ lists them");
  }
  *out = d;
  return std::nullopt;
}

// `docs` in creation order, `skip` of them left out, at most `limit` given.
json SkipLimitPage(std::vector<const Doc*>& docs, int64_t skip, int64_t limit) {
  std::sort(docs.begin(), docs.end(), [](const Doc* x, const Doc* y) {
    return std::pair(Str(x->value, "createdAt"), Str(x->value, "id")) <
           std::pair(Str(y->value, "createdAt"), Str(y->value, "id"));
  });
  json out = json::array();
  size_t from = static_cast<size_t>(std::min<int64_t>(skip, static_cast<int64_t>(docs.size())));
  for (size_t i = from; i < docs.size() && out.size() < static_cast<size_t>(limit); ++i) {
    out.push_back(docs[i]->value);
  }
  return out;
}

constexpr FieldRule kCreateAssociation[] = {
    {"locationId", FieldType::kString, true},        {"key", FieldType::kString, true},
    {"firstObjectLabel", FieldType::kString, true},  {"firstObjectKey", FieldType::kString, true},
    {"secondObjectLabel", FieldType::kString, true}, {"secondObjectKey", FieldType::kString, true},
};

http::Response CreateAssociation(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateAssociation);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = Str(ctx.body, "locationId");
  std::string key = Str(ctx.body, "key");
  json a = {{"id", NewTraceId()},  // GHL's association ids are UUIDs (see its duplicate 400)
            {"key", key},
            {"locationId", loc},
            {"firstObjectLabel", ctx.body["firstObjectLabel"]},
            {"secondObjectLabel", ctx.body["secondObjectLabel"]},
            {"associationType", "USER_DEFINED"},
            {"firstObjectToSecondObjectCardinality", "MANY_TO_MANY"},
            {"secondObjectToFirstObjectCardinality", "MANY_TO_MANY"},
            {"createdAt", IsoUtcMs(ctx.now_ms)}};
  for (auto side : {"firstObjectKey", "secondObjectKey"}) {
    std::string object = FullObjectKey(Str(ctx.body, side));
    if (!FindSchema(ctx.store, loc, object)) {
      return ErrorResponse(400, std::string(side) + " " + object +
                                    " is not an object of this location; GET /objects/ lists "
                                    "them (contact, opportunity, business, custom_objects.*)");
    }
    a[side] = object;
  }
  for (const auto& [id, other] : ctx.store.All(Coll::kAssociations)) {
    if (Str(other.value, "locationId") == loc && Str(other.value, "key") == key) {
      return ErrorResponse(400, "Association with key " + key + " already exists",
                           {{"meta", {{"associationId", id}}}});
    }
  }
  const Doc& d = ctx.store.Put(Coll::kAssociations, a);
  ctx.events.push_back({"AssociationCreate", AssociationEvent("AssociationCreate", d.value)});
  return JsonText(201, d.text);
}

http::Response ListAssociations(Ctx& ctx) {
  std::vector<std::string> msgs;
  int64_t skip = 0, limit = 0;
  ReadSkipLimit(ctx, &skip, &limit, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = QueryLocation(ctx);
  std::vector<const Doc*> all;
  for (const auto& [id, a] : ctx.store.All(Coll::kAssociations)) {
    if (Str(a.value, "locationId") == loc) all.push_back(&a);
  }
  return Json(200, {{"associations", SkipLimitPage(all, skip, limit)}, {"total", all.size()}});
}

http::Response GetAssociation(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadAssociation(ctx, ctx.Path("associationId"), ctx.LocationId(), &d)) {
    return *err;
  }
  return JsonText(200, d->text);
}

http::Response GetAssociationByKey(Ctx& ctx) {
  std::string loc = QueryLocation(ctx);
  for (const auto& [id, a] : ctx.store.All(Coll::kAssociations)) {
    if (Str(a.value, "locationId") == loc && Str(a.value, "key") == ctx.Path("key_name")) {
      return JsonText(200, a.text);
    }
  }
  return ErrorResponse(404, "Association not found: no association with key " +
                                ctx.Path("key_name") + " in this location");
}

http::Response GetAssociationsByObjectKey(Ctx& ctx) {
  std::string loc = QueryLocation(ctx);
  std::string object = FullObjectKey(ctx.Path("objectKey"));
  json out = json::array();
  for (const auto& [id, a] : ctx.store.All(Coll::kAssociations)) {
    if (Str(a.value, "locationId") == loc &&
        (Str(a.value, "firstObjectKey") == object || Str(a.value, "secondObjectKey") == object)) {
      out.push_back(a.value);
    }
  }
  return Json(200, {{"associations", out}});
}

constexpr FieldRule kUpdateAssociation[] = {
    {"firstObjectLabel", FieldType::kString, true},
    {"secondObjectLabel", FieldType::kString, true},
};

http::Response UpdateAssociation(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadAssociation(ctx, ctx.Path("associationId"), ctx.LocationId(), &d)) {
    return *err;
  }
  auto msgs = ValidateBody(ctx.body, kUpdateAssociation);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json a = d->value;
  a["firstObjectLabel"] = ctx.body["firstObjectLabel"];
  a["secondObjectLabel"] = ctx.body["secondObjectLabel"];
  const Doc& nd = ctx.store.Put(Coll::kAssociations, a);
  ctx.events.push_back({"AssociationUpdate", AssociationEvent("AssociationUpdate", nd.value)});
  return JsonText(200, nd.text);
}

http::Response DeleteAssociation(Ctx& ctx) {
  const Doc* d = nullptr;
  std::string id = ctx.Path("associationId");
  if (auto err = LoadAssociation(ctx, id, ctx.LocationId(), &d)) return *err;
  json ev = AssociationEvent("AssociationDelete", d->value);
  // Its relations go with it (GHL: "deleting an association deletes all its relations").
  std::vector<std::string> gone;
  for (const auto& [rid, r] : ctx.store.All(Coll::kRelations)) {
    if (Str(r.value, "associationId") == id) gone.push_back(rid);
  }
  for (const auto& rid : gone) ctx.store.Erase(Coll::kRelations, rid);
  ctx.store.Erase(Coll::kAssociations, id);
  ctx.events.push_back({"AssociationDelete", std::move(ev)});
  return Json(200,
              {{"deleted", true}, {"id", id}, {"message", "Association deleted successfully"}});
}

// ---- relations -------------------------------------------------------------------------------

constexpr FieldRule kCreateRelation[] = {
    {"locationId", FieldType::kString, true},
    {"associationId", FieldType::kString, true},
    {"firstRecordId", FieldType::kString, true},
    {"secondRecordId", FieldType::kString, true},
};

http::Response CreateRelation(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateRelation);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = Str(ctx.body, "locationId");
  std::string assoc_id = Str(ctx.body, "associationId");
  const Doc* assoc = nullptr;
  if (auto err = LoadAssociation(ctx, assoc_id, loc, &assoc)) return *err;
  std::string first = Str(ctx.body, "firstRecordId");
  std::string second = Str(ctx.body, "secondRecordId");
  for (auto [side, id] : {std::pair{"first", first}, std::pair{"second", second}}) {
    std::string object = Str(assoc->value, std::string(side) + "ObjectKey");
    if (!RecordExists(ctx.store, loc, object, id)) {
      return ErrorResponse(
          400, std::string(side) + "RecordId " + id + " is not a " + object +
                   " record of this location; the association's " + side + " object is " + object +
                   " (firstRecordId follows firstObjectKey, secondRecordId follows "
                   "secondObjectKey)");
    }
  }
  for (const auto& [rid, r] : ctx.store.All(Coll::kRelations)) {
    if (Str(r.value, "associationId") == assoc_id && Str(r.value, "firstRecordId") == first &&
        Str(r.value, "secondRecordId") == second) {
      return ErrorResponse(400,
                           "Could not create relation: duplicate relation of object Ids for "
                           "given association " +
                               assoc_id);
    }
  }
  json rel = {{"id", ctx.store.NewId()},
              {"associationId", assoc_id},
              {"firstRecordId", first},
              {"secondRecordId", second},
              {"firstObjectKey", assoc->value["firstObjectKey"]},
              {"secondObjectKey", assoc->value["secondObjectKey"]},
              {"locationId", loc},
              {"createdAt", IsoUtcMs(ctx.now_ms)}};
  const Doc& d = ctx.store.Put(Coll::kRelations, rel);
  ctx.events.push_back({"RelationCreate", RelationEvent("RelationCreate", d.value)});
  return JsonText(201, d.text);
}

// `associationIds` filter: repeated `associationIds=…` / `associationIds[]=…`, or commas.
std::vector<std::string> AssociationIdsFilter(const Ctx& ctx) {
  std::vector<std::string> out;
  for (const auto& [k, v] : ctx.query) {
    if (k != "associationIds" && k != "associationIds[]") continue;
    size_t i = 0;
    while (i <= v.size()) {
      size_t j = v.find(',', i);
      if (j == std::string::npos) j = v.size();
      if (j > i) out.push_back(v.substr(i, j - i));
      i = j + 1;
    }
  }
  return out;
}

http::Response ListRelations(Ctx& ctx) {
  std::vector<std::string> msgs;
  int64_t skip = 0, limit = 0;
  ReadSkipLimit(ctx, &skip, &limit, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = QueryLocation(ctx);
  std::string record = ctx.Path("recordId");
  auto only = AssociationIdsFilter(ctx);
  std::vector<const Doc*> all;
  for (const auto& [id, r] : ctx.store.All(Coll::kRelations)) {
    const json& v = r.value;
    if (Str(v, "locationId") != loc) continue;
    if (Str(v, "firstRecordId") != record && Str(v, "secondRecordId") != record) continue;
    if (!only.empty() &&
        std::find(only.begin(), only.end(), Str(v, "associationId")) == only.end()) {
      continue;
    }
    all.push_back(&r);
  }
  return Json(200, {{"relations", SkipLimitPage(all, skip, limit)}, {"total", all.size()}});
}

http::Response DeleteRelation(Ctx& ctx) {
  const Doc* d = ctx.store.Get(Coll::kRelations, ctx.Path("relationId"));
  if (!d || Str(d->value, "locationId") != QueryLocation(ctx)) {
    return ErrorResponse(
        404, "Relation not found: no relation " + ctx.Path("relationId") + " in this location");
  }
  json rel = d->value;
  ctx.store.Erase(Coll::kRelations, ctx.Path("relationId"));
  ctx.events.push_back({"RelationDelete", RelationEvent("RelationDelete", rel)});
  rel["deleted"] = true;
  return Json(200, rel);
}

constexpr RouteDef kRoutes[] = {
    {"associations.create-association", CreateAssociation, true},
    {"associations.find-associations", ListAssociations, false},
    {"associations.get-association-by-ID", GetAssociation, false},
    {"associations.get-association-key-by-key-name", GetAssociationByKey, false},
    {"associations.get-association-by-object-keys", GetAssociationsByObjectKey, false},
    {"associations.update-association", UpdateAssociation, true},
    {"associations.delete-association", DeleteAssociation, true},
    {"associations.create-relation", CreateRelation, true},
    {"associations.get-relations-by-record-id", ListRelations, false},
    {"associations.delete-relation", DeleteRelation, true},
};

}  // namespace

std::span<const RouteDef> AssociationRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
