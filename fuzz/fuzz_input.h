// Shared helpers of the libFuzzer targets: the text framing of an input (see doc/fuzzing.md)
// and a check that aborts with a message, so libFuzzer saves the input that broke a property.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/http/message.h"

namespace ghl::fuzz {

/// The input bytes as text (any bytes, NUL included).
inline std::string_view AsText(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// Aborts (a crash libFuzzer records with its input) when a property of the code under test
/// does not hold; `what` says which.
inline void Check(bool ok, const char* what) {
  if (ok) return;
  std::fprintf(stderr, "fuzz property violated: %s\n", what);
  std::abort();
}

/// Takes the next line of `text` (without its "\n"; a trailing "\r" is kept: it is part of what
/// a client could send) and advances past it. At the end, returns what is left.
inline std::string_view NextLine(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  return line;
}

/// An HTTP message head and body in the framing every HTTP target uses:
///   Name: value\n        (header lines, any number; a line without ':' is a name, empty value)
///   \n                   (an empty line ends the headers)
///   body bytes           (everything after, exactly)
/// Without an empty line everything is headers and the body is empty.
struct HeadAndBody {
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

/// Parses `text` in the framing above.
inline HeadAndBody ParseHeadAndBody(std::string_view text) {
  HeadAndBody out;
  while (!text.empty()) {
    std::string_view line = NextLine(text);
    if (line.empty()) {
      out.body = std::string(text);
      break;
    }
    size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value;
    if (colon != std::string_view::npos) {
      value = line.substr(colon + 1);
      if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    }
    out.headers.emplace_back(std::string(name), std::string(value));
  }
  return out;
}

/// Adds `head.headers` to `headers` (in order, duplicates kept).
inline void AddHeaders(const HeadAndBody& head, http::Headers& headers) {
  for (const auto& [name, value] : head.headers) headers.Add(name, value);
}

}  // namespace ghl::fuzz
