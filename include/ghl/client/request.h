/// \file
/// One API call as the library sees it (`ApiRequest`), the exact HTTP request it becomes
/// (`PreparedRequest`), and the answer (`ApiResponse`). Paths are GHL API v2 paths relative to
/// the base URL, e.g. "/contacts/search"; the catalog (ghl/catalog/catalog.h) supplies the
/// endpoint's `Version`, scopes and parameters.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::client {

/// Ordered (name, value) pairs; values are raw (not percent-encoded). Repeated names allowed.
using QueryParams = std::vector<std::pair<std::string, std::string>>;

/// One call. Only `method` and `path` are required.
struct ApiRequest {
  /// Upper case: "GET", "POST", "PUT", "PATCH", "DELETE" (or "HEAD").
  std::string method;
  /// API path, e.g. "/contacts/abc123" or "/contacts/{contactId}". May carry a query string
  /// ("/contacts/?locationId=x"), which is moved in front of `query`. `{name}` placeholders are
  /// filled from `path_params`; `{locationId}` / `{location_id}` also from the location id.
  std::string path;
  /// Query parameters, appended after any query string in `path`, in order.
  QueryParams query;
  /// Values for `{name}` placeholders in `path` (percent-encoded when substituted).
  std::vector<std::pair<std::string, std::string>> path_params;
  /// Raw JSON request body; empty = no body. Sent with `Content-Type: application/json`
  /// unless `headers` sets another Content-Type.
  std::string body;
  /// Extra request headers. A `Version` header here is treated like `version` (an override).
  /// `Authorization` here replaces the token from the options.
  http::Headers headers;
  /// Overrides the endpoint's spec `Version` value for this call. When it differs from the
  /// catalog's value a warning goes to the WarningSink (GHL accepts its other published
  /// versions on most routes, but the spec's value is the one that is known to work).
  std::string version;
  /// The location (sub-account) this call is for; empty = ClientOptions::default_location_id.
  /// Used to fill `locationId` / `location_id` and as the rate-limiter key.
  std::string location_id;
  /// Fill `locationId` / `location_id` (path, query or body, as the catalog says the endpoint
  /// takes it) from the location id when the call does not give it.
  bool fill_location = true;
  /// Opt in to retrying 5xx / network errors for POST and PATCH on this call (safe for
  /// read-only POSTs such as POST /contacts/search).
  bool retry_non_idempotent = false;
};

/// The exact HTTP request a call becomes, before rate limiting and sending.
struct PreparedRequest {
  /// Absolute URL in `target`, all headers including `Authorization` (the real token: use
  /// FormatCurlCommand / RedactedHeaders to display it).
  http::Request http;
  /// Catalog entry matched on method + path, or nullptr for a path the catalog does not know.
  const catalog::Endpoint* endpoint = nullptr;
  /// `Version` value sent.
  std::string version;
  /// The path after placeholder substitution, without the query string.
  std::string path;
  /// Location id of the call (given or filled), or empty.
  std::string location_id;
  /// Rate-limiter key: "location:<id>", else a digest of the token ("token:<hex>").
  std::string limiter_key;
  /// Warnings produced while preparing (also sent to the WarningSink).
  std::vector<std::string> warnings;
};

/// An HTTP answer, with what is needed to explain it. Returned for every status by
/// `Connection::Execute`; `Client::Send` turns non-2xx into an `Error`.
struct ApiResponse {
  /// HTTP status code.
  int status = 0;
  /// Response headers as received (X-RateLimit-* among them).
  http::Headers headers;
  /// Raw response body.
  std::string body;
  /// Catalog entry called, or nullptr for an unknown path.
  const catalog::Endpoint* endpoint = nullptr;
  /// Method sent (upper case).
  std::string method;
  /// Path called (placeholders substituted, no query string).
  std::string path;
  /// `Version` value sent.
  std::string version;
  /// Location id of the call, or empty.
  std::string location_id;
  /// Attempts made (1 = no retry).
  int attempts = 1;
  /// The raw JSON body sent (after the location fill), empty when none. The 400/422 hint
  /// names only the required body fields missing from it.
  std::string request_body;
  /// The query parameters sent (decoded, in order); the 400/422 hint names only the required
  /// query parameters missing from them.
  QueryParams request_query;

  /// True for 2xx.
  bool ok() const { return status >= 200 && status < 300; }
  /// The body parsed as JSON; an empty body is JSON null. kInternal error when the body is not
  /// JSON (message quotes its first bytes).
  Result<nlohmann::json> Json() const;
};

}  // namespace ghl::client
