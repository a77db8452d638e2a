// The asynchronous handler path: answers from other threads, many requests waiting on one
// server thread, dropped responders, exceptions, and Stop() with answers still owed.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ghl/http/transport.h"
#include "ghl/server/blocking_pool.h"
#include "ghl/server/http_server.h"
#include "raw_client_test_util.h"

namespace ghl::server {
namespace {

using namespace std::chrono_literals;

http::Request Get(uint16_t port, std::string path) {
  return {.method = "GET",
          .target = "http://127.0.0.1:" + std::to_string(port) + path,
          .headers = {},
          .body = {},
          .remote = {}};
}

// Holds responders until the test releases them: proves the server thread is not held.
struct Parked {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<std::pair<std::string, Responder>> waiting;
  void Park(std::string path, Responder r) {
    std::lock_guard lock(mu);
    waiting.emplace_back(std::move(path), std::move(r));
    cv.notify_all();
  }
  bool WaitFor(size_t n, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return waiting.size() >= n; });
  }
  void ReleaseAll() {
    std::vector<std::pair<std::string, Responder>> all;
    {
      std::lock_guard lock(mu);
      all.swap(waiting);
    }
    std::thread([all = std::move(all)] {
      for (const auto& [path, respond] : all) {
        respond(JsonResponse(200, R"({"path":")" + path + "\"}"));
      }
    }).join();
  }
};

TEST(AsyncHandlerTest, OneServerThreadHoldsManyWaitingRequestsAnsweredFromAnotherThread) {
  Parked parked;
  HttpServer server({.port = 0, .threads = 1}, [&](http::Request req, Responder respond) {
    parked.Park(std::string(req.Path()), std::move(respond));
  });
  uint16_t port = server.Start();
  constexpr int kClients = 16;
  std::vector<std::thread> clients;
  std::vector<int> status(kClients);
  std::vector<std::string> body(kClients);
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto res = http::MakeCurlTransport()->Send(Get(port, "/r" + std::to_string(i)), {});
      if (res.ok()) {
        status[static_cast<size_t>(i)] = res->status;
        body[static_cast<size_t>(i)] = res->body;
      }
    });
  }
  // All 16 are inside the handler at once although the server has one thread.
  ASSERT_TRUE(parked.WaitFor(kClients, 10s)) << "the single server thread was held by a request";
  parked.ReleaseAll();
  for (auto& t : clients) t.join();
  for (int i = 0; i < kClients; ++i) {
    EXPECT_EQ(status[static_cast<size_t>(i)], 200) << i;
    EXPECT_EQ(body[static_cast<size_t>(i)], R"({"path":"/r)" + std::to_string(i) + "\"}");
  }
}

