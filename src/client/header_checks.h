// Every value that becomes a request header is checked here, once, before any byte is sent: a
// CR/LF in a token or a Version override would otherwise end the header and start another.
#pragma once

#include <string_view>

#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::client {

/// kUsage error when the token holds a line break or another control character, a space, or
/// starts with "Bearer " (the library adds that itself). Never quotes the token.
Status CheckToken(std::string_view token);

/// kUsage error naming `what` (e.g. "the Version value", "header 'X-Foo'") when `value` holds
/// CR, LF, tab or another control character.
Status CheckHeaderValue(std::string_view what, std::string_view value);

/// Checks every field of `headers`: a valid name (RFC 9110 token characters) and a value
/// without control characters. The Authorization value is checked as a token.
Status CheckHeaders(const http::Headers& headers);

}  // namespace ghl::client
