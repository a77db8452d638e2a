// Findings of driving `ghl mcp` / `ghl serve --mcp` as a demanding client would: each test
// holds one answer a model or a deployment relied on and got wrong.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "ghl/mcp/http.h"
#include "ghl/mcp/server.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/server/http_server.h"

namespace ghl::mcp {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The server on an in-process sandbox, one initialized session, tool calls by name.
class McpHardeningTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::Options o;
    o.rate_limit.burst_max = 100000;
    auto s = sandbox::RunningSandbox::Start(o);
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    client::ClientOptions co{.base_url = sandbox_->base_url(), .token = sandbox_->token()};
    co.default_location_id = sandbox_->location_id();
    client_ = std::make_unique<client::Client>(co);
    auto server = Server::Create(
        *client_, {.allow_writes = true, .default_location_id = sandbox_->location_id()});
    ASSERT_TRUE(server.ok()) << server.error().Describe();
    server_ = std::move(*server);
    json init = {{"jsonrpc", "2.0"},
                 {"id", 0},
                 {"method", "initialize"},
                 {"params",
                  {{"protocolVersion", "2025-11-25"},
                   {"capabilities", json::object()},
                   {"clientInfo", {{"name", "hardening"}, {"version", "1"}}}}}};
    server_->Handle(session_, init.dump());
  }
  void TearDown() override {
    if (sandbox_) sandbox_->Stop();
  }
  // The tool's result: structuredContent, or {"error": text} when isError.
  json Tool(const std::string& name, const json& args) {
    json msg = {{"jsonrpc", "2.0"},
                {"id", ++id_},
                {"method", "tools/call"},
                {"params", {{"name", name}, {"arguments", args}}}};
    auto out = server_->Handle(session_, msg.dump());
    json r = json::parse(out.value_or("{}"))["result"];
    if (r.value("isError", false)) return {{"error", r["content"][0]["text"]}};
    return r["structuredContent"];
  }
  std::string Calendar() { return Tool("list_calendars", json::object())["calendars"][0]["id"]; }

  std::unique_ptr<sandbox::RunningSandbox> sandbox_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<Server> server_;
  Session session_;
  int id_ = 0;
};

// Break-it finding: a client retrying a booking whose answer it lost got GHL's 422 "The slot
// you have selected is no longer available" — a model tells its user the booking failed, while
// the first call had booked it.
TEST_F(McpHardeningTest, BookingTheSameSlotAgainAnswersTheBookingAlreadyMade) {
  std::string cal = Calendar();
  json slots =
      Tool("get_free_slots",
           {{"calendarId", cal}, {"from", "2027-01-04"}, {"to", "2027-01-04"}, {"limit", 1}});
  ASSERT_EQ(slots["slots"].size(), 1u) << slots.dump();
  std::string start = slots["slots"][0]["start"];
  std::string contact = Tool("find_contact", {{"phone", "+15125551007"}})["contact"]["id"];
  json first =
      Tool("book_appointment", {{"calendarId", cal}, {"contactId", contact}, {"startTime", start}});
  ASSERT_FALSE(first.contains("error")) << first.dump();
  EXPECT_EQ(first["alreadyBooked"], false);
  json again =
      Tool("book_appointment", {{"calendarId", cal}, {"contactId", contact}, {"startTime", start}});
  ASSERT_FALSE(again.contains("error")) << again.dump();
  EXPECT_EQ(again["alreadyBooked"], true);
  EXPECT_EQ(again["appointment"]["id"], first["appointment"]["id"]);
  json events = Tool("list_calendar_events",
                     {{"calendarId", cal}, {"from", "2027-01-04"}, {"to", "2027-01-04"}});
  EXPECT_EQ(events["events"].size(), 1u);
  // Another contact still cannot take it: GHL's refusal stands.
  std::string other = Tool("find_contact", {{"phone", "+15125551014"}})["contact"]["id"];
  json taken =
      Tool("book_appointment", {{"calendarId", cal}, {"contactId", other}, {"startTime", start}});
  EXPECT_THAT(taken.value("error", ""), HasSubstr("no longer available"));
}

