// What is not an API operation: the consent page an app sends its user to
// (`GET /oauth/chooselocation`, at GHL on marketplace.gohighlevel.com) with its approval
// (`/oauth/chooselocation/approve` → 302 to redirect_uri?code=…), and the sandbox's control
// endpoints under /sandbox/ (location active switch, uninstall, OAuth counters).
#include <algorithm>

#include "ghl/core/json_depth.h"
#include "oauth_model.h"

namespace ghl::sandbox {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

std::string First(const Params& p, std::string_view name) {
  for (const auto& [k, v] : p) {
    if (k == name) return v;
  }
  return "";
}

std::vector<std::string> All(const Params& p, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : p) {
    if (k == name && !v.empty() && std::find(out.begin(), out.end(), v) == out.end()) {
      out.push_back(v);
    }
  }
  return out;
}

std::string Html(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

http::Response HtmlPage(int status, const std::string& title, const std::string& body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "text/html; charset=utf-8");
  r.headers.Set("Cache-Control", "no-store");
  r.body = "<!doctype html><html><head><meta charset=\"utf-8\"><title>" + Html(title) +
           "</title></head><body><h1>" + Html(title) + "</h1>" + body + "</body></html>\n";
  return r;
}

http::Response HtmlError(const std::string& message) {
  return HtmlPage(400, "Cannot install the app", "<p id=\"error\">" + Html(message) + "</p>");
}

