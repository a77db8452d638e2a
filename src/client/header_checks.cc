#include "header_checks.h"

#include <algorithm>
#include <cctype>
#include <string>

namespace ghl::client {
namespace {

bool IsControl(unsigned char c) { return c < 0x20 || c == 0x7f; }

// The text as it may be shown in an error: control characters as \r, \n, \t or \xNN.
std::string Shown(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char ch : s.substr(0, 60)) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\r')
      out += "\\r";
    else if (c == '\n')
      out += "\\n";
    else if (c == '\t')
      out += "\\t";
    else if (IsControl(c))
      out += std::string("\\x") + kHex[c >> 4] + kHex[c & 0xF];
    else
      out += ch;
  }
  return s.size() > 60 ? out + "…" : out;
}

// Position (1-based) and a name for the first control character, for the message.
std::string DescribeControl(std::string_view value) {
  for (size_t i = 0; i < value.size(); ++i) {
    auto c = static_cast<unsigned char>(value[i]);
    if (!IsControl(c)) continue;
    std::string what = c == '\n'   ? "a line break (LF)"
                       : c == '\r' ? "a carriage return (CR)"
                                   : "a control character (byte " + std::to_string(c) + ")";
    return what + " at character " + std::to_string(i + 1);
  }
  return {};
}

bool IsTokenChar(unsigned char c) {
  return std::isalnum(c) != 0 ||
         std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

Status CheckToken(std::string_view token) {
  if (token.size() >= 7 && http::EqualsIgnoreCase(token.substr(0, 7), "Bearer ")) {
    return UsageError("the token starts with 'Bearer '",
                      "Give the token alone (a Private Integration Token 'pit-…' or an OAuth "
                      "access token); ghl adds 'Authorization: Bearer ' itself.");
  }
  bool trailing_newline = !token.empty() && (token.back() == '\n' || token.back() == '\r');
  if (std::string where = DescribeControl(token); !where.empty()) {
    return UsageError(
        "the token contains " + where +
            (trailing_newline ? " — was it read from a file with a trailing newline?" : ""),
        "Give the token on one line, e.g. export GHL_TOKEN=\"$(tr -d '\\r\\n' < "
        "token.txt)\".");
  }
  for (size_t i = 0; i < token.size(); ++i) {
    if (static_cast<unsigned char>(token[i]) >= 0x80) {
      return UsageError("the token contains a non-ASCII character at byte " + std::to_string(i + 1),
                        "Tokens are plain ASCII (a Private Integration Token 'pit-…' or an OAuth "
                        "JWT): copy it again; a smart quote, a non-breaking space or an ellipsis "
                        "came along with the paste.");
    }
  }
  if (token.find_first_of(" \t") != std::string_view::npos) {
    return UsageError("the token contains a space",
                      "Give only the token itself, without spaces or a scheme name.");
  }
  return Ok{};
}

Status CheckHeaderValue(std::string_view what, std::string_view value) {
  if (std::string where = DescribeControl(value); !where.empty()) {
    return UsageError(std::string(what) + " contains " + where,
                      "Header values are one line: remove CR, LF and other control characters.");
  }
  return Ok{};
}

Status CheckHeaders(const http::Headers& headers) {
  for (const auto& [name, value] : headers.fields()) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) {
          return IsTokenChar(static_cast<unsigned char>(c));
        })) {
      return UsageError("header '" + Shown(name) + "' has an invalid name",
                        "Use letters, digits and '-' only, e.g. -H 'X-Request-Id: 42'.");
    }
    std::string_view v = value;
    if (http::EqualsIgnoreCase(name, "Authorization") && v.size() >= 7 &&
        http::EqualsIgnoreCase(v.substr(0, 7), "Bearer ")) {
      if (Status t = CheckToken(v.substr(7)); !t.ok()) return t;
      continue;
    }
    std::string what = http::EqualsIgnoreCase(name, "Version") ? "the Version value"
                                                               : "header '" + Shown(name) + "'";
    if (Status s = CheckHeaderValue(what, value); !s.ok()) return s;
  }
  return Ok{};
}

}  // namespace ghl::client
