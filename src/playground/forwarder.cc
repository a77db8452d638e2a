#include "forwarder.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ghl/client/curl_format.h"
#include "ghl/client/error_mapping.h"
#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"
#include "ghl/server/http_server.h"

namespace ghl::playground {
namespace {

// ordered_json keeps the upstream's key order in the page's JSON view.
using json = nlohmann::ordered_json;

constexpr size_t kMaxQueryParams = 200;
constexpr size_t kMaxHeaders = 50;
constexpr size_t kMaxFiles = 10;

// Standard base64 (the page's FileReader data URL payload); nullopt when malformed.
std::optional<std::string> DecodeBase64(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (c != '\n' && c != '\r') clean += c;
  }
  if (clean.size() % 4 != 0) return std::nullopt;
  std::string out(clean.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(clean.data()),
                          static_cast<int>(clean.size()));
  if (n < 0) return std::nullopt;
  size_t pad = 0;
  if (!clean.empty() && clean.back() == '=') ++pad;
  if (clean.size() > 1 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

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

using client::ShellQuote;

// Replaces every occurrence of `secret` in `text` (no-op for short/empty secrets).
void ReplaceAll(std::string& text, std::string_view from, std::string_view to) {
  size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
}

void Scrub(std::string& text, std::string_view secret) {
  if (secret.size() < 6) return;
  ReplaceAll(text, secret, "***");
}

// The forms a token typed into the call takes in a URL, a header or a JSON body.
std::vector<std::string> TokenForms(std::string_view token) {
  std::vector<std::string> forms{std::string(token)};
  std::string encoded = http::UrlEncode(token);
  std::string escaped = json(std::string(token)).dump();
  escaped = escaped.substr(1, escaped.size() - 2);
  for (auto& f : {encoded, escaped}) {
    if (std::find(forms.begin(), forms.end(), f) == forms.end()) forms.push_back(f);
  }
  return forms;
}

// Library option names → what sets them for the playground.
std::string PageWording(std::string text) {
  return ReplaceEach(
      std::move(text),
      {
          {"TransportOptions::timeout", "the upstream timeout: ghl serve --timeout-ms"},
          {"ClientOptions::token", "the Token box"},
          {"ClientOptions::base_url", "ghl serve --upstream"},
          {"ClientOptions::default_location_id", "the Location box"},
      });
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
  if (auto deep = FindJsonTooDeep(text)) {
    return Bad("the request is " + deep->Describe(),
               "GHL's request bodies nest a few levels at most; check the body.");
  }
  json in = ghl::ParseJsonBounded<json>(text);
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

  if (auto f = in.find("files"); f != in.end() && !f->is_null()) {
    if (!f->is_array() || f->size() > kMaxFiles) {
      return Bad("`files` must be an array of at most " + std::to_string(kMaxFiles) +
                 " {field, filename, contentType, base64}");
    }
    for (const auto& file : *f) {
      if (!file.is_object() || !file.value("field", json()).is_string() ||
          !file.value("base64", json()).is_string()) {
        return Bad("each file needs `field` and `base64` strings");
      }
      client::FilePart part;
      part.field = file["field"].get<std::string>();
      part.filename = file.value("filename", json("upload")).is_string()
                          ? file.value("filename", std::string("upload"))
                          : "upload";
      part.content_type = file.value("contentType", json("")).is_string()
                              ? file.value("contentType", std::string())
                              : "";
      if (part.field.empty() || HasControlChars(part.field) || HasControlChars(part.filename) ||
          HasControlChars(part.content_type)) {
        return Bad("a file's field, name or type is empty or holds control characters");
      }
      auto bytes = DecodeBase64(file["base64"].get<std::string>());
      if (!bytes) return Bad("file '" + part.filename.substr(0, 80) + "' is not valid base64");
      part.content = std::move(*bytes);
      out.files.push_back(std::move(part));
    }
  }

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
                       const std::string& body, const std::string& fields_json,
                       const std::vector<client::FilePart>& files, std::string_view token) {
  bool multipart = Lower(headers.GetOr("Content-Type", "")).rfind("multipart/", 0) == 0;
  std::string out = "curl -sS";
  if (method != "GET" || !body.empty()) out += " -X " + std::string(method);
  // The masking rule of every shown request (ghl/client/curl_format.h): secret query
  // parameters, credential headers and secret body fields become ***.
  out += " " + ShellQuote(client::MaskedUrl(url));
  const http::Headers shown = client::RedactedHeaders(headers);
  for (const auto& [name, value] : shown.fields()) {
    if (http::EqualsIgnoreCase(name, "Authorization")) {
      out += " \\\n  -H \"Authorization: Bearer $GHL_TOKEN\"";
    } else if (!(multipart && http::EqualsIgnoreCase(name, "Content-Type"))) {
      out += " \\\n  -H " + ShellQuote(name + ": " + value);
    }
  }
  if (multipart) {
    // --form-string: curl gives '@' and '<' no meaning there, so text parts stay text.
    json fields = fields_json.empty() ? json::object() : ParseJsonBounded<json>(fields_json);
    if (fields.is_object()) {
      for (const auto& [k, v] : fields.items()) {
        if (v.is_null()) continue;
        std::string text = client::IsSecretName(k, url)
                               ? std::string(client::kMasked)
                               : (v.is_string() ? v.get<std::string>() : v.dump());
        out += " \\\n  --form-string " + ShellQuote(k + "=" + text);
      }
    }
    for (const auto& f : files) {
      out += " \\\n  -F " + ShellQuote(f.field + "=@" + f.filename + ";type=" + f.content_type);
    }
  } else if (!body.empty()) {
    out += " \\\n  --data " +
           ShellQuote(client::MaskedBody(body, headers.GetOr("Content-Type", ""), url));
  }
  // The token typed into a field, header or the body: every part is single-quoted, so close
  // the quotes around "$GHL_TOKEN" and the command still runs.
  if (token.size() >= 6) {
    for (const auto& form : TokenForms(token)) ReplaceAll(out, form, "'\"$GHL_TOKEN\"'");
  }
  return out;
}

std::shared_ptr<client::Connection> MakeForwarderConnection(
    const std::string& upstream, std::chrono::milliseconds timeout, size_t max_response_bytes,
    std::shared_ptr<http::Transport> transport, std::shared_ptr<client::CancelToken> cancel) {
  client::ClientOptions options;
  options.cancel = std::move(cancel);
  options.base_url = upstream;
  options.retry.max_attempts = 1;
  options.limits.enabled = false;  // the user clicks Send; the upstream's limits are shown
  options.transport_options.timeout = timeout;
  options.transport_options.connect_timeout = std::min(timeout, std::chrono::milliseconds(10000));
  options.transport_options.max_response_bytes = max_response_bytes;
  options.transport = std::move(transport);
  options.warning_sink = [](std::string_view) {};  // warnings go into each answer instead
  options.user_agent = "ghlkit-playground/0.1";
  return client::MakeConnection(std::move(options));
}

http::Response Forward(const SendInput& input, const ForwarderConfig& config) {
  client::ApiRequest call;
  call.method = input.method;
  call.path = input.path;
  call.query = input.query;
  call.body = input.body.value_or("");
  call.files = input.files;
  call.headers = input.headers;
  call.token = input.token;
  call.version = input.version.value_or("");
  call.fill_location = false;  // send exactly what the page shows

  auto scrubbed = [&](std::string text) {
    Scrub(text, input.token);
    return text;
  };
  auto error_json = [&](const Error& error) {
    json messages = json::array();
    for (const auto& m : error.messages) messages.push_back(scrubbed(m));
    json e = {{"summary", scrubbed(error.Summary())}, {"messages", messages}};
    if (!error.hint.empty()) e["hint"] = scrubbed(PageWording(error.hint));
    if (!error.trace_id.empty()) e["traceId"] = error.trace_id;
    if (!error.endpoint_id.empty()) e["endpointId"] = error.endpoint_id;
    return e;
  };
  auto finish = [](int status, const json& answer) {
    auto response =
        server::JsonResponse(status, answer.dump(-1, ' ', false, json::error_handler_t::replace));
    response.headers.Set("Cache-Control", "no-store");
    return response;
  };

  auto prepared = config.connection->Prepare(call);
  if (!prepared.ok()) {
    return finish(400, json{{"error", error_json(prepared.error())}});
  }
  http::Headers shown = prepared->http.headers;
  shown.Remove("User-Agent");
  json request_info = {
      {"method", prepared->http.method},
      {"url", scrubbed(client::MaskedUrl(prepared->http.target))},
      {"version", prepared->version},
      {"curl", MaskedCurl(prepared->http.method, prepared->http.target, shown, prepared->http.body,
                          prepared->fields_json, input.files, input.token)}};
  json warnings = json::array();
  for (const auto& w : prepared->warnings) warnings.push_back(scrubbed(w));
  json endpoint = prepared->endpoint ? json{{"id", prepared->endpoint->id},
                                            {"version", prepared->endpoint->version}}
                                     : json(nullptr);

  // Said in the page's terms (the library's own message names ClientOptions::token).
  bool needs_token = prepared->endpoint == nullptr || prepared->endpoint->token_kinds != 0;
  if (needs_token && !prepared->http.headers.Has("Authorization")) {
    json error = {{"summary", "no token: paste a token in the Token box"},
                  {"messages", json::array({"no token: paste a token in the Token box"})},
                  {"hint",
                   "Paste a Private Integration Token or an OAuth access token into the "
                   "Token box at the top (with the sandbox: the GHL_TOKEN value that "
                   "`ghl serve --sandbox` printed)."}};
    return finish(400, json{{"error", error}, {"request", request_info}, {"endpoint", endpoint}});
  }

  auto started = std::chrono::steady_clock::now();
  auto result = config.connection->Execute(call);
  double time_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  time_ms = static_cast<double>(static_cast<long long>(time_ms * 10 + 0.5)) / 10;

  if (!result.ok()) {
    const Error& error = result.error();
    json answer = {{"error", error_json(error)},
                   {"timeMs", time_ms},
                   {"request", request_info},
                   {"warnings", warnings},
                   {"endpoint", endpoint}};
    int status = 502;
    if (error.kind == ErrorKind::kUsage) {
      status = 400;
    } else if (error.kind == ErrorKind::kRateLimit) {
      status = 429;
    } else if (time_ms + 50 >= static_cast<double>(config.timeout.count())) {
      status = 504;
      answer["error"]["hint"] =
          "The upstream did not answer within " + std::to_string(config.timeout.count()) + " ms.";
    } else if (error.hint.empty()) {
      answer["error"]["hint"] =
          "Check that the upstream (" + config.upstream + ") is reachable from this machine.";
    }
    return finish(status, answer);
  }

  client::ApiResponse& upstream = *result;
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
  std::string body_text = scrubbed(upstream.body);
  json body = ghl::ParseJsonBounded<json>(body_text);
  bool body_is_json = !body.is_discarded() && !body_text.empty();
  if (!body_is_json) body = body_text;

  json answer = {{"status", upstream.status},  {"ok", upstream.ok()},     {"timeMs", time_ms},
                 {"headers", headers},         {"rateLimit", rate_limit}, {"body", body},
                 {"bodyIsJson", body_is_json}, {"endpoint", endpoint},    {"warnings", warnings},
                 {"request", request_info}};
  if (!upstream.ok()) answer["error"] = error_json(client::ErrorFromResponse(upstream));
  return finish(200, answer);
}

}  // namespace ghl::playground