// Break-it finding: "2027-01-04T09:00" was read as UTC (4 AM in the calendar's New York): the
// model asking for "9 to 12" got no slots, and could book five hours off.
TEST_F(McpHardeningTest, ATimeWithoutItsOffsetIsRefusedNamingTheArgument) {
  std::string cal = Calendar();
  json slots = Tool(
      "get_free_slots",
      {{"calendarId", cal}, {"from", "2027-01-04T09:00"}, {"to", "2027-01-04T12:00:00-05:00"}});
  EXPECT_THAT(slots.value("error", ""), HasSubstr("argument 'from'"));
  EXPECT_THAT(slots.value("error", ""), HasSubstr("no UTC offset"));
  std::string contact = Tool("find_contact", {{"phone", "+15125551007"}})["contact"]["id"];
  json booked =
      Tool("book_appointment",
           {{"calendarId", cal}, {"contactId", contact}, {"startTime", "2027-01-04 10:00"}});
  EXPECT_THAT(booked.value("error", ""), HasSubstr("argument 'startTime'"));
  // With the offset (or Z) both work.
  json ok = Tool(
      "get_free_slots",
      {{"calendarId", cal}, {"from", "2027-01-04T09:00:00-05:00"}, {"to", "2027-01-04T20:00:00Z"}});
  ASSERT_FALSE(ok.contains("error")) << ok.dump();
  EXPECT_GT(ok["count"].get<int>(), 0);
}

// Break-it finding: an email pasted with a line break, a tab or "mailto:" was "not found" (the
// model then creates a duplicate), and an upsert with surrounding spaces was GHL's 422.
TEST_F(McpHardeningTest, EmailsAreReadAsTheAddressTheyCarry) {
  for (const char* email : {"maria.garcia@example.com\n", "\tMaria.Garcia@example.com ",
                            "mailto:maria.garcia@example.com"}) {
    json found = Tool("find_contact", {{"email", email}});
    EXPECT_EQ(found.value("found", false), true) << json(email).dump() << found.dump();
  }
  std::string id = Tool("find_contact", {{"email", "maria.garcia@example.com"}})["contact"]["id"];
  json upsert = Tool("upsert_contact", {{"email", " maria.garcia@example.com\n"},
                                        {"customFields", {{"contact.lead_score", 91}}}});
  ASSERT_FALSE(upsert.contains("error")) << upsert.dump();
  EXPECT_EQ(upsert["created"], false);
  EXPECT_EQ(upsert["contact"]["id"], id);
  EXPECT_EQ(upsert["contact"]["email"], "maria.garcia@example.com");
}

// Break-it finding: a model that fills every optional argument sent locationId "" and was told
// "no location: … or start the server with GHL_LOCATION_ID set" — which it was.
TEST_F(McpHardeningTest, AnEmptyLocationIdIsTheServersDefault) {
  json found = Tool("find_contact", {{"email", "maria.garcia@example.com"}, {"locationId", ""}});
  ASSERT_FALSE(found.contains("error")) << found.dump();
  EXPECT_EQ(found["found"], true);
}

// Break-it finding: one stray byte (or a "\ud83d" cut from an emoji) in a tool argument made
// the whole message a parse error with id null: the client's request never got an answer and
// it waited for its own timeout (a minute in the SDK).
TEST_F(McpHardeningTest, ARequestThatIsNotUtf8IsAnsweredUnderItsId) {
  std::string bad_byte =
      R"({"jsonrpc":"2.0","id":41,"method":"tools/call","params":{"name":"search_contacts",)"
      R"("arguments":{"query":"caf)"
      "\xE9"
      R"("}}})";
  json r = json::parse(server_->Handle(session_, bad_byte).value_or("{}"));
  EXPECT_EQ(r["id"], 41) << r.dump();
  EXPECT_EQ(r["error"]["code"], -32700);
  EXPECT_THAT(r["error"]["message"].get<std::string>(), HasSubstr("not UTF-8"));
  std::string half_emoji =
      R"({"jsonrpc":"2.0","id":"q-7","method":"tools/call","params":{"name":"search_contacts",)"
      R"("arguments":{"query":"hi \ud83d"}}})";
  r = json::parse(server_->Handle(session_, half_emoji).value_or("{}"));
  EXPECT_EQ(r["id"], "q-7") << r.dump();
  EXPECT_THAT(r["error"]["message"].get<std::string>(), HasSubstr("surrogate"));
  // A whole pair and an escaped backslash before "ud83d" are text, not errors.
  std::string fine =
      R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"search_contacts",)"
      R"("arguments":{"query":"\ud83d\ude00 \\ud83d"}}})";
  r = json::parse(server_->Handle(session_, fine).value_or("{}"));
  EXPECT_EQ(r["id"], 8);
  EXPECT_FALSE(r.contains("error")) << r.dump();
  // Not JSON at all: still id null, as JSON-RPC says.
  r = json::parse(server_->Handle(session_, "{\"id\":9,\xE9").value_or("{}"));
  EXPECT_TRUE(r["id"].is_null());
}

