#include "ghl/client/testing.h"

namespace ghl::client::testing {

FakeTime::FakeTime() : state_(std::make_shared<State>()) {
  state_->steady = std::chrono::steady_clock::time_point(std::chrono::hours(1000));
  state_->wall = std::chrono::system_clock::time_point(std::chrono::seconds(1704067200));
}

std::chrono::steady_clock::time_point FakeTime::Now() const {
  std::lock_guard lock(state_->mutex);
  return state_->steady;
}

std::chrono::system_clock::time_point FakeTime::UtcNow() const {
  std::lock_guard lock(state_->mutex);
  return state_->wall;
}

void FakeTime::Advance(std::chrono::milliseconds d) {
  std::lock_guard lock(state_->mutex);
  state_->steady += d;
  state_->wall += d;
}

std::vector<std::chrono::milliseconds> FakeTime::sleeps() const {
  std::lock_guard lock(state_->mutex);
  return state_->sleeps;
}

std::chrono::milliseconds FakeTime::slept() const {
  std::lock_guard lock(state_->mutex);
  std::chrono::milliseconds total{0};
  for (auto d : state_->sleeps) total += d;
  return total;
}

SteadyNow FakeTime::steady_now() const {
  return [state = state_] {
    std::lock_guard lock(state->mutex);
    return state->steady;
  };
}

WallNow FakeTime::wall_now() const {
  return [state = state_] {
    std::lock_guard lock(state->mutex);
    return state->wall;
  };
}

Sleeper FakeTime::sleeper() const {
  return [state = state_](std::chrono::milliseconds d) {
    std::lock_guard lock(state->mutex);
    state->sleeps.push_back(d);
    state->steady += d;
    state->wall += d;
  };
}

void FakeTime::Install(ClientOptions& options, double random) const {
  options.steady_now = steady_now();
  options.wall_now = wall_now();
  options.sleeper = sleeper();
  options.random = [random] { return random; };
}

FakeTransport::FakeTransport(Handler handler) : handler_(std::move(handler)) {}

void FakeTransport::PushResponse(int status, std::string body, http::Headers headers) {
  http::Response r;
  r.status = status;
  r.body = std::move(body);
  r.headers = std::move(headers);
  std::lock_guard lock(mutex_);
  queue_.emplace_back(std::move(r));
}

void FakeTransport::PushNetworkError(std::string message) {
  Error e;
  e.kind = ErrorKind::kNetwork;
  e.messages.push_back(std::move(message));
  std::lock_guard lock(mutex_);
  queue_.emplace_back(std::move(e));
}

void FakeTransport::SetHandler(Handler handler) {
  std::lock_guard lock(mutex_);
  handler_ = std::move(handler);
}

void FakeTransport::SetClock(SteadyNow now) {
  std::lock_guard lock(mutex_);
  now_ = std::move(now);
}

Result<http::Response> FakeTransport::Send(const http::Request& request,
                                           const http::TransportOptions& /*options*/) {
  Handler handler;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (now_) send_times_.push_back(now_());
    if (!queue_.empty()) {
      auto answer = std::move(queue_.front());
      queue_.pop_front();
      return answer;
    }
    handler = handler_;
  }
  if (handler) return handler(request);
  http::Response r;
  r.status = 500;
  r.body = R"({"message":"FakeTransport: no scripted answer"})";
  return r;
}

std::vector<http::Request> FakeTransport::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<std::chrono::steady_clock::time_point> FakeTransport::send_times() const {
  std::lock_guard lock(mutex_);
  return send_times_;
}

size_t FakeTransport::request_count() const {
  std::lock_guard lock(mutex_);
  return requests_.size();
}

}  // namespace ghl::client::testing
