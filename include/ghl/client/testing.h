/// \file
/// Test doubles shipped with the library (model: google-cloud-cpp's mocks): a scripted
/// `FakeTransport` that records every request, and `FakeTime`, a clock that moves only when the
/// injected sleeper sleeps, so retry schedules and pacing are checked in zero real time.
///
/// \code
///   auto transport = std::make_shared<testing::FakeTransport>();
///   transport->PushResponse(503, R"({"message":"busy"})");
///   transport->PushResponse(200, R"({"contacts":[]})");
///   testing::FakeTime time;
///   ClientOptions options;
///   options.token = "t";
///   options.transport = transport;
///   time.Install(options);
///   Client client(options);   // sleeps are recorded in time.sleeps()
/// \endcode
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ghl/client/options.h"
#include "ghl/core/result.h"
#include "ghl/http/transport.h"

namespace ghl::client::testing {

/// Deterministic time. Steady time starts at an arbitrary epoch, wall time at
/// 2024-01-01T00:00:00Z; both advance only through `Advance` or the sleeper. Copies share state.
class FakeTime {
 public:
  /// Fresh clocks at their start values, no sleeps recorded.
  FakeTime();

  /// Current fake steady time.
  std::chrono::steady_clock::time_point Now() const;
  /// Current fake UTC wall time.
  std::chrono::system_clock::time_point UtcNow() const;
  /// Moves both clocks forward.
  void Advance(std::chrono::milliseconds d);
  /// Every duration passed to the sleeper, in order.
  std::vector<std::chrono::milliseconds> sleeps() const;
  /// Sum of all sleeps.
  std::chrono::milliseconds slept() const;

  /// A SteadyNow reading this fake clock.
  SteadyNow steady_now() const;
  /// A WallNow reading this fake UTC clock.
  WallNow wall_now() const;
  /// Records the duration and advances the clocks by it.
  Sleeper sleeper() const;

  /// Puts the clocks and sleeper into `options`, and a random source that always returns
  /// `random` (so backoff delays are exact: base * (1 - jitter * random)).
  void Install(ClientOptions& options, double random = 0.0) const;

 private:
  struct State {
    mutable std::mutex mutex;
    std::chrono::steady_clock::time_point steady;
    std::chrono::system_clock::time_point wall;
    std::vector<std::chrono::milliseconds> sleeps;
  };
  std::shared_ptr<State> state_;
};

/// A transport answering from a script: queued answers first (in order), then the handler,
/// else HTTP 500 {"message":"FakeTransport: no scripted answer"}. Records every request (with
/// the fake time of sending when a clock is set). Thread-safe.
class FakeTransport final : public http::Transport {
 public:
  /// Computes an answer for a request (may inspect its target, headers and body).
  using Handler = std::function<Result<http::Response>(const http::Request&)>;

  /// A transport answering with `handler` once the queue is empty (none = HTTP 500).
  explicit FakeTransport(Handler handler = {});

  /// Queues an answer with a JSON (or any) body.
  void PushResponse(int status, std::string body, http::Headers headers = {});
  /// Queues a failure without an HTTP answer (ErrorKind::kNetwork).
  void PushNetworkError(std::string message = "Connection refused");
  /// Replaces the handler used once the queue is empty.
  void SetHandler(Handler handler);
  /// Records send times from `now` (e.g. FakeTime::steady_now()).
  void SetClock(SteadyNow now);

  /// Records `request`, then answers from the queue, the handler, or a 500.
  Result<http::Response> Send(const http::Request& request,
                              const http::TransportOptions& options) override;

  /// Every request sent, in order (copies).
  std::vector<http::Request> requests() const;
  /// The fake times at which they were sent (empty without SetClock).
  std::vector<std::chrono::steady_clock::time_point> send_times() const;
  /// Number of requests sent so far.
  size_t request_count() const;

 private:
  mutable std::mutex mutex_;
  std::deque<Result<http::Response>> queue_;
  Handler handler_;
  SteadyNow now_;
  std::vector<http::Request> requests_;
  std::vector<std::chrono::steady_clock::time_point> send_times_;
};

}  // namespace ghl::client::testing
