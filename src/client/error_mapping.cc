#include "ghl/client/error_mapping.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "ghl/client/rate_limiter.h"
#include "ghl/core/json_depth.h"

namespace ghl::client {
namespace {

using nlohmann::json;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool AnyContains(const std::vector<std::string>& messages, std::string_view needle) {
  return std::any_of(messages.begin(), messages.end(), [&](const std::string& m) {
    return Lower(m).find(needle) != std::string::npos;
  });
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

std::string EndpointLabel(const ApiResponse& r) {
  if (r.endpoint) {
    return std::string(r.endpoint->method) + " " + std::string(r.endpoint->path) + " (" +
           std::string(r.endpoint->id) + ")";
  }
  return r.method + " " + r.path;
}

std::string SpecVersion(const ApiResponse& r) {
  if (r.endpoint && !r.endpoint->version.empty()) return std::string(r.endpoint->version);
  return std::string(catalog::kDefaultVersion);
}

std::string KnownVersionsText() {
  std::vector<std::string> v;
  for (auto s : catalog::KnownVersions()) v.emplace_back(s);
  return Join(v, ", ");
}

std::string VersionHint(const ApiResponse& r, bool missing) {
  std::string spec = SpecVersion(r);
  std::string hint;
  if (missing) {
    hint = "GHL requires a Version header on every request; " + EndpointLabel(r) +
           " expects 'Version: " + spec + "'.";
  } else {
    hint = "GHL does not accept 'Version: " + r.version + "' here; " + EndpointLabel(r) +
           " declares 'Version: " + spec + "'";
    std::string known = KnownVersionsText();
    if (!known.empty()) hint += " (published versions: " + known + ")";
    hint += ".";
  }
  hint +=
      " This is not a token problem: drop the Version override and ghlkit sends the "
      "endpoint's value.";
  return hint;
}

std::string ScopeHint(const ApiResponse& r) {
  std::string scopes = r.endpoint ? ScopesText(*r.endpoint) : "";
  if (scopes.empty()) {
    return "The token lacks the scope this endpoint needs. Add the scope to the Private "
           "Integration (or the app's scopes) and issue a new token; `ghl endpoints show` lists "
           "an endpoint's scopes.";
  }
  return "The token lacks the scope " + EndpointLabel(r) + " requires: " + scopes +
         ". Add it to the Private Integration (or the app's scopes) and issue a new token.";
}

std::string UserTypeHint(const ApiResponse& r) {
  uint8_t kinds = r.endpoint ? r.endpoint->token_kinds : 0;
  std::string label = EndpointLabel(r);
  if (kinds == catalog::kLocationToken) {
    return label +
           " takes a sub-account (location) token, and this token is an agency (company) "
           "token. Use a location token: a location Private Integration Token, or an agency "
           "OAuth token exchanged with POST /oauth/locationToken.";
  }
  if (kinds == catalog::kAgencyToken) {
    return label +
           " takes an agency (company) token, and this token is a sub-account (location) "
           "token. Use an agency Private Integration Token or an agency OAuth access token.";
  }
  return "The token's user type (agency vs sub-account/location) does not fit " + label +
         ". Use a location token for location data and an agency token for company-level "
         "endpoints.";
}

std::string LocationHint(const ApiResponse& r) {
  std::string hint = "The token has no access to this location";
  if (!r.location_id.empty()) hint += " (" + r.location_id + ")";
  return hint +
         ": it belongs to another location (sub-account), or its user lacks access to it. Use "
         "the location id the token was issued for, or a token of this location.";
}

// "No conversation provider found for this message": GHL has not yet "downstreamed" a message
// handed to a custom provider (seconds, 401 before June 2025, 403 since). Not a token problem.
std::string ProviderNotReadyHint() {
  return "GHL has not finished handing this message to the conversation provider yet (it takes "
         "seconds): retry the status update with backoff. This is not a token problem — do not "
         "refresh the token on it.";
}

std::string NotImplementedHint(const ApiResponse& r) {
  json doc = ParseJsonBounded<json>(r.body);
  if (doc.is_object() && doc.value("notEmulated", false)) {
    std::string hint = "The local sandbox does not emulate " + EndpointLabel(r) +
                       "; it was not retried. Try it against GHL (GHL_BASE_URL="
                       "https://services.leadconnectorhq.com with a real token)";
    std::vector<std::string> near;
    if (auto it = doc.find("emulatedInService"); it != doc.end() && it->is_array()) {
      for (const auto& v : *it) {
        if (v.is_string() && near.size() < 6) near.push_back(v.get<std::string>());
      }
    }
    if (!near.empty()) hint += ", or use what the sandbox emulates here: " + Join(near, ", ");
    return hint + ". `ghl endpoints --emulated` lists every emulated operation.";
  }
  return "The server does not implement " + EndpointLabel(r) +
         " (HTTP 501); it was not retried, as asking again gives the same answer.";
}

std::string NotFoundHint(const ApiResponse& r) {
  if (r.endpoint) {
    std::string hint = "GHL knows " + EndpointLabel(r) +
                       " but found nothing: an id in the path or body does not exist, was "
                       "deleted, or belongs to another location";
    if (!r.location_id.empty()) hint += " than " + r.location_id;
    hint += ".";
    return hint;
  }
  auto nearest = catalog::Nearest(r.method, r.path, 3);
  std::string hint = "No GHL endpoint matches " + r.method + " " + r.path + ".";
  if (!nearest.empty()) {
    std::vector<std::string> names;
    for (const auto* e : nearest) {
      names.push_back(std::string(e->method) + " " + std::string(e->path));
    }
    hint += " Did you mean: " + Join(names, ", ") + "?";
  }
  hint += " `ghl endpoints QUERY` searches the catalog.";
  return hint;
}

std::string ValidationHint(const ApiResponse& r, const std::vector<std::string>& messages) {
  std::string hint = "GHL rejected the input";
  if (!messages.empty()) hint += ": fix each message above";
  hint += ".";
  if (r.endpoint) {
    std::string missing = MissingRequiredFieldsText(*r.endpoint, r.request_body, r.request_query);
    if (!missing.empty()) {
      hint += " " + EndpointLabel(r) + " requires, and this request did not send: " + missing + ".";
    }
    if (AnyContains(messages, "locationid should not be empty") ||
        AnyContains(messages, "location_id")) {
      hint += " Pass the location id (--location ID or GHL_LOCATION_ID with `ghl api`).";
    }
  }
  return hint;
}

std::string RateLimitHint(const ApiResponse& r) {
  RateLimitHeaders h = ParseRateLimitHeaders(r.headers);
  std::string hint = "GHL's rate limit for this app and location was exceeded";
  if (h.any()) hint += " (X-RateLimit-" + h.Describe() + ")";
  hint += ". GHL allows ";
  if (h.max && h.interval_ms) {
    hint += std::to_string(*h.max) + " requests per " + std::to_string(*h.interval_ms) + " ms";
  } else {
    hint += "100 requests per 10 s";
  }
  hint += " and ";
  hint += h.daily_limit ? std::to_string(*h.daily_limit) : std::string("200,000");
  hint +=
      " per day per location. ghlkit paces itself per location, so another program (or "
      "another client instance) probably shares this quota; slow it down or share one "
      "Client.";
  if (h.daily_remaining && *h.daily_remaining <= 0) {
    hint += " The daily quota is spent: wait for the daily reset.";
  }
  if (r.attempts > 1) hint += " Gave up after " + std::to_string(r.attempts) + " attempts.";
  return hint;
}

}  // namespace

std::vector<std::string> ExtractMessages(std::string_view body) {
  std::vector<std::string> out;
  json doc = ghl::ParseJsonBounded<json>(body);
  if (doc.is_discarded()) {
    std::string_view trimmed = body;
    while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
      trimmed.remove_suffix(1);
    }
    if (!trimmed.empty()) out.emplace_back(trimmed.substr(0, 200));
    return out;
  }
  if (!doc.is_object()) return out;
  for (const char* key : {"message", "error", "msg"}) {
    auto it = doc.find(key);
    if (it == doc.end()) continue;
    if (it->is_string()) {
      out.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& m : *it) {
        out.push_back(m.is_string() ? m.get<std::string>() : m.dump());
      }
    } else if (it->is_object()) {
      auto inner = it->find("message");
      if (inner != it->end() && inner->is_string()) out.push_back(inner->get<std::string>());
    }
    if (!out.empty()) break;
  }
  return out;
}

