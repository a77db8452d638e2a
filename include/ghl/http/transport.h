/// \file
/// The client-side seam between libghl and the network. `Client` sends through a `Transport`;
/// production uses libcurl (`MakeCurlTransport`), tests inject fakes or fault-injecting
/// wrappers.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::http {

/// Per-request transport settings.
struct TransportOptions {
  /// Whole-request timeout (connect + send + receive), milliseconds.
  std::chrono::milliseconds timeout{30000};
  /// Connect timeout, milliseconds.
  std::chrono::milliseconds connect_timeout{10000};
  /// Largest response body accepted, bytes; larger answers fail with kNetwork.
  size_t max_response_bytes = 64u << 20;
  /// When set, polled during the transfer (at least about once a second, also while waiting
  /// for the server); returning true aborts it with a kNetwork error "cancelled". Lets a
  /// shutdown end calls in flight instead of waiting out `timeout`.
  std::function<bool()> cancelled;
};

/// Sends one HTTP request and returns the response. Any HTTP status is a successful `Send`;
/// only failures without an HTTP answer (DNS, connect, TLS, timeout, reset) are errors
/// (`ErrorKind::kNetwork`, message names the cause, never the token). Thread-safe.
class Transport {
 public:
  virtual ~Transport() = default;
  /// `request.target` must be an absolute http(s) URL.
  virtual Result<Response> Send(const Request& request, const TransportOptions& options) = 0;
};

/// libcurl transport. Keeps connections alive between calls made from the same thread
/// (one curl easy handle per thread), so a paginating loop reuses one TCP/TLS connection.
std::shared_ptr<Transport> MakeCurlTransport();

}  // namespace ghl::http
