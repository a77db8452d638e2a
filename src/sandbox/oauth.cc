// OAuth 2.0 operations (spec: shared/ghl-openapi/apps/oauth.json): the token endpoint with the
// authorization_code and refresh_token grants (single-use rotating refresh tokens), location
// tokens minted from a company token, and the list of locations an app is installed on.
#include <algorithm>
#include <charconv>

#include "oauth_model.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kGrantTypes = "authorization_code, refresh_token, client_credentials";

bool IsFormBody(const Ctx& ctx) {
  return Lower(ctx.request.headers.GetOr("Content-Type", ""))
             .rfind("application/x-www-form-urlencoded", 0) == 0;
}

// The form field `name` ("" when absent; the body holds strings only for a form body).
std::string Field(const Ctx& ctx, std::string_view name) {
  return IsFormBody(ctx) ? Str(ctx.body, name) : std::string();
}

// 400/401 in the shape of GHL's token endpoint (an OAuth library's: RFC 6749 section 5.2).
http::Response OAuthError(int status, std::string_view error, std::string_view description) {
  return Json(status,
              {{"error", error}, {"error_description", description}, {"traceId", NewTraceId()}});
}

// 422 for a form the endpoint cannot read: class-validator messages for each missing field,
// and, for a body that is not form-encoded, a hint saying so.
http::Response FormUnprocessable(const Ctx& ctx, std::vector<std::string> messages) {
  json j = {{"statusCode", 422},
            {"message", std::move(messages)},
            {"error", "Unprocessable Entity"},
            {"traceId", NewTraceId()}};
  if (!IsFormBody(ctx)) {
    j["hint"] = "POST " + std::string(ctx.endpoint.path) +
                " reads only an application/x-www-form-urlencoded body (field=value&…); this "
                "body is " +
                (ctx.request.body.empty()
                     ? std::string("empty")
                     : "'" + ctx.request.headers.GetOr("Content-Type", "no Content-Type") + "'");
  }
  return Json(422, j);
}

std::vector<std::string> RequireFields(const Ctx& ctx,
                                       std::initializer_list<std::string_view> names) {
  std::vector<std::string> out;
  for (auto n : names) {
    if (Field(ctx, n).empty()) {
      out.push_back(std::string(n) + " should not be empty");
      out.push_back(std::string(n) + " must be a string");
    }
  }
  return out;
}

// The app named by client_id/client_secret, or the 401 to answer.
std::optional<http::Response> CheckClient(const Ctx& ctx, const Doc** app) {
  *app = FindApp(ctx.store, Field(ctx, "client_id"));
  if (!*app || Str((*app)->value, "clientSecret") != Field(ctx, "client_secret")) {
    return OAuthError(401, "invalid_client", "Invalid client: client is invalid");
  }
  return std::nullopt;
}

http::Response InvalidGrant(Ctx& ctx, std::string_view what) {
  CountInvalidGrant(ctx.store);
  return OAuthError(400, "invalid_grant", "Invalid grant: " + std::string(what) + " is invalid");
}

http::Response ExchangeCode(Ctx& ctx, const json& app) {
  const Doc* code = ctx.store.Get(Coll::kOAuthCodes, Field(ctx, "code"));
  if (!code || Str(code->value, "clientId") != Str(app, "clientId")) {
    return InvalidGrant(ctx, "authorization code");
  }
  json c = code->value;
  ctx.store.Erase(Coll::kOAuthCodes, Str(c, "id"));  // single use, even when refused below
  if (ctx.now_ms >= c.value("expiresAtMs", int64_t{0})) {
    CountInvalidGrant(ctx.store);
    return OAuthError(400, "invalid_grant", "Invalid grant: authorization code has expired");
  }
  std::string redirect = Field(ctx, "redirect_uri");
  if (!redirect.empty() && redirect != Str(c, "redirectUri")) {
    CountInvalidGrant(ctx.store);
    return OAuthError(400, "invalid_grant",
                      "Invalid grant: redirect_uri is not the one the code was issued to");
  }
  Grant g;
  g.client_id = Str(app, "clientId");
  g.app_id = Str(app, "appId");
  g.company_id = Str(c, "companyId");
  g.user_id = Str(c, "userId");
  for (const auto& s : c["scopes"]) g.scopes.push_back(s.get<std::string>());
  std::vector<std::string> locations;
  for (const auto& l : c["locationIds"]) locations.push_back(l.get<std::string>());
  // One location chosen gives a Location token unless a Company one is asked for; a company
  // or multi-location (bulk) install always gives a Company token, whatever user_type says
  // (as GHL does for agency installs).
  bool company =
      c.value("company", false) || locations.size() != 1 || Field(ctx, "user_type") == "Company";
  if (company) {
    g.user_type = "Company";
    g.approved_locations = locations;
    g.bulk = locations.size() > 1;
  } else {
    g.user_type = "Location";
    g.location_id = locations[0];
  }
  return Json(200, IssueTokens(ctx.store, g, ctx.now_ms, true));
}

