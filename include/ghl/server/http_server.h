/// \file
/// A small HTTP/1.1 server (Boost.Beast coroutines behind our own types). Handlers are plain
/// functions from `http::Request` to `http::Response`, so every route is testable without a
/// socket. Used by the sandbox (`ghl sandbox`) and the playground (`ghl serve`).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "ghl/http/message.h"

namespace ghl::server {

/// Handles one request. Called on a server thread; must be thread-safe when `threads > 1`.
/// Exceptions escaping the handler become a 500 with a JSON body (and are a defect).
using Handler = std::function<http::Response(const http::Request&)>;

/// Server settings; plain struct with defaults.
struct ServerOptions {
  /// Address to bind. Loopback by default: nothing is exposed to the network unless asked.
  std::string host = "127.0.0.1";
  /// TCP port; 0 picks a free one (read it back with `HttpServer::port()`).
  uint16_t port = 0;
  /// I/O threads. Handlers may block (the playground's forwarder does), so >1 helps.
  int threads = 2;
  /// Requests with a larger body get 413 {"statusCode":413,"message":"request entity too
  /// large: limit is N bytes"} before the handler runs, then the connection closes. Bytes.
  size_t max_body_bytes = 1u << 20;
  /// A connection idle (or a request unfinished) this long is closed. Milliseconds.
  std::chrono::milliseconds idle_timeout{30000};
};

/// Listens, parses requests, calls the handler, writes responses; keep-alive supported.
/// Requests that cannot be parsed never reach the handler: they get a JSON
/// {"statusCode":N,"message":"..."} answer with `Connection: close`, then the connection closes:
/// 431 header over 64 KiB, 414 request line (URI) alone over 64 KiB, 413 body over
/// `max_body_bytes`, 400 anything else (bad request line or version, bad Content-Length,
/// Content-Length with Transfer-Encoding, bad chunk, bare LF, NUL or other bad target bytes).
class HttpServer {
 public:
  HttpServer(ServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts the I/O threads; returns the bound port. Throws std::runtime_error with
  /// the address and the OS reason when the bind fails (e.g. port in use).
  uint16_t Start();
  /// Blocks until `Stop()` is called or SIGINT/SIGTERM arrives (when `handle_signals`).
  void Wait(bool handle_signals = false);
  /// Stops accepting, closes connections, joins threads. Idempotent.
  void Stop();
  /// The bound port (valid after Start).
  uint16_t port() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Convenience: a JSON response with `Content-Type: application/json`.
http::Response JsonResponse(int status, std::string body);

}  // namespace ghl::server
