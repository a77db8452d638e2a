#include "ghl/server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "ghl/http/transport.h"

namespace ghl::server {
namespace {

TEST(HttpServerTest, ServesHandlerOverLoopbackWithKeepAlive) {
  HttpServer server({.port = 0, .threads = 1}, [](const http::Request& r) {
    http::Response res = JsonResponse(200, R"({"path":")" + std::string(r.Path()) + "\"}");
    res.headers.Set("X-Echo-Body", r.body);
    return res;
  });
  uint16_t port = server.Start();
  ASSERT_NE(port, 0);
  auto transport = http::MakeCurlTransport();
  for (int i = 0; i < 3; ++i) {
    http::Request req{.method = "POST",
                      .target = "http://127.0.0.1:" + std::to_string(port) + "/contacts/search?x=1",
                      .headers = {},
                      .body = "abc",
                      .remote = {}};
    auto res = transport->Send(req, {});
    ASSERT_TRUE(res.ok()) << res.error().Summary();
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(res->body, R"({"path":"/contacts/search"})");
    EXPECT_EQ(res->headers.Get("X-Echo-Body"), "abc");
  }
  server.Stop();
}

TEST(HttpServerTest, OversizedBodyGets413WithoutCallingHandler) {
  bool called = false;
  HttpServer server({.port = 0, .threads = 1, .max_body_bytes = 10}, [&](const http::Request&) {
    called = true;
    return JsonResponse(200, "{}");
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  http::Request req{.method = "POST",
                    .target = "http://127.0.0.1:" + std::to_string(port) + "/",
                    .headers = {},
                    .body = std::string(100, 'x'),
                    .remote = {}};
  auto res = transport->Send(req, {});
  ASSERT_TRUE(res.ok()) << res.error().Summary();
  EXPECT_EQ(res->status, 413);
  EXPECT_FALSE(called);
}

// Sends raw bytes over a fresh loopback connection, half-closes nothing, and reads until the
// server closes (or 5 s pass). Returns everything the server wrote.
std::string RawExchange(uint16_t port, const std::string& bytes) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "socket failed";
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{.tv_sec = 5, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "connect failed";
  }
  size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may answer and stop reading early
    sent += static_cast<size_t>(n);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

struct MalformedCase {
  std::string name;
  std::string bytes;
  int status;
};

TEST(HttpServerTest, MalformedRequestsGetAnErrorStatusWithJsonBodyThenClose) {
  bool called = false;
  HttpServer server({.port = 0, .threads = 1, .max_body_bytes = 1000}, [&](const http::Request&) {
    called = true;
    return JsonResponse(200, "{}");
  });
  uint16_t port = server.Start();
  const std::string host = "Host: x\r\n";
  std::vector<MalformedCase> cases = {
      {"garbage request line", "HELLO THERE\r\n\r\n", 400},
      {"malformed version", "GET / HTTP/9.9\r\n" + host + "\r\n", 400},
      {"HTTP/2.0 request line", "GET / HTTP/2.0\r\n" + host + "\r\n", 400},
      {"bad Content-Length", "POST / HTTP/1.1\r\n" + host + "Content-Length: abc\r\n\r\n", 400},
      {"Content-Length and chunked",
       "POST / HTTP/1.1\r\n" + host +
           "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
       400},
      {"bad chunk",
       "POST / HTTP/1.1\r\n" + host + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n", 400},
      {"NUL in path", std::string("GET /a\0b HTTP/1.1\r\n", 19) + host + "\r\n", 400},
      {"200 KB header",
       "GET / HTTP/1.1\r\n" + host + "X-Big: " + std::string(200 * 1024, 'a') + "\r\n\r\n", 431},
      {"100 KB URL", "GET /" + std::string(100 * 1024, 'a') + " HTTP/1.1\r\n" + host + "\r\n", 414},
      {"bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400},
      {"body over the limit",
       "POST / HTTP/1.1\r\n" + host + "Content-Length: 5000\r\n\r\n" + std::string(5000, 'x'), 413},
  };
  for (const auto& c : cases) {
    std::string out = RawExchange(port, c.bytes);
    std::string status_line = out.substr(0, out.find("\r\n"));
    EXPECT_EQ(status_line.rfind("HTTP/1.1 " + std::to_string(c.status) + " ", 0), 0u)
        << c.name << ": got '" << status_line << "'";
    EXPECT_NE(out.find("Connection: close"), std::string::npos) << c.name;
    EXPECT_NE(out.find(R"({"statusCode":)" + std::to_string(c.status) + R"(,"message":")"),
              std::string::npos)
        << c.name << ": " << out.substr(0, 300);
  }
  EXPECT_FALSE(called);
  // The 413 message states the limit in bytes.
  std::string out = RawExchange(port, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_NE(out.find("request entity too large: limit is 1000 bytes"), std::string::npos) << out;
  // A well-formed request on the same server still works.
  out = RawExchange(port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(out.rfind("HTTP/1.1 200 ", 0), 0u) << out.substr(0, 200);
  server.Stop();
}

TEST(HttpServerTest, BindFailureNamesTheAddress) {
  HttpServer a({.port = 0, .threads = 1},
               [](const http::Request&) { return JsonResponse(200, ""); });
  uint16_t port = a.Start();
  HttpServer b({.port = port, .threads = 1},
               [](const http::Request&) { return JsonResponse(200, ""); });
  try {
    b.Start();
    FAIL() << "second bind on the same port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos);
  }
}

}  // namespace
}  // namespace ghl::server

namespace ghl::server {
namespace {

TEST(HttpServerTest, StoppedServerRefusesNewConnections) {
  HttpServer server({.port = 0, .threads = 1},
                    [](const http::Request&) { return JsonResponse(200, "{}"); });
  uint16_t port = server.Start();
  server.Stop();
  auto transport = http::MakeCurlTransport();
  http::Request req{.method = "GET",
                    .target = "http://127.0.0.1:" + std::to_string(port) + "/",
                    .headers = {},
                    .body = {},
                    .remote = {}};
  http::TransportOptions quick;
  quick.timeout = std::chrono::milliseconds(2000);
  auto res = transport->Send(req, quick);
  ASSERT_FALSE(res.ok()) << "a stopped server answered HTTP " << res->status;
  EXPECT_EQ(res.error().messages.at(0).find("Timeout"), std::string::npos)
      << "connection hung instead of being refused: " << res.error().Summary();
  EXPECT_NE(res.error().Summary().find("tried GET http://127.0.0.1:" + std::to_string(port) + "/"),
            std::string::npos)
      << "the URL tried is named: " << res.error().Summary();
}

// A 3xx is the answer: never followed, so the Authorization header never reaches the host the
// Location names.
TEST(TransportRedirectTest, RedirectIsReturnedNotFollowed) {
  std::atomic<int> followed{0};
  HttpServer server({.port = 0, .threads = 1}, [&](const http::Request& r) {
    if (r.Path() == "/elsewhere") {
      ++followed;
      return JsonResponse(200, "{}");
    }
    http::Response res = JsonResponse(302, "{}");
    res.headers.Set("Location", "/elsewhere");
    return res;
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  http::Request req{.method = "GET",
                    .target = "http://127.0.0.1:" + std::to_string(port) + "/contacts/",
                    .headers = {},
                    .body = {},
                    .remote = {}};
  req.headers.Add("Authorization", "Bearer secret");
  auto res = transport->Send(req, {});
  ASSERT_TRUE(res.ok()) << res.error().Summary();
  EXPECT_EQ(res->status, 302);
  EXPECT_EQ(res->headers.Get("Location"), "/elsewhere");
  EXPECT_EQ(followed.load(), 0);
  server.Stop();
}

// A server that holds its answer: the error says which timeout ran out and names the URL.
TEST(TransportTimeoutTest, TimeoutNamesTheLimitAndTheUrl) {
  HttpServer server({.port = 0, .threads = 1}, [](const http::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return JsonResponse(200, "{}");
  });
  uint16_t port = server.Start();
  auto transport = http::MakeCurlTransport();
  http::Request req{.method = "GET",
                    .target = "http://127.0.0.1:" + std::to_string(port) + "/slow",
                    .headers = {},
                    .body = {},
                    .remote = {}};
  http::TransportOptions options;
  options.timeout = std::chrono::milliseconds(300);
  auto res = transport->Send(req, options);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kNetwork);
  std::string text = res.error().Describe();
  EXPECT_NE(text.find("no answer within the timeout of 0.3 s"), std::string::npos) << text;
  EXPECT_NE(text.find("tried GET http://127.0.0.1:" + std::to_string(port) + "/slow"),
            std::string::npos)
      << text;
  // The library names its own option; the CLI and the playground reword it (--timeout
  // SECONDS, ghl serve --timeout-ms): HintTruthTest checks what users of each see.
  EXPECT_NE(text.find("raise the timeout (TransportOptions::timeout)"), std::string::npos) << text;
  EXPECT_EQ(text.find("base URL"), std::string::npos) << text;
  server.Stop();
}

}  // namespace
}  // namespace ghl::server
