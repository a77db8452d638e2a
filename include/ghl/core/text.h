/// \file
/// Small text helpers: "did you mean" corrections (EditDistance) and making text that came
/// from a server or a webhook sender safe to print on a terminal (TerminalSafe).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ghl {

/// Levenshtein distance between `a` and `b` in bytes (insert, delete, substitute each cost 1).
/// Case-sensitive; callers lower-case first when case should not count. O(|a|·|b|) time.
size_t EditDistance(std::string_view a, std::string_view b);

/// `text` with every byte a terminal could act on written out as visible escapes, so that text
/// from a server (an error message, a traceId, a header, a non-JSON body) cannot retitle,
/// recolour or rewrite the terminal it is printed on:
/// - C0 controls U+0000–U+001F except "\n" and "\t", and DEL U+007F → "\xNN" (ESC → "\x1b",
///   BEL → "\x07", CR → "\x0d");
/// - C1 controls U+0080–U+009F, as UTF-8 (C2 80 … C2 9F) → "\u0080" … "\u009f";
/// - every byte that is not part of valid UTF-8 (stray continuation bytes, overlong forms,
///   surrogates, code points above U+10FFFF, truncated sequences) → "\xNN", one per byte.
/// Everything else, valid UTF-8 text and the backslash included, is kept as it is, so the
/// function is idempotent (a backslash is not escaped: "\x1b" in the output may also have been
/// those four characters in the input). O(n).
std::string TerminalSafe(std::string_view text);

/// Same as TerminalSafe, and "\n" and "\t" are escaped too ("\x0a", "\x09"): for values that
/// must stay on one line (a header value, a traceId, a one-line summary).
std::string TerminalSafeLine(std::string_view text);

}  // namespace ghl
