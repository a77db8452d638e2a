/// \file
/// Small text helpers: "did you mean" corrections (EditDistance), UTF-8 checks, and making text
/// that came from a server or a webhook sender safe to print on a terminal (TerminalSafe).
#pragma once

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

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

/// Length in bytes (1-4) of the well-formed UTF-8 sequence starting at `s[i]` (`i < s.size()`),
/// or 0 when none starts there: a stray continuation byte, an overlong form, a UTF-16
/// surrogate, a code point above U+10FFFF or a sequence cut short (RFC 3629).
size_t Utf8SequenceLength(std::string_view s, size_t i);

/// Offset of the first byte of `s` that does not start a well-formed UTF-8 sequence, or
/// nullopt when all of `s` is UTF-8 (JSON text must be: nlohmann::json refuses to dump others).
std::optional<size_t> FirstInvalidUtf8(std::string_view s);

/// Whether `s` has the shape of an email address: one "@" with something before it, and a
/// domain with a dot after it, no spaces (the check GHL's class-validator answers 422 to).
bool LooksLikeEmail(std::string_view s);

/// `text` with every occurrence of each `from` replaced by its `to`, pair by pair, left to
/// right (replacements are not searched again). E.g. a front end rewording the library's option
/// names ("TransportOptions::timeout" → "--timeout SECONDS") in a hint.
std::string ReplaceEach(std::string text,
                        std::initializer_list<std::pair<std::string_view, std::string_view>> words);

}  // namespace ghl