http::Response RefreshGrant(Ctx& ctx, const json& app) {
  const Doc* rt = ctx.store.Get(Coll::kOAuthRefreshTokens, Field(ctx, "refresh_token"));
  if (!rt || Str(rt->value, "clientId") != Str(app, "clientId")) {
    return InvalidGrant(ctx, "refresh token");
  }
  Grant g = GrantFromDoc(rt->value);
  // Refused before the token is spent: it still works once the location is active again.
  if (g.user_type == "Location" && IsLocationInactive(ctx.store, g.location_id)) {
    return ErrorResponse(400, "Location is not active");
  }
  std::string old_access = Str(rt->value, "accessToken");
  ctx.store.Erase(Coll::kOAuthRefreshTokens, Field(ctx, "refresh_token"));
  // The old access token stays valid until it expires (it is a JWT at GHL); forget it once
  // it has.
  if (const Doc* at = ctx.store.Get(Coll::kOAuthAccessTokens, old_access);
      at && ctx.now_ms >= at->value.value("expiresAtMs", int64_t{0})) {
    ctx.store.Erase(Coll::kOAuthAccessTokens, old_access);
  }
  g.generation += 1;
  CountRefresh(ctx.store, g.user_type == "Location" ? g.location_id : g.company_id);
  return Json(200, IssueTokens(ctx.store, g, ctx.now_ms, true));
}

// POST /oauth/token (form-encoded; no token).
http::Response Token(Ctx& ctx) {
  auto missing = RequireFields(ctx, {"client_id", "client_secret"});
  std::string grant = Field(ctx, "grant_type");
  if (grant.empty()) missing.push_back("grant_type should not be empty");
  if (grant != "authorization_code" && grant != "refresh_token" && grant != "client_credentials") {
    missing.push_back("grant_type must be one of the following values: " +
                      std::string(kGrantTypes));
  }
  std::string user_type = Field(ctx, "user_type");
  if (!user_type.empty() && user_type != "Company" && user_type != "Location") {
    missing.push_back("user_type must be one of the following values: Company, Location");
  }
  if (grant == "authorization_code" && Field(ctx, "code").empty()) {
    missing.push_back("code should not be empty");
  }
  if (grant == "refresh_token" && Field(ctx, "refresh_token").empty()) {
    missing.push_back("refresh_token should not be empty");
  }
  if (!missing.empty()) return FormUnprocessable(ctx, std::move(missing));
  const Doc* app = nullptr;
  if (auto err = CheckClient(ctx, &app)) return *err;
  if (grant == "client_credentials") {
    return OAuthError(400, "unsupported_grant_type",
                      "Unsupported grant type: the sandbox emulates authorization_code and "
                      "refresh_token");
  }
  json app_doc = app->value;
  return grant == "authorization_code" ? ExchangeCode(ctx, app_doc) : RefreshGrant(ctx, app_doc);
}

// The app a company token acts for: the one it was issued to, or (built-in agency token) the
// sandbox's current app.
json TokenApp(const Ctx& ctx) {
  if (const Doc* at = ctx.store.Get(Coll::kOAuthAccessTokens, ctx.token.value)) {
    if (const Doc* app = FindApp(ctx.store, Str(at->value, "clientId"))) return app->value;
  }
  for (const auto& [id, d] : ctx.store.All(Coll::kOAuthApps)) {
    if (d.value.value("sandboxDefault", false)) return d.value;
  }
  return json::object();
}

