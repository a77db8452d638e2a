#include "ghl/server/blocking_pool.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <mutex>
#include <optional>

namespace ghl::server {

struct BlockingPool::Impl {
  explicit Impl(int threads) : pool(static_cast<size_t>(std::max(1, threads))) {}

  std::optional<http::Response> Closed() {
    std::lock_guard lock(mu);
    return closed_answer;
  }

  std::mutex mu;
  std::optional<http::Response> closed_answer;  // set by Close
  boost::asio::thread_pool pool;                // last: joined before the rest goes
};

BlockingPool::BlockingPool(int threads) : impl_(std::make_unique<Impl>(threads)) {}

BlockingPool::~BlockingPool() { impl_->pool.join(); }

void BlockingPool::Run(const Handler& handler, http::Request request, Responder respond) {
  if (auto closed = impl_->Closed()) return respond(std::move(*closed));
  boost::asio::post(impl_->pool, [impl = impl_.get(), handler, request = std::move(request),
                                  respond = std::move(respond)]() {
    if (auto closed = impl->Closed()) return respond(std::move(*closed));
    http::Response answer;
    try {
      answer = handler(request);
    } catch (...) {  // must not escape into the pool's thread
      answer = JsonResponse(500, R"({"statusCode":500,"message":"internal error in handler"})");
    }
    respond(std::move(answer));
  });
}

void BlockingPool::RunAsync(const AsyncHandler& handler, http::Request request, Responder respond) {
  if (auto closed = impl_->Closed()) return respond(std::move(*closed));
  boost::asio::post(impl_->pool, [impl = impl_.get(), handler, request = std::move(request),
                                  respond = std::move(respond)]() mutable {
    if (auto closed = impl->Closed()) return respond(std::move(*closed));
    try {
      handler(std::move(request), respond);
    } catch (...) {  // must not escape into the pool's thread
      respond(JsonResponse(500, R"({"statusCode":500,"message":"internal error in handler"})"));
    }
  });
}

void BlockingPool::Close(http::Response answer) {
  std::lock_guard lock(impl_->mu);
  impl_->closed_answer = std::move(answer);
}

}  // namespace ghl::server
