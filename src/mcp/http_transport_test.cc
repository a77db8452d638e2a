// The streamable HTTP transport over loopback: a real ghl::server::HttpServer serving the MCP
// server (tools on the in-process sandbox), driven with libcurl.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "ghl/http/transport.h"
#include "ghl/mcp/http.h"
#include "ghl/mcp/server.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/server/http_server.h"

namespace ghl::mcp {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr char kKey[] = "test-key-0123456789";

class McpHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = sandbox::RunningSandbox::Start(sandbox::Options{});
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    client::ClientOptions co;
    co.base_url = sandbox_->base_url();
    co.token = sandbox_->token();
    co.default_location_id = sandbox_->location_id();
    client_ = std::make_unique<client::Client>(co);
    auto server = Server::Create(*client_, {.default_location_id = sandbox_->location_id()});
    ASSERT_TRUE(server.ok()) << server.error().Describe();
    mcp_ = std::move(*server);
    transport_ = std::make_unique<HttpTransport>(
        [this](Session& ss, std::string_view m, const Notify& n) { return mcp_->Handle(ss, m, n); },
        HttpOptions{.bearer_key = kKey});
    http_ = std::make_unique<server::HttpServer>(
        server::ServerOptions{.port = 0, .threads = 2}, [this](const http::Request& r) {
          return transport_->Matches(r) ? transport_->Handle(r) : server::JsonResponse(404, "{}");
        });
    port_ = http_->Start();
    transport_->SetPort(port_);
  }
  void TearDown() override {
    if (http_) http_->Stop();
    if (sandbox_) sandbox_->Stop();
  }

  http::Response Send(const std::string& method, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> headers = {},
                      bool with_key = true) {
    http::Request req{.method = method,
                      .target = "http://127.0.0.1:" + std::to_string(port_) + "/mcp",
                      .headers = {},
                      .body = body,
                      .remote = {}};
    if (method == "POST") {
      req.headers.Set("Content-Type", "application/json");
      req.headers.Set("Accept", "application/json, text/event-stream");
    }
    if (with_key) req.headers.Set("Authorization", std::string("Bearer ") + kKey);
    for (const auto& [k, v] : headers) req.headers.Set(k, v);
    auto res = http::MakeCurlTransport()->Send(req, {});
    EXPECT_TRUE(res.ok()) << res.error().Summary();
    return res.ok() ? *res : http::Response{};
  }
  // initialize; returns the session id.
  std::string Init(const std::string& version = "2025-11-25") {
    auto r = Send("POST", json{{"jsonrpc", "2.0"},
                               {"id", 1},
                               {"method", "initialize"},
                               {"params",
                                {{"protocolVersion", version},
                                 {"capabilities", json::object()},
                                 {"clientInfo", {{"name", "http-test"}, {"version", "1"}}}}}}
                              .dump());
    EXPECT_EQ(r.status, 200) << r.body;
    return r.headers.GetOr("Mcp-Session-Id", "");
  }
  static std::string Request(const std::string& method, json params = json::object(), int id = 2) {
    return json{{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}}.dump();
  }

  std::unique_ptr<sandbox::RunningSandbox> sandbox_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<Server> mcp_;
  std::unique_ptr<HttpTransport> transport_;
  std::unique_ptr<server::HttpServer> http_;
  uint16_t port_ = 0;
};

