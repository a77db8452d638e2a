// Beast client coroutines on one io_context thread; see load_client.h.
#include "load_client.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <memory>

namespace ghl::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

struct Connection {
  explicit Connection(asio::io_context& io) : stream(io) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  bool alive = false;
};

asio::awaitable<void> Open(Connection& c, tcp::endpoint endpoint, std::string host) {
  auto [ec] = co_await c.stream.async_connect(endpoint, asio::as_tuple(asio::use_awaitable));
  if (ec) co_return;
  c.stream.socket().set_option(tcp::no_delay(true));
  bhttp::request<bhttp::empty_body> warm{bhttp::verb::get, "/warm-up", 11};
  warm.set(bhttp::field::host, host);
  auto [wec, wn] = co_await bhttp::async_write(c.stream, warm, asio::as_tuple(asio::use_awaitable));
  (void)wn;
  if (wec) co_return;
  bhttp::response<bhttp::string_body> res;
  auto [rec, rn] =
      co_await bhttp::async_read(c.stream, c.buffer, res, asio::as_tuple(asio::use_awaitable));
  (void)rn;
  c.alive = !rec && res.keep_alive();
}

struct Shared {
  const std::vector<std::string>* wire = nullptr;
  size_t next = 0;  // one client thread: no atomics needed
  LoadResult* result = nullptr;
};

asio::awaitable<void> Drive(Connection& c, Shared& shared) {
  while (c.alive && shared.next < shared.wire->size()) {
    const std::string& bytes = (*shared.wire)[shared.next++];
    auto t0 = SteadyClock::now();
    auto [wec, wn] = co_await asio::async_write(c.stream.socket(), asio::buffer(bytes),
                                                asio::as_tuple(asio::use_awaitable));
    (void)wn;
    bhttp::response<bhttp::string_body> res;
    beast::error_code rec = wec;
    if (!wec) {
      auto [ec, rn] =
          co_await bhttp::async_read(c.stream, c.buffer, res, asio::as_tuple(asio::use_awaitable));
      (void)rn;
      rec = ec;
    }
    shared.result->latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(SteadyClock::now() - t0).count());
    if (!rec && res.result_int() == 200) {
      ++shared.result->ok;
    } else {
      if (shared.result->failed++ == 0) {
        shared.result->first_failure =
            rec ? rec.message() : std::to_string(res.result_int()) + " " + res.body();
      }
      if (rec || !res.keep_alive()) c.alive = false;
    }
  }
}

// Every request serialised before the clock starts, as a load generator like wrk does.
std::vector<std::string> Serialise(const std::vector<LoadRequest>& requests,
                                   const std::string& path, const std::string& host) {
  std::vector<std::string> wire;
  wire.reserve(requests.size());
  for (const LoadRequest& r : requests) {
    std::string w = "POST " + path + " HTTP/1.1\r\nHost: " + host +
                    "\r\nContent-Type: application/json\r\nContent-Length: " +
                    std::to_string(r.body.size()) + "\r\n";
    for (const auto& [name, value] : r.headers) w += name + ": " + value + "\r\n";
    w += "\r\n";
    w += r.body;
    wire.push_back(std::move(w));
  }
  return wire;
}

}  // namespace

double LoadResult::Percentile(double p) const {
  if (latencies_ms.empty()) return 0;
  std::vector<double> v = latencies_ms;
  size_t k = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

LoadResult RunLoad(uint16_t port, const std::string& path, const std::vector<LoadRequest>& requests,
                   int connections) {
  asio::io_context io(1);
  tcp::endpoint endpoint{asio::ip::make_address("127.0.0.1"), port};
  std::string host = "127.0.0.1:" + std::to_string(port);
  std::vector<std::unique_ptr<Connection>> conns;
  for (int i = 0; i < connections; ++i) {
    conns.push_back(std::make_unique<Connection>(io));
    asio::co_spawn(io, Open(*conns.back(), endpoint, host), asio::detached);
  }
  io.run();  // every connection open and warmed up (or failed)

  LoadResult result;
  result.latencies_ms.reserve(requests.size());
  const std::vector<std::string> wire = Serialise(requests, path, host);
  Shared shared{&wire, 0, &result};
  for (auto& c : conns) asio::co_spawn(io, Drive(*c, shared), asio::detached);
  io.restart();
  auto start = SteadyClock::now();
  io.run();
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  result.failed += static_cast<int>(requests.size() - shared.next);  // never sent
  return result;
}

}  // namespace ghl::bench
