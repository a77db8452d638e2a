// Opportunities: pipelines list, create, get, update, status, delete, search with GHL's
// snake_case query (`location_id`, `contact_id`, …) and the `meta` cursor block
// (spec: shared/ghl-openapi/apps/opportunities.json).
#include <algorithm>

#include "cursor_page.h"
#include "handler.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kStatuses[] = {"open", "won", "lost", "abandoned", "all"};

// Returns a pointer into `pipeline` itself (never into a temporary copy of its stages).
const json* FindStage(const json& pipeline, const std::string& stage_id) {
  auto stages = pipeline.find("stages");
  if (stages == pipeline.end() || !stages->is_array()) return nullptr;
  for (const auto& s : *stages) {
    if (Str(s, "id") == stage_id) return &s;
  }
  return nullptr;
}

// The answer shape: the stored opportunity plus the embedded contact summary.
json View(const Store& store, const json& opp) {
  json v = opp;
  if (const Doc* c = store.Get(Coll::kContacts, Str(opp, "contactId"))) {
    std::string name = Str(c->value, "firstName");
    std::string last = Str(c->value, "lastName");
    if (!last.empty()) name += name.empty() ? last : " " + last;
    json summary = {
        {"id", c->value["id"]}, {"name", name}, {"tags", c->value.value("tags", json::array())}};
    for (auto k : {"companyName", "email", "phone"}) {
      if (c->value.contains(k)) summary[k] = c->value[k];
    }
    v["contact"] = std::move(summary);
  }
  return v;
}

json OppEvent(std::string_view type, const json& o) {
  json e = {{"type", type}, {"locationId", o["locationId"]}, {"id", o["id"]}};
  for (auto k : {"assignedTo", "contactId", "monetaryValue", "name", "pipelineId",
                 "pipelineStageId", "source", "status"}) {
    if (o.contains(k)) e[k] = o[k];
  }
  e["dateAdded"] = o.value("createdAt", "");
  return e;
}

std::optional<http::Response> LoadOpp(const Ctx& ctx, const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kOpportunities, ctx.Path("id"));
  if (!d) return NotFound("Opportunity not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  *out = d;
  return std::nullopt;
}

http::Response GetPipelines(Ctx& ctx) {
  std::string loc = ctx.LocationId();
  std::string body = "{\"pipelines\":[";
  bool first = true;
  for (const auto& [id, p] : ctx.store.All(Coll::kPipelines)) {
    if (Str(p.value, "locationId") != loc) continue;
    if (!first) body += ',';
    first = false;
    body += p.text;
  }
  body += "]}";
  return JsonText(200, std::move(body));
}

constexpr FieldRule kCreateRules[] = {
    {"pipelineId", FieldType::kString, true},
    {"locationId", FieldType::kString, true},
    {"name", FieldType::kString, true},
    {"pipelineStageId", FieldType::kString},
    {"status", FieldType::kString, true, kStatuses},
    {"contactId", FieldType::kString, true},
    {"monetaryValue", FieldType::kNumber},
    {"assignedTo", FieldType::kString},
    {"customFields", FieldType::kArray},
    {"source", FieldType::kString},
};

constexpr FieldRule kUpdateRules[] = {
    {"pipelineId", FieldType::kString},      {"name", FieldType::kString},
    {"pipelineStageId", FieldType::kString}, {"status", FieldType::kString, false, kStatuses},
    {"monetaryValue", FieldType::kNumber},   {"assignedTo", FieldType::kString},
    {"customFields", FieldType::kArray},     {"source", FieldType::kString},
};

void MergeCustomFields(json& opp, const json& input) {
  auto cf = input.find("customFields");
  if (cf == input.end() || !cf->is_array()) return;
  json& mine = opp["customFields"];
  if (!mine.is_array()) mine = json::array();
  for (const auto& f : *cf) {
    std::string id = Str(f, "id");
    if (id.empty()) continue;
    json value = f.contains("field_value") ? f["field_value"] : f.value("value", json());
    bool done = false;
    for (auto& m : mine) {
      if (Str(m, "id") == id) {
        m["fieldValue"] = value;
        done = true;
      }
    }
    if (!done) mine.push_back({{"id", id}, {"fieldValue", value}});
  }
}

