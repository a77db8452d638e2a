#include "ghl/ops/locations.h"

#include "call.h"
#include "ghl/ops/contacts.h"

namespace ghl::ops {

using namespace internal;

Result<json> GetLocation(const Context& ctx) {
  auto r = Read(ctx, {.method = "GET",
                      .path = "/locations/{locationId}",
                      .path_params = {{"locationId", LocationOf(ctx)}}});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "location");
}

Result<json> ListLocations(const Context& ctx) {
  auto r = Read(ctx, {.method = "GET", .path = "/locations/search", .query = {{"limit", "100"}}});
  if (r.ok()) {
    json out = json::array();
    for (const auto& l : ArrayAt(*r, "locations")) {
      out.push_back(
          {{"id", Str(l, "id").empty() ? Str(l, "_id") : Str(l, "id")}, {"name", Str(l, "name")}});
    }
    return out;
  }
  // A location token (or a sandbox that does not emulate the agency search) reaches only its
  // own location.
  const Error& e = r.error();
  if (e.kind != ErrorKind::kApi ||
      (e.http_status != 401 && e.http_status != 403 && e.http_status != 501)) {
    return e;
  }
  auto own = GetLocation(ctx);
  if (!own.ok()) return own.error();
  return json::array({{{"id", Str(*own, "id").empty() ? LocationOf(ctx) : Str(*own, "id")},
                       {"name", Str(*own, "name")}}});
}

Result<json> ListCustomFields(const Context& ctx, const std::string& model) {
  client::QueryParams q;
  if (!model.empty()) q.emplace_back("model", model);
  auto r = Read(ctx, {.method = "GET",
                      .path = "/locations/{locationId}/customFields",
                      .query = q,
                      .path_params = {{"locationId", LocationOf(ctx)}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "customFields");
}

Result<json> CreateCustomField(const Context& ctx, const std::string& name,
                               const std::string& data_type) {
  if (name.empty()) return UsageError("custom field name is empty");
  json body = {{"name", name}, {"dataType", data_type.empty() ? "TEXT" : data_type}};
  auto r = Write(ctx, {.method = "POST",
                       .path = "/locations/{locationId}/customFields",
                       .path_params = {{"locationId", LocationOf(ctx)}},
                       .body = body.dump()});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "customField");
}

Result<json> EnsureCustomField(const Context& ctx, json& definitions, const std::string& name,
                               const std::string& data_type) {
  if (name.empty()) return UsageError("custom field name is empty");
  if (const json* hit = FindCustomField(definitions, name)) return *hit;
  auto created = CreateCustomField(ctx, name, data_type);
  if (!created.ok()) return created.error();
  if (!definitions.is_array()) definitions = json::array();
  definitions.push_back(*created);
  return *created;
}

Result<json> ListWorkflows(const Context& ctx) {
  auto r = Read(
      ctx, {.method = "GET", .path = "/workflows/", .query = {{"locationId", LocationOf(ctx)}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "workflows");
}

Status AddContactToWorkflow(const Context& ctx, const std::string& contact_id,
                            const std::string& workflow_id) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  if (workflow_id.empty()) return UsageError("workflowId is empty");
  auto r = Write(ctx, {.method = "POST",
                       .path = "/contacts/{contactId}/workflow/{workflowId}",
                       .path_params = {{"contactId", contact_id}, {"workflowId", workflow_id}},
                       .body = "{}"});
  if (!r.ok()) return r.error();
  return Ok{};
}

}  // namespace ghl::ops
