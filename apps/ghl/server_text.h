// Printing text that came from a server or a webhook sender (error messages, traceIds, headers,
// bodies, stored event fields) so that it cannot drive the terminal: control characters are
// written out as visible escapes (ghl::TerminalSafe). Bodies written to a pipe or a file stay
// byte-exact, since users process them.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>

#include "ghl/core/error.h"

namespace ghl::cli {

/// `text` with the library's option names (TransportOptions::timeout, ClientOptions::token, …)
/// replaced by the CLI flag or variable that sets them (--timeout SECONDS, GHL_TOKEN …).
std::string CliWording(std::string text);

/// Writes "<prefix>: <e.Describe()>\n" to stderr in CLI wording, escaped with TerminalSafe.
void PrintError(std::string_view prefix, const Error& e);

/// Writes `bytes` to `out`: escaped with TerminalSafe when `out` is a terminal, else as they
/// are. Appends "\n" when `newline` and the bytes do not end in one.
void WriteServerBytes(std::string_view bytes, std::FILE* out, bool newline);

/// Prints an answer body to stdout: JSON pretty-printed (GHL's key order kept), anything else
/// as it came; both through WriteServerBytes. Nothing for an empty body.
void PrintServerBody(std::string_view body);

}  // namespace ghl::cli