std::vector<std::string> SplitScopes(const std::string& text) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find_first_of(" +,", i);
    if (j == std::string::npos) j = text.size();
    if (j > i) out.push_back(text.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

// The checks both the page and its approval make; "" when the request is acceptable, else
// the message. Fills the app and the granted scopes.
// http://127.0.0.1, localhost or [::1], any port and path (RFC 8252 §7.3: native apps listen on
// an ephemeral loopback port).
bool IsLoopbackRedirect(const std::string& uri) {
  if (uri.rfind("http://", 0) != 0) return false;
  std::string_view rest = std::string_view(uri).substr(7);
  for (std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
    if (rest.substr(0, host.size()) == host &&
        (rest.size() == host.size() || rest[host.size()] == ':' || rest[host.size()] == '/')) {
      return true;
    }
  }
  return false;
}

bool IsRegisteredRedirect(const Doc& app, const std::string& uri) {
  for (const auto& r : app.value.value("redirectUris", json::array())) {
    if (r.is_string() && r.get<std::string>() == uri) return true;
  }
  return false;
}

std::string CheckAuthorize(const Store& store, const Params& p, const Doc** app,
                           std::vector<std::string>* scopes) {
  if (First(p, "response_type") != "code") {
    return "response_type must be code (the sandbox emulates the authorization code flow)";
  }
  *app = FindApp(store, First(p, "client_id"));
  if (!*app) return "client_id '" + First(p, "client_id") + "' is not an app of this sandbox";
  std::string redirect = First(p, "redirect_uri");
  if (redirect.rfind("http://", 0) != 0 && redirect.rfind("https://", 0) != 0) {
    return "redirect_uri must be an absolute http(s) URL, e.g. http://127.0.0.1:8765/callback";
  }
  if (!IsLoopbackRedirect(redirect) && !IsRegisteredRedirect(**app, redirect)) {
    return "redirect_uri '" + redirect +
           "' is not registered for this app (GHL redirects only to an app's registered "
           "URIs): use a loopback one (http://127.0.0.1:PORT/…) or start the sandbox with "
           "--redirect-uri " +
           redirect;
  }
  std::vector<std::string> offered;
  for (const auto& s : (*app)->value.value("scopes", json::array())) offered.push_back(s);
  *scopes = SplitScopes(First(p, "scope"));
  if (scopes->empty()) *scopes = offered;
  std::vector<std::string> unknown;
  for (const auto& s : *scopes) {
    if (std::find(offered.begin(), offered.end(), s) == offered.end()) unknown.push_back(s);
  }
  if (!unknown.empty()) {
    std::string list;
    for (const auto& s : unknown) list += (list.empty() ? "" : ", ") + s;
    return "scope names scopes the sandbox does not grant: " + list;
  }
  return "";
}

// GET /oauth/chooselocation: the consent page.
http::Response ChooseLocation(const Store& store, const Params& p) {
  const Doc* app = nullptr;
  std::vector<std::string> scopes;
  if (auto err = CheckAuthorize(store, p, &app, &scopes); !err.empty()) return HtmlError(err);
  std::string hidden;
  for (auto name : {"response_type", "client_id", "redirect_uri", "scope", "state"}) {
    std::string v = First(p, name);
    if (!v.empty() || std::string_view(name) != "state") {
      hidden +=
          "<input type=\"hidden\" name=\"" + std::string(name) + "\" value=\"" + Html(v) + "\">";
    }
  }
  std::vector<std::string> companies;
  for (const auto& [id, l] : store.All(Coll::kLocations)) {
    std::string c = Str(l.value, "companyId");
    if (std::find(companies.begin(), companies.end(), c) == companies.end()) {
      companies.push_back(c);
    }
  }
  std::string body =
      "<p>App <code>" + Html(Str(app->value, "appId")) + "</code> asks for: <code id=\"scopes\">";
  for (const auto& s : scopes) body += Html(s) + " ";
  body += "</code></p>";
  for (const auto& c : companies) {
    body += "<form method=\"post\" action=\"/oauth/chooselocation/approve\">" + hidden +
            "<fieldset><legend>" + Html(CompanyName(c)) + "</legend>" +
            "<label><input type=\"checkbox\" name=\"companyId\" value=\"" + Html(c) +
            "\"> The agency (a Company token; with no location ticked, every location)</label>";
    for (const auto& [id, l] : store.All(Coll::kLocations)) {
      if (Str(l.value, "companyId") != c) continue;
      body += "<br><label><input type=\"checkbox\" name=\"locationId\" value=\"" + Html(id) +
              "\"> " + Html(Str(l.value, "name")) + " <code>" + Html(id) + "</code>" +
              (IsLocationInactive(store, id) ? " (not active)" : "") + "</label>";
    }
    body += "</fieldset><button type=\"submit\">Allow and install</button></form>";
  }
  return HtmlPage(200, "Choose the account to install the app on", body);
}

// GET or POST /oauth/chooselocation/approve: installs and redirects with a code.
http::Response Approve(Store& store, const Params& p, int64_t now, std::vector<Event>* events) {
  const Doc* app = nullptr;
  std::vector<std::string> scopes;
  if (auto err = CheckAuthorize(store, p, &app, &scopes); !err.empty()) return HtmlError(err);
  auto locations = All(p, "locationId");
  std::string company = First(p, "companyId");
  bool company_install = !company.empty();
  if (!company_install && locations.empty()) {
    return HtmlError("choose the agency (companyId=…) or at least one location (locationId=…)");
  }
  for (const auto& id : locations) {
    const Doc* l = store.Get(Coll::kLocations, id);
    if (!l) return HtmlError("locationId '" + id + "' is not a location of this sandbox");
    std::string c = Str(l->value, "companyId");
    if (company.empty()) company = c;
    if (c != company) {
      return HtmlError("locationId '" + id + "' belongs to company " + c + ", not " + company);
    }
  }
  if (company_install && locations.empty()) {
    for (const auto& [id, l] : store.All(Coll::kLocations)) {
      if (Str(l.value, "companyId") == company) locations.push_back(id);
    }
    if (locations.empty()) return HtmlError("companyId '" + company + "' has no locations");
  }
  json app_doc = app->value;
  Install(store, app_doc, company, locations, company_install, now, events);
  if (company_install && First(p, "installToFutureLocations") == "true") {
    // GHL's bulk-install option: the agency's sub-accounts created later get the app too.
    std::string key = Str(app_doc, "appId") + ":company:" + company;
    if (const Doc* inst = store.Get(Coll::kAppInstalls, key)) {
      json v = inst->value;
      v["installToFutureLocations"] = true;
      store.Put(Coll::kAppInstalls, key, std::move(v));
    }
  }
  std::string code = "sbx-code-" + NewTraceId();
  std::string redirect = First(p, "redirect_uri");
  store.Put(Coll::kOAuthCodes, code,
            json{{"id", code},
                 {"clientId", app_doc["clientId"]},
                 {"redirectUri", redirect},
                 {"scopes", scopes},
                 {"companyId", company},
                 {"locationIds", locations},
                 {"company", company_install},
                 {"userId", kInstallerUserId},
                 {"expiresAtMs", now + kAuthCodeLifetimeMs}});
  std::string target = redirect + (redirect.find('?') == std::string::npos ? "?" : "&") +
                       "code=" + http::UrlEncode(code);
  if (std::string state = First(p, "state"); !state.empty()) {
    target += "&state=" + http::UrlEncode(state);
  }
  http::Response r;
  r.status = 302;
  r.headers.Set("Location", target);
  r.headers.Set("Cache-Control", "no-store");
  r.headers.Set("Content-Type", "text/html; charset=utf-8");
  r.body = "<a href=\"" + Html(target) + "\">Continue</a>\n";
  return r;
}

// POST /oauth/reconnect {clientKey, clientSecret, locationId | companyId} (JSON): a fresh code
// for an existing install, GHL's recovery for lost tokens (help article 155000003717; not in
// the OpenAPI files) → {"authorizationCode","expiresAt","traceId"}.
http::Response Reconnect(Store& store, const http::Request& request, int64_t now) {
  json b = ghl::ParseJsonBounded<json>(request.body);
  if (!b.is_object()) {
    return ErrorResponse(400,
                         "the body must be JSON: {clientKey, clientSecret, locationId or "
                         "companyId}");
  }
  const Doc* app = FindApp(store, Str(b, "clientKey"));
  if (!app || Str(app->value, "clientSecret") != Str(b, "clientSecret")) {
    return ErrorResponse(401,
                         "Invalid client credentials: clientKey and clientSecret must be "
                         "the pair the app was installed with");
  }
  std::string location = Str(b, "locationId");
  std::string company = Str(b, "companyId");
  if (location.empty() == company.empty()) {
    return Unprocessable({"give exactly one of locationId or companyId"});
  }
  std::string app_id = Str(app->value, "appId");
  std::vector<std::string> locations;
  if (!location.empty()) {
    const Doc* inst = store.Get(Coll::kAppInstalls, app_id + ":" + location);
    if (!inst) return ErrorResponse(400, "The app is not installed on location " + location);
    company = Str(inst->value, "companyId");
    locations.push_back(location);
  } else {
    const Doc* inst = store.Get(Coll::kAppInstalls, app_id + ":company:" + company);
    if (!inst) return ErrorResponse(400, "The app is not installed on company " + company);
    for (const auto& l : inst->value.value("approvedLocations", json::array())) {
      if (IsInstalled(store, app_id, l.get<std::string>())) locations.push_back(l);
    }
  }
  std::string code = "sbx-code-" + NewTraceId();
  int64_t expires = now + kAuthCodeLifetimeMs;
  store.Put(Coll::kOAuthCodes, code,
            json{{"id", code},
                 {"clientId", app->value["clientId"]},
                 {"redirectUri", ""},
                 {"scopes", app->value.value("scopes", json::array())},
                 {"companyId", company},
                 {"locationIds", locations},
                 {"company", location.empty()},
                 {"userId", kInstallerUserId},
                 {"expiresAtMs", expires}});
  return Json(
      200,
      {{"authorizationCode", code}, {"expiresAt", IsoUtcMs(expires)}, {"traceId", NewTraceId()}});
}

const json* CurrentApp(const Store& store) {
  for (const auto& [id, d] : store.All(Coll::kOAuthApps)) {
    if (d.value.value("sandboxDefault", false)) return &d.value;
  }
  return nullptr;
}

http::Response Admin(Store& store, const std::string& method, std::string_view path,
                     const Params& p, std::vector<Event>* events) {
  constexpr std::string_view kLoc = "/sandbox/locations/";
  if (path.rfind(kLoc, 0) == 0) {
    std::string_view rest = path.substr(kLoc.size());
    auto slash = rest.find('/');
    std::string id = http::UrlDecode(rest.substr(0, slash), false);
    std::string_view action = slash == std::string_view::npos ? "" : rest.substr(slash + 1);
    if (action != "activate" && action != "deactivate") {
      return ErrorResponse(404, "Cannot " + method + " " + std::string(path),
                           {{"hint",
                             "POST /sandbox/locations/{locationId}/deactivate or "
                             "/activate"}});
    }
    if (method != "POST") return ErrorResponse(405, "use POST");
    if (!store.Get(Coll::kLocations, id)) return NotFound("Location not found: " + id);
    SetLocationInactive(store, id, action == "deactivate");
    return Json(200, {{"locationId", id}, {"active", action == "activate"}});
  }
  if (path == "/sandbox/oauth/uninstall") {
    if (method != "POST") return ErrorResponse(405, "use POST");
    const json* app = CurrentApp(store);
    std::string app_id = First(p, "appId");
    if (app_id.empty() && app) app_id = Str(*app, "appId");
    std::string location = First(p, "locationId");
    std::string company = First(p, "companyId");
    if (location.empty() == company.empty()) {
      return Unprocessable(
          {"give exactly one of locationId (uninstall from a location) or "
           "companyId (from the agency and all its locations)"});
    }
    if (!Uninstall(store, app_id, company, location, events)) {
      return NotFound("App " + app_id + " is not installed on " +
                      (location.empty() ? "company " + company : "location " + location));
    }
    return Json(200, {{"uninstalled", true},
                      {"appId", app_id},
                      {location.empty() ? "companyId" : "locationId",
                       location.empty() ? company : location}});
  }
  if (path == "/sandbox/oauth/stats") {
    const Doc* d = store.Get(Coll::kOAuthStats, "stats");
    json s =
        d ? d->value
          : json{{"invalidGrant", 0}, {"refreshes", json::object()}, {"mints", json::object()}};
    s.erase("id");
    s["liveRefreshTokens"] = store.All(Coll::kOAuthRefreshTokens).size();
    return Json(200, s);
  }
  if (path == "/sandbox/oauth/app") {
    const json* app = CurrentApp(store);
    if (!app) return NotFound("no app");
    return Json(200, {{"clientId", (*app)["clientId"]},
                      {"clientSecret", (*app)["clientSecret"]},
                      {"appId", (*app)["appId"]},
                      {"companyId", kDemoCompanyId},
                      {"accessTokenTtlSeconds", (*app)["accessTokenTtlSeconds"]}});
  }
  return ErrorResponse(404, "Cannot " + method + " " + std::string(path),
                       {{"hint",
                         "sandbox control endpoints: POST /sandbox/locations/{id}/"
                         "deactivate|activate, POST /sandbox/oauth/uninstall, GET "
                         "/sandbox/oauth/stats, GET /sandbox/oauth/app"}});
}

}  // namespace

