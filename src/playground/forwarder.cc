#include "forwarder.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "ghl/catalog/catalog.h"
#include "ghl/server/http_server.h"

namespace ghl::playground {
namespace {

// ordered_json keeps the upstream's key order in the page's JSON view.
using json = nlohmann::ordered_json;

constexpr size_t kMaxQueryParams = 200;
constexpr size_t kMaxHeaders = 50;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

Refusal Bad(std::string message, std::string hint = {}) {
  return Refusal{400, std::move(message), std::move(hint)};
}

// A query value as text: strings as is, numbers/booleans as JSON; nullopt for other kinds.
std::optional<std::string> ScalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean() || v.is_number()) return v.dump();
  return std::nullopt;
}

std::string ShellQuote(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out.push_back(c);
    }
  }
  out += "'";
  return out;
}

// Replaces every occurrence of `secret` in `text` (no-op for short/empty secrets).
void Scrub(std::string& text, std::string_view secret) {
  if (secret.size() < 6) return;
  size_t pos = 0;
  while ((pos = text.find(secret, pos)) != std::string::npos) {
    text.replace(pos, secret.size(), "***");
    pos += 3;
  }
}

// GHL's messages from an error body: `message` (string or array), else `error`.
std::vector<std::string> ErrorMessages(const json& body) {
  std::vector<std::string> out;
  if (!body.is_object()) return out;
  auto collect = [&](const json& v) {
    if (v.is_string()) {
      out.push_back(v.get<std::string>());
    } else if (v.is_array()) {
      for (const auto& m : v) out.push_back(m.is_string() ? m.get<std::string>() : m.dump());
    }
  };
  if (auto it = body.find("message"); it != body.end()) collect(*it);
  if (out.empty()) {
    if (auto it = body.find("error"); it != body.end()) collect(*it);
  }
  return out;
}

std::string RateLimitKey(std::string_view lower_name) {
  // "x-ratelimit-interval-milliseconds" -> "intervalMilliseconds"
  std::string rest(lower_name.substr(std::string_view("x-ratelimit-").size()));
  std::string out;
  bool upper = false;
  for (char c : rest) {
    if (c == '-') {
      upper = true;
    } else {
      out.push_back(upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c);
      upper = false;
    }
  }
  return out;
}

}  // namespace

