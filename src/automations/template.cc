#include "template.h"

#include <algorithm>

namespace ghl::automations {
namespace {

bool IsNameChar(char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch == '_';
}

// Calls fn(name, begin, end) for each "{name}" (name of [A-Za-z0-9_]+) in text.
template <typename Fn>
void ForEachPlaceholder(std::string_view text, Fn fn) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '{') continue;
    size_t j = i + 1;
    while (j < text.size() && IsNameChar(text[j])) ++j;
    if (j < text.size() && text[j] == '}' && j > i + 1) {
      fn(text.substr(i + 1, j - i - 1), i, j + 1);
      i = j;
    }
  }
}

}  // namespace

std::string Render(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  size_t last = 0;
  ForEachPlaceholder(text, [&](std::string_view name, size_t begin, size_t end) {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return;
    out.append(text.substr(last, begin - last));
    out += it->second;
    last = end;
  });
  out.append(text.substr(last));
  return out;
}

std::vector<std::string> UnknownPlaceholders(std::string_view text,
                                             const std::vector<std::string_view>& allowed) {
  std::vector<std::string> out;
  ForEachPlaceholder(text, [&](std::string_view name, size_t, size_t) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      out.emplace_back(name);
    }
  });
  return out;
}

}  // namespace ghl::automations
