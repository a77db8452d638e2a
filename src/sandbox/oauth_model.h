// The sandbox's OAuth state (apps, authorization codes, rotating refresh tokens, issued access
// tokens, installs, inactive locations), kept as documents in the sandbox Store so a `--db`
// sandbox keeps it across restarts. Every function runs under the sandbox's state lock (the
// caller holds it: shared for the const ones, exclusive for the others).
//
// GHL facts emulated (shared/ghl-openapi/apps/oauth.json; research/tokens-sync.md A2):
//  - an access token lives `expires_in` seconds (86399 by default); a refresh token is
//    single-use: each refresh answers a new pair and the old refresh token is refused at once;
//  - a code comes from the consent page (marketplace.gohighlevel.com/oauth/chooselocation) and
//    is exchanged once; installing sends INSTALL, uninstalling UNINSTALL (webhooks/App*.json).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/sandbox/sandbox.h"
#include "handler.h"
#include "store.h"

namespace ghl::sandbox {

/// How long an authorization code may be exchanged (single use), milliseconds.
inline constexpr int64_t kAuthCodeLifetimeMs = 10 * 60 * 1000;
/// The user the sandbox says installed an app (the demo location's seeded owner).
inline constexpr std::string_view kInstallerUserId = "sandbox-user-owner";

/// The app document for `client_id` (kOAuthApps), or nullptr.
const Doc* FindApp(const Store& store, std::string_view client_id);
/// The app document whose `appId` is `app_id`, or nullptr.
const Doc* FindAppById(const Store& store, std::string_view app_id);

/// Puts the sandbox's app from `options` into the store and returns its document: a missing
/// client id (or secret) reuses the app already stored (a `--db` restart keeps its credentials)
/// or is generated; the lifetime and scopes are always the current options'.
json EnsureApp(Store& store, const OAuthOptions& options, const std::vector<std::string>& scopes);

/// What an access token is for (kOAuthAccessTokens / kOAuthRefreshTokens documents).
struct Grant {
  std::string client_id;
  std::string app_id;
  std::string user_type;  ///< "Company" or "Location"
  std::string company_id;
  std::string location_id;  ///< Location tokens only
  std::vector<std::string> scopes;
  std::vector<std::string> approved_locations;  ///< Company tokens only
  std::string user_id;
  bool bulk = false;       ///< Company token from a multi-location (bulk) install
  int64_t generation = 1;  ///< 1 for a code exchange / minted token, +1 per refresh
};

/// Issues an access token (and, when `with_refresh`, a refresh token) for `grant`, stores both
/// and returns GHL's token answer: access_token, token_type, expires_in, refresh_token, scope,
/// userType, companyId, locationId (Location), approvedLocations / isBulkInstallation
/// (Company), userId, appId, versionId, plus `refreshTokenId` and `generation` (sandbox).
json IssueTokens(Store& store, const Grant& grant, int64_t now_ms, bool with_refresh);

/// Grant of a stored refresh-token document.
Grant GrantFromDoc(const json& doc);

/// Result of looking a bearer up among issued access tokens.
enum class AccessLookup { kUnknown, kExpired, kValid };
/// Finds an issued access token; on kValid fills `*out` (value, agency, ids, scopes).
AccessLookup LookupAccessToken(const Store& store, std::string_view bearer, int64_t now_ms,
                               Token* out);

/// Counts one refresh for `key` (location or company id) or, with an empty key, one refused
/// refresh token, in the kOAuthStats document.
void CountRefresh(Store& store, const std::string& key);
void CountInvalidGrant(Store& store);

/// True when `location_id` was switched inactive (admin endpoint or `--inactive-location`).
bool IsLocationInactive(const Store& store, std::string_view location_id);
void SetLocationInactive(Store& store, const std::string& location_id, bool inactive);

/// Whether `app_id` is installed on `location_id`.
bool IsInstalled(const Store& store, std::string_view app_id, std::string_view location_id);

/// Installs `app` on `location_ids` (and, when `company`, for the company: one company-level
/// INSTALL event without locationId first), pushing GHL's INSTALL events (AppInstall.example
/// shapes).
void Install(Store& store, const json& app, const std::string& company_id,
             const std::vector<std::string>& location_ids, bool company, int64_t now_ms,
             std::vector<Event>* events);

/// Uninstalls `app_id` from `location_id` (or, with an empty location, from the company and
/// all its locations): removes the installs, revokes every refresh and access token of that
/// location (company: of the company and its locations) and pushes one UNINSTALL event
/// (AppUninstall.example / example2 shape). False when nothing was installed.
bool Uninstall(Store& store, const std::string& app_id, const std::string& company_id,
               const std::string& location_id, std::vector<Event>* events);

/// Company name shown on the consent page and in INSTALL events.
std::string CompanyName(std::string_view company_id);

// ---- outside the API (oauth_console.cc) --------------------------------------------------------

/// Paths answered by `HandleConsole` instead of the API pipeline: the consent page
/// `/oauth/chooselocation` (GHL serves it on marketplace.gohighlevel.com), its approval
/// `/oauth/chooselocation/approve`, and the control endpoints under `/sandbox/`.
bool IsConsolePath(std::string_view path);
/// Whether `HandleConsole` may change state for this request (needs the exclusive lock).
bool ConsoleWrites(const http::Request& request);
/// Answers a console request (no token, no Version, no rate limit):
///  - GET /oauth/chooselocation?response_type=code&client_id&redirect_uri[&scope&state]: an HTML
///    consent page with one form per company (tick the agency and/or locations);
///  - GET|POST /oauth/chooselocation/approve (same fields + companyId and/or locationId, repeated):
///    installs the app (INSTALL events), stores a single-use code valid `kAuthCodeLifetimeMs`
///    and answers 302 to redirect_uri?code=…[&state=…]; bad input → 400 HTML naming it;
///  - POST /sandbox/locations/{id}/deactivate|activate, POST /sandbox/oauth/uninstall
///    (locationId= or companyId=, optional appId=; UNINSTALL event), GET /sandbox/oauth/stats
///    ({"invalidGrant":N,"refreshes":{id:n},"liveRefreshTokens":n}), GET /sandbox/oauth/app
///    ({"clientId","clientSecret","appId","companyId","accessTokenTtlSeconds"}).
http::Response HandleConsole(const http::Request& request, Store& store, int64_t now_ms,
                             std::vector<Event>* events);

}  // namespace ghl::sandbox
