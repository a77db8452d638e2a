// One masking rule for every place a request or response is shown (dry run, --verbose, -i,
// the playground's curl line), and the curl command built from the masked request.
#include "ghl/client/curl_format.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"

namespace ghl::client {
namespace {

using ojson = nlohmann::ordered_json;

// Lower case without '_' and '-': "client_secret", "Client-Secret" and "clientSecret" alike.
std::string Folded(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c == '_' || c == '-') continue;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view UrlPath(std::string_view url) {
  size_t scheme = url.find("://");
  size_t start = scheme == std::string_view::npos ? 0 : url.find('/', scheme + 3);
  if (start == std::string_view::npos) return {};
  return url.substr(start, url.find('?', start) - start);
}

bool IsBinary(std::string_view s) {
  return s.find('\0') != std::string_view::npos || FirstInvalidUtf8(s).has_value();
}

std::string BytesNote(size_t n, std::string_view what) {
  return "[" + std::to_string(n) + " bytes " + std::string(what) + "]";
}

// Masks the values of secret keys at any depth; true when something changed.
bool MaskJson(ojson& doc, std::string_view url) {
  bool changed = false;
  if (doc.is_object()) {
    for (auto& [key, value] : doc.items()) {
      if (IsSecretName(key, url) && !value.is_null()) {
        value = std::string(kMasked);
        changed = true;
      } else {
        changed = MaskJson(value, url) || changed;
      }
    }
  } else if (doc.is_array()) {
    for (auto& v : doc) changed = MaskJson(v, url) || changed;
  }
  return changed;
}

// "a=1&client_secret=x" → "a=1&client_secret=***" (pairs kept byte for byte otherwise).
std::string MaskPairs(std::string_view pairs, std::string_view url) {
  std::string out;
  size_t start = 0;
  while (start <= pairs.size()) {
    size_t amp = pairs.find('&', start);
    std::string_view pair =
        pairs.substr(start, amp == std::string_view::npos ? std::string_view::npos : amp - start);
    size_t eq = pair.find('=');
    std::string key = http::UrlDecode(pair.substr(0, eq));
    if (start > 0) out += '&';
    if (eq != std::string_view::npos && IsSecretName(key, url)) {
      out += std::string(pair.substr(0, eq + 1)) + std::string(kMasked);
    } else {
      out += pair;
    }
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  return out;
}

struct Part {
  std::string name;
  std::optional<std::string> filename;  // set for a file part
  std::string content_type;
  std::string content;
};

std::string ParamValue(std::string_view header, std::string_view param) {
  std::string key = std::string(param) + "=\"";
  size_t at = 0;
  while ((at = header.find(key, at)) != std::string_view::npos) {
    if (at == 0 || header[at - 1] == ' ' || header[at - 1] == ';') {
      size_t start = at + key.size();
      size_t end = header.find('"', start);
      if (end == std::string_view::npos) return {};
      return std::string(header.substr(start, end - start));
    }
    at += key.size();
  }
  return {};
}

std::string Boundary(std::string_view content_type) {
  size_t at = content_type.find("boundary=");
  if (at == std::string_view::npos) return {};
  std::string_view b = content_type.substr(at + 9);
  b = b.substr(0, b.find(';'));
  if (b.size() >= 2 && b.front() == '"' && b.back() == '"') b = b.substr(1, b.size() - 2);
  return std::string(b);
}

bool IsMultipart(std::string_view content_type) {
  std::string lower(content_type.substr(0, 20));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower.rfind("multipart/form-data", 0) == 0;
}

// The parts of a multipart/form-data body, or nullopt when it is not well formed.
std::optional<std::vector<Part>> ParseMultipart(std::string_view body,
                                                std::string_view content_type) {
  std::string boundary = Boundary(content_type);
  if (boundary.empty()) return std::nullopt;
  std::string delim = "--" + boundary;
  std::vector<Part> parts;
  if (body.rfind(delim, 0) != 0) return std::nullopt;
  size_t pos = delim.size();
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;
    if (body.substr(pos, 2) != "\r\n") return std::nullopt;
    pos += 2;
    size_t head_end = body.find("\r\n\r\n", pos);
    if (head_end == std::string_view::npos) return std::nullopt;
    Part part;
    std::string_view head = body.substr(pos, head_end - pos);
    size_t line_start = 0;
    while (line_start <= head.size()) {
      size_t eol = head.find("\r\n", line_start);
      std::string_view line = head.substr(
          line_start, eol == std::string_view::npos ? std::string_view::npos : eol - line_start);
      std::string lower = Folded(line.substr(0, line.find(':')));
      if (lower == "contentdisposition") {
        part.name = ParamValue(line, "name");
        if (line.find("filename=\"") != std::string_view::npos) {
          part.filename = ParamValue(line, "filename");
        }
      } else if (lower == "contenttype" && line.find(':') != std::string_view::npos) {
        std::string_view v = line.substr(line.find(':') + 1);
        while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
        part.content_type = std::string(v);
      }
      if (eol == std::string_view::npos) break;
      line_start = eol + 2;
    }
    size_t content_start = head_end + 4;
    size_t next = body.find("\r\n" + delim, content_start);
    if (next == std::string_view::npos) return std::nullopt;
    part.content = std::string(body.substr(content_start, next - content_start));
    parts.push_back(std::move(part));
    pos = next + 2 + delim.size();
  }
}

}  // namespace

bool IsSecretName(std::string_view name, std::string_view path) {
  std::string n = Folded(name);
  for (std::string_view word : {"secret", "password", "passwd", "token", "apikey", "privatekey",
                                "credential", "authorization", "cookie", "signature"}) {
    if (n.find(word) != std::string::npos) return true;
  }
  if (n == "code") {
    std::string_view p = path.find("://") != std::string_view::npos ? UrlPath(path) : path;
    return p.find("/oauth/") != std::string_view::npos;
  }
  return false;
}

http::Headers RedactedHeaders(const http::Headers& headers) {
  http::Headers out;
  for (const auto& [name, value] : headers.fields()) {
    if (http::EqualsIgnoreCase(name, "Authorization") ||
        http::EqualsIgnoreCase(name, "Proxy-Authorization")) {
      auto space = value.find(' ');
      out.Add(name, space == std::string::npos
                        ? std::string(kMasked)
                        : value.substr(0, space) + " " + std::string(kMasked));
    } else if (IsSecretName(name)) {
      out.Add(name, std::string(kMasked));
    } else {
      out.Add(name, value);
    }
  }
  return out;
}

std::string MaskedUrl(std::string_view url) {
  size_t q = url.find('?');
  if (q == std::string_view::npos) return std::string(url);
  size_t hash = url.find('#', q);
  std::string_view query = url.substr(q + 1, hash == std::string_view::npos ? hash : hash - q - 1);
  std::string out(url.substr(0, q + 1));
  out += MaskPairs(query, url);
  if (hash != std::string_view::npos) out += url.substr(hash);
  return out;
}

std::string MaskedBody(std::string_view body, std::string_view content_type, std::string_view url) {
  if (body.empty()) return {};
  if (IsMultipart(content_type)) {
    auto parts = ParseMultipart(body, content_type);
    if (!parts) return BytesNote(body.size(), "of multipart data");
    std::string boundary = Boundary(content_type);
    std::string out;
    for (const auto& p : *parts) {
      out += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + p.name + "\"";
      if (p.filename) out += "; filename=\"" + *p.filename + "\"";
      out += "\r\n";
      if (!p.content_type.empty()) out += "Content-Type: " + p.content_type + "\r\n";
      out += "\r\n";
      if (p.filename) {
        out += BytesNote(p.content.size(), "from " + *p.filename);
      } else if (IsSecretName(p.name, url)) {
        out += kMasked;
      } else {
        out += IsBinary(p.content) ? BytesNote(p.content.size(), "of binary data") : p.content;
      }
      out += "\r\n";
    }
    return out + "--" + boundary + "--\r\n";
  }
  if (IsBinary(body)) return BytesNote(body.size(), "of binary data");
  if (auto doc = ParseJsonBounded<ojson>(body); !doc.is_discarded()) {
    if (!MaskJson(doc, url)) return std::string(body);
    return doc.dump(-1, ' ', false, ojson::error_handler_t::replace);
  }
  std::string lower(content_type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.rfind("application/x-www-form-urlencoded", 0) == 0) return MaskPairs(body, url);
  return std::string(body);
}

http::Request MaskedRequest(const http::Request& request) {
  http::Request out = request;
  out.target = MaskedUrl(request.target);
  out.headers = RedactedHeaders(request.headers);
  out.body = MaskedBody(request.body, request.headers.GetOr("Content-Type", ""), request.target);
  return out;
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string FormatCurlCommand(const http::Request& request) {
  const std::string content_type = request.headers.GetOr("Content-Type", "");
  std::optional<std::vector<Part>> parts;
  if (IsMultipart(content_type)) parts = ParseMultipart(request.body, content_type);
  std::string out = "curl";
  if (request.method != "GET" || !request.body.empty()) out += " -X " + request.method;
  out += " " + ShellQuote(MaskedUrl(request.target));
  const http::Headers redacted = RedactedHeaders(request.headers);
  for (const auto& [name, value] : redacted.fields()) {
    if (http::EqualsIgnoreCase(name, "Authorization") && value == "Bearer ***") {
      // Masked yet runnable: the shell fills the token in from the environment.
      out += " \\\n  -H \"" + name + ": Bearer $GHL_TOKEN\"";
      continue;
    }
    // curl writes its own multipart Content-Type with the boundary it chooses.
    if (parts && http::EqualsIgnoreCase(name, "Content-Type")) continue;
    out += " \\\n  -H " + ShellQuote(name + ": " + value);
  }
  if (parts) {
    for (const auto& p : *parts) {
      if (p.filename) {
        std::string spec = p.name + "=@" + *p.filename;
        if (!p.content_type.empty()) spec += ";type=" + p.content_type;
        out += " \\\n  -F " + ShellQuote(spec);
      } else {
        // --form-string: curl gives '@' and '<' no meaning there, so text stays text.
        std::string value = IsSecretName(p.name, request.target) ? std::string(kMasked)
                            : IsBinary(p.content) ? BytesNote(p.content.size(), "of binary data")
                                                  : p.content;
        out += " \\\n  --form-string " + ShellQuote(p.name + "=" + value);
      }
    }
  } else if (!request.body.empty()) {
    std::string shown = MaskedBody(request.body, content_type, request.target);
    out += std::string(" \\\n  ") + (IsBinary(request.body) ? "--data-binary " : "--data-raw ") +
           ShellQuote(shown);
  }
  return out;
}

std::string FormatStatusAndHeaders(int status, const http::Headers& headers) {
  std::string out = "HTTP/1.1 " + std::to_string(status);
  auto reason = http::ReasonPhrase(status);
  if (!reason.empty()) {
    out += ' ';
    out += reason;
  }
  out += '\n';
  const http::Headers redacted = RedactedHeaders(headers);
  for (const auto& [name, value] : redacted.fields()) {
    out += name + ": " + value + "\n";
  }
  return out;
}

}  // namespace ghl::client
