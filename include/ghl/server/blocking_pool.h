// Threads for handlers that block (e.g. the playground's forwarder waiting for GHL), so the
// server's I/O threads stay free for requests that never block, such as webhook deliveries.
#pragma once

#include <memory>

#include "ghl/server/http_server.h"

namespace ghl::server {

/// A fixed set of threads running synchronous handlers on behalf of an `AsyncHandler`.
/// Thread-safe. Destroying it waits for the handlers already queued or running (their answers
/// go nowhere when the server stopped first, which is harmless).
class BlockingPool {
 public:
  /// `threads`: how many blocking handlers run at once (at least 1); more wait in a queue.
  explicit BlockingPool(int threads);
  ~BlockingPool();
  BlockingPool(const BlockingPool&) = delete;
  BlockingPool& operator=(const BlockingPool&) = delete;

  /// Runs `handler(request)` on a pool thread and answers with its result; an exception
  /// escaping the handler answers 500 {"statusCode":500,"message":"internal error in handler"}.
  /// Returns at once.
  void Run(const Handler& handler, http::Request request, Responder respond);

  /// Runs `handler(request, respond)` on a pool thread: for handlers that block and answer
  /// through the Responder themselves (e.g. a streamed body written while they run). An
  /// exception escaping it answers 500 as Run does (ignored when it had answered). Returns at
  /// once.
  void RunAsync(const AsyncHandler& handler, http::Request request, Responder respond);

  /// For shutdown: requests not started yet (and any Run after this) are answered `answer`
  /// without running their handler, so nothing reaches an upstream after its caller was told
  /// to retry. Handlers already running finish (cancel their I/O to end them sooner).
  void Close(http::Response answer);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghl::server
