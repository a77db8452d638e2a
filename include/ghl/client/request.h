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

/// One file of a `multipart/form-data` upload (e.g. POST /medias/upload-file, spec
/// medias.json; POST /conversations/messages/upload, conversations.json).
struct FilePart {
  std::string field;         ///< Form field name, e.g. "file" or "fileAttachment".
  std::string filename;      ///< File name sent in Content-Disposition (no directories).
  std::string content_type;  ///< e.g. "image/png"; empty = "application/octet-stream".
  std::string content;       ///< The file's bytes.
};

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
  /// Raw JSON request body; empty = no body. Sent as the media type the catalog declares for
  /// the operation: `application/json` as is; for `application/x-www-form-urlencoded`
  /// (POST /oauth/token, /oauth/locationToken) a JSON object's top-level fields become form
  /// fields (scalars as text; arrays/objects as JSON text); for `multipart/form-data` they
  /// become text parts beside `files`. A body that is not a JSON object, or a Content-Type set
  /// in `headers`, is sent as given. JSON nested deeper than ghl::kMaxJsonDepth is a kUsage
  /// error naming where.
  std::string body;
  /// Files for a `multipart/form-data` operation (the body is then multipart even when the
  /// catalog does not know the path). kUsage error for an operation declaring another type.
  std::vector<FilePart> files;
  /// Token for this call only, replacing ClientOptions::token (the playground's per-call
  /// token); empty = the options' token. Checked and sent like it.
  std::string token;
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
  /// The body's fields as JSON text before form/multipart encoding ("" when none): what the
  /// 400/422 hint compares with the operation's required fields.
  std::string fields_json;
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
  /// The body's fields as JSON (after the location fill; before form/multipart encoding),
  /// empty when none. The 400/422 hint names only the required body fields missing from it.
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
