#include "ghl/server/http_server.h"

#include <gtest/gtest.h>

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
    http::Request req{.method = "POST", .target = "http://127.0.0.1:" + std::to_string(port) +
                                                  "/contacts/search?x=1",
                      .headers = {}, .body = "abc", .remote = {}};
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
  http::Request req{.method = "POST", .target = "http://127.0.0.1:" + std::to_string(port) + "/",
                    .headers = {}, .body = std::string(100, 'x'), .remote = {}};
  auto res = transport->Send(req, {});
  ASSERT_TRUE(res.ok()) << res.error().Summary();
  EXPECT_EQ(res->status, 413);
  EXPECT_FALSE(called);
}

TEST(HttpServerTest, BindFailureNamesTheAddress) {
  HttpServer a({.port = 0, .threads = 1}, [](const http::Request&) { return JsonResponse(200, ""); });
  uint16_t port = a.Start();
  HttpServer b({.port = port, .threads = 1}, [](const http::Request&) { return JsonResponse(200, ""); });
  try {
    b.Start();
    FAIL() << "second bind on the same port succeeded";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(port)), std::string::npos);
  }
}

}  // namespace
}  // namespace ghl::server
