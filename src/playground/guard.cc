#include "guard.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace ghl::playground {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool IsWildcard(std::string_view host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

// Splits "host:port" / "[v6]:port" / "host" into (lower-case host, port text).
std::pair<std::string, std::string> SplitHostPort(std::string_view authority) {
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return {"", ""};
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return {"", ""};
      port = rest.substr(1);
    }
  } else {
    auto colon = authority.rfind(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
  }
  return {Lower(host), std::string(port)};
}

bool HostAllowed(const std::string& host, std::string_view listen_host) {
  static constexpr std::array<std::string_view, 4> kLoopback = {"127.0.0.1", "localhost",
                                                                 "[::1]", "::1"};
  if (std::find(kLoopback.begin(), kLoopback.end(), host) != kLoopback.end()) return true;
  if (IsWildcard(listen_host)) return false;
  std::string listen = Lower(listen_host);
  if (listen.find(':') != std::string::npos && listen.front() != '[') listen = "[" + listen + "]";
  return host == listen;
}

bool IsTokenChar(unsigned char c) {
  if (std::isalnum(c)) return true;
  static constexpr std::string_view kExtra = "!#$%&'*+-.^_`|~";
  return kExtra.find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

bool HasControlChars(std::string_view value) {
  return std::any_of(value.begin(), value.end(), [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return (c < 0x20 && c != '\t') || c == 0x7f;
  });
}

std::optional<Refusal> CheckHostAndOrigin(const http::Request& request,
                                          std::string_view listen_host, uint16_t port) {
  auto host_header = request.headers.Get("Host");
  if (!host_header || host_header->empty()) {
    return Refusal{403, "missing Host header", "Open the playground at the URL `ghl serve` printed."};
  }
  auto [host, host_port] = SplitHostPort(*host_header);
  bool port_ok = port == 0 || host_port == std::to_string(port);
  if (host.empty() || !HostAllowed(host, listen_host) || !port_ok) {
    return Refusal{403, "Host '" + *host_header + "' is not this playground server",
                   "Open the playground at the URL `ghl serve` printed (127.0.0.1 or localhost); "
                   "other host names are refused to stop DNS-rebinding attacks."};
  }
  if (auto origin = request.headers.Get("Origin")) {
    if (Lower(*origin) != "http://" + Lower(*host_header)) {
      return Refusal{403, "cross-origin request refused (Origin '" + *origin + "')",
                     "Only the playground page itself may call this API."};
    }
  }
  if (auto site = request.headers.Get("Sec-Fetch-Site")) {
    std::string s = Lower(*site);
    if (s != "same-origin" && s != "none") {
      return Refusal{403, "cross-site request refused (Sec-Fetch-Site: " + *site + ")",
                     "Only the playground page itself may call this API."};
    }
  }
  return std::nullopt;
}

std::optional<Refusal> CheckUpstreamPath(std::string_view path) {
  auto bad = [&](std::string why) {
    return Refusal{400, "path refused: " + why,
                   "Send a path such as /contacts/search (the upstream is fixed by `ghl serve "
                   "--upstream`), with path parameters filled in and the query in `query`."};
  };
  if (path.empty() || path.front() != '/') return bad("it must start with '/'");
  if (path.size() > 2048) return bad("longer than 2048 characters");
  if (path.find("//") != std::string_view::npos) return bad("it contains '//'");
  if (path.find("://") != std::string_view::npos) return bad("it looks like a URL");
  if (HasControlChars(path)) return bad("it contains control characters (CR/LF)");
  for (char c : std::string_view("\\?#{} \t\"<>`^|")) {
    if (path.find(c) != std::string_view::npos) {
      if (c == '{' || c == '}') return bad("a path parameter is not filled in");
      if (c == '?') return bad("put the query string in `query`, not in the path");
      return bad(std::string("it contains '") + c + "'");
    }
  }
  // Dot segments, literal or percent-encoded, could walk out of a base path.
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string seg = Lower(http::UrlDecode(path.substr(start, end - start), false));
    if (seg == "." || seg == "..") return bad("it contains a '.' or '..' segment");
    bool has_sep = seg.find('/') != std::string::npos || seg.find('\\') != std::string::npos;
    if (has_sep && seg.find("..") != std::string::npos) {
      return bad("it contains an encoded '..' traversal");
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<Refusal> CheckForwardedHeader(std::string_view name, std::string_view value) {
  if (name.empty() || name.size() > 256 ||
      !std::all_of(name.begin(), name.end(),
                   [](char c) { return IsTokenChar(static_cast<unsigned char>(c)); })) {
    return Refusal{400, "header name '" + std::string(name.substr(0, 64)) + "' is not valid",
                   "Header names are letters, digits and -_."};
  }
  if (value.size() > 8192 || HasControlChars(value)) {
    return Refusal{400, "header '" + std::string(name) + "' has a value with control characters "
                        "(CR/LF) or over 8 KiB", ""};
  }
  static constexpr std::array<std::string_view, 14> kOwned = {
      "authorization", "host", "cookie", "content-length", "transfer-encoding", "connection",
      "keep-alive", "te", "trailer", "upgrade", "expect", "proxy-authorization",
      "proxy-connection", "forwarded"};
  std::string lower = Lower(name);
  if (std::find(kOwned.begin(), kOwned.end(), lower) != kOwned.end() ||
      lower.rfind("proxy-", 0) == 0 || lower.rfind("x-forwarded-", 0) == 0) {
    std::string hint = lower == "authorization"
                           ? "Paste the token in the token box; the forwarder adds Authorization."
                           : "The forwarder sets this header itself.";
    return Refusal{400, "header '" + std::string(name) + "' cannot be set", hint};
  }
  return std::nullopt;
}

}  // namespace ghl::playground