TEST_F(McpHttpTest, SessionIdIsIssuedAtInitializeAndRequiredAfter) {
  std::string sid = Init();
  EXPECT_TRUE(std::regex_match(sid, std::regex("^[0-9a-f]{64}$"))) << sid;
  EXPECT_EQ(transport_->SessionCount(), 1u);
  // Without the id: 400; with an unknown one: 404.
  EXPECT_EQ(Send("POST", Request("tools/list")).status, 400);
  EXPECT_EQ(Send("POST", Request("tools/list"), {{"Mcp-Session-Id", std::string(64, 'a')}}).status,
            404);
  auto list = Send("POST", Request("tools/list"),
                   {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2025-11-25"}});
  ASSERT_EQ(list.status, 200) << list.body;
  EXPECT_THAT(list.headers.GetOr("Content-Type", ""), HasSubstr("application/json"));
  EXPECT_GT(json::parse(list.body)["result"]["tools"].size(), 20u);
  // A notification is accepted with 202 and no body.
  auto note = Send("POST", R"({"jsonrpc":"2.0","method":"notifications/initialized"})",
                   {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(note.status, 202);
  EXPECT_TRUE(note.body.empty());
  // A second initialize on the session is a JSON-RPC error (the session stays).
  auto again = Send("POST",
                    json{{"jsonrpc", "2.0"},
                         {"id", 9},
                         {"method", "initialize"},
                         {"params", {{"protocolVersion", "2025-11-25"}}}}
                        .dump(),
                    {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(json::parse(again.body)["error"]["code"], -32600);
  EXPECT_FALSE(again.headers.Has("Mcp-Session-Id"));
  // A tool call answers with the sandbox's data.
  auto call = Send("POST",
                   Request("tools/call", {{"name", "find_contact"},
                                          {"arguments", {{"email", "nobody@example.com"}}}}),
                   {{"Mcp-Session-Id", sid}});
  EXPECT_EQ(json::parse(call.body)["result"]["structuredContent"]["found"], false);
  // DELETE ends the session: its id then gets 404.
  EXPECT_EQ(Send("DELETE", "", {{"Mcp-Session-Id", sid}}).status, 204);
  EXPECT_EQ(Send("POST", Request("ping"), {{"Mcp-Session-Id", sid}}).status, 404);
  EXPECT_EQ(Send("DELETE", "", {{"Mcp-Session-Id", sid}}).status, 404);
  EXPECT_EQ(transport_->SessionCount(), 0u);
}

TEST_F(McpHttpTest, ForeignHostOrOriginGets403) {
  std::string init = Request("initialize", {{"protocolVersion", "2025-11-25"}}, 1);
  auto evil = Send("POST", init,
                   {{"Host", "evil.example.com:" + std::to_string(port_)},
                    {"Origin", "http://evil.example.com"}});
  EXPECT_EQ(evil.status, 403);
  EXPECT_THAT(evil.body, HasSubstr("DNS-rebinding"));
  EXPECT_EQ(Send("POST", init, {{"Host", "evil.example.com:" + std::to_string(port_)}}).status,
            403);
  EXPECT_EQ(Send("POST", init, {{"Origin", "http://evil.example.com"}}).status, 403);
  EXPECT_EQ(Send("POST", init, {{"Origin", "null"}}).status, 403);
  // Another port on loopback is another server.
  EXPECT_EQ(Send("POST", init, {{"Host", "127.0.0.1:1"}}).status, 403);
  // A browser client on localhost may call it; so may a non-browser client (no Origin).
  EXPECT_EQ(
      Send("POST", init,
           {{"Host", "localhost:" + std::to_string(port_)}, {"Origin", "http://localhost:6274"}})
          .status,
      200);
  EXPECT_EQ(transport_->SessionCount(), 1u);  // the refused ones opened none
}

TEST_F(McpHttpTest, UnsupportedProtocolVersionHeaderGets400) {
  std::string sid = Init();
  auto bad = Send("POST", Request("ping"),
                  {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "2024-11-05"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_THAT(bad.body, HasSubstr("2024-11-05"));
  EXPECT_EQ(
      Send("POST", Request("ping"), {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", "nonsense"}})
          .status,
      400);
  // Every supported revision is accepted, whichever was negotiated.
  for (const char* v : {"2025-11-25", "2025-06-18", "2025-03-26"}) {
    EXPECT_EQ(Send("POST", Request("ping"), {{"Mcp-Session-Id", sid}, {"MCP-Protocol-Version", v}})
                  .status,
              200)
        << v;
  }
}

TEST_F(McpHttpTest, MissingOrWrongKeyGets401) {
  std::string init = Request("initialize", {{"protocolVersion", "2025-11-25"}}, 1);
  auto none = Send("POST", init, {}, /*with_key=*/false);
  EXPECT_EQ(none.status, 401);
  EXPECT_THAT(none.headers.GetOr("WWW-Authenticate", ""), HasSubstr("Bearer"));
  EXPECT_EQ(Send("POST", init, {{"Authorization", "Bearer wrong"}}, false).status, 401);
  EXPECT_EQ(
      Send("POST", init, {{"Authorization", std::string("Bearer ") + kKey + "x"}}, false).status,
      401);
  // A GHL token is not a key: it is refused, never forwarded.
  EXPECT_EQ(Send("POST", init, {{"Authorization", "Bearer " + sandbox_->token()}}, false).status,
            401);
  EXPECT_EQ(transport_->SessionCount(), 0u);
}

TEST_F(McpHttpTest, AnswersSseWhenTheClientAcceptsOnlySseOrLogsArrive) {
  std::string sid = Init();
  auto sse = Send("POST", Request("ping", json::object(), 5),
                  {{"Mcp-Session-Id", sid}, {"Accept", "text/event-stream"}});
  ASSERT_EQ(sse.status, 200);
  EXPECT_THAT(sse.headers.GetOr("Content-Type", ""), HasSubstr("text/event-stream"));
  EXPECT_EQ(sse.body, "event: message\ndata: {\"id\":5,\"jsonrpc\":\"2.0\",\"result\":{}}\n\n");
  // With logging at info, a tool call's log line comes first in the stream, then the result.
  Send("POST", Request("logging/setLevel", {{"level", "info"}}), {{"Mcp-Session-Id", sid}});
  auto call = Send("POST", Request("tools/call", {{"name", "list_pipelines"}}, 6),
                   {{"Mcp-Session-Id", sid}});
  ASSERT_EQ(call.status, 200);
  EXPECT_THAT(call.headers.GetOr("Content-Type", ""), HasSubstr("text/event-stream"));
  auto log_at = call.body.find("notifications/message");
  auto result_at = call.body.find("\"id\":6");
  EXPECT_NE(log_at, std::string::npos) << call.body;
  EXPECT_LT(log_at, result_at);
  // Both accepted, SSE preferred by q-value: SSE; JSON preferred: JSON.
  auto prefers_sse =
      Send("POST", Request("ping", json::object(), 8),
           {{"Mcp-Session-Id", sid}, {"Accept", "application/json;q=0.5, text/event-stream"}});
  EXPECT_THAT(prefers_sse.headers.GetOr("Content-Type", ""), HasSubstr("text/event-stream"));
  auto prefers_json =
      Send("POST", Request("ping", json::object(), 9),
           {{"Mcp-Session-Id", sid}, {"Accept", "text/event-stream;q=0.2, application/*"}});
  EXPECT_THAT(prefers_json.headers.GetOr("Content-Type", ""), HasSubstr("application/json"));
  // A type refused with q=0 counts as not accepted.
  EXPECT_EQ(
      Send("POST", Request("ping"),
           {{"Mcp-Session-Id", sid}, {"Accept", "application/json;q=0, text/event-stream;q=0"}})
          .status,
      406);
  // JSON only: no notifications to carry, plain JSON.
  auto plain = Send("POST", Request("ping", json::object(), 7),
                    {{"Mcp-Session-Id", sid}, {"Accept", "application/json"}});
  EXPECT_THAT(plain.headers.GetOr("Content-Type", ""), HasSubstr("application/json"));
  EXPECT_EQ(
      Send("POST", Request("ping"), {{"Mcp-Session-Id", sid}, {"Accept", "text/html"}}).status,
      406);
  EXPECT_EQ(Send("POST", Request("ping"), {{"Mcp-Session-Id", sid}, {"Content-Type", "text/plain"}})
                .status,
            415);
  auto get = Send("GET", "", {{"Mcp-Session-Id", sid}, {"Accept", "text/event-stream"}});
  EXPECT_EQ(get.status, 405);
  EXPECT_EQ(get.headers.GetOr("Allow", ""), "POST, DELETE");
}

TEST_F(McpHttpTest, BatchesOnlyForA20250326Session) {
  std::string batch =
      R"([{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":"b","method":"ping"}])";
  std::string old_sid = Init("2025-03-26");
  json ok = json::parse(Send("POST", batch, {{"Mcp-Session-Id", old_sid}}).body);
  ASSERT_TRUE(ok.is_array());
  EXPECT_EQ(ok.size(), 2u);
  std::string sid = Init("2025-11-25");
  json refused = json::parse(Send("POST", batch, {{"Mcp-Session-Id", sid}}).body);
  EXPECT_EQ(refused["error"]["code"], -32600);
  EXPECT_THAT(refused["error"]["message"].get<std::string>(), HasSubstr("batches"));
}

}  // namespace
}  // namespace ghl::mcp
