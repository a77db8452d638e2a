// Database locations: PostgreSQL or SQLite, masking, scrubbing driver messages.
#include "ghl/core/db_location.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <utility>
#include <vector>

namespace ghl {
namespace {

bool IsUrl(std::string_view s) {
  return s.starts_with("postgres://") || s.starts_with("postgresql://");
}

// libpq's connection parameter keywords (PostgreSQL 16, "Parameter Key Words").
bool IsLibpqKeyword(std::string_view k) {
  static constexpr std::array<std::string_view, 42> kWords = {"host",
                                                              "hostaddr",
                                                              "port",
                                                              "dbname",
                                                              "user",
                                                              "password",
                                                              "passfile",
                                                              "require_auth",
                                                              "channel_binding",
                                                              "connect_timeout",
                                                              "client_encoding",
                                                              "options",
                                                              "application_name",
                                                              "fallback_application_name",
                                                              "keepalives",
                                                              "keepalives_idle",
                                                              "keepalives_interval",
                                                              "keepalives_count",
                                                              "tcp_user_timeout",
                                                              "replication",
                                                              "gssencmode",
                                                              "sslmode",
                                                              "requiressl",
                                                              "sslcompression",
                                                              "sslcert",
                                                              "sslkey",
                                                              "sslpassword",
                                                              "sslcertmode",
                                                              "sslrootcert",
                                                              "sslcrl",
                                                              "sslcrldir",
                                                              "sslsni",
                                                              "requirepeer",
                                                              "ssl_min_protocol_version",
                                                              "ssl_max_protocol_version",
                                                              "krbsrvname",
                                                              "gsslib",
                                                              "gssdelegation",
                                                              "service",
                                                              "target_session_attrs",
                                                              "load_balance_hosts",
                                                              "sslnegotiation"};
  for (auto w : kWords) {
    if (w == k) return true;
  }
  return false;
}

// One keyword/value pair of a libpq string: where the value starts and ends in the text.
struct Pair {
  std::string_view keyword;
  size_t value_begin = 0;
  size_t value_end = 0;
  std::string value;  // unquoted
};

// The pairs of a keyword/value string, or nullopt when `s` is not one.
std::optional<std::vector<Pair>> ParseKeywords(std::string_view s) {
  std::vector<Pair> pairs;
  size_t i = 0;
  auto skip_space = [&] {
    while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  };
  skip_space();
  while (i < s.size()) {
    size_t k = i;
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
    Pair p;
    p.keyword = s.substr(k, i - k);
    if (p.keyword.empty() || !IsLibpqKeyword(p.keyword)) return std::nullopt;
    skip_space();
    if (i >= s.size() || s[i] != '=') return std::nullopt;
    ++i;
    skip_space();
    p.value_begin = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < s.size()) {
        if (s[i] == '\\' && i + 1 < s.size()) {
          p.value += s[i + 1];
          i += 2;
        } else if (s[i] == '\'') {
          ++i;
          closed = true;
          break;
        } else {
          p.value += s[i++];
        }
      }
      if (!closed) return std::nullopt;
    } else {
      while (i < s.size() && !std::isspace(static_cast<unsigned char>(s[i]))) {
        if (s[i] == '\\' && i + 1 < s.size()) ++i;
        p.value += s[i++];
      }
    }
    p.value_end = i;
    pairs.push_back(std::move(p));
    skip_space();
  }
  if (pairs.empty()) return std::nullopt;
  return pairs;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecoded(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 && HexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Where a URL's userinfo password sits: [begin, end) in the URL, or nullopt. The userinfo ends
// at the last "@" before the query, so an unencoded "@" in the password is still covered.
std::optional<std::pair<size_t, size_t>> UrlPasswordSpan(std::string_view url) {
  size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  size_t start = scheme + 3;
  size_t query = url.find('?', start);
  size_t at = url.rfind('@', query == std::string_view::npos ? url.size() : query);
  if (at == std::string_view::npos || at < start) return std::nullopt;
  size_t colon = url.find(':', start);
  if (colon == std::string_view::npos || colon > at) return std::nullopt;
  return std::make_pair(colon + 1, at);
}

// Where a "password=" query parameter's value sits, or nullopt.
std::optional<std::pair<size_t, size_t>> QueryPasswordSpan(std::string_view url) {
  size_t query = url.find('?');
  if (query == std::string_view::npos) return std::nullopt;
  size_t pos = query;
  while ((pos = url.find("password=", pos + 1)) != std::string_view::npos) {
    char before = url[pos - 1];
    if (before == '?' || before == '&') {
      size_t end = url.find('&', pos);
      return std::make_pair(pos + 9, end == std::string_view::npos ? url.size() : end);
    }
  }
  return std::nullopt;
}

void ReplaceAll(std::string& text, std::string_view what, std::string_view with) {
  if (what.empty()) return;
  for (size_t pos = text.find(what); pos != std::string::npos;
       pos = text.find(what, pos + with.size())) {
    text.replace(pos, what.size(), with);
  }
}

}  // namespace

bool IsPostgresLocation(std::string_view location) {
  return IsUrl(location) || ParseKeywords(location).has_value();
}

std::string MaskLocation(std::string_view location) {
  std::string out(location);
  if (IsUrl(location)) {
    // The query first: its offsets do not move when the userinfo shrinks after it is masked.
    if (auto q = QueryPasswordSpan(out)) out.replace(q->first, q->second - q->first, "***");
    if (auto u = UrlPasswordSpan(out)) out.replace(u->first, u->second - u->first, "***");
    return out;
  }
  if (auto pairs = ParseKeywords(location)) {
    for (auto it = pairs->rbegin(); it != pairs->rend(); ++it) {
      if (it->keyword == "password" || it->keyword == "sslpassword") {
        out.replace(it->value_begin, it->value_end - it->value_begin, "***");
      }
    }
  }
  return out;
}

std::string ScrubLocationSecret(std::string_view text, std::string_view location) {
  std::vector<std::string> secrets;
  if (IsUrl(location)) {
    for (auto span : {UrlPasswordSpan(location), QueryPasswordSpan(location)}) {
      if (!span) continue;
      std::string_view raw = location.substr(span->first, span->second - span->first);
      secrets.emplace_back(raw);
      secrets.push_back(PercentDecoded(raw));
    }
  } else if (auto pairs = ParseKeywords(location)) {
    for (const auto& p : *pairs) {
      if (p.keyword != "password" && p.keyword != "sslpassword") continue;
      secrets.emplace_back(location.substr(p.value_begin, p.value_end - p.value_begin));
      secrets.push_back(p.value);
    }
  }
  std::string out(text);
  // Longest first, so a secret that contains another is replaced whole.
  std::sort(secrets.begin(), secrets.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  for (const auto& s : secrets) ReplaceAll(out, s, "***");
  return out;
}

Status CheckDbLocation(std::string_view location, std::string_view what) {
  if (!IsUrl(location)) return Ok{};
  for (size_t i = 0; i < location.size(); ++i) {
    if (location[i] != '%') continue;
    if (i + 2 < location.size() && HexValue(location[i + 1]) >= 0 &&
        HexValue(location[i + 2]) >= 0) {
      i += 2;
      continue;
    }
    return UsageError(std::string(what) + " " + MaskLocation(location) +
                          ": a \"%\" in the URL is not followed by two hex digits",
                      "percent-encode special characters of the user and password: % as %25, "
                      "@ as %40, : as %3A, / as %2F (or use the keyword form "
                      "\"host=… user=… password=… dbname=…\")");
  }
  return Ok{};
}

}  // namespace ghl
