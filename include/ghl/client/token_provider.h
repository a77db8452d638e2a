/// \file
/// The `TokenProvider` seam: where a `Connection` gets the bearer token for a call when neither
/// the call (`ApiRequest::token`) nor the options (`ClientOptions::token`) carry one, and the
/// one function that decides whether a 401/403 answer is about the token itself (so a refresh
/// and one replay can help) or about something a new token cannot fix.
///
/// GHL answers 401 for several unrelated reasons (measured and documented in
/// ghl/client/error_mapping.h): a missing or unknown `Version` header, a scope the token lacks,
/// an agency token on a location route, a route the IAM service does not support yet, and the
/// conversation provider not being ready ("No conversation provider found", 401 before June
/// 2025, 403 since). Refreshing on those spends a single-use refresh token for nothing and, in
/// a fleet, is how locations get stranded. Only an invalid or expired JWT is a token problem.
///
/// The token store (ghl/tokens/manager.h) implements TokenProvider; the client never depends on
/// the store.
#pragma once

#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::client {

/// Why GHL refused a call with 401/403, as far as the token is concerned.
enum class AuthFailure {
  kNone,              ///< Not a 401/403 answer.
  kTokenInvalid,      ///< Invalid, expired or revoked JWT: refresh once and replay.
  kVersionHeader,     ///< Missing/unknown `Version` header: never refresh.
  kMissingScope,      ///< "The token is not authorized for this scope.": never refresh.
  kUserTypeMismatch,  ///< Agency token on a location route (or the reverse): never refresh.
  kIamRoute,          ///< "This route is not yet supported by the IAM Service": never refresh.
  kLocationAccess,    ///< The token's location is not the call's location: never refresh.
  kProviderNotReady,  ///< "No conversation provider found" (401 or 403): never refresh.
  kOther,             ///< Any other 401/403 (no message, unknown text): never refresh.
};

/// "token-invalid", "version-header", "missing-scope", "user-type-mismatch", "iam-route",
/// "location-access", "provider-not-ready", "other", "none".
std::string_view ToString(AuthFailure failure);

/// Classifies an answer by its HTTP `status` and raw `body` (GHL's JSON error, `message` a
/// string or an array). Only 401 answers can be kTokenInvalid: messages "Invalid JWT", "jwt
/// expired", "Invalid token: access token is invalid", "token has expired", "token is expired",
/// "invalid access token", "revoked". Every other 401/403 is one of the "never refresh" kinds.
AuthFailure ClassifyAuthFailure(int status, std::string_view body);

/// Supplies and renews bearer tokens per location. Implementations must be thread-safe.
class TokenProvider {
 public:
  virtual ~TokenProvider() = default;

  /// The access token to send for a call on `location_id` ("" = a call without a location:
  /// the provider's company/agency token). Errors name the location and the fix (e.g. "no token
  /// stored for location X: run `ghl auth login`"); they never contain a token.
  virtual Result<std::string> AccessToken(std::string_view location_id) = 0;

  /// Called once when GHL refused `rejected_token` for `location_id` as invalid or expired
  /// (`AuthFailure::kTokenInvalid`): returns a token to replay the call with (one a sibling
  /// process already stored, or a freshly refreshed one).
  virtual Result<std::string> RenewAfterRejection(std::string_view location_id,
                                                  std::string_view rejected_token) = 0;

  /// Told when GHL refused a call with a token from this provider for a reason a new token
  /// cannot fix (`failure` is never kTokenInvalid); `detail` names the scope(s) the endpoint
  /// needs for kMissingScope. Nothing is renewed. Default: ignored.
  virtual void OnRefused(std::string_view location_id, AuthFailure failure,
                         std::string_view detail) {
    (void)location_id;
    (void)failure;
    (void)detail;
  }
};

}  // namespace ghl::client