// Break-it finding: {"query": null} (a model filling every optional argument) was told only
// "must be a string"; it now hears to leave the argument out, and null never clears a field.
TEST_F(McpHardeningTest, ANullArgumentIsRefusedSayingToLeaveItOut) {
  json r = Tool("search_contacts", {{"query", nullptr}});
  EXPECT_THAT(r.value("error", ""), HasSubstr("argument 'query' must be a string, not null"));
  EXPECT_THAT(r.value("error", ""), HasSubstr("leave out an argument that has no value"));
  std::string id = Tool("find_contact", {{"email", "maria.garcia@example.com"}})["contact"]["id"];
  json update =
      Tool("update_contact", {{"contactId", id}, {"firstName", "Mary"}, {"email", nullptr}});
  EXPECT_TRUE(update.contains("error"));
  EXPECT_EQ(Tool("get_contact", {{"contactId", id}})["contact"]["email"],
            "maria.garcia@example.com");
}

// "YYYY-MM-DD" of `t` in UTC.
std::string UtcDate(std::chrono::system_clock::time_point t) {
  std::chrono::year_month_day ymd(std::chrono::floor<std::chrono::days>(t));
  char text[16];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  return text;
}

// Break-it finding: the audit asks for deals "more than 14 days" old and the digest for
// messages "within 48 hours", but neither said when now is; a model without the date guessed.
TEST_F(McpHardeningTest, PromptsSayWhatDayItIs) {
  for (const char* prompt : {"pipeline_audit", "conversation_digest"}) {
    auto before = std::chrono::system_clock::now();
    json msg = {{"jsonrpc", "2.0"},
                {"id", ++id_},
                {"method", "prompts/get"},
                {"params", {{"name", prompt}, {"arguments", json::object()}}}};
    json r = json::parse(server_->Handle(session_, msg.dump()).value_or("{}"));
    auto after = std::chrono::system_clock::now();
    std::string text = r["result"]["messages"][0]["content"]["text"];
    EXPECT_THAT(text, ::testing::StartsWith("It is now ")) << text;
    bool dated = text.find(UtcDate(before)) != std::string::npos ||
                 text.find(UtcDate(after)) != std::string::npos;
    EXPECT_TRUE(dated) << text;
  }
}

// The MCP server over a GHL played by `answer` on loopback, in location `location`.
class FakeGhlMcp {
 public:
  FakeGhlMcp(const std::string& location, server::Handler answer)
      : ghl_({.port = 0}, std::move(answer)) {
    client::ClientOptions co{.base_url = "http://127.0.0.1:" + std::to_string(ghl_.Start()),
                             .token = "t"};
    co.default_location_id = location;
    client_ = std::make_unique<client::Client>(co);
    auto server = Server::Create(*client_, {.default_location_id = location});
    EXPECT_TRUE(server.ok());
    if (server.ok()) server_ = std::move(*server);
    server_->Handle(session_, R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":)"
                              R"({"protocolVersion":"2025-11-25","capabilities":{}}})");
  }
  ~FakeGhlMcp() { ghl_.Stop(); }
  // The tools/call result.
  json Call(const std::string& tool, const json& args) {
    json msg = {{"jsonrpc", "2.0"},
                {"id", 1},
                {"method", "tools/call"},
                {"params", {{"name", tool}, {"arguments", args}}}};
    return json::parse(server_->Handle(session_, msg.dump()).value_or("{}"))["result"];
  }

 private:
  server::HttpServer ghl_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<Server> server_;
  Session session_;
};

