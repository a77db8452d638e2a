// The default Connection: prepare (catalog, headers, location fill) → pace → send → retry.
#include "ghl/client/connection.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <functional>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "body_encoding.h"
#include "ghl/client/error_mapping.h"
#include "ghl/client/location_fill.h"
#include "ghl/client/rate_limiter.h"
#include "ghl/client/retry_policy.h"
#include "ghl/client/token_provider.h"
#include "ghl/core/json_depth.h"
#include "header_checks.h"

namespace ghl::client {
namespace {

bool IsKnownMethod(std::string_view m) {
  return m == "GET" || m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE" || m == "HEAD" ||
         m == "OPTIONS";
}

std::string Upper(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return out;
}

std::string TokenKey(std::string_view token) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "token:%016zx", std::hash<std::string_view>{}(token));
  return buf;
}

// Replaces `{name}` placeholders; error names the first one without a value.
Result<std::string> SubstitutePlaceholders(
    std::string_view path, const std::vector<std::pair<std::string, std::string>>& params,
    std::string_view location_id) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    size_t open = path.find('{', i);
    if (open == std::string_view::npos) {
      out.append(path.substr(i));
      break;
    }
    size_t close = path.find('}', open);
    if (close == std::string_view::npos) {
      out.append(path.substr(i));
      break;
    }
    out.append(path.substr(i, open - i));
    std::string_view name = path.substr(open + 1, close - open - 1);
    const std::string* value = nullptr;
    for (const auto& [k, v] : params) {
      if (k == name) value = &v;
    }
    if (value != nullptr) {
      out += http::UrlEncode(*value);
    } else if ((name == "locationId" || name == "location_id") && !location_id.empty()) {
      out += http::UrlEncode(location_id);
    } else {
      return UsageError("path parameter {" + std::string(name) + "} has no value",
                        "Write the id into the path, or give it as a path parameter" +
                            std::string(name == "locationId" || name == "location_id"
                                            ? " (or set the location id: --location / "
                                              "GHL_LOCATION_ID)"
                                            : "") +
                            ".");
    }
    i = close + 1;
  }
  return out;
}

bool IsHexDigit(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// An operation whose spec declares no security scheme needs no token (GHL's OAuth token
// exchange); one that also takes `client_secret` in its body authenticates with that, so no
// token is sent to it either. Unknown paths need a token.
bool NeedsToken(const catalog::Endpoint* endpoint) {
  return endpoint == nullptr || endpoint->token_kinds != 0;
}

bool TakesCredentialsInBody(const catalog::Endpoint* endpoint) {
  if (endpoint == nullptr || endpoint->token_kinds != 0) return false;
  return std::any_of(endpoint->body_fields.begin(), endpoint->body_fields.end(),
                     [](const catalog::BodyField& f) { return f.name == "client_secret"; });
}

bool HasControlChar(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Percent-encodes what is not allowed raw in a path segment (RFC 3986 pchar), keeping '/'
// separators and any valid %XX escape already present (no double encoding).
std::string EncodePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    auto u = static_cast<unsigned char>(c);
    bool keep = std::isalnum(u) != 0 ||
                std::string_view("-._~!$&'()*+,;=:@/").find(c) != std::string_view::npos;
    if (c == '%' && i + 2 < path.size() && IsHexDigit(path[i + 1]) && IsHexDigit(path[i + 2])) {
      keep = true;
    }
    if (keep) {
      out += c;
    } else {
      out += '%';
      out += kHex[u >> 4];
      out += kHex[u & 0xF];
    }
  }
  return out;
}

// A `.` or `..` segment (also as %2e) would be squashed by the HTTP stack, so the call would
// reach another endpoint than the one matched: refused.
Status CheckPathSegments(std::string_view path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    std::string decoded = http::UrlDecode(seg, false);
    if (decoded == "." || decoded == "..") {
      return UsageError(
          "path segment '" + std::string(seg) + "' is not allowed in '" + std::string(path) + "'",
          "Write the path without '.' or '..' segments, e.g. /locations/{id}.");
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return Ok{};
}

// The base URL must be http(s)://host[:port][/prefix].
Status CheckBaseUrl(std::string_view url) {
  auto fail = [&] {
    return UsageError("base URL must be http(s)://host[:port]: got '" + std::string(url) + "'",
                      "Use e.g. https://services.leadconnectorhq.com or the sandbox's "
                      "http://127.0.0.1:PORT (--base-url / GHL_BASE_URL).");
  };
  std::string_view rest;
  std::string lower(url.substr(0, std::min<size_t>(url.size(), 8)));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (lower.rfind("https://", 0) == 0) {
    rest = url.substr(8);
  } else {
    return fail();
  }
  std::string_view host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.front() == ':' || host.find('@') != std::string_view::npos ||
      rest.find_first_of("?#") != std::string_view::npos || HasControlChar(url) ||
      url.find(' ') != std::string_view::npos) {
    return fail();
  }
  return Ok{};
}

