// The id of a request that is JSON in everything but its UTF-8 (see unreadable.h).
#include "unreadable.h"

#include <cctype>

#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"

namespace ghl::mcp {
namespace {

constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// The code unit of "\uXXXX" at `s[i]` ('\\' at i), or -1 when it is not one.
int EscapedUnit(std::string_view s, size_t i) {
  if (i + 6 > s.size() || s[i + 1] != 'u') return -1;
  int unit = 0;
  for (size_t k = i + 2; k < i + 6; ++k) {
    if (!std::isxdigit(static_cast<unsigned char>(s[k]))) return -1;
    char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[k])));
    unit = unit * 16 + (c <= '9' ? c - '0' : c - 'a' + 10);
  }
  return unit;
}

bool High(int unit) { return unit >= 0xD800 && unit <= 0xDBFF; }
bool Low(int unit) { return unit >= 0xDC00 && unit <= 0xDFFF; }

}  // namespace

std::optional<Unreadable> FindUnreadable(std::string_view message) {
  std::string repaired;
  repaired.reserve(message.size());
  std::string why;
  for (size_t i = 0; i < message.size();) {
    if (message[i] == '\\' && i + 1 < message.size()) {
      int unit = EscapedUnit(message, i);
      if (High(unit) && Low(EscapedUnit(message, i + 6))) {
        repaired.append(message.substr(i, 12));  // a whole pair
        i += 12;
      } else if (High(unit) || Low(unit)) {
        if (why.empty()) {
          why = "the escape " + std::string(message.substr(i, 6)) + " at byte " +
                std::to_string(i) + " is half a UTF-16 surrogate pair";
        }
        repaired += "\\ufffd";
        i += 6;
      } else {
        repaired.append(message.substr(i, 2));  // any other escape, kept whole
        i += 2;
      }
      continue;
    }
    size_t n = Utf8SequenceLength(message, i);
    if (n == 0) {
      if (why.empty()) why = "byte " + std::to_string(i) + " is not UTF-8";
      repaired += kReplacement;
      ++i;
      continue;
    }
    repaired.append(message.substr(i, n));
    i += n;
  }
  if (why.empty()) return std::nullopt;  // the text was fine: the JSON itself is broken
  nlohmann::json msg = ParseJsonBounded(repaired);
  if (!msg.is_object() || !msg.contains("method")) return std::nullopt;
  auto id = msg.find("id");
  if (id == msg.end() || !(id->is_string() || id->is_number_integer())) return std::nullopt;
  return Unreadable{*id, why};
}

}  // namespace ghl::mcp
