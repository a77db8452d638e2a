#include "ghl/client/curl_format.h"

namespace ghl::client {

http::Headers RedactedHeaders(const http::Headers& headers) {
  http::Headers out;
  for (const auto& [name, value] : headers.fields()) {
    if (http::EqualsIgnoreCase(name, "Authorization")) {
      auto space = value.find(' ');
      out.Add(name, space == std::string::npos ? "***" : value.substr(0, space) + " ***");
    } else if (http::EqualsIgnoreCase(name, "Cookie") ||
               http::EqualsIgnoreCase(name, "Set-Cookie") ||
               http::EqualsIgnoreCase(name, "X-Api-Key") ||
               http::EqualsIgnoreCase(name, "Token-Id")) {
      out.Add(name, "***");
    } else {
      out.Add(name, value);
    }
  }
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
  std::string out = "curl";
  if (request.method != "GET" || !request.body.empty()) out += " -X " + request.method;
  out += " " + ShellQuote(request.target);
  const http::Headers redacted = RedactedHeaders(request.headers);
  for (const auto& [name, value] : redacted.fields()) {
    if (http::EqualsIgnoreCase(name, "Authorization") && value == "Bearer ***") {
      // Masked yet runnable: the shell fills the token in from the environment.
      out += " \\\n  -H \"" + name + ": Bearer $GHL_TOKEN\"";
      continue;
    }
    out += " \\\n  -H " + ShellQuote(name + ": " + value);
  }
  if (!request.body.empty()) out += " \\\n  --data-raw " + ShellQuote(request.body);
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