TEST(AsyncHandlerTest, AnswerGivenInsideTheHandlerAndSecondAnswerIgnored) {
  HttpServer server({.port = 0, .threads = 1}, [](http::Request, Responder respond) {
    respond(JsonResponse(201, R"({"first":true})"));
    respond(JsonResponse(500, R"({"second":true})"));
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  for (int i = 0; i < 3; ++i) {  // keep-alive: the connection goes on after an async answer
    auto res = transport->Send(Get(port, "/"), {});
    ASSERT_TRUE(res.ok()) << res.error().Summary();
    EXPECT_EQ(res->status, 201);
    EXPECT_EQ(res->body, R"({"first":true})");
  }
}

TEST(AsyncHandlerTest, DroppedResponderAndThrowingHandlerBecome500) {
  HttpServer server({.port = 0, .threads = 1}, [](http::Request req, Responder respond) {
    if (req.Path() == "/throw") throw std::runtime_error("boom");
    (void)respond;  // dropped without an answer
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  auto dropped = transport->Send(Get(port, "/drop"), {});
  ASSERT_TRUE(dropped.ok()) << dropped.error().Summary();
  EXPECT_EQ(dropped->status, 500);
  EXPECT_NE(dropped->body.find("dropped the request"), std::string::npos) << dropped->body;
  auto thrown = transport->Send(Get(port, "/throw"), {});
  ASSERT_TRUE(thrown.ok()) << thrown.error().Summary();
  EXPECT_EQ(thrown->status, 500);
}

TEST(AsyncHandlerTest, StopWaitsForAnAnswerOwedWithinTheGrace) {
  Parked parked;
  HttpServer server({.port = 0, .threads = 1, .stop_grace = 5000ms},
                    [&](http::Request req, Responder respond) {
                      parked.Park(std::string(req.Path()), std::move(respond));
                    });
  uint16_t port = server.Start();
  int status = 0;
  std::thread client([&] {
    auto res = http::MakeCurlTransport()->Send(Get(port, "/commit"), {});
    if (res.ok()) status = res->status;
  });
  ASSERT_TRUE(parked.WaitFor(1, 10s));
  std::thread stopper([&] { server.Stop(); });
  std::this_thread::sleep_for(200ms);  // Stop is now waiting for the owed answer
  parked.ReleaseAll();
  stopper.join();
  client.join();
  EXPECT_EQ(status, 200) << "an answer owed at Stop() must still be delivered within the grace";
}

TEST(AsyncHandlerTest, AfterTheGraceTheOwedAnswerIsTheStoppingAnswerAndLateAnswersAreHarmless) {
  Parked parked;
  ServerOptions options{.port = 0, .threads = 1, .stop_grace = 100ms};
  options.stopping_answer = JsonResponse(429, R"({"retry":true})");
  options.stopping_answer.headers.Set("Retry-After", "1");
  auto server = std::make_unique<HttpServer>(options, [&](http::Request req, Responder respond) {
    parked.Park(std::string(req.Path()), std::move(respond));
  });
  uint16_t port = server->Start();
  int status = 0;
  std::string retry_after;
  std::thread client([&] {
    auto res = http::MakeCurlTransport()->Send(Get(port, "/never"), {});
    if (res.ok()) {
      status = res->status;
      retry_after = res->headers.Get("Retry-After").value_or("");
    }
  });
  ASSERT_TRUE(parked.WaitFor(1, 10s));
  auto t0 = std::chrono::steady_clock::now();
  server->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
  client.join();
  EXPECT_EQ(status, 429) << "an answer still owed after the grace gets stopping_answer";
  EXPECT_EQ(retry_after, "1");
  server.reset();       // the server is gone; the responder is still held
  parked.ReleaseAll();  // ignored, no crash (the asan preset checks for use-after-free)
}

// Once Stop() has begun, a request read on a connection whose last answer said keep-alive does
// not run the handler: it gets the stopping answer and the close. That holds however late the
// server thread resumes after writing the earlier answer: here that write only ends after Stop()
// began, because the client reads the large body late (curl, by contrast, opens a new connection
// when it sees the old one closed, and the closed listener refuses it).
TEST(AsyncHandlerTest, RequestsReadAfterStopBeganGetTheStoppingAnswer) {
  Parked parked;
  std::atomic<int> handled{0};
  std::promise<void> stop_began;
  ServerOptions options{.port = 0, .threads = 1, .stop_grace = 30000ms};
  options.on_stopping = [&] { stop_began.set_value(); };
  // Over the server's send buffer (4 MiB at most) plus the client's fixed receive buffer.
  const std::string big(8u << 20, 'x');
  HttpServer server(options, [&](http::Request req, Responder respond) {
    ++handled;
    if (req.Path() == "/warm") return respond(JsonResponse(200, R"({"big":")" + big + "\"}"));
    parked.Park(std::string(req.Path()), std::move(respond));
  });
  uint16_t port = server.Start();
  RawClient client(port, 64 * 1024);
  ASSERT_TRUE(client.connected());
  client.Send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n")) << "no head for /warm";
  const std::string head = client.received().substr(0, client.received().find("\r\n\r\n"));
  EXPECT_EQ(head.find("Connection: close"), std::string::npos) << head;
  // One owed answer holds Stop in its grace.
  std::thread held([&] { (void)http::MakeCurlTransport()->Send(Get(port, "/held"), {}); });
  EXPECT_TRUE(parked.WaitFor(1, 10s));
  std::thread stopper([&] { server.Stop(); });
  stop_began.get_future().wait();
  const int before = handled.load();
  EXPECT_TRUE(client.ReadUntil("\"}")) << "the rest of /warm did not arrive";
  const size_t late_at = client.received().size();  // /warm ended there
  client.Send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
  const bool answered = client.ReadUntil(R"(retry"})");
  const std::string late = client.received().substr(late_at);
  EXPECT_TRUE(answered) << "the connection closed instead of answering: " << late;
  EXPECT_EQ(late.rfind("HTTP/1.1 503 ", 0), 0u) << late;
  EXPECT_NE(late.find("Retry-After: 1\r\n"), std::string::npos) << late;
  EXPECT_NE(late.find("Connection: close\r\n"), std::string::npos) << late;
  EXPECT_EQ(handled.load(), before) << "no handler runs once Stop() has begun";
  parked.ReleaseAll();
  stopper.join();
  held.join();
}

// Stopping answers (to requests read after Stop() began) were never owed: they must not count
// against the owed answers Stop() waits for, or Stop() waits out the whole grace (30 s here)
// after the last owed answer went out.
TEST(AsyncHandlerTest, StopReturnsOnceTheLastOwedAnswerIsWrittenAfterStoppingAnswers) {
  Parked parked;
  std::promise<void> stop_began;
  ServerOptions options{.port = 0, .threads = 2, .stop_grace = 30000ms};
  options.on_stopping = [&] { stop_began.set_value(); };
  HttpServer server(options, [&](http::Request req, Responder respond) {
    if (req.Path() == "/warm") return respond(JsonResponse(200, R"({"warm":true})"));
    parked.Park(std::string(req.Path()), std::move(respond));
  });
  uint16_t port = server.Start();
  // Two connections answered keep-alive before Stop.
  RawClient first(port);
  RawClient second(port);
  for (RawClient* c : {&first, &second}) {
    c->Send("GET /warm HTTP/1.1\r\nHost: x\r\n\r\n");
    ASSERT_TRUE(c->ReadUntil(R"({"warm":true})"));
  }
  int held_status = 0;
  std::thread held([&] {
    auto res = http::MakeCurlTransport()->Send(Get(port, "/held"), {});
    if (res.ok()) held_status = res->status;
  });
  EXPECT_TRUE(parked.WaitFor(1, 10s));
  auto stopped = std::async(std::launch::async, [&] { server.Stop(); });
  stop_began.get_future().wait();
  for (RawClient* c : {&first, &second}) {  // read after Stop() began: the stopping answer
    c->Send("GET /late HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_TRUE(c->ReadUntil(R"(retry"})"));
    EXPECT_NE(c->received().find("HTTP/1.1 503 "), std::string::npos) << c->received();
  }
  parked.ReleaseAll();  // the last owed answer
  held.join();
  EXPECT_EQ(held_status, 200) << "the owed answer is written before Stop() returns";
  EXPECT_EQ(stopped.wait_for(10s), std::future_status::ready)
      << "Stop() still waits for the grace although no answer is owed any more";
}

// A handler that blocks (the playground's forwarder waiting for GHL) runs on the pool: with one
// I/O thread, a request that does not block is answered while the blocking one still waits.
TEST(BlockingPoolTest, BlockingHandlersLeaveTheIoThreadFreeAndThrowingOnesAnswer500) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> blocked{0};
  Handler slow = [&](const http::Request& req) {
    if (req.Path() == "/throws") throw std::runtime_error("boom");
    ++blocked;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return JsonResponse(200, R"({"slow":true})");
  };
  BlockingPool pool(4);
  HttpServer server({.port = 0, .threads = 1}, [&](http::Request req, Responder respond) {
    if (req.Path() == "/fast") return respond(JsonResponse(200, R"({"fast":true})"));
    pool.Run(slow, std::move(req), std::move(respond));
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  std::vector<std::thread> slow_clients;
  std::atomic<int> slow_ok{0};
  for (int i = 0; i < 3; ++i) {
    slow_clients.emplace_back([&] {
      auto r = transport->Send(Get(port, "/slow"), {});
      if (r.ok() && r->status == 200) ++slow_ok;
    });
  }
  while (blocked.load() < 3) std::this_thread::sleep_for(5ms);
  auto fast = transport->Send(Get(port, "/fast"), {});
  ASSERT_TRUE(fast.ok());
  EXPECT_EQ(fast->status, 200);
  EXPECT_EQ(slow_ok.load(), 0) << "answered while all three blocking handlers still wait";
  auto thrown = transport->Send(Get(port, "/throws"), {});
  ASSERT_TRUE(thrown.ok());
  EXPECT_EQ(thrown->status, 500);
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : slow_clients) t.join();
  EXPECT_EQ(slow_ok.load(), 3);
}

// Shutdown: calls not started are answered the close answer and never run (nothing reaches an
// upstream after its caller was told to retry); the one running finishes.
TEST(BlockingPoolTest, CloseAnswersQueuedCallsWithoutRunningThem) {
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> ran{0};
  Handler handler = [&](const http::Request&) {
    ++ran;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return release; });
    return JsonResponse(200, R"({"ran":true})");
  };
  BlockingPool pool(1);
  HttpServer server({.port = 0, .threads = 2}, [&](http::Request req, Responder respond) {
    pool.Run(handler, std::move(req), std::move(respond));
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  std::vector<int> statuses(3, 0);
  std::vector<std::thread> clients;
  clients.emplace_back([&] { statuses[0] = transport->Send(Get(port, "/a"), {})->status; });
  while (ran.load() < 1) std::this_thread::sleep_for(5ms);
  for (int i = 1; i < 3; ++i) {
    clients.emplace_back([&, i] { statuses[i] = transport->Send(Get(port, "/q"), {})->status; });
  }
  std::this_thread::sleep_for(200ms);  // both queued behind the running call
  pool.Close(JsonResponse(503, R"({"statusCode":503,"message":"stopping"})"));
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : clients) t.join();
  EXPECT_EQ(statuses[0], 200);
  EXPECT_EQ(statuses[1], 503);
  EXPECT_EQ(statuses[2], 503);
  EXPECT_EQ(ran.load(), 1) << "queued calls must not run after Close";
  auto after = transport->Send(Get(port, "/late"), {});
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 503);
}

// TransportOptions::cancelled ends a call the server never answers, well before its timeout.
TEST(TransportCancelTest, CancelEndsACallInFlight) {
  Parked parked;
  HttpServer server({.port = 0, .threads = 1}, [&](http::Request req, Responder respond) {
    parked.Park(std::string(req.Path()), respond);
  });
  uint16_t port = server.Start();
  std::atomic<bool> cancel{false};
  http::TransportOptions options;
  options.timeout = 20s;
  options.cancelled = [&] { return cancel.load(); };
  std::thread canceller([&] {
    parked.WaitFor(1, 5s);
    cancel = true;
  });
  auto result = http::MakeCurlTransport()->Send(Get(port, "/never"), options);
  canceller.join();
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::kNetwork);
  EXPECT_NE(result.error().Describe().find("cancelled"), std::string::npos)
      << result.error().Describe();
  parked.ReleaseAll();
}

}  // namespace
}  // namespace ghl::server