std::string ExtractTraceId(std::string_view body) {
  json doc = ghl::ParseJsonBounded<json>(body);
  if (!doc.is_object()) return {};
  auto it = doc.find("traceId");
  if (it != doc.end() && it->is_string()) return it->get<std::string>();
  return {};
}

std::string ScopesText(const catalog::Endpoint& endpoint) {
  std::vector<std::string> scopes;
  for (auto s : endpoint.scopes) scopes.emplace_back(s);
  return Join(scopes, " or ");
}

std::string RequiredFieldsText(const catalog::Endpoint& endpoint) {
  std::vector<std::string> body, query, path;
  for (const auto& f : endpoint.body_fields) {
    if (f.required) body.emplace_back(f.name);
  }
  for (const auto& p : endpoint.parameters) {
    if (!p.required) continue;
    if (p.in == catalog::ParamIn::kQuery) query.emplace_back(p.name);
    if (p.in == catalog::ParamIn::kPath) path.emplace_back(p.name);
  }
  std::vector<std::string> parts;
  if (!body.empty()) parts.push_back("body: " + Join(body, ", "));
  if (!query.empty()) parts.push_back("query: " + Join(query, ", "));
  if (!path.empty()) parts.push_back("path: " + Join(path, ", "));
  return Join(parts, "; ");
}

