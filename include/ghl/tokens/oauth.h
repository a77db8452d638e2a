/// \file
/// GHL's OAuth calls (shared/ghl-openapi/apps/oauth.json), and what their failures mean for a
/// stored token: `POST /oauth/token` (authorization_code and refresh_token grants, form-encoded,
/// client id/secret in the body), `POST /oauth/locationToken` (an agency token mints a location
/// token) and `GET /oauth/installedLocations`. Refresh tokens are single use: each refresh
/// answers a new pair and the old refresh token is refused at once, so a refresh is never
/// retried after a network error or 5xx (GHL may have rotated it); only 429 is retried.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "ghl/client/connection.h"
#include "ghl/client/options.h"
#include "ghl/core/result.h"
#include "ghl/tokens/token_store.h"

namespace ghl::tokens {

/// A marketplace app's credentials and where to talk to GHL.
struct OAuthApp {
  std::string client_id;      ///< "<appId>-<suffix>" (GHL's form).
  std::string client_secret;  ///< Never logged.
  /// The app id: `client_id` up to its first '-'.
  std::string app_id() const;
};

/// What GHL answered to a grant or a mint.
struct Grant {
  /// `expires_at` from the system clock at the answer; `expires_in` as GHL gave it.
  TokenPair pair;
  std::chrono::seconds expires_in{0};
  std::string user_type;  ///< "Company" or "Location".
  std::string company_id;
  std::string location_id;                      ///< Location tokens.
  std::vector<std::string> approved_locations;  ///< Company tokens of a bulk install.
  std::string user_id;
};

/// What a failed grant means for the stored pair.
enum class GrantFailure {
  kInvalidGrant,      ///< The refresh token (or code) is spent or revoked: 400/401 invalid_grant.
  kLocationInactive,  ///< 400 "Location is not active".
  kTransient,         ///< Network error, 429, 5xx: the pair may still be good; back off.
  kRejected,          ///< Anything else (bad client credentials, 422, 403): a person must look.
};

/// Classifies a failed OAuth call's `Error`.
GrantFailure ClassifyGrantFailure(const Error& error);

/// "invalid-grant", "location-inactive", "transient", "rejected".
std::string_view ToString(GrantFailure failure);

/// One GHL OAuth endpoint caller. `http` gives base_url, timeouts and (tests) the transport; its
/// token is never used. Thread-safe.
class OAuthClient {
 public:
  OAuthClient(OAuthApp app, client::ClientOptions http);

  /// authorization_code grant; `user_type` "Company" or "Location" ("" = GHL's default).
  Result<Grant> ExchangeCode(const std::string& code, const std::string& redirect_uri,
                             const std::string& user_type) const;
  /// refresh_token grant for a pair of `user_type`.
  Result<Grant> Refresh(const std::string& refresh_token, const std::string& user_type) const;
  /// POST /oauth/locationToken with an agency access token.
  Result<Grant> MintLocationToken(const std::string& company_access_token,
                                  const std::string& company_id,
                                  const std::string& location_id) const;
  /// Installed location (id, name) pairs, every page (GET /oauth/installedLocations,
  /// isInstalled=true).
  Result<std::vector<std::pair<std::string, std::string>>> InstalledLocations(
      const std::string& company_access_token, const std::string& company_id) const;

  /// The location's name (GET /locations/{locationId}, apps/locations.json: `location.name`)
  /// with that location's access token (scope locations.readonly). Errors as the client's: an
  /// app without the scope gets the 401/403.
  Result<std::string> LocationName(const std::string& location_access_token,
                                   const std::string& location_id) const;

  const OAuthApp& app() const { return app_; }

 private:
  OAuthApp app_;
  client::ClientOptions http_;
  std::shared_ptr<client::Connection> connection_;
};

}  // namespace ghl::tokens
