/// \file
/// The playground behind `ghl serve`: one self-contained web page (web/playground.html,
/// compiled into the binary) and a small JSON API the page calls. It is a pure handler from
/// `http::Request` to `http::Response` (see ghl/server/http_server.h), so every route is
/// testable without a socket.
///
/// Routes:
///   - `GET /`             the page (text/html) with a strict Content-Security-Policy.
///   - `GET /api/catalog`  every operation of the catalog as JSON (`catalog::CatalogJson()`).
///   - `GET /api/config`   `{"upstream","sandbox","locationId","defaultVersion","knownVersions",
///                          "maxBodyBytes"}`; never a token.
///   - `POST /api/send`    the forwarder (request and answer shapes below).
///   - `GET /healthz`      `{"ok":true}`.
///
/// The forwarder is not an open proxy: it only ever reaches the configured upstream base URL
/// (the page sends a path, never a URL), refuses requests whose `Host` is not this server on a
/// loopback name (DNS-rebinding defence) and whose `Origin` (or `Sec-Fetch-Site`) says
/// cross-site, caps the request and upstream response sizes, and times out. The token travels
/// only in the `/api/send` request body; it is never logged, never stored and never echoed
/// (the answer's curl command says `$GHL_TOKEN`, and any occurrence of the token in the
/// upstream's answer is replaced by `***`).
///
/// `POST /api/send` request (JSON object):
///   `method`   "GET" | "POST" | "PUT" | "PATCH" | "DELETE" (required)
///   `path`     "/contacts/search": starts with one '/', path params already filled in; no
///              scheme, host, "//", "..", '\\', '?', '#', '{', '}', whitespace or control chars
///   `query`    object: name -> string | number | boolean | array of those (optional)
///   `headers`  object: name -> string (optional; `Authorization`, `Host`, `Cookie`,
///              `Content-Length` and hop-by-hop fields are refused; `Version` here is the
///              same as `version`)
///   `body`     any JSON value (sent as JSON), or absent/null for no body
///   `token`    string, the bearer token (optional; without it no Authorization is sent)
///   `version`  string, the `Version` header; absent = the catalog's value for the matched
///              operation, else `catalog::kDefaultVersion`
/// Answer 200 when the upstream answered (whatever its status):
///   `{"status":201,"ok":true,"timeMs":12.3,"headers":{"x-ratelimit-remaining":"99",...},
///     "rateLimit":{"max":"100",...},"body":<parsed JSON or the text>,"bodyIsJson":true,
///     "endpoint":{"id","version"}|null,
///     "error":{"summary","messages":[...],"hint","traceId","endpointId"}   // only non-2xx
///     "request":{"method","url","version","curl"}}`                          // token masked
/// Answer 4xx/502/504 when the forwarder refused or could not reach the upstream:
///   `{"error":{"summary","messages":[...],"hint"}}` (400 bad input, 403 Host/Origin,
///   413 too large, 502 network failure, 504 timeout).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "ghl/client/options.h"
#include "ghl/http/message.h"
#include "ghl/http/transport.h"
#include "ghl/server/http_server.h"

namespace ghl::playground {

/// GHL's production API base URL, the default upstream.
inline constexpr std::string_view kDefaultUpstream = "https://services.leadconnectorhq.com";
/// The one route that calls the upstream (POST, JSON body: method, path, query, body, token):
/// the only one that may wait for it.
inline constexpr std::string_view kSendPath = "/api/send";

/// Settings of the playground handler; plain struct with defaults.
struct PlaygroundOptions {
  /// Where the forwarder sends every call: scheme + host (+ port) (+ base path), no trailing
  /// '/'. The only host the forwarder ever reaches.
  std::string upstream = std::string(kDefaultUpstream);
  /// True when `upstream` is the embedded sandbox (the page says so).
  bool upstream_is_sandbox = false;
  /// Pre-filled in the page's location box; may be empty.
  std::string default_location_id;
  /// Address the server listens on. Besides the loopback names (127.0.0.1, localhost, [::1])
  /// this is the only host name accepted in `Host` (when it is not a wildcard address).
  std::string listen_host = "127.0.0.1";
  /// Port the server listens on; `Host` must carry it. 0 = not known yet (set it with
  /// `Playground::SetPort` once the server has bound port 0).
  uint16_t port = 0;
  /// Largest `/api/send` request body accepted, bytes (larger → 413).
  size_t max_request_bytes = 1u << 20;
  /// Largest upstream answer accepted, bytes (larger → 502 naming the cap).
  size_t max_response_bytes = 8u << 20;
  /// Whole upstream call timeout, milliseconds (→ 504 when it expires).
  std::chrono::milliseconds timeout{30000};
  /// Transport to reach the upstream; null = libcurl (`http::MakeCurlTransport()`).
  std::shared_ptr<http::Transport> transport;
  /// Cancelling it ends upstream calls in flight at once (shutdown); null = never.
  std::shared_ptr<client::CancelToken> cancel;
};

/// The playground handler. Thread-safe: `Handle` may run on several server threads at once.
class Playground {
 public:
  explicit Playground(PlaygroundOptions options);
  ~Playground();
  Playground(const Playground&) = delete;
  Playground& operator=(const Playground&) = delete;

  /// Sets the port `Host`/`Origin` must name (after `HttpServer::Start` bound port 0).
  void SetPort(uint16_t port);

  /// Answers one request (any route; unknown routes → 404 JSON, wrong method → 405).
  http::Response Handle(const http::Request& request) const;

  /// `Handle` as a `server::Handler`; the Playground must outlive the returned function.
  server::Handler AsHandler() const;

  /// The settings in force (port included).
  const PlaygroundOptions& options() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// The embedded web/playground.html, exactly as in the source tree (generated at build time).
std::string_view PageHtml();

/// The Content-Security-Policy sent with the page: no network except this origin, scripts and
/// styles only by the SHA-256 hashes of the page's own inline blocks.
const std::string& PageContentSecurityPolicy();

}  // namespace ghl::playground