Error CancelledError(const std::string& label) {
  Error e;
  e.kind = ErrorKind::kNetwork;
  e.messages.push_back("cancelled: the client is shutting down; nothing more was sent for " +
                       label);
  return e;
}

class DefaultConnection final : public Connection {
 public:
  explicit DefaultConnection(ClientOptions options)
      : options_(std::move(options)),
        limiter_(options_.limits, options_.steady_now, options_.wall_now) {
    if (!options_.transport) options_.transport = http::MakeCurlTransport();
    transport_options_ = options_.transport_options;
    if (options_.cancel && !transport_options_.cancelled) {
      // Cancel also ends a call in flight (e.g. a stalled upstream at Ctrl+C).
      transport_options_.cancelled = [cancel = options_.cancel] { return cancel->cancelled(); };
    }
    if (!options_.sleeper && options_.cancel) {
      options_.sleeper = [cancel = options_.cancel](std::chrono::milliseconds d) {
        cancel->SleepFor(d);
      };
    }
    if (!options_.sleeper) {
      options_.sleeper = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    }
    if (!options_.random) {
      options_.random = [] {
        thread_local std::mt19937_64 engine{std::random_device{}()};
        return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
      };
    }
    if (!options_.warning_sink) {
      options_.warning_sink = [](std::string_view line) {
        std::fprintf(stderr, "ghl: warning: %.*s\n", static_cast<int>(line.size()), line.data());
      };
    }
    while (!options_.base_url.empty() && options_.base_url.back() == '/') {
      options_.base_url.pop_back();
    }
  }

  const ClientOptions& options() const override { return options_; }

  Result<PreparedRequest> Prepare(const ApiRequest& original) override {
    auto prepared = PrepareQuiet(original);
    if (prepared.ok()) {
      for (const auto& w : prepared->warnings) {
        // Each distinct warning once per Connection (a paginating loop repeats the call).
        std::lock_guard lock(warned_mutex_);
        if (warned_.size() > 1000) warned_.clear();
        if (warned_.insert(w).second) options_.warning_sink(w);
      }
    }
    return prepared;
  }

  Result<ApiResponse> Execute(const ApiRequest& request) override {
    auto prepared_or = Prepare(request);
    if (!prepared_or.ok()) return prepared_or.error();
    PreparedRequest& prepared = prepared_or.value();
    // The token provider: asked only when neither the call nor the options carry a token.
    TokenProvider* provider = request.token.empty() && options_.token.empty() &&
                                      !prepared.http.headers.Has("Authorization") &&
                                      NeedsToken(prepared.endpoint)
                                  ? options_.token_provider.get()
                                  : nullptr;
    std::string provided;
    if (provider != nullptr) {
      auto token = provider->AccessToken(prepared.location_id);
      if (!token.ok()) return token.error();
      provided = std::move(token.value());
      if (Status set = SetBearer(prepared, provided); !set.ok()) return set.error();
    }
    auto response = ExecutePrepared(request, prepared);
    if (provider == nullptr || !response.ok()) return response;
    AuthFailure failure = ClassifyAuthFailure(response->status, response->body);
    if (failure != AuthFailure::kTokenInvalid) {
      if (failure == AuthFailure::kMissingScope) {
        provider->OnRefused(prepared.location_id, failure,
                            prepared.endpoint ? ScopesText(*prepared.endpoint) : "");
      }
      return response;
    }
    // GHL refused the token itself: renew once (a sibling may already have) and replay once.
    auto renewed = provider->RenewAfterRejection(prepared.location_id, provided);
    if (!renewed.ok()) return renewed.error();
    if (Status set = SetBearer(prepared, renewed.value()); !set.ok()) return set.error();
    return ExecutePrepared(request, prepared);
  }

 private:
  static Status SetBearer(PreparedRequest& prepared, const std::string& token) {
    prepared.http.headers.Set("Authorization", "Bearer " + token);
    return CheckHeaders(prepared.http.headers);
  }

