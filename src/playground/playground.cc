#include "ghl/playground/playground.h"

#include <openssl/evp.h>

#include <atomic>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <vector>

#include "forwarder.h"
#include "ghl/catalog/catalog.h"
#include "guard.h"

namespace ghl::playground {
namespace generated {
std::string_view PlaygroundHtml();  // playground_page.cc, generated from web/playground.html
}  // namespace generated

namespace {

using nlohmann::json;

std::string Sha256Base64(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  std::string out(4 * ((size + 2) / 3) + 1, '\0');
  int n =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, static_cast<int>(size));
  out.resize(static_cast<size_t>(n));
  return out;
}

// "'sha256-…' 'sha256-…'" for every <tag>…</tag> block of the page (tags without attributes).
std::string InlineHashes(std::string_view page, std::string_view tag) {
  std::string open = "<" + std::string(tag) + ">", close = "</" + std::string(tag) + ">";
  std::string out;
  size_t pos = 0;
  while ((pos = page.find(open, pos)) != std::string_view::npos) {
    size_t start = pos + open.size();
    size_t end = page.find(close, start);
    if (end == std::string_view::npos) break;
    if (!out.empty()) out += ' ';
    out += "'sha256-" + Sha256Base64(page.substr(start, end - start)) + "'";
    pos = end + close.size();
  }
  return out.empty() ? "'none'" : out;
}

void SecurityHeaders(http::Response& response) {
  response.headers.Set("X-Content-Type-Options", "nosniff");
  response.headers.Set("Referrer-Policy", "no-referrer");
  response.headers.Set("X-Frame-Options", "DENY");
  response.headers.Set("Cross-Origin-Opener-Policy", "same-origin");
  response.headers.Set("Cross-Origin-Resource-Policy", "same-origin");
}

http::Response Json(int status, const json& body) {
  auto response = server::JsonResponse(status, body.dump());
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

http::Response NotFound(std::string_view path) {
  return RefusalResponse(Refusal{404, "no route " + std::string(path.substr(0, 200)),
                                 "The playground serves /, /api/catalog, "
                                 "/api/endpoints/search?q=, /api/config and POST /api/send."});
}

http::Response MethodNotAllowed(std::string_view allow) {
  auto response = RefusalResponse(Refusal{405, "method not allowed", "Use " + std::string(allow)});
  response.headers.Set("Allow", allow);
  return response;
}

/// GET /api/endpoints/search?q=WORDS[&limit=N]: catalog::SearchByPurpose, best first, as
/// {"query": q, "results": [{"id", "score"}]} (the page has the catalog for the rest).
http::Response SearchEndpoints(const http::Request& request) {
  std::string q;
  size_t limit = 50;
  for (const auto& [name, value] : http::ParseQuery(request.Query())) {
    if (name == "q") q = value.substr(0, 500);
    if (name == "limit") {
      char* end = nullptr;
      unsigned long n = std::strtoul(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || n < 1 || n > 576) {
        return RefusalResponse(Refusal{400, "limit must be a whole number from 1 to 576", ""});
      }
      limit = n;
    }
  }
  json results = json::array();
  for (const catalog::ScoredEndpoint& s : catalog::SearchByPurpose(q, limit)) {
    results.push_back({{"id", s.endpoint->id}, {"score", s.score}});
  }
  auto response = Json(200, {{"query", q}, {"results", std::move(results)}});
  SecurityHeaders(response);
  return response;
}

}  // namespace

std::string_view PageHtml() { return generated::PlaygroundHtml(); }

const std::string& PageContentSecurityPolicy() {
  static const std::string kPolicy =
      "default-src 'none'; script-src " + InlineHashes(PageHtml(), "script") + "; style-src " +
      InlineHashes(PageHtml(), "style") +
      "; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; "
      "frame-ancestors 'none'";
  return kPolicy;
}

struct Playground::Impl {
  PlaygroundOptions options;
  std::atomic<uint16_t> port{0};
  ForwarderConfig forwarder;
};

Playground::Playground(PlaygroundOptions options) : impl_(std::make_unique<Impl>()) {
  while (!options.upstream.empty() && options.upstream.back() == '/') options.upstream.pop_back();
  if (!options.transport) options.transport = http::MakeCurlTransport();
  impl_->port = options.port;
  impl_->forwarder = ForwarderConfig{
      options.upstream, options.timeout,
      MakeForwarderConnection(options.upstream, options.timeout, options.max_response_bytes,
                              options.transport, options.cancel)};
  impl_->options = std::move(options);
  (void)PageContentSecurityPolicy();  // hash the page once, before the first request
}

Playground::~Playground() = default;

void Playground::SetPort(uint16_t port) {
  impl_->port = port;
  impl_->options.port = port;
}

const PlaygroundOptions& Playground::options() const { return impl_->options; }

server::Handler Playground::AsHandler() const {
  return [this](const http::Request& request) { return Handle(request); };
}

http::Response Playground::Handle(const http::Request& request) const {
  const auto& opt = impl_->options;
  if (auto refusal = CheckHostAndOrigin(request, opt.listen_host, impl_->port.load())) {
    return RefusalResponse(*refusal);
  }
  std::string_view path = request.Path();
  bool get = request.method == "GET" || request.method == "HEAD";

  if (path == "/" || path == "/index.html") {
    if (!get) return MethodNotAllowed("GET");
    http::Response response;
    response.status = 200;
    response.headers.Set("Content-Type", "text/html; charset=utf-8");
    response.headers.Set("Content-Security-Policy", PageContentSecurityPolicy());
    response.headers.Set("Cache-Control", "no-cache");
    SecurityHeaders(response);
    response.body = std::string(PageHtml());
    return response;
  }
  if (path == "/api/catalog") {
    if (!get) return MethodNotAllowed("GET");
    auto response = server::JsonResponse(200, catalog::CatalogJson());
    response.headers.Set("Cache-Control", "no-cache");
    SecurityHeaders(response);
    return response;
  }
  if (path == "/api/endpoints/search") {
    if (!get) return MethodNotAllowed("GET");
    return SearchEndpoints(request);
  }
  if (path == "/api/config") {
    if (!get) return MethodNotAllowed("GET");
    json versions = json::array();
    for (auto v : catalog::KnownVersions()) versions.push_back(v);
    auto response = Json(200, {{"upstream", opt.upstream},
                               {"sandbox", opt.upstream_is_sandbox},
                               {"locationId", opt.default_location_id},
                               {"defaultVersion", catalog::kDefaultVersion},
                               {"knownVersions", versions},
                               {"maxBodyBytes", opt.max_request_bytes}});
    SecurityHeaders(response);
    return response;
  }
  if (path == "/healthz") {
    if (!get) return MethodNotAllowed("GET");
    return Json(200, {{"ok", true}});
  }
  if (path == kSendPath) {
    if (request.method != "POST") return MethodNotAllowed("POST");
    // A JSON content type cannot be sent cross-site without a CORS preflight (which this
    // server never approves), on top of the Origin check above.
    auto type = request.headers.GetOr("Content-Type", "");
    if (type.rfind("application/json", 0) != 0) {
      return RefusalResponse(Refusal{415, "Content-Type must be application/json", ""});
    }
    if (request.body.size() > opt.max_request_bytes) {
      return RefusalResponse(
          Refusal{413, "request body over " + std::to_string(opt.max_request_bytes) + " bytes",
                  "Send a smaller body."});
    }
    auto parsed = ParseSendInput(request.body);
    if (auto* refusal = std::get_if<Refusal>(&parsed)) return RefusalResponse(*refusal);
    auto response = Forward(std::get<SendInput>(parsed), impl_->forwarder);
    SecurityHeaders(response);
    return response;
  }
  return NotFound(path);
}

}  // namespace ghl::playground