http::Response CreateOpportunity(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const json& b = ctx.body;
  std::string loc = Str(b, "locationId");
  const Doc* pipeline = ctx.store.Get(Coll::kPipelines, Str(b, "pipelineId"));
  if (!pipeline || Str(pipeline->value, "locationId") != loc) return NotFound("Pipeline not found");
  std::string stage = Str(b, "pipelineStageId");
  if (stage.empty()) {
    const auto& stages = pipeline->value.value("stages", json::array());
    if (!stages.empty()) stage = Str(stages[0], "id");
  } else if (!FindStage(pipeline->value, stage)) {
    return Unprocessable({"pipelineStageId must be a stage of pipeline " + Str(b, "pipelineId")});
  }
  const Doc* contact = ctx.store.Get(Coll::kContacts, Str(b, "contactId"));
  if (!contact || Str(contact->value, "locationId") != loc) return NotFound("Contact not found");
  const Doc* location = ctx.store.Get(Coll::kLocations, loc);
  bool allow_dup =
      location &&
      location->value.value("settings", json::object()).value("allowDuplicateOpportunity", false);
  if (!allow_dup) {
    for (const auto& [id, o] : ctx.store.All(Coll::kOpportunities)) {
      if (Str(o.value, "contactId") == Str(b, "contactId") &&
          Str(o.value, "pipelineId") == Str(b, "pipelineId") && Str(o.value, "status") == "open") {
        return ErrorResponse(400, "Can not create duplicate opportunity for the contact.",
                             {{"meta", {{"opportunityId", id}}}});
      }
    }
  }
  std::string now = IsoUtcMs(ctx.now_ms);
  json o = {{"id", ctx.store.NewId()},
            {"name", b["name"]},
            {"monetaryValue", b.value("monetaryValue", 0)},
            {"pipelineId", b["pipelineId"]},
            {"pipelineStageId", stage},
            {"assignedTo", Str(b, "assignedTo")},
            {"status", b["status"]},
            {"source", Str(b, "source")},
            {"lastStatusChangeAt", now},
            {"lastStageChangeAt", now},
            {"lastActionDate", now},
            {"createdAt", now},
            {"updatedAt", now},
            {"contactId", b["contactId"]},
            {"locationId", loc},
            {"customFields", json::array()}};
  MergeCustomFields(o, b);
  const Doc& d = ctx.store.Put(Coll::kOpportunities, std::move(o));
  ctx.events.push_back({"OpportunityCreate", OppEvent("OpportunityCreate", d.value)});
  return Json(201, {{"opportunity", View(ctx.store, d.value)}});
}

http::Response GetOpportunity(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadOpp(ctx, &d)) return *err;
  return Json(200, {{"opportunity", View(ctx.store, d->value)}});
}

void EmitChanges(Ctx& ctx, const json& before, const json& after) {
  ctx.events.push_back({"OpportunityUpdate", OppEvent("OpportunityUpdate", after)});
  if (before["pipelineStageId"] != after["pipelineStageId"]) {
    ctx.events.push_back({"OpportunityStageUpdate", OppEvent("OpportunityStageUpdate", after)});
  }
  if (before["status"] != after["status"]) {
    ctx.events.push_back({"OpportunityStatusUpdate", OppEvent("OpportunityStatusUpdate", after)});
  }
  if (before["monetaryValue"] != after["monetaryValue"]) {
    ctx.events.push_back(
        {"OpportunityMonetaryValueUpdate", OppEvent("OpportunityMonetaryValueUpdate", after)});
  }
}

