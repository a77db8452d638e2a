// ClassifyAuthFailure: is a 401/403 about the token (refresh once) or about something else?
#include <algorithm>
#include <cctype>

#include "ghl/client/error_mapping.h"
#include "ghl/client/token_provider.h"

namespace ghl::client {
namespace {

bool AnyContains(const std::vector<std::string>& messages, std::string_view needle) {
  return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) {
    std::string lower(m);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower.find(needle) != std::string::npos;
  });
}

}  // namespace

std::string_view ToString(AuthFailure failure) {
  switch (failure) {
    case AuthFailure::kNone:
      return "none";
    case AuthFailure::kTokenInvalid:
      return "token-invalid";
    case AuthFailure::kVersionHeader:
      return "version-header";
    case AuthFailure::kMissingScope:
      return "missing-scope";
    case AuthFailure::kUserTypeMismatch:
      return "user-type-mismatch";
    case AuthFailure::kIamRoute:
      return "iam-route";
    case AuthFailure::kLocationAccess:
      return "location-access";
    case AuthFailure::kProviderNotReady:
      return "provider-not-ready";
    case AuthFailure::kOther:
      return "other";
  }
  return "other";
}

AuthFailure ClassifyAuthFailure(int status, std::string_view body) {
  if (status != 401 && status != 403) return AuthFailure::kNone;
  std::vector<std::string> m = ExtractMessages(body);
  // The specific, never-refresh answers first: their texts may also contain "token".
  if (AnyContains(m, "version header")) return AuthFailure::kVersionHeader;
  if (AnyContains(m, "not authorized for this scope")) return AuthFailure::kMissingScope;
  if (AnyContains(m, "user type mismatch")) return AuthFailure::kUserTypeMismatch;
  if (AnyContains(m, "iam service") || AnyContains(m, "not yet supported by the iam")) {
    return AuthFailure::kIamRoute;
  }
  if (AnyContains(m, "no conversation provider found")) return AuthFailure::kProviderNotReady;
  if (AnyContains(m, "does not have access to this location") ||
      AnyContains(m, "not accessible from this token")) {
    return AuthFailure::kLocationAccess;
  }
  if (status != 401) return AuthFailure::kOther;
  for (std::string_view needle :
       {"invalid jwt", "jwt expired", "jwt malformed", "invalid token", "access token is invalid",
        "token has expired", "token is expired", "invalid access token", "token expired",
        "revoked"}) {
    if (AnyContains(m, needle)) return AuthFailure::kTokenInvalid;
  }
  return AuthFailure::kOther;
}

}  // namespace ghl::client
