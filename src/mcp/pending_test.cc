// Server→client requests: the pending table (answers, timeout, session end, wrong ids,
// out-of-order answers) and MethodCall::Ask through Protocol (capabilities, routing of the
// client's response message).
#include "ghl/mcp/pending.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "ghl/mcp/protocol.h"

namespace ghl::mcp {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json Answer(const json& id, json result) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"result", std::move(result)}};
}

TEST(PendingRequestsTest, TheAnswerReachesTheWaitingCall) {
  PendingRequests table;
  json id = *table.Open();
  std::thread client([&] { EXPECT_TRUE(table.Resolve(Answer(id, {{"action", "accept"}}))); });
  ClientReply reply = table.Wait(id, 10s);
  client.join();
  ASSERT_TRUE(std::holds_alternative<json>(reply));
  EXPECT_EQ(std::get<json>(reply)["action"], "accept");
  EXPECT_EQ(table.size(), 0u);
}

TEST(PendingRequestsTest, NoAnswerInTimeIsATimeoutAndALateAnswerIsDropped) {
  PendingRequests table;
  json id = *table.Open();
  ClientReply reply = table.Wait(id, 20ms);
  ASSERT_TRUE(std::holds_alternative<RpcError>(reply));
  EXPECT_EQ(std::get<RpcError>(reply).code, kRequestTimeout);
  EXPECT_FALSE(table.Resolve(Answer(id, json::object())));
  EXPECT_EQ(table.size(), 0u);
}

TEST(PendingRequestsTest, SessionEndAnswersEveryWaitingCallAndRefusesNewOnes) {
  PendingRequests table;
  json a = *table.Open(), b = *table.Open();
  auto wa = std::async(std::launch::async, [&] { return table.Wait(a, 60s); });
  auto wb = std::async(std::launch::async, [&] { return table.Wait(b, 60s); });
  table.Close("the client ended the session");
  for (auto* w : {&wa, &wb}) {
    ClientReply reply = w->get();
    ASSERT_TRUE(std::holds_alternative<RpcError>(reply));
    EXPECT_EQ(std::get<RpcError>(reply).code, kConnectionClosed);
    EXPECT_EQ(std::get<RpcError>(reply).message, "the client ended the session");
  }
  EXPECT_FALSE(table.Open().has_value());
}

TEST(PendingRequestsTest, AnAnswerWithAnUnknownIdIsDroppedAndTheRealOneStillArrives) {
  PendingRequests table;
  json id = *table.Open();
  EXPECT_FALSE(table.Resolve(Answer("ghl-999", {{"wrong", true}})));
  EXPECT_FALSE(table.Resolve(Answer(1, {{"wrong", true}})));  // integer: not one of ours
  EXPECT_FALSE(table.Resolve(json::array()));
  EXPECT_TRUE(table.Resolve(Answer(id, {{"right", true}})));
  EXPECT_FALSE(table.Resolve(Answer(id, {{"again", true}})));  // answered once only
  ClientReply reply = table.Wait(id, 10s);
  ASSERT_TRUE(std::holds_alternative<json>(reply));
  EXPECT_EQ(std::get<json>(reply), json({{"right", true}}));
}

TEST(PendingRequestsTest, AnswersOutOfOrderEachReachTheirOwnCall) {
  PendingRequests table;
  json first = *table.Open(), second = *table.Open();
  EXPECT_NE(first, second);
  auto w1 = std::async(std::launch::async, [&] { return table.Wait(first, 60s); });
  auto w2 = std::async(std::launch::async, [&] { return table.Wait(second, 60s); });
  EXPECT_TRUE(table.Resolve(Answer(second, {{"n", 2}})));
  EXPECT_TRUE(table.Resolve(Answer(first, {{"n", 1}})));
  EXPECT_EQ(std::get<json>(w1.get())["n"], 1);
  EXPECT_EQ(std::get<json>(w2.get())["n"], 2);
}