http::Response UpdateOpportunity(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadOpp(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kUpdateRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const json& b = ctx.body.is_object() ? ctx.body : json::object();
  json before = d->value;
  json o = before;
  std::string pipeline_id = b.contains("pipelineId") ? Str(b, "pipelineId") : Str(o, "pipelineId");
  const Doc* pipeline = ctx.store.Get(Coll::kPipelines, pipeline_id);
  if (!pipeline || !SameLocation(ctx, pipeline->value)) return NotFound("Pipeline not found");
  if (b.contains("pipelineStageId") && !FindStage(pipeline->value, Str(b, "pipelineStageId"))) {
    return Unprocessable({"pipelineStageId must be a stage of pipeline " + pipeline_id});
  }
  if (b.contains("pipelineId") && !b.contains("pipelineStageId") &&
      !FindStage(pipeline->value, Str(o, "pipelineStageId"))) {
    return Unprocessable({"pipelineStageId should not be empty when pipelineId changes"});
  }
  std::string now = IsoUtcMs(ctx.now_ms);
  for (auto k : {"pipelineId", "name", "pipelineStageId", "status", "monetaryValue", "assignedTo",
                 "source"}) {
    if (b.contains(k) && !b[k].is_null()) o[k] = b[k];
  }
  MergeCustomFields(o, b);
  if (o["pipelineStageId"] != before["pipelineStageId"]) o["lastStageChangeAt"] = now;
  if (o["status"] != before["status"]) o["lastStatusChangeAt"] = now;
  o["updatedAt"] = now;
  o["lastActionDate"] = now;
  const Doc& nd = ctx.store.Put(Coll::kOpportunities, std::move(o));
  EmitChanges(ctx, before, nd.value);
  return Json(200, {{"opportunity", View(ctx.store, nd.value)}});
}

constexpr FieldRule kStatusRules[] = {{"status", FieldType::kString, true, kStatuses},
                                      {"lostReasonId", FieldType::kString}};

http::Response UpdateStatus(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadOpp(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kStatusRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json before = d->value;
  json o = before;
  o["status"] = ctx.body["status"];
  if (ctx.body.contains("lostReasonId")) o["lostReasonId"] = ctx.body["lostReasonId"];
  std::string now = IsoUtcMs(ctx.now_ms);
  if (o["status"] != before["status"]) o["lastStatusChangeAt"] = now;
  o["updatedAt"] = now;
  const Doc& nd = ctx.store.Put(Coll::kOpportunities, std::move(o));
  EmitChanges(ctx, before, nd.value);
  return Json(200, {{"succeded", true}});
}

http::Response DeleteOpportunity(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadOpp(ctx, &d)) return *err;
  json ev = OppEvent("OpportunityDelete", d->value);
  ctx.store.Erase(Coll::kOpportunities, ctx.Path("id"));
  ctx.events.push_back({"OpportunityDelete", std::move(ev)});
  return Json(200, {{"succeded", true}});
}

http::Response SearchOpportunities(Ctx& ctx) {
  std::vector<std::string> msgs;
  CursorQuery cq = ReadCursorQuery(ctx, &msgs);
  std::string status = ctx.Query("status").value_or("");
  if (!status.empty() &&
      std::find(std::begin(kStatuses), std::end(kStatuses), status) == std::end(kStatuses)) {
    msgs.push_back("status must be one of the following values: open, won, lost, abandoned, all");
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = ctx.LocationId();
  auto q = [&](std::string_view name) { return ctx.Query(name).value_or(""); };
  std::string contact = q("contact_id"), pipeline = q("pipeline_id"),
              stage = q("pipeline_stage_id"), assigned = q("assigned_to"), id = q("id"),
              text = Lower(q("q"));
  bool asc = q("order") == "added_asc";

  std::vector<CursorHit> hits;
  for (const auto& [oid, o] : ctx.store.All(Coll::kOpportunities)) {
    const json& v = o.value;
    if (Str(v, "locationId") != loc) continue;
    if (!contact.empty() && Str(v, "contactId") != contact) continue;
    if (!pipeline.empty() && Str(v, "pipelineId") != pipeline) continue;
    if (!stage.empty() && Str(v, "pipelineStageId") != stage) continue;
    if (!assigned.empty() && Str(v, "assignedTo") != assigned) continue;
    if (!id.empty() && oid != id) continue;
    if (!status.empty() && status != "all" && Str(v, "status") != status) continue;
    if (!text.empty()) {
      std::string hay = Lower(Str(v, "name"));
      if (const Doc* c = ctx.store.Get(Coll::kContacts, Str(v, "contactId"))) {
        hay += " " + Lower(Str(c->value, "fullNameLowerCase")) + " " +
               Str(c->value, "emailLowerCase") + " " + Str(c->value, "phone");
      }
      if (hay.find(text) == std::string::npos) continue;
    }
    hits.push_back({&o, ParseIso(Str(v, "createdAt")).value_or(0), oid});
  }
  CursorPage page = PageByCursor(ctx, hits, asc, cq);
  if (!page.error.empty()) return ErrorResponse(400, page.error);
  json items = json::array();
  for (size_t i = page.start; i < page.end; ++i)
    items.push_back(View(ctx.store, hits[i].doc->value));
  json& meta = page.meta;
  return Json(200, {{"opportunities", items}, {"meta", meta}, {"aggregations", json::object()}});
}

http::Response ChangeFollowers(Ctx& ctx, bool add) {
  const Doc* d = nullptr;
  if (auto err = LoadOpp(ctx, &d)) return *err;
  return ApplyFollowers(ctx, Coll::kOpportunities, *d, add);
}
http::Response AddFollowers(Ctx& ctx) { return ChangeFollowers(ctx, true); }
http::Response RemoveFollowers(Ctx& ctx) { return ChangeFollowers(ctx, false); }

constexpr RouteDef kRoutes[] = {
    {"opportunities.get-pipelines", GetPipelines, false},
    {"opportunities.add-followers-opportunity", AddFollowers, true},
    {"opportunities.remove-followers-opportunity", RemoveFollowers, true},
    {"opportunities.create-opportunity", CreateOpportunity, true},
    {"opportunities.get-opportunity", GetOpportunity, false},
    {"opportunities.update-opportunity", UpdateOpportunity, true},
    {"opportunities.update-opportunity-status", UpdateStatus, true},
    {"opportunities.delete-opportunity", DeleteOpportunity, true},
    {"opportunities.search-opportunity", SearchOpportunities, false},
};

}  // namespace

std::span<const RouteDef> OpportunityRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
