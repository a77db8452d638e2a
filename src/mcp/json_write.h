// Private to the MCP module: JSON written straight into a string, byte for byte what
// Protocol::Dump writes (compact, keys in order, invalid UTF-8 replaced by U+FFFD), without
// nlohmann's per-byte serializer or a temporary string per value. Used on the tools/call path
// (the result, its text copy, the audit line).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace ghl::mcp {

/// Appends `text` as a JSON string literal ("…" with ", \, and control characters escaped).
/// Equals Protocol::Dump(nlohmann::json(std::string(text))).
void AppendJsonString(std::string& out, std::string_view text);

/// Appends `value` as compact JSON. Equals Protocol::Dump(value).
void AppendJson(std::string& out, const nlohmann::json& value);

}  // namespace ghl::mcp
