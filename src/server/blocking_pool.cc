#include "ghl/server/blocking_pool.h"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

namespace ghl::server {

struct BlockingPool::Impl {
  explicit Impl(int threads) : pool(static_cast<size_t>(std::max(1, threads))) {}
  boost::asio::thread_pool pool;
};

BlockingPool::BlockingPool(int threads) : impl_(std::make_unique<Impl>(threads)) {}

BlockingPool::~BlockingPool() { impl_->pool.join(); }

void BlockingPool::Run(const Handler& handler, http::Request request, Responder respond) {
  boost::asio::post(
      impl_->pool, [handler, request = std::move(request), respond = std::move(respond)]() {
        http::Response answer;
        try {
          answer = handler(request);
        } catch (...) {  // must not escape into the pool's thread
          answer = JsonResponse(500, R"({"statusCode":500,"message":"internal error in handler"})");
        }
        respond(std::move(answer));
      });
}

}  // namespace ghl::server