// Break-it finding: a phone written without its country code was always read as North
// American: for a UK sub-account "020 7946 0958" was "not a phone number", and a 10-digit
// national number could match a US contact. It is read in the location's country now.
TEST(McpPhoneRegionTest, ANationalNumberIsReadInTheLocationsCountry) {
  std::mutex mu;
  std::vector<std::string> numbers;
  FakeGhlMcp mcp("loc-uk", [&](const http::Request& r) {
    if (r.Path() == "/locations/loc-uk") {
      return server::JsonResponse(200, R"({"location":{"id":"loc-uk","country":"GB"}})");
    }
    for (const auto& [k, v] : http::ParseQuery(r.Query())) {
      if (k != "number") continue;
      std::lock_guard lock(mu);
      numbers.push_back(v);
      if (v == "+442079460958") {
        return server::JsonResponse(
            200, R"({"contact":{"id":"c-uk","phone":"+442079460958","locationId":"loc-uk"}})");
      }
    }
    return server::JsonResponse(200, R"({"contact":null})");
  });
  json national = mcp.Call("find_contact", {{"phone", "020 7946 0958"}});
  ASSERT_FALSE(national.value("isError", false)) << national.dump();
  EXPECT_EQ(national["structuredContent"].value("found", false), true) << national.dump();
  // A country code: read as written, no location call.
  json international = mcp.Call("find_contact", {{"phone", "+1 512 555 0100"}});
  EXPECT_EQ(international["structuredContent"].value("found", true), false);
  std::lock_guard lock(mu);
  EXPECT_THAT(numbers, ::testing::ElementsAre("+442079460958", "+15125550100"));
}

// Break-it finding: list_calendar_events read its dates as UTC days: for a Los Angeles
// calendar, "what is on January 4" left out the 4:30 PM appointment (00:30 UTC on the 5th) and
// took in the previous evening's 5 PM one (01:00 UTC on the 4th).
TEST(McpEventsDayTest, EventDatesAreTheCalendarsLocalDays) {
  FakeGhlMcp mcp("loc", [&](const http::Request& r) {
    if (r.Path() == "/calendars/") {
      return server::JsonResponse(200, R"({"calendars":[{"id":"cal-la","locationId":"loc"}]})");
    }
    // GHL's events between startTime and endTime (epoch ms) of the query.
    int64_t from = 0, to = 0;
    for (const auto& [k, v] : http::ParseQuery(r.Query())) {
      if (k == "startTime") from = std::stoll(v);
      if (k == "endTime") to = std::stoll(v);
    }
    json events = json::array();
    for (const auto& [start, at] : {std::pair{"2027-01-04T16:30:00-08:00", 1799109000000LL},
                                    std::pair{"2027-01-03T17:00:00-08:00", 1799024400000LL}}) {
      if (at >= from && at <= to) events.push_back({{"id", start}, {"startTime", start}});
    }
    return server::JsonResponse(200, json{{"events", events}}.dump());
  });
  json r = mcp.Call("list_calendar_events",
                    {{"calendarId", "cal-la"}, {"from", "2027-01-04"}, {"to", "2027-01-04"}});
  ASSERT_FALSE(r.value("isError", false)) << r.dump();
  const json& events = r["structuredContent"]["events"];
  ASSERT_EQ(events.size(), 1u) << events.dump();
  EXPECT_EQ(events[0]["startTime"], "2027-01-04T16:30:00-08:00");
}

// Break-it finding: behind a reverse proxy started with --mcp-allowed-host, the proxy forwards
// `Host: mcp.example.com` (no port, or 443) and every request got 403 naming the flag that had
// been given.
TEST(McpHostTest, AnAllowedHostNameIsAcceptedOnAnyPortLoopbackOnlyOnOurs) {
  HttpTransport transport(
      [](Session&, std::string_view, const Notify&) -> std::optional<std::string> {
        return std::nullopt;
      },
      HttpOptions{.bearer_key = "k", .allowed_hosts = {"mcp.example.com"}, .port = 18480});
  auto status = [&](const std::string& host, const std::string& origin = "") {
    http::Request r{.method = "POST", .target = "/mcp", .headers = {}, .body = "{}", .remote = {}};
    r.headers.Set("Host", host);
    if (!origin.empty()) r.headers.Set("Origin", origin);
    r.headers.Set("Authorization", "Bearer k");
    r.headers.Set("Content-Type", "application/json");
    return transport.Handle(r).status;
  };
  for (const char* host : {"mcp.example.com", "mcp.example.com:443", "MCP.example.com:8443"}) {
    EXPECT_NE(status(host), 403) << host;
  }
  EXPECT_NE(status("mcp.example.com", "https://mcp.example.com"), 403);
  EXPECT_NE(status("127.0.0.1:18480"), 403);
  EXPECT_EQ(status("127.0.0.1:9999"), 403);
  EXPECT_EQ(status("localhost"), 403);
  EXPECT_EQ(status("evil.example.com"), 403);
  EXPECT_EQ(status("mcp.example.com", "https://evil.example.com"), 403);
}

}  // namespace
}  // namespace ghl::mcp
