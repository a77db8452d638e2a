// Boost.Beast HTTP/1.1 server: one coroutine per connection, N threads on one io_context.
// Beast types stay in this file; the rest of ghlkit sees only http::Request/Response.
#include "ghl/server/http_server.h"

#include <array>
#include <atomic>
#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <tuple>
#include <unordered_set>
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

constexpr size_t kHeaderLimitBytes = 64 * 1024;

http::Response SimpleError(int status, std::string_view message) {
  return JsonResponse(status, std::string(R"({"statusCode":)") + std::to_string(status) +
                                  R"(,"message":")" + std::string(message) + R"("})");
}

// The answer to a failed read, or nullopt when there is nobody to answer (peer closed, timeout,
// socket error). Status: 413 body over the limit, 414 request line alone over the header limit,
// 431 header over the limit, 400 any other parse error.
std::optional<http::Response> ProtocolError(const beast::error_code& ec, bool have_request_line,
                                            size_t max_body_bytes) {
  if (ec.category() != beast::http::make_error_code(bhttp::error::bad_target).category()) {
    return std::nullopt;
  }
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message) return std::nullopt;
  if (ec == bhttp::error::body_limit) {
    return SimpleError(
        413, "request entity too large: limit is " + std::to_string(max_body_bytes) + " bytes");
  }
  if (ec == bhttp::error::header_limit) {
    // The request line (the URI) alone went over the limit when the parser never got past it.
    if (!have_request_line) {
      return SimpleError(
          414, "URI too long: request line over " + std::to_string(kHeaderLimitBytes) + " bytes");
    }
    return SimpleError(431, "request header fields too large: limit is " +
                                std::to_string(kHeaderLimitBytes) + " bytes");
  }
  return SimpleError(400, "bad request: " + ec.message());
}

struct StreamState;
// The connection's continuation: a complete answer, or (stream non-null) a streamed one whose
// head is the response.
using ReplyHandler =
    asio::any_completion_handler<void(http::Response, std::shared_ptr<StreamState>)>;
// Resumes a connection waiting for stream bytes: the bytes, and whether the body is over.
using ChunkHandler = asio::any_completion_handler<void(std::string, bool)>;

class PendingReply;

// Answers owed by asynchronous handlers. Stop() waits for them, then answers the rest while the
// io_context still runs: a completion handler (it owns the suspended connection coroutine) is
// only ever invoked or destroyed through the io_context, never after it is gone.
struct ReplyRegistry {
  std::mutex mu;
  std::condition_variable cv;
  std::unordered_set<PendingReply*> pending;
  std::unordered_set<StreamState*> streams;  // streamed answers whose body has not ended
  int delivering = 0;  // answers handed to a connection, not yet written (streams: not ended)
  bool closed = false;
  http::Response stopping_answer;  // ServerOptions::stopping_answer
  // Answers given but not yet handed to their connections, and whether a drain is posted.
  // Answers come in bursts from one foreign thread (the event store's committer completes a
  // whole group at once): one post, and one wake-up of a server thread, carries the burst,
  // instead of one each.
  struct Ready {
    ReplyHandler handler;
    http::Response response;
    std::shared_ptr<StreamState> stream;  // a streamed answer's body, else null
  };
  std::vector<Ready> ready;
  bool drain_posted = false;

  // On a server thread: resumes every connection whose answer is ready.
  void Drain() {
    std::vector<Ready> batch;
    {
      std::lock_guard lock(mu);
      batch.swap(ready);
      drain_posted = false;
    }
    for (auto& r : batch) std::move(r.handler)(std::move(r.response), std::move(r.stream));
  }

  // With the io_context stopped but alive (Stop, ~Impl): drop what was never drained while the
  // handlers can still be destroyed (their coroutines belong to the io_context).
  void DiscardUndrained() {
    std::vector<Ready> batch;
    {
      std::lock_guard lock(mu);
      batch.swap(ready);
      delivering -= static_cast<int>(batch.size());
    }
  }
};

