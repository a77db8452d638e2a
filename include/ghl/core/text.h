/// \file
/// Small text helpers shared by modules: "did you mean" corrections and UTF-8 checks.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace ghl {

/// Levenshtein distance between `a` and `b` in bytes (insert, delete, substitute each cost 1).
/// Case-sensitive; callers lower-case first when case should not count. O(|a|·|b|) time.
size_t EditDistance(std::string_view a, std::string_view b);

/// Length in bytes (1-4) of the well-formed UTF-8 sequence starting at `s[i]` (`i < s.size()`),
/// or 0 when none starts there: a stray continuation byte, an overlong form, a UTF-16
/// surrogate, a code point above U+10FFFF or a sequence cut short (RFC 3629).
size_t Utf8SequenceLength(std::string_view s, size_t i);

/// Offset of the first byte of `s` that does not start a well-formed UTF-8 sequence, or
/// nullopt when all of `s` is UTF-8 (JSON text must be: nlohmann::json refuses to dump others).
std::optional<size_t> FirstInvalidUtf8(std::string_view s);

}  // namespace ghl
