// OAuth state of the sandbox as Store documents: apps, tokens, installs (see oauth_model.h).
#include "oauth_model.h"

#include <algorithm>
#include <random>

namespace ghl::sandbox {
namespace {

// Random [0-9a-z] text from a per-thread generator seeded by the OS.
std::string RandomText(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kChars[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::uniform_int_distribution<int> pick(0, 35);
  std::string s(n, '0');
  for (auto& c : s) c = kChars[pick(rng)];
  return s;
}

std::string RandomHex(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s(n, '0');
  for (auto& c : s) c = kHex[rng() & 15];
  return s;
}

json Strings(const std::vector<std::string>& v) {
  json a = json::array();
  for (const auto& s : v) a.push_back(s);
  return a;
}

std::vector<std::string> StringList(const json& a) {
  std::vector<std::string> out;
  if (!a.is_array()) return out;
  for (const auto& v : a) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : " ") + s;
  return out;
}

std::string InstallId(std::string_view app_id, std::string_view location_id) {
  return std::string(app_id) + ":" + std::string(location_id);
}

std::string CompanyInstallId(std::string_view app_id, std::string_view company_id) {
  return std::string(app_id) + ":company:" + std::string(company_id);
}

json Stats(const Store& store) {
  const Doc* d = store.Get(Coll::kOAuthStats, "stats");
  return d ? d->value : json{{"id", "stats"}, {"invalidGrant", 0}, {"refreshes", json::object()}};
}

}  // namespace

const Doc* FindApp(const Store& store, std::string_view client_id) {
  return store.Get(Coll::kOAuthApps, client_id);
}

const Doc* FindAppById(const Store& store, std::string_view app_id) {
  for (const auto& [id, d] : store.All(Coll::kOAuthApps)) {
    if (Str(d.value, "appId") == app_id) return &d;
  }
  return nullptr;
}

json EnsureApp(Store& store, const OAuthOptions& options, const std::vector<std::string>& scopes) {
  std::string client_id = options.client_id;
  const Doc* stored = nullptr;
  if (client_id.empty()) {
    for (const auto& [id, d] : store.All(Coll::kOAuthApps)) {
      if (d.value.value("sandboxDefault", false)) stored = &d;
    }
    client_id = stored ? Str(stored->value, "clientId") : RandomHex(24) + "-" + RandomText(8);
  } else {
    stored = FindApp(store, client_id);
  }
  std::string secret = options.client_secret;
  if (secret.empty()) {
    secret = stored ? Str(stored->value, "clientSecret")
                    : RandomHex(8) + "-" + RandomHex(4) + "-" + RandomHex(4) + "-" + RandomHex(4) +
                          "-" + RandomHex(12);
  }
  std::string app_id = client_id.substr(0, client_id.find('-'));
  // Only one app is the sandbox's current one (the built-in agency token acts for it).
  std::vector<std::string> others;
  for (const auto& [id, d] : store.All(Coll::kOAuthApps)) {
    if (id != client_id && d.value.value("sandboxDefault", false)) others.push_back(id);
  }
  for (const auto& id : others) {
    json v = store.Get(Coll::kOAuthApps, id)->value;
    v["sandboxDefault"] = false;
    store.Put(Coll::kOAuthApps, id, std::move(v));
  }
  json app = {{"id", client_id},
              {"clientId", client_id},
              {"clientSecret", secret},
              {"appId", app_id},
              {"versionId", app_id},
              {"scopes", Strings(scopes)},
              {"accessTokenTtlSeconds", options.access_token_ttl.count()},
              {"redirectUris", Strings(options.redirect_uris)},
              {"sandboxDefault", true}};
  return store.Put(Coll::kOAuthApps, client_id, std::move(app)).value;
}

Grant GrantFromDoc(const json& doc) {
  Grant g;
  g.client_id = Str(doc, "clientId");
  g.app_id = Str(doc, "appId");
  g.user_type = Str(doc, "userType");
  g.company_id = Str(doc, "companyId");
  g.location_id = Str(doc, "locationId");
  g.scopes = StringList(doc.value("scopes", json::array()));
  g.approved_locations = StringList(doc.value("approvedLocations", json::array()));
  g.user_id = Str(doc, "userId");
  g.bulk = doc.value("isBulkInstallation", false);
  g.generation = doc.value("generation", int64_t{1});
  return g;
}

json IssueTokens(Store& store, const Grant& grant, int64_t now_ms, bool with_refresh) {
  const Doc* app = FindApp(store, grant.client_id);
  int64_t ttl = app ? app->value.value("accessTokenTtlSeconds", int64_t{86399}) : 86399;
  std::string access = "sbx-at-" + RandomText(40);
  json common = {{"clientId", grant.client_id},     {"appId", grant.app_id},
                 {"userType", grant.user_type},     {"companyId", grant.company_id},
                 {"scopes", Strings(grant.scopes)}, {"userId", grant.user_id},
                 {"generation", grant.generation}};
  if (grant.user_type == "Location") {
    common["locationId"] = grant.location_id;
  } else {
    common["approvedLocations"] = Strings(grant.approved_locations);
    common["isBulkInstallation"] = grant.bulk;
  }
  json at = common;
  at["id"] = access;
  at["expiresAtMs"] = now_ms + ttl * 1000;
  store.Put(Coll::kOAuthAccessTokens, access, std::move(at));

  json answer = {{"access_token", access},      {"token_type", "Bearer"},
                 {"expires_in", ttl},           {"scope", Join(grant.scopes)},
                 {"userType", grant.user_type}, {"companyId", grant.company_id}};
  if (with_refresh) {
    std::string refresh = "sbx-rt-" + RandomText(40);
    json rt = common;
    rt["id"] = refresh;
    rt["accessToken"] = access;
    rt["issuedAtMs"] = now_ms;
    store.Put(Coll::kOAuthRefreshTokens, refresh, std::move(rt));
    answer["refresh_token"] = refresh;
    answer["refreshTokenId"] = refresh.substr(7, 12);
  }
  if (grant.user_type == "Location") {
    answer["locationId"] = grant.location_id;
  } else {
    answer["approvedLocations"] = Strings(grant.approved_locations);
    answer["isBulkInstallation"] = grant.bulk;
    answer["approveAllLocations"] = false;
    answer["installToFutureLocations"] = false;
  }
  answer["userId"] = grant.user_id;
  answer["appId"] = grant.app_id;
  answer["versionId"] = grant.app_id;
  answer["generation"] = grant.generation;
  return answer;
}

AccessLookup LookupAccessToken(const Store& store, std::string_view bearer, int64_t now_ms,
                               Token* out) {
  const Doc* d = store.Get(Coll::kOAuthAccessTokens, bearer);
  if (!d) return AccessLookup::kUnknown;
  if (now_ms >= d->value.value("expiresAtMs", int64_t{0})) return AccessLookup::kExpired;
  out->value = std::string(bearer);
  out->agency = Str(d->value, "userType") == "Company";
  out->location_id = Str(d->value, "locationId");
  out->company_id = Str(d->value, "companyId");
  out->scopes = StringList(d->value.value("scopes", json::array()));
  return AccessLookup::kValid;
}

void CountRefresh(Store& store, const std::string& key, std::string_view counter) {
  json s = Stats(store);
  json& per = s[std::string(counter)];
  if (!per.is_object()) per = json::object();
  per[key] = per.value(key, int64_t{0}) + 1;
  store.Put(Coll::kOAuthStats, "stats", std::move(s));
}

void CountInvalidGrant(Store& store) {
  json s = Stats(store);
  s["invalidGrant"] = s.value("invalidGrant", int64_t{0}) + 1;
  store.Put(Coll::kOAuthStats, "stats", std::move(s));
}

bool IsLocationInactive(const Store& store, std::string_view location_id) {
  return store.Get(Coll::kInactiveLocations, location_id) != nullptr;
}

void SetLocationInactive(Store& store, const std::string& location_id, bool inactive) {
  if (inactive) {
    store.Put(Coll::kInactiveLocations, location_id, json{{"id", location_id}});
  } else {
    store.Erase(Coll::kInactiveLocations, location_id);
  }
}

bool IsInstalled(const Store& store, std::string_view app_id, std::string_view location_id) {
  return store.Get(Coll::kAppInstalls, InstallId(app_id, location_id)) != nullptr;
}

std::string CompanyName(std::string_view company_id) {
  return company_id == kDemoCompanyId ? "Sandbox Demo Agency"
                                      : "Sandbox Agency " + std::string(company_id);
}

void Install(Store& store, const json& app, const std::string& company_id,
             const std::vector<std::string>& location_ids, bool company, int64_t now_ms,
             std::vector<Event>* events) {
  std::string app_id = Str(app, "appId");
  json base = {{"type", "INSTALL"}, {"appId", app_id}};
  if (company) {
    store.Put(Coll::kAppInstalls, CompanyInstallId(app_id, company_id),
              json{{"appId", app_id},
                   {"companyId", company_id},
                   {"installedAt", IsoUtcMs(now_ms)},
                   {"approvedLocations", Strings(location_ids)}});
    // AppInstall.example3.json: a company-level install names no location.
    json ev = base;
    ev["companyId"] = company_id;
    ev["userId"] = kInstallerUserId;
    ev["companyName"] = CompanyName(company_id);
    events->push_back({"INSTALL", std::move(ev)});
  }
  for (const auto& loc : location_ids) {
    store.Put(Coll::kAppInstalls, InstallId(app_id, loc),
              json{{"appId", app_id},
                   {"companyId", company_id},
                   {"locationId", loc},
                   {"versionId", Str(app, "versionId")},
                   {"installedAt", IsoUtcMs(now_ms)}});
    // AppInstall.example2.json (no plan, not white-label).
    json ev = base;
    ev["locationId"] = loc;
    ev["companyId"] = company_id;
    ev["userId"] = kInstallerUserId;
    ev["isWhitelabelCompany"] = false;
    ev["whitelabelDetails"] = json::object();
    ev["companyName"] = CompanyName(company_id);
    events->push_back({"INSTALL", std::move(ev)});
  }
}

bool Uninstall(Store& store, const std::string& app_id, const std::string& company_id,
               const std::string& location_id, std::vector<Event>* events) {
  std::vector<std::string> gone;  // install ids
  for (const auto& [id, d] : store.All(Coll::kAppInstalls)) {
    if (Str(d.value, "appId") != app_id) continue;
    bool hit = location_id.empty() ? Str(d.value, "companyId") == company_id
                                   : Str(d.value, "locationId") == location_id;
    if (hit) gone.push_back(id);
  }
  if (gone.empty()) return false;
  for (const auto& id : gone) store.Erase(Coll::kAppInstalls, id);
  // Revoke: a location's tokens, or (company) every token of the company.
  for (Coll c : {Coll::kOAuthRefreshTokens, Coll::kOAuthAccessTokens}) {
    std::vector<std::string> revoke;
    for (const auto& [id, d] : store.All(c)) {
      if (Str(d.value, "appId") != app_id) continue;
      bool hit = location_id.empty() ? Str(d.value, "companyId") == company_id
                                     : Str(d.value, "locationId") == location_id;
      if (hit) revoke.push_back(id);
    }
    for (const auto& id : revoke) store.Erase(c, id);
  }
  json ev = {{"type", "UNINSTALL"}, {"appId", app_id}};
  if (location_id.empty()) {
    ev["companyId"] = company_id;  // AppUninstall.example2.json
  } else {
    ev["locationId"] = location_id;  // AppUninstall.example.json
  }
  events->push_back({"UNINSTALL", std::move(ev)});
  return true;
}

}  // namespace ghl::sandbox
