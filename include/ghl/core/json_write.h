/// \file
/// JSON written straight into a string, byte for byte what nlohmann's
/// `dump(-1, ' ', false, error_handler_t::replace)` writes (compact, keys in order, invalid
/// UTF-8 replaced by U+FFFD) — nlohmann itself still writes floats and invalid UTF-8 — without
/// its per-byte serializer or a temporary string per value. For the two hot paths that write
/// JSON per request: MCP tools/call (result, text copy, audit line) and the event store's
/// stored headers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ghl {

/// Appends `text` as a JSON string literal ("…" with ", \, and control characters escaped).
/// Equals nlohmann::json(std::string(text)).dump(-1, ' ', false, replace). O(n).
void AppendJsonString(std::string& out, std::string_view text);

/// Appends `value` as compact JSON, equal to value.dump(-1, ' ', false, replace).
void AppendJson(std::string& out, const nlohmann::json& value);

}  // namespace ghl
