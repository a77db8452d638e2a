/// \file
/// Bounded JSON reading. nlohmann's parser is iterative, but copying, comparing, dumping and our
/// own walks (contact-search filter groups, custom-field values) recurse once per level, so a
/// body nested 100,000 deep overflows the stack. Every JSON reader of outside input (request
/// bodies, upstream answers, webhook bodies, stored events, LLM answers, CLI files) goes through
/// `ParseJsonBounded`, which refuses such text before a DOM exists; every recursive walk over a
/// parsed value is then bounded by `kMaxJsonDepth`.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ghl {

/// Deepest nesting of arrays/objects accepted from outside input. GHL's own bodies and answers
/// nest fewer than 10 levels; 64 leaves room for custom-object records and stays far from any
/// stack limit (each recursive level costs well under 1 KiB).
inline constexpr size_t kMaxJsonDepth = 64;

/// Where a JSON text first nests deeper than allowed.
struct JsonTooDeep {
  size_t max_depth = 0;  ///< The limit that was exceeded.
  size_t offset = 0;     ///< Byte offset of the '[' or '{' that opens level max_depth + 1.
  /// Path of that container from the root, e.g. "filters[0].filters[0]" ("" for the root
  /// itself). Long paths keep their first and last segments around an ellipsis.
  std::string path;

  /// "nested deeper than 64 levels at filters[0].filters[0]…" (no trailing period).
  std::string Describe() const;
};

/// Scans `text` once (no DOM, O(n), strings and escapes honoured) and returns where an
/// array/object opens deeper than `max_depth` levels, or nullopt when none does. Malformed text
/// is not diagnosed here: the parser that runs next does that.
std::optional<JsonTooDeep> FindJsonTooDeep(std::string_view text, size_t max_depth = kMaxJsonDepth);

/// Parses `text` like `J::parse(text, nullptr, false)`, but a text nested deeper than
/// `max_depth` is refused before parsing: both malformed and too-deep text give a discarded
/// value (`is_discarded()`). Callers that must say why call `FindJsonTooDeep` first.
/// Never throws.
template <class J = nlohmann::json>
J ParseJsonBounded(std::string_view text, size_t max_depth = kMaxJsonDepth) {
  if (FindJsonTooDeep(text, max_depth)) return J(J::value_t::discarded);
  return J::parse(text, nullptr, /*allow_exceptions=*/false);
}

}  // namespace ghl
