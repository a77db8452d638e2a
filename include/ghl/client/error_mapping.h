/// \file
/// Turns a non-2xx GHL answer into an `ghl::Error` with GHL's own message(s), the `traceId`,
/// the endpoint id and a fix hint built from the catalog. The mapping follows what GHL really
/// answers (not the cookbook's table):
///
/// | status | GHL message                                   | hint                               |
/// |--------|-----------------------------------------------|------------------------------------|
/// | 401    | "version header was not found."               | send `Version: <spec value>`       |
/// | 401    | "version header is invalid"                   | the spec value and known versions  |
/// | 401    | "The token is not authorized for this scope." | the scope(s) the endpoint requires |
/// | 401    | "Token's user type mismatch!"                 | location vs agency token           |
/// | 401    | anything else (invalid / expired JWT)         | refresh or replace the token       |
/// | 403    | any                                           | token belongs to another location  |
/// | 404    | any, endpoint known                           | the id does not exist              |
/// | 404    | any, path unknown to the catalog              | nearest catalog paths              |
/// | 400/422| `message` array                               | messages + unsent required fields  |
/// | 429    | any                                           | the X-RateLimit-* values           |
/// | 3xx    | message "redirected to <Location> (not followed)" | check the base URL (API host)  |
/// | 5xx    | any                                           | transient; retried (idempotent)    |
///
/// GHL error bodies look like {"statusCode":401,"message":"...","traceId":"..."} or, on
/// validation, {"statusCode":422,"message":["locationId should not be empty"],
/// "error":"Unprocessable Entity"}. Non-JSON bodies are kept in `Error::body`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "ghl/client/request.h"
#include "ghl/core/error.h"

namespace ghl::client {

/// Pulls GHL's messages out of an error body: `message` as string or array of strings, else
/// `error`, else `msg`; a non-JSON, non-empty body becomes one message (its first 200 bytes).
std::vector<std::string> ExtractMessages(std::string_view body);

/// The `traceId` of a JSON body, or "".
std::string ExtractTraceId(std::string_view body);

/// The kApi error for a non-2xx `response` (status, messages, traceId, endpoint id, hint,
/// body). Uses `response.endpoint` (may be null), `.method`, `.path`, `.version`,
/// `.location_id`, `.attempts`, the rate-limit headers and (400/422) `.request_body` /
/// `.request_query` for the hint.
Error ErrorFromResponse(const ApiResponse& response);

/// "contacts.readonly or contacts.write" style list of the scopes `endpoint` requires, or "".
std::string ScopesText(const catalog::Endpoint& endpoint);

/// Required body fields and required query/path parameters of `endpoint`, as
/// "body: locationId, name; query: calendarId" ("" when none).
std::string RequiredFieldsText(const catalog::Endpoint& endpoint);

/// The required body fields and required query parameters of `endpoint` that a request did
/// not send, as "body: locationId; query: calendarId" ("" when none is missing). A body field
/// counts as sent when `request_body` is a JSON object holding it with a value other than null
/// or "" (GHL answers "x should not be empty" for those); when `request_body` is empty every
/// required body field is missing, and when it is not a JSON object none is reported (the
/// body's shape is the problem). Path parameters are part of the path, so never missing.
std::string MissingRequiredFieldsText(const catalog::Endpoint& endpoint,
                                      std::string_view request_body,
                                      const QueryParams& request_query);

}  // namespace ghl::client
