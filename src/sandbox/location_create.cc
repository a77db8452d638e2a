// POST /locations/ — create a sub-account (spec: shared/ghl-openapi/apps/locations.json,
// CreateLocationDto / CreateLocationSuccessfulResponseDto; agency tokens only).
#include "handler.h"
#include "oauth_model.h"

namespace ghl::sandbox {
namespace {

constexpr FieldRule kCreateLocation[] = {
    {"name", FieldType::kString, true},   {"companyId", FieldType::kString, true},
    {"phone", FieldType::kString},        {"address", FieldType::kString},
    {"city", FieldType::kString},         {"state", FieldType::kString},
    {"country", FieldType::kString},      {"postalCode", FieldType::kString},
    {"website", FieldType::kString},      {"timezone", FieldType::kTimeZone},
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
  // A copy: the installs below write to the store.
  const json created = ctx.store.Put(Coll::kLocations, id, loc).value;
  ctx.events.push_back({"LocationCreate",
                        {{"type", "LocationCreate"},
                         {"id", id},
                         {"companyId", created["companyId"]},
                         {"name", created["name"]},
                         {"email", Str(created, "email")}}});
  // An agency-level install approved with installToFutureLocations=true reaches the agency's new
  // sub-accounts too, so POST /oauth/locationToken works for them (cookbook 4.x onboarding).
  std::vector<json> apps;
  for (const auto& [key, inst] : ctx.store.All(Coll::kAppInstalls)) {
    if (Str(inst.value, "companyId") != ctx.token.company_id ||
        !inst.value.value("installToFutureLocations", false)) {
      continue;
    }
    if (const Doc* app = FindAppById(ctx.store, Str(inst.value, "appId"))) {
      apps.push_back(app->value);
    }
  }
  for (const auto& app : apps) {
    Install(ctx.store, app, ctx.token.company_id, {id}, false, ctx.now_ms, &ctx.events);
  }
  return Json(200, created);
}

constexpr RouteDef kRoutes[] = {
    {"locations.create-location", CreateLocation, true},
};

}  // namespace

std::span<const RouteDef> LocationCreateRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
