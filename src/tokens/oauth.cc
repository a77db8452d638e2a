// GHL's OAuth endpoints through the client (form encoding and Version from the catalog).
#include "ghl/tokens/oauth.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ghl/client/client.h"

namespace ghl::tokens {
namespace {

using nlohmann::json;

bool Mentions(const Error& e, std::string_view needle) {
  auto has = [&](std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text.find(needle) != std::string::npos;
  };
  return has(e.body) ||
         std::any_of(e.messages.begin(), e.messages.end(), [&](const auto& m) { return has(m); });
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<Grant> ParseGrant(const Result<json>& answer) {
  if (!answer.ok()) return answer.error();
  const json& j = answer.value();
  Grant g;
  g.pair.access_token = Str(j, "access_token");
  g.pair.refresh_token = Str(j, "refresh_token");
  g.pair.scopes = Str(j, "scope");
  int64_t expires_in = 86399;
  if (auto it = j.find("expires_in"); it != j.end() && it->is_number()) {
    expires_in = it->get<int64_t>();
  }
  g.pair.expires_at =
      std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
      std::chrono::seconds(expires_in);
  g.expires_in = std::chrono::seconds(expires_in);
  g.user_type = Str(j, "userType");
  g.company_id = Str(j, "companyId");
  g.location_id = Str(j, "locationId");
  g.user_id = Str(j, "userId");
  if (auto it = j.find("approvedLocations"); it != j.end() && it->is_array()) {
    for (const auto& v : *it) {
      if (v.is_string()) g.approved_locations.push_back(v.get<std::string>());
    }
  }
  if (g.pair.access_token.empty()) {
    Error e;
    e.kind = ErrorKind::kApi;
    e.messages.push_back("GHL's token answer has no access_token");
    return e;
  }
  return g;
}

}  // namespace

std::string OAuthApp::app_id() const { return client_id.substr(0, client_id.find('-')); }

GrantFailure ClassifyGrantFailure(const Error& e) {
  if (e.kind == ErrorKind::kNetwork || e.kind == ErrorKind::kBusy ||
      e.kind == ErrorKind::kRateLimit || e.http_status == 429 || e.http_status >= 500) {
    return GrantFailure::kTransient;
  }
  if (Mentions(e, "not active")) return GrantFailure::kLocationInactive;
  if ((e.http_status == 400 || e.http_status == 401) &&
      (Mentions(e, "invalid_grant") || Mentions(e, "invalid refresh token") ||
       Mentions(e, "refresh token") || Mentions(e, "invalid grant"))) {
    return GrantFailure::kInvalidGrant;
  }
  return GrantFailure::kRejected;
}

std::string_view ToString(GrantFailure failure) {
  switch (failure) {
    case GrantFailure::kInvalidGrant:
      return "invalid-grant";
    case GrantFailure::kLocationInactive:
      return "location-inactive";
    case GrantFailure::kTransient:
      return "transient";
    case GrantFailure::kRejected:
      return "rejected";
  }
  return "rejected";
}

OAuthClient::OAuthClient(OAuthApp app, client::ClientOptions http)
    : app_(std::move(app)), http_(std::move(http)) {
  http_.token.clear();
  http_.token_provider = nullptr;
  http_.default_location_id.clear();
  http_.retry.retry_non_idempotent = false;  // a refresh that reached GHL may have rotated
  http_.limits.enabled = false;              // OAuth calls are not per-location API calls
  connection_ = client::MakeConnection(http_);
}

Result<Grant> OAuthClient::ExchangeCode(const std::string& code, const std::string& redirect_uri,
                                        const std::string& user_type) const {
  json body = {{"client_id", app_.client_id},
               {"client_secret", app_.client_secret},
               {"grant_type", "authorization_code"},
               {"code", code}};
  if (!redirect_uri.empty()) body["redirect_uri"] = redirect_uri;
  if (!user_type.empty()) body["user_type"] = user_type;
  client::Client c(connection_);
  return ParseGrant(c.Call(
      {.method = "POST", .path = "/oauth/token", .body = body.dump(), .fill_location = false}));
}

Result<Grant> OAuthClient::Refresh(const std::string& refresh_token,
                                   const std::string& user_type) const {
  json body = {{"client_id", app_.client_id},
               {"client_secret", app_.client_secret},
               {"grant_type", "refresh_token"},
               {"refresh_token", refresh_token}};
  if (!user_type.empty()) body["user_type"] = user_type;
  client::Client c(connection_);
  return ParseGrant(c.Call(
      {.method = "POST", .path = "/oauth/token", .body = body.dump(), .fill_location = false}));
}

Result<Grant> OAuthClient::MintLocationToken(const std::string& company_access_token,
                                             const std::string& company_id,
                                             const std::string& location_id) const {
  json body = {{"companyId", company_id}, {"locationId", location_id}};
  client::Client c(connection_);
  auto g = ParseGrant(c.Call({.method = "POST",
                              .path = "/oauth/locationToken",
                              .body = body.dump(),
                              .token = company_access_token,
                              .fill_location = false}));
  if (g.ok()) {
    if (g->location_id.empty()) g->location_id = location_id;
    if (g->company_id.empty()) g->company_id = company_id;
    g->user_type = "Location";
  }
  return g;
}

Result<std::vector<std::pair<std::string, std::string>>> OAuthClient::InstalledLocations(
    const std::string& company_access_token, const std::string& company_id) const {
  std::vector<std::pair<std::string, std::string>> out;
  client::Client c(connection_);
  constexpr int kLimit = 100;
  for (int skip = 0;; skip += kLimit) {
    auto page = c.Call({.method = "GET",
                        .path = "/oauth/installedLocations",
                        .query = {{"companyId", company_id},
                                  {"appId", app_.app_id()},
                                  {"isInstalled", "true"},
                                  {"skip", std::to_string(skip)},
                                  {"limit", std::to_string(kLimit)}},
                        .token = company_access_token,
                        .fill_location = false});
    if (!page.ok()) return page.error();
    auto it = page->find("locations");
    if (it == page->end() || !it->is_array() || it->empty()) break;
    for (const auto& l : *it) {
      if (!l.is_object()) continue;
      if (auto inst = l.find("isInstalled"); inst != l.end() && inst->is_boolean() && !*inst) {
        continue;
      }
      out.emplace_back(Str(l, "_id"), Str(l, "name"));
    }
    if (static_cast<int>(it->size()) < kLimit) break;
  }
  return out;
}

Result<std::string> OAuthClient::LocationName(const std::string& location_access_token,
                                              const std::string& location_id) const {
  client::Client c(connection_);
  auto answer = c.Call({.method = "GET",
                        .path = "/locations/{locationId}",
                        .path_params = {{"locationId", location_id}},
                        .token = location_access_token,
                        .fill_location = false});
  if (!answer.ok()) return answer.error();
  auto it = answer->find("location");
  return it != answer->end() && it->is_object() ? Str(*it, "name") : std::string();
}

}  // namespace ghl::tokens