// A streamed body between its producer (any thread) and its connection; fields under
// registry->mu.
struct StreamState {
  StreamState(std::shared_ptr<ReplyRegistry> r, asio::io_context::executor_type e)
      : registry(std::move(r)), io(e) {}
  std::shared_ptr<ReplyRegistry> registry;
  asio::io_context::executor_type io;
  std::string buffered;  // written, not yet handed to the connection
  bool ended = false;    // the producer ended the body
  bool gone = false;     // writes are pointless: the client went away or the server stops
  // The connection, waiting for bytes. (Optional: Boost 1.81's any_completion_handler move
  // assignment recurses without end, so it is only ever move-constructed.)
  std::optional<ChunkHandler> waiter;

  // With registry->mu held: resume the waiting connection when there is something to do. The
  // io_context is alive: Stop marks every stream gone and wakes it under this lock first.
  void WakeLocked() {
    if (!waiter || (buffered.empty() && !ended && !gone)) return;
    asio::post(io, [h = std::move(*waiter), bytes = std::move(buffered),
                    done = ended || gone]() mutable { std::move(h)(std::move(bytes), done); });
    waiter.reset();
    buffered.clear();
  }
};

// The producer's end of a stream (BodyStream): ends the body when the last copy goes.
class StreamProducer final : public BodyStream::Sink {
 public:
  explicit StreamProducer(std::shared_ptr<StreamState> state) : state_(std::move(state)) {}
  ~StreamProducer() override { End(); }
  bool Write(std::string bytes) override {
    if (!state_) return false;
    std::lock_guard lock(state_->registry->mu);
    if (state_->gone || state_->ended) return false;
    state_->buffered += bytes;
    state_->WakeLocked();
    return true;
  }
  void End() override {
    if (!state_) return;
    std::lock_guard lock(state_->registry->mu);
    state_->ended = true;
    state_->WakeLocked();
  }

 private:
  std::shared_ptr<StreamState> state_;  // null: a stream that was never started
};

// One owed answer: the suspended coroutine's completion handler.
class PendingReply final : public Responder::Slot {
 public:
  PendingReply(std::shared_ptr<ReplyRegistry> registry, ReplyHandler handler,
               asio::io_context::executor_type io)
      : registry_(std::move(registry)), handler_(std::move(handler)), io_(io) {
    std::lock_guard lock(registry_->mu);
    if (registry_->closed) {
      PostLocked(registry_->stopping_answer);
      return;
    }
    registry_->pending.insert(this);
  }
  ~PendingReply() override {
    std::lock_guard lock(registry_->mu);
    if (handler_) PostLocked(SimpleError(500, "internal error: the handler dropped the request"));
  }
  void Complete(http::Response response) override {
    std::lock_guard lock(registry_->mu);
    if (handler_) PostLocked(std::move(response));
  }
  BodyStream Stream(http::Response head) override {
    std::lock_guard lock(registry_->mu);
    if (!handler_) return BodyStream(std::make_shared<StreamProducer>(nullptr));
    auto state = std::make_shared<StreamState>(registry_, io_);
    registry_->streams.insert(state.get());
    PostLocked(std::move(head), state);
    return BodyStream(std::make_shared<StreamProducer>(std::move(state)));
  }
  // Called by Stop with the registry locked.
  void AbandonLocked(const http::Response& answer) { PostLocked(answer); }

 private:
  // With registry_->mu held: hand the answer to the connection's executor (the io_context is
  // alive: Stop closes the registry under this lock before stopping it).
  void PostLocked(http::Response response, std::shared_ptr<StreamState> stream = nullptr) {
    if (!handler_) return;
    registry_->pending.erase(this);
    ++registry_->delivering;
    registry_->ready.push_back({std::move(handler_), std::move(response), std::move(stream)});
    handler_ = nullptr;
    // Every connection coroutine runs on this io_context (no strands), so its executor is the
    // right place to resume it. A drain already posted takes this answer along.
    if (!registry_->drain_posted) {
      registry_->drain_posted = true;
      asio::post(io_, [registry = registry_] { registry->Drain(); });
    }
    registry_->cv.notify_all();
  }

  std::shared_ptr<ReplyRegistry> registry_;
  ReplyHandler handler_;
  asio::io_context::executor_type io_;
};

}  // namespace