http::Response RefusalResponse(const Refusal& refusal) {
  json error = {{"summary", refusal.message}, {"messages", json::array({refusal.message})}};
  if (!refusal.hint.empty()) error["hint"] = refusal.hint;
  auto response = server::JsonResponse(refusal.status, json{{"error", error}}.dump());
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

std::variant<SendInput, Refusal> ParseSendInput(std::string_view text) {
  json in = json::parse(text, nullptr, false);
  if (in.is_discarded() || !in.is_object()) return Bad("the request is not a JSON object");
  SendInput out;

  auto method = in.find("method");
  if (method == in.end() || !method->is_string()) return Bad("`method` is missing");
  out.method = method->get<std::string>();
  std::transform(out.method.begin(), out.method.end(), out.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static constexpr std::string_view kMethods[] = {"GET", "POST", "PUT", "PATCH", "DELETE"};
  if (std::find(std::begin(kMethods), std::end(kMethods), out.method) == std::end(kMethods)) {
    return Bad("method '" + out.method.substr(0, 16) + "' is not supported",
               "Use GET, POST, PUT, PATCH or DELETE.");
  }

  auto path = in.find("path");
  if (path == in.end() || !path->is_string()) return Bad("`path` is missing");
  out.path = path->get<std::string>();
  if (auto refusal = CheckUpstreamPath(out.path)) return *refusal;

  if (auto q = in.find("query"); q != in.end() && !q->is_null()) {
    if (!q->is_object()) return Bad("`query` must be an object of name → value");
    for (const auto& [name, value] : q->items()) {
      if (name.empty()) return Bad("a query parameter has an empty name");
      if (HasControlChars(name)) return Bad("query parameter names cannot hold control characters");
      if (value.is_null()) continue;
      if (value.is_array()) {
        for (const auto& item : value) {
          auto t = ScalarText(item);
          if (!t) return Bad("query parameter '" + name + "' holds a nested value");
          out.query.emplace_back(name, *t);
        }
      } else if (auto t = ScalarText(value)) {
        out.query.emplace_back(name, *t);
      } else {
        return Bad("query parameter '" + name + "' must be a string, number, boolean or array");
      }
      if (out.query.size() > kMaxQueryParams) return Bad("too many query parameters");
    }
  }

  if (auto h = in.find("headers"); h != in.end() && !h->is_null()) {
    if (!h->is_object()) return Bad("`headers` must be an object of name → value");
    if (h->size() > kMaxHeaders) return Bad("too many headers");
    for (const auto& [name, value] : h->items()) {
      if (!value.is_string()) return Bad("header '" + name + "' must be a string");
      std::string v = value.get<std::string>();
      if (auto refusal = CheckForwardedHeader(name, v)) return *refusal;
      if (http::EqualsIgnoreCase(name, "Version")) {
        out.version = v;
      } else {
        out.headers.Set(name, v);
      }
    }
  }

  if (auto b = in.find("body"); b != in.end() && !b->is_null()) out.body = b->dump();

  if (auto t = in.find("token"); t != in.end() && !t->is_null()) {
    if (!t->is_string()) return Bad("`token` must be a string");
    out.token = t->get<std::string>();
    // Trim what a paste tends to carry along, and a "Bearer " someone copied with it.
    auto not_space = [](unsigned char c) { return !std::isspace(c); };
    out.token.erase(out.token.begin(), std::find_if(out.token.begin(), out.token.end(), not_space));
    out.token.erase(std::find_if(out.token.rbegin(), out.token.rend(), not_space).base(),
                    out.token.end());
    if (out.token.size() > 7 && http::EqualsIgnoreCase(out.token.substr(0, 7), "Bearer ")) {
      out.token.erase(0, 7);
    }
    if (HasControlChars(out.token) || out.token.find(' ') != std::string::npos ||
        out.token.size() > 8192) {
      return Bad("the token contains spaces or control characters",
                 "Paste only the token itself (a Private Integration Token or an OAuth access "
                 "token).");
    }
  }

  if (auto v = in.find("version"); v != in.end() && !v->is_null()) {
    if (!v->is_string()) return Bad("`version` must be a string");
    std::string version = v->get<std::string>();
    if (HasControlChars(version) || version.size() > 64) return Bad("`version` is not valid");
    if (!version.empty()) out.version = version;
  }
  return out;
}

std::string MaskedCurl(std::string_view method, std::string_view url, const http::Headers& headers,
                       const std::optional<std::string>& body) {
  std::string out = "curl -sS";
  if (method != "GET" || body) out += " -X " + std::string(method);
  out += " " + ShellQuote(url);
  for (const auto& [name, value] : headers.fields()) {
    if (http::EqualsIgnoreCase(name, "Authorization")) {
      out += " \\\n  -H \"Authorization: Bearer $GHL_TOKEN\"";
    } else {
      out += " \\\n  -H " + ShellQuote(name + ": " + value);
    }
  }
  if (body) out += " \\\n  --data " + ShellQuote(*body);
  return out;
}

http::Response Forward(const SendInput& input, const ForwarderConfig& config) {
  const catalog::Endpoint* endpoint = nullptr;
  if (auto match = catalog::Match(input.method, input.path)) endpoint = match->endpoint;
  std::string version = input.version ? *input.version
                        : (endpoint && !endpoint->version.empty())
                            ? std::string(endpoint->version)
                            : std::string(catalog::kDefaultVersion);

  http::Request request;
  request.method = input.method;
  request.target = config.upstream + input.path;
  if (!input.query.empty()) {
    char sep = '?';
    for (const auto& [name, value] : input.query) {
      request.target += sep + http::UrlEncode(name) + "=" + http::UrlEncode(value);
      sep = '&';
    }
  }
  if (!input.token.empty()) request.headers.Set("Authorization", "Bearer " + input.token);
  request.headers.Set("Version", version);
  request.headers.Set("Accept", "application/json");
  if (input.body) {
    request.headers.Set("Content-Type", "application/json");
    request.body = *input.body;
  }
  for (const auto& [name, value] : input.headers.fields()) request.headers.Set(name, value);

  json request_info = {{"method", request.method},
                       {"url", request.target},
                       {"version", version},
                       {"curl", MaskedCurl(request.method, request.target, request.headers,
                                           input.body)}};

  http::TransportOptions options;
  options.timeout = config.timeout;
  options.connect_timeout = std::min(config.timeout, std::chrono::milliseconds(10000));
  options.max_response_bytes = config.max_response_bytes;

  auto started = std::chrono::steady_clock::now();
  auto result = config.transport->Send(request, options);
  double time_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  time_ms = static_cast<double>(static_cast<long long>(time_ms * 10 + 0.5)) / 10;

  if (!result.ok()) {
    Error error = result.error();
    bool timed_out = time_ms + 50 >= static_cast<double>(config.timeout.count());
    std::string summary = error.Summary();
    Scrub(summary, input.token);
    json e = {{"summary", summary},
              {"messages", error.messages},
              {"hint", timed_out ? "The upstream did not answer within " +
                                       std::to_string(config.timeout.count()) + " ms."
                                 : "Check that the upstream (" + config.upstream +
                                       ") is reachable from this machine."}};
    auto response = server::JsonResponse(
        timed_out ? 504 : 502, json{{"error", e}, {"timeMs", time_ms}, {"request", request_info}}
                                   .dump(-1, ' ', false, json::error_handler_t::replace));
    response.headers.Set("Cache-Control", "no-store");
    return response;
  }

  http::Response& upstream = *result;
  json headers = json::object();
  json rate_limit = json::object();
  for (auto [name, value] : upstream.headers.fields()) {
    std::string lower = Lower(name);
    if (lower == "set-cookie") continue;
    Scrub(value, input.token);
    if (headers.contains(lower)) {
      headers[lower] = headers[lower].get<std::string>() + ", " + value;
    } else {
      headers[lower] = value;
    }
    if (lower.rfind("x-ratelimit-", 0) == 0) rate_limit[RateLimitKey(lower)] = value;
  }
  std::string body_text = upstream.body;
  Scrub(body_text, input.token);
  json body = json::parse(body_text, nullptr, false);
  bool body_is_json = !body.is_discarded() && !body_text.empty();
  if (!body_is_json) body = body_text;

  json answer = {{"status", upstream.status},
                 {"ok", upstream.status >= 200 && upstream.status < 300},
                 {"timeMs", time_ms},
                 {"headers", headers},
                 {"rateLimit", rate_limit},
                 {"body", body},
                 {"bodyIsJson", body_is_json},
                 {"request", request_info}};
  answer["endpoint"] = endpoint ? json{{"id", endpoint->id}, {"version", endpoint->version}}
                                : json(nullptr);
  if (!answer["ok"].get<bool>()) {
    json e = {{"messages", body_is_json ? ErrorMessages(body) : std::vector<std::string>{}}};
    std::string summary = "HTTP " + std::to_string(upstream.status);
    auto reason = http::ReasonPhrase(upstream.status);
    if (!reason.empty()) summary += " " + std::string(reason);
    for (size_t i = 0; i < e["messages"].size(); ++i) {
      summary += (i == 0 ? ": " : "; ") + e["messages"][i].get<std::string>();
    }
    e["summary"] = summary;
    if (body_is_json && body.is_object() && body.contains("traceId") && body["traceId"].is_string()) {
      e["traceId"] = body["traceId"];
    }
    if (endpoint) e["endpointId"] = endpoint->id;
    answer["error"] = e;
  }
  auto response =
      server::JsonResponse(200, answer.dump(-1, ' ', false, json::error_handler_t::replace));
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

}  // namespace ghl::playground