bool IsConsolePath(std::string_view path) {
  return path == "/oauth/chooselocation" || path == "/oauth/chooselocation/" ||
         path == "/oauth/reconnect" || path == "/oauth/chooselocation/approve" ||
         path.rfind("/sandbox/", 0) == 0;
}

bool ConsoleWrites(const http::Request& request) {
  return request.method == "POST" || request.Path() == "/oauth/chooselocation/approve";
}

http::Response HandleConsole(const http::Request& request, Store& store, int64_t now_ms,
                             std::vector<Event>* events) {
  Params p = http::ParseQuery(request.Query());
  if (request.method == "POST" && Lower(request.headers.GetOr("Content-Type", ""))
                                          .rfind("application/x-www-form-urlencoded", 0) == 0) {
    for (auto& kv : http::ParseQuery(request.body)) p.push_back(std::move(kv));
  }
  std::string_view path = request.Path();
  if (path == "/oauth/chooselocation" || path == "/oauth/chooselocation/") {
    if (request.method != "GET" && request.method != "HEAD") {
      return ErrorResponse(405, "use GET");
    }
    return ChooseLocation(store, p);
  }
  if (path == "/oauth/chooselocation/approve") {
    if (request.method != "GET" && request.method != "POST") {
      return ErrorResponse(405, "use GET or POST");
    }
    return Approve(store, p, now_ms, events);
  }
  if (path == "/oauth/reconnect") {
    if (request.method != "POST") return ErrorResponse(405, "use POST");
    return Reconnect(store, request, now_ms);
  }
  return Admin(store, request.method, path, p, events);
}

}  // namespace ghl::sandbox