std::string MissingRequiredFieldsText(const catalog::Endpoint& endpoint,
                                      std::string_view request_body,
                                      const QueryParams& request_query) {
  json body = request_body.empty() ? json::object() : ghl::ParseJsonBounded<json>(request_body);
  std::vector<std::string> missing_body, missing_query;
  if (body.is_object()) {
    for (const auto& f : endpoint.body_fields) {
      if (!f.required) continue;
      auto it = body.find(std::string(f.name));
      bool sent = it != body.end() && !it->is_null() &&
                  !(it->is_string() && it->get_ref<const std::string&>().empty());
      if (!sent) missing_body.emplace_back(f.name);
    }
  }
  for (const auto& p : endpoint.parameters) {
    if (!p.required || p.in != catalog::ParamIn::kQuery) continue;
    bool sent = std::any_of(request_query.begin(), request_query.end(),
                            [&](const auto& q) { return q.first == p.name && !q.second.empty(); });
    if (!sent) missing_query.emplace_back(p.name);
  }
  std::vector<std::string> parts;
  if (!missing_body.empty()) parts.push_back("body: " + Join(missing_body, ", "));
  if (!missing_query.empty()) parts.push_back("query: " + Join(missing_query, ", "));
  return Join(parts, "; ");
}

Error ErrorFromResponse(const ApiResponse& r) {
  Error e;
  e.kind = ErrorKind::kApi;
  e.http_status = r.status;
  e.messages = ExtractMessages(r.body);
  e.trace_id = ExtractTraceId(r.body);
  if (r.endpoint) e.endpoint_id = std::string(r.endpoint->id);
  e.body = r.body;
  const auto& m = e.messages;

  switch (r.status) {
    case 401:
      if (AnyContains(m, "version header was not found") ||
          AnyContains(m, "version header is missing")) {
        e.hint = VersionHint(r, true);
      } else if (AnyContains(m, "version header")) {
        e.hint = VersionHint(r, false);
      } else if (AnyContains(m, "not authorized for this scope")) {
        e.hint = ScopeHint(r);
      } else if (AnyContains(m, "user type mismatch")) {
        e.hint = UserTypeHint(r);
      } else if (AnyContains(m, "not accessible from this token") ||
                 AnyContains(m, "does not have access to this location")) {
        e.hint = LocationHint(r);
      } else if (AnyContains(m, "no conversation provider found")) {
        e.hint = ProviderNotReadyHint();
      } else if (AnyContains(m, "jwt") || AnyContains(m, "token") || AnyContains(m, "expired")) {
        e.hint =
            "The token was refused (invalid, expired or revoked). OAuth access tokens last one "
            "day: refresh it with the refresh token; or create a new Private Integration "
            "Token, and send it as 'Authorization: Bearer <token>'.";
      } else {
        e.hint = "GHL refused the call as unauthorized; its message above says why. ";
        e.hint += m.empty() ? "The answer gave no reason: check the token, its scopes and the "
                              "Version header."
                            : "It does not say the token is invalid, so refreshing the token "
                              "is unlikely to help.";
      }
      break;
    case 403:
      if (AnyContains(m, "no conversation provider found")) {
        e.hint = ProviderNotReadyHint();
      } else if (AnyContains(m, "location") || m.empty()) {
        e.hint = LocationHint(r);
      } else {
        e.hint = "GHL refused the call (forbidden); its message above says why.";
      }
      break;
    case 404:
      e.hint = NotFoundHint(r);
      break;
    case 400:
    case 422:
      e.hint = ValidationHint(r, m);
      break;
    case 405:
      e.hint = NotFoundHint(r);
      break;
    case 429:
      e.hint = RateLimitHint(r);
      break;
    case 501:
      e.hint = NotImplementedHint(r);
      break;
    case 500:
    case 502:
    case 503:
    case 504: {
      e.hint = "GHL's side failed (HTTP " + std::to_string(r.status) + "), usually briefly";
      if (r.attempts > 1) {
        e.hint += "; ghlkit retried " + std::to_string(r.attempts - 1) + " time(s)";
      } else if (!r.method.empty() && r.method != "GET" && r.method != "PUT" &&
                 r.method != "DELETE" && r.method != "HEAD") {
        e.hint += "; " + r.method +
                  " is not retried automatically (it may have been applied): check before "
                  "sending again";
      }
      e.hint += ". Try again later; if it persists, quote the traceId to GHL support.";
      break;
    }
    default:
      if (r.status >= 300 && r.status < 400) {
        // Never followed (the token would go along): report where it pointed.
        std::string location = r.headers.Get("Location").value_or("");
        e.messages.insert(e.messages.begin(),
                          location.empty() ? std::string("redirect without a Location header")
                                           : "redirected to " + location + " (not followed)");
        e.hint =
            "A GHL API host answers directly and never redirects, so the base URL probably "
            "names a web page, a proxy or http:// where https:// is needed. Set the API host "
            "(https://services.leadconnectorhq.com, or your sandbox) with --base-url or "
            "GHL_BASE_URL. ghlkit never follows a redirect, so the token is not sent to the "
            "Location host.";
      } else if (r.status >= 500) {
        e.hint = "GHL answered HTTP " + std::to_string(r.status) +
                 "; this status is not transient, so ghlkit did not retry it.";
      }
      break;
  }
  return e;
}

}  // namespace ghl::client
