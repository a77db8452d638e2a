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

namespace ghl::ops {

using namespace internal;

Result<json> CreateLocation(const Context& ctx, const LocationWrite& w) {
  if (w.company_id.empty()) return UsageError("location: companyId is empty");
  if (w.name.empty()) return UsageError("location: name is empty");
  json body = {{"companyId", w.company_id}, {"name", w.name}};
  auto put = [&](const char* key, const std::string& v) {
    if (!v.empty()) body[key] = v;
  };
  put("phone", w.phone);
  put("address", w.address);
  put("city", w.city);
  put("state", w.state);
  put("country", w.country);
  put("postalCode", w.postal_code);
  put("website", w.website);
  put("timezone", w.timezone);
  if (!w.email.empty()) {
    body["prospectInfo"] = {
        {"firstName", w.first_name}, {"lastName", w.last_name}, {"email", w.email}};
  }
  return WriteCreated(ctx, {.method = "POST", .path = "/locations/", .body = body.dump()},
                      "location", "id");
}

Result<json> SearchLocationsByEmail(const Context& ctx, const std::string& company_id,
                                    const std::string& email) {
  auto r = Read(ctx, {.method = "GET",
                      .path = "/locations/search",
                      .query = {{"companyId", company_id}, {"email", email}, {"limit", "100"}}});
  if (!r.ok()) return r.error();
  json out = json::array();
  for (const auto& l : ArrayAt(*r, "locations")) {
    if (Lower(Str(l, "email")) == Lower(email)) out.push_back(l);
  }
  return out;
}

Result<json> MintLocationToken(const Context& ctx, const std::string& company_id,
                               const std::string& location_id) {
  if (company_id.empty()) return UsageError("locationToken: companyId is empty");
  if (location_id.empty()) return UsageError("locationToken: locationId is empty");
  json body = {{"companyId", company_id}, {"locationId", location_id}};
  return Write(ctx, {.method = "POST", .path = "/oauth/locationToken", .body = body.dump()});
}

std::span<const std::string_view> CustomFieldDataTypes() {
  static constexpr std::string_view kTypes[] = {
      "TEXT",     "LARGE_TEXT",     "NUMERICAL",        "PHONE", "MONETORY",     "CHECKBOX",
      "SINGLE_OPTIONS", "MULTIPLE_OPTIONS", "FLOAT", "TIME",  "DATE", "TEXTBOX_LIST",
      "FILE_UPLOAD", "SIGNATURE", "RADIO", "EMAIL"};
  return kTypes;
}

std::string CustomFieldKey(const std::string& model, const std::string& name) {
  std::string key;
  for (char c : Lower(name)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      key.push_back(c);
    } else if (!key.empty() && key.back() != '_') {
      key.push_back('_');
    }
  }
  while (!key.empty() && key.back() == '_') key.pop_back();
  return (model.empty() ? std::string("contact") : model) + "." + key;
}

Result<json> EnsureCustomField(const Context& ctx, const CustomFieldWrite& w, bool* created) {
  if (created) *created = false;
  if (w.name.empty()) return UsageError("customField: name is empty");
  std::string key = CustomFieldKey(w.model, w.name);
  auto existing = ListCustomFields(ctx, w.model.empty() ? "contact" : w.model);
  if (!existing.ok()) return existing.error();
  for (const auto& f : *existing) {
    if (Str(f, "fieldKey") == key || Lower(Str(f, "name")) == Lower(w.name)) return f;
  }
  json body = {{"name", w.name}, {"dataType", w.data_type}, {"model", w.model}};
  auto r = Write(ctx, {.method = "POST",
                       .path = "/locations/{locationId}/customFields",
                       .path_params = {{"locationId", LocationOf(ctx)}},
                       .body = body.dump()});
  if (!r.ok()) return r.error();
  if (created) *created = true;
  return Unwrap(*r, "customField");
}

}  // namespace ghl::ops