http::Response DefaultStoppingAnswer() {
  http::Response r = SimpleError(503, "server is stopping; retry");
  r.headers.Set("Retry-After", "1");
  return r;
}

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
  AsyncHandler async_handler;
  std::shared_ptr<ReplyRegistry> replies = std::make_shared<ReplyRegistry>();
  // Optional so Stop() can destroy it: that closes every connection at once instead of leaving
  // them open, unserved, until the server object goes away.
  std::optional<asio::io_context> io{std::in_place};
  std::optional<asio::signal_set> signals;
  std::atomic<bool> stopping{false};
  std::optional<tcp::acceptor> acceptor;
  std::vector<std::thread> threads;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::atomic<bool> stopped{false};
  bool stop_finished = false;  // under mu
  std::mutex mu;
  std::condition_variable cv;
  uint16_t port = 0;

  // Answers never drained go before the io_context their coroutines belong to.
  ~Impl() { replies->DiscardUndrained(); }

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
    bool drain = false;  // answered an error mid-request: read what the peer still sends
    for (;;) {
      bhttp::request_parser<bhttp::string_body> parser;
      parser.body_limit(options.max_body_bytes);
      parser.header_limit(kHeaderLimitBytes);
      stream.expires_after(options.idle_timeout);
      auto [ec, n] =
          co_await bhttp::async_read(stream, buffer, parser, asio::as_tuple(asio::use_awaitable));
      (void)n;
      if (ec) {
        // Malformed or over-limit requests get an answer, then the connection closes (the
        // stream may be mid-message). Closed or timed-out connections get nothing.
        if (auto error =
                ProtocolError(ec, !parser.get().target().empty(), options.max_body_bytes)) {
          auto res = ToBeast(std::move(*error), 11, false, false);
          stream.expires_after(options.idle_timeout);
          co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
          drain = true;
        }
        break;
      }
      auto& req = parser.get();
      bool head = req.method() == bhttp::verb::head;
      http::Response response;
      std::shared_ptr<StreamState> streamed;
      bool owed = false;  // an asynchronous answer: counted in replies->delivering until written
      if (stopping.load()) {
        response = options.stopping_answer;  // read after Stop() began: not started
      } else if (async_handler) {
        std::tie(response, streamed) = co_await AwaitAsyncHandler(ToRequest(req, remote));
        owed = true;
      } else {
        try {
          response = handler(ToRequest(req, remote));
        } catch (const std::exception& e) {
          response = SimpleError(500, "internal error in handler");
        }
      }
      // Decided as the answer goes out, and then kept whatever happens meanwhile: an answer that
      // says keep-alive is followed by reading the next request (read after Stop() began, it
      // gets `stopping_answer` and the close), so a client reusing the connection always gets an
      // answer; which one does not depend on when this thread resumes after the write.
      bool keep_alive = req.keep_alive() && !stopping.load();
      if (streamed) {
        // HTTP/1.0 has no chunks: the body runs to the close.
        if (req.version() < 11 || head) keep_alive = false;
        bool ok = co_await WriteStream(stream, std::move(response), streamed, req.version(),
                                       keep_alive, head);
        if (!ok || !keep_alive) break;
        continue;
      }
      auto res = ToBeast(std::move(response), req.version(), keep_alive, head);
      stream.expires_after(options.idle_timeout);
      auto [wec, wn] =
          co_await bhttp::async_write(stream, res, asio::as_tuple(asio::use_awaitable));
      (void)wn;
      if (owed) {
        std::lock_guard lock(replies->mu);
        --replies->delivering;
        replies->cv.notify_all();
      }
      if (wec || !keep_alive) break;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (drain) {
      // Lingering close: closing with unread input would send RST and the peer could lose the
      // error response. Discard up to 1 MiB for at most 1 s.
      std::array<char, 4096> sink;
      size_t total = 0;
      stream.expires_after(std::chrono::seconds(1));
      while (total < (1u << 20)) {
        auto [rec, rn] = co_await stream.async_read_some(asio::buffer(sink),
                                                         asio::as_tuple(asio::use_awaitable));
        if (rec) break;
        total += rn;
      }
    }
  }

  // Writes a streamed answer: the head now, then each batch of bytes the producer hands over
  // (chunks on HTTP/1.1), until it ends the body, the client goes away or the server stops.
  // True when the body was written whole.
  asio::awaitable<bool> WriteStream(beast::tcp_stream& stream, http::Response head,
                                    std::shared_ptr<StreamState> state, unsigned version,
                                    bool keep_alive, bool head_only) {
    const bool chunked = version >= 11 && !head_only;
    bhttp::response<bhttp::empty_body> res{static_cast<bhttp::status>(head.status), version};
    for (const auto& [name, value] : head.headers.fields()) res.insert(name, value);
    res.keep_alive(keep_alive);
    if (chunked) res.chunked(true);
    bhttp::response_serializer<bhttp::empty_body> serializer{res};
    stream.expires_after(options.idle_timeout);
    auto [ec, n] =
        co_await bhttp::async_write_header(stream, serializer, asio::as_tuple(asio::use_awaitable));
    (void)n;
    bool ok = !ec;
    while (ok && !head_only) {
      auto [bytes, done] = co_await NextChunk(state);
      stream.expires_after(options.idle_timeout);
      if (!bytes.empty()) {
        auto [wec, wn] =
            chunked ? co_await asio::async_write(stream, bhttp::make_chunk(asio::buffer(bytes)),
                                                 asio::as_tuple(asio::use_awaitable))
                    : co_await asio::async_write(stream, asio::buffer(bytes),
                                                 asio::as_tuple(asio::use_awaitable));
        (void)wn;
        ok = !wec;
      }
      if (!done) continue;
      if (ok && chunked) {
        auto [lec, ln] = co_await asio::async_write(stream, bhttp::make_chunk_last(),
                                                    asio::as_tuple(asio::use_awaitable));
        (void)ln;
        ok = !lec;
      }
      break;
    }
    std::lock_guard lock(replies->mu);
    state->gone = true;  // the producer's next Write answers false
    state->waiter.reset();
    replies->streams.erase(state.get());
    --replies->delivering;
    replies->cv.notify_all();
    co_return ok;
  }

  // Suspends the connection until the stream's producer hands over bytes or ends the body. (A
  // plain function returning the awaitable: GCC 12 destroys a lambda temporary written inside a
  // co_await expression twice.)
  static asio::awaitable<std::tuple<std::string, bool>> NextChunk(
      std::shared_ptr<StreamState> state) {
    return asio::async_initiate<const asio::use_awaitable_t<>&, void(std::string, bool)>(
        [](ChunkHandler waiter, std::shared_ptr<StreamState> s) {
          std::lock_guard lock(s->registry->mu);
          s->waiter.emplace(std::move(waiter));
          s->WakeLocked();
        },
        asio::use_awaitable, std::move(state));
  }

  // Suspends the connection until the handler's Responder answers (from any thread): a complete
  // response, or the head of a streamed one with its stream.
  asio::awaitable<std::tuple<http::Response, std::shared_ptr<StreamState>>> AwaitAsyncHandler(
      http::Request request) {
    return asio::async_initiate<const asio::use_awaitable_t<>&,
                                void(http::Response, std::shared_ptr<StreamState>)>(
        [this](ReplyHandler done, http::Request req) {
          auto reply = std::make_shared<PendingReply>(replies, std::move(done), io->get_executor());
          try {
            async_handler(std::move(req), Responder(reply));
          } catch (const std::exception&) {
            reply->Complete(SimpleError(500, "internal error in handler"));
          }
        },
        asio::use_awaitable, std::move(request));
  }

  asio::awaitable<void> Listen() {
    for (;;) {
      auto [ec, socket] = co_await acceptor->async_accept(asio::as_tuple(asio::use_awaitable));
      if (ec) {
        if (ec == asio::error::operation_aborted || !acceptor->is_open()) co_return;
        // e.g. EMFILE: keep serving the connections we have, and do not spin on accept.
        asio::steady_timer pause(acceptor->get_executor(), std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        continue;
      }
      asio::co_spawn(*io, Session(std::move(socket)), asio::detached);
    }
  }
};

