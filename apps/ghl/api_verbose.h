// `ghl api --verbose`: every HTTP exchange as sent and received, on stderr, in curl -v's
// shape ("> " request lines, "< " response lines), masked by the one rule of
// ghl/client/curl_format.h (token, credential headers, secret fields; file bytes as a note).
#pragma once

#include <memory>

#include "ghl/http/transport.h"

namespace ghl::cli {

/// A transport that writes each request it sends (after every header the client adds) and
/// each answer's status and headers to stderr, then forwards to `inner`. Retries and
/// --paginate pages show as separate exchanges. Server text is printed terminal-safe.
std::shared_ptr<http::Transport> MakeVerboseTransport(std::shared_ptr<http::Transport> inner);

}  // namespace ghl::cli
