#include "ghl/ops/opportunities.h"

#include "call.h"

namespace ghl::ops {

using namespace internal;

Result<json> ListPipelines(const Context& ctx) {
  auto r = Read(ctx, {.method = "GET",
                      .path = "/opportunities/pipelines",
                      .query = {{"locationId", LocationOf(ctx)}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "pipelines");
}

Result<json> SearchOpportunities(const Context& ctx, const OpportunitySearch& search) {
  if (search.limit < 1 || search.limit > 100) {
    return UsageError("limit " + std::to_string(search.limit) + " is outside 1..100");
  }
  // GHL's opportunity search is the one route with snake_case query names.
  client::QueryParams q = {{"location_id", LocationOf(ctx)}};
  auto add = [&](const char* name, const std::string& v) {
    if (!v.empty()) q.emplace_back(name, v);
  };
  add("contact_id", search.contact_id);
  add("pipeline_id", search.pipeline_id);
  add("pipeline_stage_id", search.stage_id);
  add("status", search.status);
  add("q", search.query);
  add("startAfter", search.start_after);
  add("startAfterId", search.start_after_id);
  q.emplace_back("limit", std::to_string(search.limit));
  auto r = Read(ctx, {.method = "GET", .path = "/opportunities/search", .query = q});
  if (!r.ok()) return r.error();
  json out = json::array();
  for (const auto& o : ArrayAt(*r, "opportunities")) {
    if (!search.contact_id.empty() && Str(o, "contactId") != search.contact_id &&
        Str(o.value("contact", json::object()), "id") != search.contact_id) {
      continue;
    }
    if (!search.pipeline_id.empty() && Str(o, "pipelineId") != search.pipeline_id) continue;
    out.push_back(o);
  }
  json meta = r->is_object() ? r->value("meta", json::object()) : json::object();
  return json{{"opportunities", std::move(out)}, {"meta", std::move(meta)}};
}

Result<json> GetOpportunity(const Context& ctx, const std::string& id) {
  if (id.empty()) return UsageError("opportunityId is empty");
  auto r = Read(ctx, {.method = "GET", .path = "/opportunities/{id}", .path_params = {{"id", id}}});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "opportunity");
}

namespace {

json WriteBody(const OpportunityWrite& w) {
  json body = json::object();
  if (!w.pipeline_id.empty()) body["pipelineId"] = w.pipeline_id;
  if (!w.stage_id.empty()) body["pipelineStageId"] = w.stage_id;
  if (!w.name.empty()) body["name"] = w.name;
  if (!w.status.empty()) body["status"] = w.status;
  if (w.value) body["monetaryValue"] = *w.value;
  return body;
}

Status CheckStatus(const std::string& status) {
  if (status.empty() || status == "open" || status == "won" || status == "lost" ||
      status == "abandoned") {
    return Ok{};
  }
  return UsageError("status '" + status + "' is not an opportunity status",
                    "use open, won, lost or abandoned");
}

}  // namespace

Result<json> CreateOpportunity(const Context& ctx, const OpportunityWrite& write) {
  if (write.pipeline_id.empty()) return UsageError("pipelineId is empty");
  if (write.contact_id.empty()) return UsageError("contactId is empty");
  if (write.name.empty()) return UsageError("the opportunity's name is empty");
  if (auto st = CheckStatus(write.status); !st.ok()) return st.error();
  json body = WriteBody(write);
  body["locationId"] = LocationOf(ctx);
  body["contactId"] = write.contact_id;
  if (!body.contains("status")) body["status"] = "open";
  return WriteCreated(ctx, {.method = "POST", .path = "/opportunities/", .body = body.dump()},
                      "opportunity", "an opportunity id");
}

Result<json> UpdateOpportunity(const Context& ctx, const std::string& id,
                               const OpportunityWrite& write) {
  if (id.empty()) return UsageError("opportunityId is empty");
  if (auto st = CheckStatus(write.status); !st.ok()) return st.error();
  json body = WriteBody(write);
  if (body.empty()) {
    return UsageError("nothing to update", "give stageId, value, status, name or pipelineId");
  }
  auto r = Write(ctx, {.method = "PUT",
                       .path = "/opportunities/{id}",
                       .path_params = {{"id", id}},
                       .body = body.dump()});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "opportunity");
}

}  // namespace ghl::ops