HttpServer::HttpServer(ServerOptions options, Handler handler) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

HttpServer::HttpServer(ServerOptions options, AsyncHandler handler)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->async_handler = std::move(handler);
}

HttpServer::~HttpServer() { Stop(); }

uint16_t HttpServer::Start() {
  auto& d = *impl_;
  beast::error_code ec;
  auto address = asio::ip::make_address(d.options.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + d.options.host + "'");
  tcp::endpoint endpoint{address, d.options.port};
  d.acceptor.emplace(*d.io);
  d.acceptor->open(endpoint.protocol(), ec);
  if (!ec) d.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) d.acceptor->bind(endpoint, ec);
  if (!ec) d.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + d.options.host + ":" +
                             std::to_string(d.options.port) + ": " + ec.message());
  }
  d.port = d.acceptor->local_endpoint().port();
  d.work.emplace(d.io->get_executor());
  asio::co_spawn(*d.io, d.Listen(), asio::detached);
  int n = std::max(1, d.options.threads);
  for (int i = 0; i < n; ++i) d.threads.emplace_back([&d] { d.io->run(); });
  return d.port;
}

void HttpServer::Wait(bool handle_signals) {
  auto& d = *impl_;
  std::unique_lock lock(d.mu);
  if (handle_signals && !d.stopped.load() && d.io) {
    d.signals.emplace(*d.io, SIGINT, SIGTERM);
    d.signals->async_wait([this](const beast::error_code& ec, int) {
      if (!ec) {
        std::thread([this] { Stop(); }).detach();
      }
    });
  }
  d.cv.wait(lock, [&] { return d.stop_finished; });
}

