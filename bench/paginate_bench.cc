// Paginates every contact of a sandbox through libghl (POST /contacts/search, pageLimit 100)
// and reports 429s seen on the wire and the achieved request rate against the allowed one.
// Usage: bench_paginate BASE_URL TOKEN LOCATION_ID ALLOWED_PER_SECOND
#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "ghl/client/client.h"
#include "ghl/http/transport.h"

namespace {

// Counts what really crossed the wire, beneath the client's retry loop.
class CountingTransport : public ghl::http::Transport {
 public:
  explicit CountingTransport(std::shared_ptr<Transport> inner) : inner_(std::move(inner)) {}
  ghl::Result<ghl::http::Response> Send(const ghl::http::Request& request,
                                        const ghl::http::TransportOptions& options) override {
    auto now = std::chrono::steady_clock::now();
    if (requests_++ == 0) first_ = now;
    last_ = now;
    auto r = inner_->Send(request, options);
    if (r.ok() && r->status == 429) ++too_many_;
    return r;
  }
  std::shared_ptr<Transport> inner_;
  std::atomic<int> requests_{0}, too_many_{0};
  std::chrono::steady_clock::time_point first_, last_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s BASE_URL TOKEN LOCATION_ID ALLOWED_PER_SECOND\n", argv[0]);
    return 2;
  }
  auto counting = std::make_shared<CountingTransport>(ghl::http::MakeCurlTransport());
  ghl::client::ClientOptions options;
  options.base_url = argv[1];
  options.token = argv[2];
  options.default_location_id = argv[3];
  options.transport = counting;
  double allowed = std::stod(argv[4]);
  ghl::client::Client client(options);

  auto start = std::chrono::steady_clock::now();
  auto pages = client.Paginate({.method = "POST", .path = "/contacts/search",
                                .body = R"({"page":1,"pageLimit":100})",
                                .retry_non_idempotent = true});
  auto items = pages.CollectItems();
  auto wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!items.ok()) {
    std::fprintf(stderr, "paginate failed: %s\n", items.error().Describe().c_str());
    return 1;
  }
  int n = counting->requests_;
  // Rate over the span the limiter controls: n requests spread over (n - 1) gaps.
  double span = std::chrono::duration<double>(counting->last_ - counting->first_).count();
  double rate = span > 0 ? (n - 1) / span : 0;
  std::printf("   %zu contacts in %d requests, %.2f s; 429s on the wire: %d (target 0)\n",
              items->size(), n, wall, counting->too_many_.load());
  std::printf("   achieved %.2f req/s of %.0f allowed: %.1f%% (target >= 95%%)\n", rate, allowed,
              100.0 * rate / allowed);
  return counting->too_many_ == 0 ? 0 : 1;
}
