/// \file
/// Displaying requests and responses without leaking a secret: `ghl api --dry-run` prints a
/// request as a curl command, `ghl api --verbose` the request and response as sent, `ghl api -i`
/// the status and headers, the playground its curl line. All of them mask through one rule
/// (`IsSecretName`): the token ("Bearer ***" in headers, `"Bearer $GHL_TOKEN"` (runnable) in
/// curl commands), credential headers, and secret-bearing fields of the query, a JSON, form or
/// multipart body (client_secret, refresh_token, access_token, password, apiKey, …, and `code`
/// on the OAuth endpoints) become "***".
#pragma once

#include <string>
#include <string_view>

#include "ghl/http/message.h"

namespace ghl::client {

/// The text a masked secret is shown as.
inline constexpr std::string_view kMasked = "***";

/// True when a field or header named `name` carries a secret, compared case-insensitively and
/// ignoring '_' and '-': names containing "secret", "password", "passwd", "token", "apikey",
/// "privatekey", "credential", "authorization", "cookie" or "signature"; and `code` (an OAuth authorization
/// code) when `path` (a URL or API path) is under /oauth/.
bool IsSecretName(std::string_view name, std::string_view path = {});

/// A copy of `headers` with credentials masked: `Authorization` / `Proxy-Authorization` become
/// "Bearer ***" (the scheme kept, or "***"); every other header `IsSecretName` names
/// (Cookie, Set-Cookie, X-Api-Key, Token-Id, …) becomes "***".
http::Headers RedactedHeaders(const http::Headers& headers);

/// `url` with the value of every query parameter `IsSecretName` names replaced by "***"
/// (other parameters kept byte for byte).
std::string MaskedUrl(std::string_view url);

/// `body` (sent with `content_type` to `url`) with secret fields masked: JSON objects at any
/// depth (string, number or structured values of secret keys become "***"), form-urlencoded
/// pairs, and multipart text parts; multipart file parts are replaced by
/// "[N bytes from FILENAME]". A body that is not text (a NUL byte or invalid UTF-8) becomes
/// "[N bytes of binary data]". Unchanged bytes when nothing is secret.
std::string MaskedBody(std::string_view body, std::string_view content_type, std::string_view url);

/// The whole request masked for display: MaskedUrl, RedactedHeaders, MaskedBody.
http::Request MaskedRequest(const http::Request& request);

/// Quotes `s` for a POSIX shell ('…' with embedded quotes escaped as '\'').
std::string ShellQuote(std::string_view s);

/// The request as one copy-pasteable curl command, secrets masked (see the file comment), e.g.
/// `curl -X POST 'https://services.leadconnectorhq.com/contacts/search'` then one
/// `-H "Authorization: Bearer $GHL_TOKEN"` (masked, runs with GHL_TOKEN set), `-H 'Version:
/// 2021-07-28'` … per header and `--data-raw '{"pageLimit":20}'`, each on its own line continued
/// with a backslash. A multipart body is shown as `--form-string 'name=value'` per text part and
/// `-F 'file=@logo.png;type=image/png'` per file (never the file's bytes; no Content-Type header,
/// curl sets it with its boundary). `-X` is omitted for GET without a body.
std::string FormatCurlCommand(const http::Request& request);

/// "HTTP/1.1 200 OK" followed by one "Name: value" line per header (redacted), each line
/// ending in "\n", for `ghl api -i`.
std::string FormatStatusAndHeaders(int status, const http::Headers& headers);

}  // namespace ghl::client