void HttpServer::Stop() {
  auto& d = *impl_;
  {
    std::lock_guard lock(d.mu);
    if (d.stopped.exchange(true)) return;
  }
  d.stopping = true;  // connections answer what they started with a close; no new request runs
  if (d.options.on_stopping) d.options.on_stopping();
  const bool on_io_thread = d.io && d.io->get_executor().running_in_this_thread();
  if (d.acceptor && !d.threads.empty()) {
    // Stop accepting, then give owed asynchronous answers (e.g. commits in flight) a moment.
    asio::post(*d.io, [&d] {
      beast::error_code ec;
      d.acceptor->close(ec);
    });
    std::unique_lock lock(d.replies->mu);
    auto drained = [&] { return d.replies->pending.empty() && d.replies->delivering == 0; };
    if (!on_io_thread) d.replies->cv.wait_for(lock, d.options.stop_grace, drained);
    // Still owed after the grace: `stopping_answer` (e.g. 429 so GHL retries the webhook),
    // written before the connections close.
    d.replies->closed = true;
    d.replies->stopping_answer = d.options.stopping_answer;
    while (!d.replies->pending.empty()) {
      (*d.replies->pending.begin())->AbandonLocked(d.options.stopping_answer);
    }
    for (StreamState* s : d.replies->streams) {  // still open: end their bodies now
      s->gone = true;
      s->WakeLocked();
    }
    if (!on_io_thread) d.replies->cv.wait_for(lock, std::chrono::seconds(1), drained);
  }
  if (d.io) d.io->stop();
  for (auto& t : d.threads) {
    if (t.joinable() && t.get_id() != std::this_thread::get_id()) t.join();
  }
  if (!on_io_thread) d.replies->DiscardUndrained();
  // Release the port now: a stopped server must refuse new connections, not leave them hanging
  // in the listen backlog until the object is destroyed.
  if (d.acceptor) {
    beast::error_code ec;
    d.acceptor->close(ec);
  }
  if (!on_io_thread) {
    // Destroying the io_context closes every connection now (their coroutines go with it).
    std::lock_guard lock(d.mu);
    d.signals.reset();
    d.acceptor.reset();
    d.work.reset();
    d.io.reset();
  }
  {
    // Notify under the lock: Wait's caller may destroy the server as soon as it wakes.
    std::lock_guard lock(d.mu);
    d.stop_finished = true;
    d.cv.notify_all();
  }
}

uint16_t HttpServer::port() const { return impl_->port; }

}  // namespace ghl::server
