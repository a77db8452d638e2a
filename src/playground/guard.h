// Request checks of the playground that keep the forwarder from being an open proxy: Host and
// Origin (DNS rebinding, cross-site use), the upstream path, and forwarded header fields.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/http/message.h"

namespace ghl::playground {

/// Why a request was refused: an HTTP status and a message safe to show (never a token).
struct Refusal {
  int status = 400;
  std::string message;
  std::string hint;
};

/// Checks `Host` (must name this server: a loopback name or `listen_host` when it is not a
/// wildcard, with `port` when `port` != 0), `Origin` (when present it must be
/// "http://" + that same Host) and `Sec-Fetch-Site` (when present: same-origin or none).
/// `require_same_origin` (for state-changing calls) also refuses a missing Origin together
/// with a `Sec-Fetch-Site` other than same-origin.
std::optional<Refusal> CheckHostAndOrigin(const http::Request& request,
                                          std::string_view listen_host, uint16_t port);

/// Checks a path the page wants sent upstream: one leading '/', no scheme/authority, no "//",
/// no "." or ".." segments (also percent-encoded), no '\\', '?', '#', '{', '}', whitespace or
/// control characters. nullopt when fine.
std::optional<Refusal> CheckUpstreamPath(std::string_view path);

/// Checks one header field the page wants forwarded: the name is an RFC 9110 token, the value
/// has no CR, LF or NUL, and the field is not one the forwarder owns (Authorization, Host,
/// Cookie, Content-Length, Transfer-Encoding, Connection, hop-by-hop, Proxy-*).
std::optional<Refusal> CheckForwardedHeader(std::string_view name, std::string_view value);

/// True when `value` contains CR, LF, NUL or another ASCII control character except TAB.
bool HasControlChars(std::string_view value);

}  // namespace ghl::playground