  Result<ApiResponse> ExecutePrepared(const ApiRequest& request, PreparedRequest& prepared) {
    if (!prepared.http.headers.Has("Authorization") && NeedsToken(prepared.endpoint)) {
      return UsageError("no token: the request has no Authorization",
                        "Set ClientOptions::token to a Private Integration Token or OAuth "
                        "access token (the ghl CLI reads --token or GHL_TOKEN).");
    }
    std::string endpoint_id = prepared.endpoint ? std::string(prepared.endpoint->id) : "";
    std::string label = prepared.location_id.empty() ? std::string("this token")
                                                     : "location " + prepared.location_id;
    const RetryPolicy& policy = options_.retry;
    int max_attempts = std::max(1, policy.max_attempts);
    auto cancelled = [this] { return options_.cancel && options_.cancel->cancelled(); };
    for (int attempt = 1;; ++attempt) {
      if (cancelled()) {
        Error e = CancelledError(label);
        e.endpoint_id = endpoint_id;
        return e;
      }
      Status paced = limiter_.Acquire(prepared.limiter_key, label, options_.sleeper, cancelled);
      if (!paced.ok()) {
        Error e = paced.error();
        e.endpoint_id = endpoint_id;
        return e;
      }
      auto sent_at = options_.steady_now ? options_.steady_now() : std::chrono::steady_clock::now();
      auto sent = options_.transport->Send(prepared.http, transport_options_);
      if (!sent.ok()) {
        // Only network failures are transient; a usage error (bad URL) never is.
        if (sent.error().kind == ErrorKind::kNetwork && attempt < max_attempts &&
            MayRetry(policy, prepared.http.method, RetryCause::kNetwork,
                     request.retry_non_idempotent)) {
          options_.sleeper(BackoffDelay(policy, attempt, options_.random()));
          continue;
        }
        Error e = sent.error();
        e.endpoint_id = endpoint_id;
        if (attempt > 1) e.messages.push_back("after " + std::to_string(attempt) + " attempts");
        return e;
      }
      http::Response& response = sent.value();
      limiter_.Observe(prepared.limiter_key, response.headers, sent_at);
      if (IsRetryableStatus(response.status) && attempt < max_attempts) {
        RetryCause cause =
            response.status == 429 ? RetryCause::kRateLimited : RetryCause::kServerError;
        if (MayRetry(policy, prepared.http.method, cause, request.retry_non_idempotent)) {
          auto delay = BackoffDelay(policy, attempt, options_.random());
          auto retry_after = ParseRetryAfter(response.headers);
          if (!retry_after || *retry_after <= policy.max_retry_after) {
            if (retry_after) delay = std::max(delay, *retry_after);
            options_.sleeper(delay);
            continue;
          }
        }
      }
      ApiResponse out;
      out.status = response.status;
      out.headers = std::move(response.headers);
      out.body = std::move(response.body);
      out.endpoint = prepared.endpoint;
      out.method = prepared.http.method;
      out.path = prepared.path;
      out.version = prepared.version;
      out.location_id = prepared.location_id;
      out.attempts = attempt;
      out.request_body = prepared.fields_json;
      out.request_query = http::ParseQuery(prepared.http.Query());
      return out;
    }
  }

