/// \file
/// A small HTTP/1.1 server (Boost.Beast coroutines behind our own types). Handlers are plain
/// functions from `http::Request` to `http::Response`, so every route is testable without a
/// socket. Used by the sandbox (`ghl sandbox`) and the playground (`ghl serve`).
///
/// Two kinds of handler: a synchronous `Handler` answers on the server thread that read the
/// request; an `AsyncHandler` gets a `Responder` and may answer later from any thread (the
/// webhook receiver answers from the event store's committer thread once the group commit is
/// durable), so a waiting request holds no thread and many requests share one commit.
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

/// The body of a streamed answer (`Responder::Stream`): bytes sent as they are written, e.g.
/// Server-Sent Events. Copyable (copies share the stream); thread-safe; never blocks (bytes are
/// handed to the connection's thread, which sends them as HTTP/1.1 chunks; on HTTP/1.0 the body
/// is the bytes up to the close). When every copy is destroyed the body ends as by `End`.
class BodyStream {
 public:
  /// Where the bytes go; implemented by the server.
  struct Sink {
    virtual ~Sink() = default;
    virtual bool Write(std::string bytes) = 0;
    virtual void End() = 0;
  };
  explicit BodyStream(std::shared_ptr<Sink> sink) : sink_(std::move(sink)) {}
  /// Appends `bytes` to the body. False when they will never arrive: the client went away (a
  /// write to it failed), the server is stopping, or the body ended; the producer should stop.
  bool Write(std::string bytes) const { return sink_->Write(std::move(bytes)); }
  /// Ends the body (the last chunk is sent; the connection then serves its next request).
  /// Idempotent.
  void End() const { sink_->End(); }

 private:
  std::shared_ptr<Sink> sink_;
};

/// Completes one request's answer, from any thread, at most once. Copyable (copies share the
/// request); calls after the first are ignored. Never blocks: the answer is handed to the server
/// thread that owns the connection. When every copy is destroyed without an answer, the client
/// gets 500 {"statusCode":500,"message":"internal error: the handler dropped the request"}.
/// Answering after the server stopped does nothing (the connection is gone).
class Responder {
 public:
  /// Where the answer goes; implemented by the server.
  struct Slot {
    virtual ~Slot() = default;
    virtual void Complete(http::Response response) = 0;
    virtual BodyStream Stream(http::Response head) = 0;
  };
  explicit Responder(std::shared_ptr<Slot> slot) : slot_(std::move(slot)) {}
  /// Sends `response` (status, headers, body; a JSON body without Content-Type gets
  /// `application/json`). Thread-safe.
  void operator()(http::Response response) const { slot_->Complete(std::move(response)); }
  /// Answers with a streamed body instead: `head`'s status and headers are sent now (its body
  /// is ignored; no Content-Length), the body through the returned stream, as it is written.
  /// Counts as the answer (later calls are ignored; a stream returned then only answers false).
  /// `ServerOptions::idle_timeout` applies to each write, not to the pauses between them. On
  /// `Stop()`, open streams count as owed answers for `stop_grace`, then are ended.
  BodyStream Stream(http::Response head) const { return slot_->Stream(std::move(head)); }

 private:
  std::shared_ptr<Slot> slot_;
};

/// Handles one request asynchronously: call `respond` exactly once, now or later, from any
/// thread. Called on a server thread; must not block if answers should stay fast. An exception
/// escaping it before `respond` was called becomes a 500.
using AsyncHandler = std::function<void(http::Request request, Responder respond)>;

/// The default `ServerOptions::stopping_answer`: 503 {"statusCode":503,"message":"server is
/// stopping; retry"} with `Retry-After: 1`.
http::Response DefaultStoppingAnswer();

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
  /// On `Stop()`, how long to wait for answers still owed by asynchronous handlers (e.g. a
  /// webhook whose commit is in flight) before the rest get 503 and connections close.
  /// Milliseconds.
  std::chrono::milliseconds stop_grace{5000};
  /// Sent, with `Connection: close`, once `Stop()` has begun: to a request read after that
  /// (its handler does not run) and to every answer still owed when `stop_grace` ends.
  /// `ghl serve` makes it a 429, the only status GHL retries a webhook on.
  http::Response stopping_answer = DefaultStoppingAnswer();
  /// Called once when `Stop()` begins (signal or call), before it waits for owed answers: the
  /// place to cancel work those answers wait for (e.g. `BlockingPool::Close`, a CancelToken).
  /// Runs on the stopping thread; must not call Stop. Null = nothing.
  std::function<void()> on_stopping;
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
  /// Same, with an asynchronous handler (see `AsyncHandler`).
  HttpServer(ServerOptions options, AsyncHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds and starts the I/O threads; returns the bound port. Throws std::runtime_error with
  /// the address and the OS reason when the bind fails (e.g. port in use).
  uint16_t Start();
  /// Blocks until `Stop()` is called or SIGINT/SIGTERM arrives (when `handle_signals`).
  void Wait(bool handle_signals = false);
  /// Stops accepting; open connections finish the request in hand (answers written from now on
  /// say `Connection: close`); a request read later, on a connection whose last answer said
  /// keep-alive, gets `stopping_answer` and the close; waits up to `stop_grace` for answers owed
  /// by asynchronous handlers (returning as soon as the last one is written), answers what is
  /// still owed with `stopping_answer` (up to 1 s more to write it), then closes every
  /// connection and joins the threads. Idempotent.
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
