// Streamed answers (Responder::Stream): bytes reach the client while the handler still runs,
// chunked, keep-alive afterwards; a client that left makes Write answer false; Stop ends an open
// stream instead of hanging.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>

#include "ghl/server/http_server.h"
#include "raw_client_test_util.h"

namespace ghl::server {
namespace {

using namespace std::chrono_literals;

http::Response SseHead() {
  http::Response head;
  head.status = 200;
  head.headers.Set("Content-Type", "text/event-stream");
  return head;
}

TEST(StreamTest, BytesArriveWhileTheHandlerRunsThenTheConnectionServesTheNextRequest) {
  std::promise<void> first_seen;
  auto first_seen_future = first_seen.get_future().share();
  std::thread producer;
  HttpServer server({.port = 0, .threads = 1}, [&](http::Request req, Responder respond) {
    if (req.Path() != "/stream") return respond(JsonResponse(200, R"({"plain":true})"));
    producer = std::thread([respond, first_seen_future] {
      BodyStream body = respond.Stream(SseHead());
      EXPECT_TRUE(body.Write("data: first\n\n"));
      first_seen_future.wait();  // the client has read it: it was not held back until End
      EXPECT_TRUE(body.Write("data: second\n\n"));
      body.End();
      EXPECT_FALSE(body.Write("data: late\n\n"));
    });
  });
  uint16_t port = server.Start();
  RawClient client(port);
  ASSERT_TRUE(client.connected());
  client.Send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  ASSERT_TRUE(client.ReadUntil("data: first\n\n")) << client.received();
  EXPECT_EQ(client.received().find("data: second"), std::string::npos);
  first_seen.set_value();
  ASSERT_TRUE(client.ReadUntil("\r\n0\r\n\r\n")) << client.received();
  producer.join();
  const std::string& got = client.received();
  EXPECT_EQ(got.rfind("HTTP/1.1 200", 0), 0u) << got;
  EXPECT_NE(got.find("Transfer-Encoding: chunked"), std::string::npos) << got;
  EXPECT_NE(got.find("Content-Type: text/event-stream"), std::string::npos) << got;
  EXPECT_NE(got.find("data: second\n\n"), std::string::npos) << got;
  EXPECT_EQ(got.find("late"), std::string::npos) << got;
  // Keep-alive: the same connection answers the next request.
  client.Send("GET /plain HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(client.ReadUntil(R"({"plain":true})")) << client.received();
}

TEST(StreamTest, WriteAnswersFalseOnceTheClientIsGone) {
  std::promise<BodyStream> started;
  HttpServer server({.port = 0, .threads = 1}, [&](http::Request, Responder respond) {
    started.set_value(respond.Stream(SseHead()));
  });
  uint16_t port = server.Start();
  RawClient client(port);
  client.Send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  BodyStream body = started.get_future().get();
  ASSERT_TRUE(client.ReadUntil("\r\n\r\n"));  // the head
  client.Close();
  bool refused = false;
  for (int i = 0; i < 500 && !refused; ++i) {  // the kernel notices the close after a write or two
    refused = !body.Write(std::string(4096, 'x'));
    std::this_thread::sleep_for(10ms);
  }
  EXPECT_TRUE(refused) << "writes to a client that left kept answering true";
}

TEST(StreamTest, StopEndsAnOpenStreamAndLaterWritesAnswerFalse) {
  std::promise<BodyStream> started;
  HttpServer server(
      {.port = 0, .threads = 1, .stop_grace = 100ms},
      [&](http::Request, Responder respond) { started.set_value(respond.Stream(SseHead())); });
  uint16_t port = server.Start();
  RawClient client(port);
  client.Send("GET /stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  BodyStream body = started.get_future().get();
  ASSERT_TRUE(body.Write("data: open\n\n"));
  ASSERT_TRUE(client.ReadUntil("data: open"));
  server.Stop();  // returns although the producer never ends the body
  EXPECT_FALSE(body.Write("data: after stop\n\n"));
  EXPECT_TRUE(client.ReadUntil("\r\n0\r\n\r\n")) << client.received();
}

TEST(StreamTest, AStreamAfterTheAnswerWasGivenOnlyAnswersFalse) {
  std::promise<bool> wrote;
  HttpServer server({.port = 0, .threads = 1}, [&](http::Request, Responder respond) {
    respond(JsonResponse(200, R"({"done":true})"));
    wrote.set_value(respond.Stream(SseHead()).Write("data: x\n\n"));
  });
  uint16_t port = server.Start();
  RawClient client(port);
  client.Send("GET /x HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
  EXPECT_TRUE(client.ReadUntil(R"({"done":true})"));
  EXPECT_FALSE(wrote.get_future().get());
}

}  // namespace
}  // namespace ghl::server
