#include "ghl/core/json_write.h"

#include <array>
#include <charconv>

#include "ghl/core/text.h"

namespace ghl {
namespace {

using nlohmann::json;

// Bytes copied as they are: printable ASCII other than " and \. A byte of 0x80 and above
// starts a UTF-8 sequence (checked separately).
constexpr auto kPlain = [] {
  std::array<bool, 256> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}();

std::string Dump(const json& value) {
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Escapes `text` into `out`; false (out unchanged past its old size) on invalid UTF-8.
bool AppendEscaped(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  size_t start = out.size();
  out.push_back('"');
  size_t i = 0, n = text.size();
  while (i < n) {
    size_t run = i;
    while (run < n && kPlain[static_cast<unsigned char>(text[run])]) ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == n) break;
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      size_t len = Utf8SequenceLength(text, i);
      if (len == 0) {
        out.resize(start);
        return false;
      }
      out.append(text.data() + i, len);
      i += len;
      continue;
    }
    // Two-character escapes as JSON spells them, else \u00XX (as nlohmann writes it).
    char two = c == '"'    ? '"'
               : c == '\\' ? '\\'
               : c == '\b' ? 'b'
               : c == '\f' ? 'f'
               : c == '\n' ? 'n'
               : c == '\r' ? 'r'
               : c == '\t' ? 't'
                           : 0;
    if (two) {
      const char e[] = {'\\', two};
      out.append(e, sizeof e);
    } else {
      const char u[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(u, sizeof u);
    }
    ++i;
  }
  out.push_back('"');
  return true;
}

template <class Int>
void AppendInt(std::string& out, Int v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  // Invalid UTF-8 is rare (our values come from parsed JSON): nlohmann replaces it exactly.
  if (!AppendEscaped(out, text)) out += Dump(json(std::string(text)));
}

void AppendJson(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out.push_back('{');
      bool first = true;
      for (const auto& [key, v] : value.get_ref<const json::object_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJsonString(out, key);
        out.push_back(':');
        AppendJson(out, v);
      }
      out.push_back('}');
      return;
    }
    case json::value_t::array: {
      out.push_back('[');
      bool first = true;
      for (const auto& v : value.get_ref<const json::array_t&>()) {
        if (!first) out.push_back(',');
        first = false;
        AppendJson(out, v);
      }
      out.push_back(']');
      return;
    }
    case json::value_t::string:
      AppendJsonString(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::null:
      out += "null";
      return;
    case json::value_t::number_integer:
      AppendInt(out, value.get<json::number_integer_t>());
      return;
    case json::value_t::number_unsigned:
      AppendInt(out, value.get<json::number_unsigned_t>());
      return;
    default:  // floats (nlohmann's shortest round-trip form), binary, discarded
      out += Dump(value);
  }
}

}  // namespace ghl
