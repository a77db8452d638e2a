/// \file
/// Displaying requests and responses without leaking the token: `ghl api --dry-run` prints a
/// request as a curl command, `ghl api -i` prints status and headers. The token is always
/// masked: "Bearer ***" in headers, `"Bearer $GHL_TOKEN"` (runnable) in curl commands.
#pragma once

#include <string>
#include <string_view>

#include "ghl/http/message.h"

namespace ghl::client {

/// A copy of `headers` with credentials masked: `Authorization` becomes "Bearer ***" (or "***"
/// for other schemes); `Cookie`, `Set-Cookie`, `X-Api-Key` and `Token-Id` become "***".
http::Headers RedactedHeaders(const http::Headers& headers);

/// Quotes `s` for a POSIX shell ('…' with embedded quotes escaped as '\'').
std::string ShellQuote(std::string_view s);

/// The request as one copy-pasteable curl command, token masked, e.g.
/// `curl -X POST 'https://services.leadconnectorhq.com/contacts/search'` then one
/// `-H "Authorization: Bearer $GHL_TOKEN"` (masked, runs with GHL_TOKEN set; other
/// Authorization schemes and credential headers show "***"), `-H 'Version: 2021-07-28'` … per
/// header and
/// `--data-raw '{"pageLimit":20}'`, each on its own line continued with a backslash.
/// `-X` is omitted for GET without a body.
std::string FormatCurlCommand(const http::Request& request);

/// "HTTP/1.1 200 OK" followed by one "Name: value" line per header (redacted), each line
/// ending in "\n", for `ghl api -i`.
std::string FormatStatusAndHeaders(int status, const http::Headers& headers);

}  // namespace ghl::client