  Result<PreparedRequest> PrepareQuiet(const ApiRequest& original) {
    if (Status base = CheckBaseUrl(options_.base_url); !base.ok()) return base.error();
    ApiRequest request = original;
    request.method = Upper(request.method);
    if (!IsKnownMethod(request.method)) {
      return UsageError("unknown HTTP method '" + original.method + "'",
                        "Use GET, POST, PUT, PATCH or DELETE.");
    }
    if (request.path.empty() || request.path.front() != '/') {
      return UsageError("path '" + original.path + "' must start with '/'",
                        "Give the API path relative to the base URL, e.g. /contacts/search.");
    }
    // A query string inside the path goes first, then the explicit query parameters.
    if (auto q = request.path.find('?'); q != std::string::npos) {
      QueryParams from_path = http::ParseQuery(std::string_view(request.path).substr(q + 1));
      request.path.resize(q);
      from_path.insert(from_path.end(), request.query.begin(), request.query.end());
      request.query = std::move(from_path);
    }
    std::string location =
        request.location_id.empty() ? options_.default_location_id : request.location_id;
    auto path = SubstitutePlaceholders(request.path, request.path_params,
                                       request.fill_location ? location : "");
    if (!path.ok()) return path.error();
    if (HasControlChar(path.value())) {
      return UsageError("path '" + original.path + "' has a control character",
                        "Remove CR, LF, tabs and other control characters from the path.");
    }
    if (Status segments = CheckPathSegments(path.value()); !segments.ok()) {
      return segments.error();
    }

    PreparedRequest out;
    out.path = EncodePath(path.value());
    auto match = catalog::Match(request.method, out.path);
    std::vector<std::pair<std::string, std::string>> path_params;
    if (match) {
      out.endpoint = match->endpoint;
      path_params = match->path_params;
    }
    if (out.endpoint != nullptr && request.fill_location) {
      FillLocation(*out.endpoint, location, request);
    }
    out.location_id = FindLocationId(request, path_params);
    if (out.location_id.empty()) out.location_id = location;

    // Version: the endpoint's spec value unless overridden.
    std::string spec_version = out.endpoint && !out.endpoint->version.empty()
                                   ? std::string(out.endpoint->version)
                                   : std::string(catalog::kDefaultVersion);
    std::string override_version = request.version;
    if (auto v = request.headers.Get("Version"); v && override_version.empty()) {
      override_version = *v;
    }
    request.headers.Remove("Version");
    if (!override_version.empty()) {
      out.version = override_version;
      if (out.endpoint != nullptr && override_version != spec_version) {
        out.warnings.push_back(
            "Version override '" + override_version + "' differs from the spec value '" +
            spec_version + "' of " + std::string(out.endpoint->id) + " (" +
            std::string(out.endpoint->method) + " " + std::string(out.endpoint->path) + ")");
      }
    } else {
      out.version = spec_version;
    }
    if (out.endpoint == nullptr) {
      out.warnings.push_back(request.method + " " + out.path +
                             " is not in the endpoint catalog; sending Version " + out.version);
    }

    // URL.
    std::string url = options_.base_url + out.path;
    for (size_t i = 0; i < request.query.size(); ++i) {
      url += i == 0 ? '?' : '&';
      url += http::UrlEncode(request.query[i].first);
      url += '=';
      url += http::UrlEncode(request.query[i].second);
    }

    // Body: in the media type the operation declares, unless the caller set a Content-Type.
    out.fields_json = request.body;
    EncodedBody body;
    if (request.headers.Has("Content-Type")) {
      if (auto deep = FindJsonTooDeep(request.body)) {
        return UsageError("the request body is " + deep->Describe(),
                          "GHL's request bodies nest a few levels at most; check the body.");
      }
      body.body = std::move(request.body);
    } else {
      auto encoded = EncodeBody(out.endpoint ? out.endpoint->body_media_type : std::string_view(),
                                request.body, request.files, NewMultipartBoundary());
      if (!encoded.ok()) return encoded.error();
      body = std::move(encoded.value());
    }

    // Headers: ours first, then the caller's (which replace ours of the same name).
    http::Headers headers;
    const std::string& token = request.token.empty() ? options_.token : request.token;
    if (!token.empty() && !TakesCredentialsInBody(out.endpoint)) {
      headers.Set("Authorization", "Bearer " + token);
    }
    headers.Set("Accept", "application/json");
    headers.Set("Version", out.version);
    if (!body.content_type.empty()) headers.Set("Content-Type", body.content_type);
    if (!options_.user_agent.empty()) headers.Set("User-Agent", options_.user_agent);
    for (const auto& [name, value] : request.headers.fields()) headers.Set(name, value);
    if (Status checked = CheckHeaders(headers); !checked.ok()) return checked.error();

    out.http.method = request.method;
    out.http.target = std::move(url);
    out.http.headers = std::move(headers);
    out.http.body = std::move(body.body);
    if (!out.location_id.empty()) {
      out.limiter_key = "location:" + out.location_id;
    } else {
      out.limiter_key = TokenKey(token);
    }
    return out;
  }

  ClientOptions options_;
  http::TransportOptions transport_options_;  // options_.transport_options + the cancel token
  RateLimiter limiter_;
  std::mutex warned_mutex_;
  std::set<std::string> warned_;
};

}  // namespace

std::shared_ptr<Connection> MakeConnection(ClientOptions options) {
  return std::make_shared<DefaultConnection>(std::move(options));
}

}  // namespace ghl::client