// POST /oauth/locationToken (form-encoded companyId, locationId; company token).
http::Response LocationToken(Ctx& ctx) {
  auto missing = RequireFields(ctx, {"companyId", "locationId"});
  if (!missing.empty()) return FormUnprocessable(ctx, std::move(missing));
  std::string company = Field(ctx, "companyId");
  std::string location = Field(ctx, "locationId");
  if (company != ctx.token.company_id) {
    return ErrorResponse(403, "The token does not have access to this company");
  }
  const Doc* loc = ctx.store.Get(Coll::kLocations, location);
  if (!loc || Str(loc->value, "companyId") != company) return NotFound("Location not found");
  json app = TokenApp(ctx);
  if (!IsInstalled(ctx.store, Str(app, "appId"), location)) {
    return ErrorResponse(400, "The app is not installed on location " + location);
  }
  if (IsLocationInactive(ctx.store, location)) {
    return ErrorResponse(400, "Location is not active");
  }
  Grant g;
  g.client_id = Str(app, "clientId");
  g.app_id = Str(app, "appId");
  g.user_type = "Location";
  g.company_id = company;
  g.location_id = location;
  g.user_id = std::string(kInstallerUserId);
  for (const auto& s : app.value("scopes", json::array())) g.scopes.push_back(s);
  if (const Doc* at = ctx.store.Get(Coll::kOAuthAccessTokens, ctx.token.value)) {
    g.scopes.clear();
    for (const auto& s : at->value.value("scopes", json::array())) g.scopes.push_back(s);
    g.user_id = Str(at->value, "userId");
  }
  // GHL documents a refresh_token in this answer since 2026-05 (highlevel-api-docs#285).
  return Json(200, IssueTokens(ctx.store, g, ctx.now_ms, true));
}

// skip/limit as GHL reads them: non-negative integers given as strings.
std::optional<size_t> Count(const std::optional<std::string>& text, size_t fallback) {
  if (!text || text->empty()) return fallback;
  size_t v = 0;
  auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || p != text->data() + text->size()) return std::nullopt;
  return v;
}

// GET /oauth/installedLocations?companyId&appId[&isInstalled&query&locationId&skip&limit].
http::Response InstalledLocations(Ctx& ctx) {
  std::string company = ctx.Query("companyId").value_or("");
  std::string app_id = ctx.Query("appId").value_or("");
  if (company != ctx.token.company_id) {
    return ErrorResponse(403, "The token does not have access to this company");
  }
  if (!FindAppById(ctx.store, app_id)) return ErrorResponse(400, "App not found: " + app_id);
  auto skip = Count(ctx.Query("skip"), 0);
  auto limit = Count(ctx.Query("limit"), 20);
  std::vector<std::string> bad;
  if (!skip) bad.push_back("skip must be a number string");
  if (!limit) bad.push_back("limit must be a number string");
  std::optional<bool> installed;
  if (auto v = ctx.Query("isInstalled"); v && !v->empty()) {
    if (*v != "true" && *v != "false") bad.push_back("isInstalled must be a boolean value");
    installed = *v == "true";
  }
  if (!bad.empty()) return Unprocessable(std::move(bad));
  std::string q = Lower(ctx.Query("query").value_or(""));
  std::string only = ctx.Query("locationId").value_or("");
  json matched = json::array();
  for (const auto& [id, l] : ctx.store.All(Coll::kLocations)) {
    if (Str(l.value, "companyId") != company) continue;
    if (!only.empty() && id != only) continue;
    if (!q.empty() && Lower(Str(l.value, "name")).find(q) == std::string::npos) continue;
    const Doc* inst = ctx.store.Get(Coll::kAppInstalls, app_id + ":" + id);
    if (installed && *installed != (inst != nullptr)) continue;
    json row = {{"_id", id},
                {"name", Str(l.value, "name")},
                {"address", Str(l.value, "address")},
                {"isInstalled", inst != nullptr}};
    if (inst) {
      row["versionId"] = Str(inst->value, "versionId");
      row["installedAt"] = Str(inst->value, "installedAt");
    }
    matched.push_back(std::move(row));
  }
  json page = json::array();
  for (size_t i = *skip; i < matched.size() && page.size() < *limit; ++i) {
    page.push_back(matched[i]);
  }
  const Doc* company_install = ctx.store.Get(Coll::kAppInstalls, app_id + ":company:" + company);
  return Json(
      200,
      {{"locations", page},
       {"count", matched.size()},
       {"installToFutureLocations",
        company_install ? company_install->value.value("installToFutureLocations", false) : false},
       {"traceId", NewTraceId()}});
}

constexpr RouteDef kRoutes[] = {
    {"oauth.get-access-token", Token, true},
    {"oauth.get-location-access-token", LocationToken, true},
    {"oauth.get-installed-location", InstalledLocations, false},
};

}  // namespace

std::span<const RouteDef> OAuthRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