TEST(PendingRequestsTest, TheClientsErrorComesBackAsAnError) {
  PendingRequests table;
  json id = *table.Open();
  table.Resolve({{"jsonrpc", "2.0"}, {"id", id}, {"error", {{"code", -1}, {"message", "no"}}}});
  ClientReply reply = table.Wait(id, 10s);
  ASSERT_TRUE(std::holds_alternative<RpcError>(reply));
  EXPECT_EQ(std::get<RpcError>(reply).code, -1);
  EXPECT_EQ(std::get<RpcError>(reply).message, "no");
}

// A protocol whose tool "ask" asks the client to elicit and returns what it answered.
Protocol AskingProtocol() {
  Protocol p(ServerInfo{.name = "t",
                        .title = "t",
                        .version = "1",
                        .instructions = "",
                        .capabilities = {{"tools", json::object()}}});
  p.On("tools/call", [](const MethodCall& c) -> MethodResult {
    ClientReply r = c.Ask("elicitation/create", {{"message", "ok?"}}, 60s);
    if (auto* e = std::get_if<RpcError>(&r)) return json{{"error", e->message}};
    return json{{"answer", std::get<json>(r)}};
  });
  return p;
}

std::string Init(const json& capabilities) {
  return json({{"jsonrpc", "2.0"},
               {"id", 0},
               {"method", "initialize"},
               {"params",
                {{"protocolVersion", "2025-11-25"},
                 {"capabilities", capabilities},
                 {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}})
      .dump();
}

const std::string kCall = R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{}})";

TEST(AskTest, AClientWithoutElicitationIsNeverAsked) {
  Protocol p = AskingProtocol();
  Session s;
  s.pending = std::make_shared<PendingRequests>();
  s.can_wait = true;
  ASSERT_TRUE(p.Handle(s, Init({{"sampling", json::object()}}), nullptr));
  std::vector<std::string> sent;
  Notify notify = [&](std::string_view m) { sent.emplace_back(m); };
  json out = json::parse(*p.Handle(s, kCall, notify));
  EXPECT_TRUE(sent.empty());
  EXPECT_NE(out["result"]["error"].get<std::string>().find("did not declare the elicitation"),
            std::string::npos)
      << out;
}

TEST(AskTest, TheClientsResponseMessageIsRoutedToTheWaitingToolCall) {
  Protocol p = AskingProtocol();
  Session s;
  s.pending = std::make_shared<PendingRequests>();
  ASSERT_TRUE(p.Handle(s, Init({{"elicitation", json::object()}}), nullptr));
  Session worker = s;  // what a transport hands a worker thread: shares `pending`
  worker.can_wait = true;
  std::promise<json> request;
  std::once_flag once;
  Notify notify = [&](std::string_view m) {
    std::call_once(once, [&] { request.set_value(json::parse(m)); });
  };
  auto call = std::async(std::launch::async, [&] { return *p.Handle(worker, kCall, notify); });
  json asked = request.get_future().get();
  EXPECT_EQ(asked["method"], "elicitation/create");
  EXPECT_EQ(asked["params"]["message"], "ok?");
  // The client's answer arrives as a message of its own (stdin line, or another POST).
  EXPECT_FALSE(p.Handle(s, Answer(asked["id"], {{"action", "accept"}}).dump(), nullptr));
  json out = json::parse(call.get());
  EXPECT_EQ(out["id"], 7);
  EXPECT_EQ(out["result"]["answer"]["action"], "accept");
}

TEST(AskTest, ATransportThatCannotWaitGetsAnErrorNotAHang) {
  Protocol p = AskingProtocol();
  Session s;
  s.pending = std::make_shared<PendingRequests>();  // can_wait stays false: an I/O thread
  ASSERT_TRUE(p.Handle(s, Init({{"elicitation", json::object()}}), nullptr));
  std::vector<std::string> sent;
  Notify notify = [&](std::string_view m) { sent.emplace_back(m); };
  json out = json::parse(*p.Handle(s, kCall, notify));
  EXPECT_TRUE(sent.empty());
  EXPECT_NE(out["result"]["error"].get<std::string>().find("cannot send elicitation/create"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace ghl::mcp
