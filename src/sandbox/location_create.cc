// POST /locations/ — create a sub-account (spec: shared/ghl-openapi/apps/locations.json,
// CreateLocationDto / CreateLocationSuccessfulResponseDto; agency tokens only).
#include "handler.h"

namespace ghl::sandbox {
namespace {

constexpr FieldRule kCreateLocation[] = {
    {"name", FieldType::kString, true},   {"companyId", FieldType::kString, true},
    {"phone", FieldType::kString},        {"address", FieldType::kString},
    {"city", FieldType::kString},         {"state", FieldType::kString},
    {"country", FieldType::kString},      {"postalCode", FieldType::kString},
    {"website", FieldType::kString},      {"timezone", FieldType::kString},
    {"prospectInfo", FieldType::kObject}, {"settings", FieldType::kObject},
    {"social", FieldType::kObject},       {"twilio", FieldType::kObject},
    {"mailgun", FieldType::kObject},      {"snapshotId", FieldType::kString},
};

constexpr FieldRule kProspectInfo[] = {
    {"firstName", FieldType::kString, true},
    {"lastName", FieldType::kString, true},
    {"email", FieldType::kEmail, true},
};

bool IsCountryCode(const std::string& c) {
  return c.size() == 2 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z';
}

http::Response CreateLocation(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateLocation);
  if (ctx.body.is_object() && ctx.body.contains("prospectInfo") &&
      ctx.body["prospectInfo"].is_object()) {
    for (auto& m : ValidateBody(ctx.body["prospectInfo"], kProspectInfo)) {
      msgs.push_back("prospectInfo." + m);
    }
  }
  if (std::string c = Str(ctx.body, "country"); !c.empty() && !IsCountryCode(c)) {
    msgs.push_back("country must be one of the 2-letter ISO country codes, e.g. US");
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  if (Str(ctx.body, "companyId") != ctx.token.company_id) {
    return ErrorResponse(403, "The token does not have access to this company");
  }
  std::string id = ctx.store.NewId();
  json loc = {
      {"id", id},
      {"companyId", ctx.body["companyId"]},
      {"name", ctx.body["name"]},
      {"domain", ""},
      {"timezone", ctx.body.value("timezone", std::string(kLocationTimezone))},
      {"settings", {{"allowDuplicateContact", false}, {"allowDuplicateOpportunity", false}}}};
  for (auto key : {"phone", "address", "city", "state", "country", "postalCode", "website"}) {
    if (auto s = Str(ctx.body, key); !s.empty()) loc[key] = s;
  }
  if (ctx.body.contains("settings") && ctx.body["settings"].is_object()) {
    for (const auto& [k, v] : ctx.body["settings"].items()) loc["settings"][k] = v;
  }
  if (ctx.body.contains("social") && ctx.body["social"].is_object()) {
    loc["social"] = ctx.body["social"];
  }
  if (ctx.body.contains("prospectInfo") && ctx.body["prospectInfo"].is_object()) {
    const json& p = ctx.body["prospectInfo"];
    loc["firstName"] = p["firstName"];
    loc["lastName"] = p["lastName"];
    loc["email"] = p["email"];
  }
  const Doc& d = ctx.store.Put(Coll::kLocations, id, loc);
  ctx.events.push_back({"LocationCreate",
                        {{"type", "LocationCreate"},
                         {"id", id},
                         {"companyId", d.value["companyId"]},
                         {"name", d.value["name"]},
                         {"email", Str(d.value, "email")}}});
  return Json(200, d.value);
}

constexpr RouteDef kRoutes[] = {
    {"locations.create-location", CreateLocation, true},
};

}  // namespace

std::span<const RouteDef> LocationCreateRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
