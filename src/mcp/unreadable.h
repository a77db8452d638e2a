// Private to the MCP module: what to answer a request that is JSON but not UTF-8.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ghl::mcp {

/// A message nlohmann refused only for its text: invalid UTF-8 bytes, or a `\uD800`-style
/// escape of half a surrogate pair. Answering its parse error with its id (instead of null)
/// ends the client's wait at once; without it the client waits for its own timeout.
struct Unreadable {
  nlohmann::json id;  ///< The request's id (a string or an integer).
  std::string why;    ///< E.g. "byte 57 is not UTF-8"; names where, never echoes the bytes.
};

/// The id and the reason when `message` parses once its invalid UTF-8 bytes and lone
/// surrogate escapes are replaced by U+FFFD and it is a request with a string or integer id;
/// nullopt otherwise (not JSON at all, a notification, or a bad id: those stay id null).
std::optional<Unreadable> FindUnreadable(std::string_view message);

}  // namespace ghl::mcp
