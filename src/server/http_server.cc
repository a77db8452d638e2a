// Boost.Beast HTTP/1.1 server: one coroutine per connection, N threads on one io_context.
// Beast types stay in this file; the rest of ghlkit sees only http::Request/Response.
#include "ghl/server/http_server.h"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace ghl::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;

http::Request ToRequest(const bhttp::request<bhttp::string_body>& in, const std::string& remote) {
  http::Request out;
  out.method = std::string(in.method_string());
  out.target = std::string(in.target());
  for (const auto& field : in) {
    out.headers.Add(std::string_view(field.name_string().data(), field.name_string().size()),
                    std::string_view(field.value().data(), field.value().size()));
  }
  out.body = in.body();
  out.remote = remote;
  return out;
}

bhttp::response<bhttp::string_body> ToBeast(http::Response in, unsigned version, bool keep_alive,
                                            bool head) {
  bhttp::response<bhttp::string_body> out{static_cast<bhttp::status>(in.status), version};
  for (const auto& [name, value] : in.headers.fields()) out.insert(name, value);
  if (!in.headers.Has("Content-Type") && !in.body.empty()) {
    out.set(bhttp::field::content_type, "application/json");
  }
  out.keep_alive(keep_alive);
  std::size_t size = in.body.size();
  if (!head) out.body() = std::move(in.body);
  out.content_length(size);
  return out;
}

http::Response SimpleError(int status, std::string_view message) {
  return JsonResponse(status, std::string(R"({"statusCode":)") + std::to_string(status) +
                                  R"(,"message":")" + std::string(message) + R"("})");
}

}  // namespace

http::Response JsonResponse(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.headers.Set("Content-Type", "application/json; charset=utf-8");
  r.body = std::move(body);
  return r;
}

struct HttpServer::Impl {
  ServerOptions options;
  Handler handler;
  asio::io_context io;
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::atomic<bool> stopped{false};
  std::mutex mu;
  std::condition_variable cv;
  uint16_t port = 0;

  asio::awaitable<void> Session(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    std::string remote;
    {
      beast::error_code ec;
      auto ep = stream.socket().remote_endpoint(ec);
      if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    }
    stream.socket().set_option(tcp::no_delay(true));
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(64 * 1024);
      stream.expires_after(options.idle_timeout);
      auto [ec, n] = co_await bhttp::async_read(stream, buffer, parser,
                                                asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec == bhttp::error::body_limit) {
        auto res = ToBeast(SimpleError(413, "request body too large"), 11, false, false);
        co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
        break;
      }
      if (ec) break;  // closed, timed out or malformed: nothing useful to answer
      auto& req = parser.get();
      bool keep_alive = req.keep_alive();
      bool head = req.method() == bhttp::verb::head;
      http::Response response;
      try {
        response = handler(ToRequest(req, remote));
      } catch (const std::exception& e) {
        response = SimpleError(500, "internal error in handler");
      }
      auto res = ToBeast(std::move(response), req.version(), keep_alive, head);
      stream.expires_after(options.idle_timeout);
      auto [wec, wn] = co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      if (wec || !keep_alive) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  }

  asio::awaitable<void> Listen() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        continue;  // e.g. EMFILE: keep serving the connections we have
      }
      asio::co_spawn(io, Session(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::Start() {
  auto& d = *impl_;
  beast::error_code ec;
  auto address = asio::ip::make_address(d.options.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + d.options.host + "'");
  tcp::endpoint endpoint{address, d.options.port};
  d.acceptor.emplace(d.io);
  d.acceptor->open(endpoint.protocol(), ec);
  if (!ec) d.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(endpoint, ec);
  if (!ec) d.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + d.options.host + ":" +
                             std::to_string(d.options.port) + ": " + ec.message());
  }
  d.port = d.acceptor->local_endpoint().port();
  d.work.emplace(d.io.get_executor());
  asio::co_spawn(d.io, d.Listen(), asio::detached);
  int n = std::max(1, d.options.threads);
  for (int i = 0; i < n; ++i) d.threads.emplace_back([&d] { d.io.run(); });
  return d.port;
}

void HttpServer::Wait(bool handle_signals) {
  auto& d = *impl_;
  std::optional<asio::signal_set> signals;
  if (handle_signals) {
    signals.emplace(d.io, SIGINT, SIGTERM);
    signals->async_wait([this](const beast::error_code& ec, int) {
      if (!ec) {
        std::thread([this] { Stop(); }).detach();
      }
    });
  }
  std::unique_lock lock(d.mu);
  d.cv.wait(lock, [&] { return d.stopped.load(); });
}

void HttpServer::Stop() {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    if (d.stopped.exchange(true)) return;
  }
  d.io.stop();
  for (auto& t : d.threads) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  d.cv.notify_all();
}

uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace ghl::server
