/// \file
/// The `Connection` runs one call end to end: catalog lookup (method + path) → headers
/// (`Authorization: Bearer`, `Accept: application/json`, `Content-Type` for bodies, the
/// endpoint's `Version`) → location fill → per-location rate limiter → retry loop with backoff
/// → `http::Transport`. `Client` is a thin layer over it; tests and decorators can implement
/// `Connection` directly.
#pragma once

#include <memory>

#include "ghl/client/options.h"
#include "ghl/client/request.h"
#include "ghl/core/result.h"

namespace ghl::client {

class RateLimiter;

/// The seam below `Client`. Thread-safe implementations only.
class Connection {
 public:
  virtual ~Connection() = default;

  /// Builds the exact HTTP request for `request` without sending it (for `--dry-run` and
  /// display). Errors (kUsage): empty or unknown method, a path not starting with '/', an
  /// unfilled `{placeholder}`.
  virtual Result<PreparedRequest> Prepare(const ApiRequest& request) = 0;

  /// Prepares, paces, sends and retries. Returns the final answer for ANY HTTP status (use
  /// `Client::Send` or `ErrorFromResponse` to turn non-2xx into an `Error`). Errors: kUsage
  /// (as Prepare, or no token configured), kRateLimit (daily quota spent; nothing sent),
  /// kNetwork (no HTTP answer after the retries allowed).
  virtual Result<ApiResponse> Execute(const ApiRequest& request) = 0;

  /// The options in force (token included: never print them).
  virtual const ClientOptions& options() const = 0;
};

/// The real Connection over `options.transport` (curl by default) with the seams from
/// `options`. The rate limiter is per Connection: share one Client per program so every call
/// for a location is paced together.
std::shared_ptr<Connection> MakeConnection(ClientOptions options);

}  // namespace ghl::client
