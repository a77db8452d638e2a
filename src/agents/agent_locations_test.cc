// One agent endpoint for many locations: the location each Vapi / Retell request works in (its
// signed metadata, the assistant/agent map, the default), vetted before any GHL call. GHL is a
// loopback server that records the locationId of every request it gets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <set>

#include "ghl/agents/endpoints.h"
#include "ghl/agents/signatures.h"
#include "ghl/server/http_server.h"

namespace ghl::agents {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

TEST(AgentLocationShapesTest, VapiMetadataCallFirstThenOverridesThenAssistant) {
  auto m = ParseVapiToolCalls(json::parse(R"({"message":{"type":"tool-calls",
    "assistant":{"id":"asst-1","metadata":{"locationId":"from-assistant","calendarId":"cal-a"}},
    "call":{"id":"c1","assistantId":"asst-1","customer":{"number":"+15125551007"},
      "assistantOverrides":{"metadata":{"locationId":"from-overrides"}}},
    "toolCallList":[{"id":"t1","name":"lookup_caller","arguments":{}}]}})"));
  ASSERT_TRUE(m.ok());
  ASSERT_EQ(m->calls.size(), 1u);
  EXPECT_EQ(m->calls[0].agent_id, "asst-1");
  EXPECT_EQ(m->calls[0].location_id, "from-overrides");
  EXPECT_EQ(m->calls[0].calendar_id, "cal-a");  // the first metadata that has one
  auto own = ParseVapiToolCalls(json::parse(R"({"message":{"type":"tool-calls",
    "assistant":{"id":"asst-2","metadata":{"locationId":"from-assistant"}},
    "call":{"id":"c2","metadata":{"locationId":"from-call"}},
    "toolCallList":[{"id":"t1","name":"lookup_caller","arguments":{}}]}})"));
  ASSERT_TRUE(own.ok());
  EXPECT_EQ(own->calls[0].location_id, "from-call");
  EXPECT_EQ(own->calls[0].agent_id, "asst-2");  // no call.assistantId: the assistant's id
}

TEST(AgentLocationShapesTest, RetellMetadataThenDynamicVariablesNeverArguments) {
  auto c = ParseRetellCall(json::parse(R"({"name":"lookup_caller","call":{"call_id":"r1",
    "agent_id":"agent-9","from_number":"+15125551007",
    "retell_llm_dynamic_variables":{"locationId":"from-variables","calendarId":"cal-v"}},
    "args":{"locationId":"from-the-model"}})"),
                           "");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->agent_id, "agent-9");
  EXPECT_EQ(c->location_id, "from-variables");
  EXPECT_EQ(c->calendar_id, "cal-v");
  auto meta = ParseRetellCall(json::parse(R"({"name":"lookup_caller","call":{"call_id":"r2",
    "metadata":{"locationId":"from-metadata"},
    "retell_llm_dynamic_variables":{"locationId":"from-variables"}},"args":{}})"),
                              "");
  ASSERT_TRUE(meta.ok());
  EXPECT_EQ(meta->location_id, "from-metadata");
}

// GHL on loopback: answers every exact lookup "no contact" and records its locationId.
class AgentLocationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ghl_ = std::make_unique<server::HttpServer>(
        server::ServerOptions{.port = 0}, [this](const http::Request& r) {
          std::lock_guard lock(mu_);
          for (const auto& [k, v] : http::ParseQuery(r.Query())) {
            if (k == "locationId") seen_.push_back(v);
          }
          // GET /contacts/{id}: a contact of another location.
          if (r.Path().rfind("/contacts/c-", 0) == 0) {
            return server::JsonResponse(
                200, R"({"contact":{"id":"c-1","locationId":"loc-elsewhere","firstName":"E"}})");
          }
          return server::JsonResponse(200, R"({"contact":null})");
        });
    port_ = ghl_->Start();
  }
  void TearDown() override {
    agents_.reset();
    ghl_->Stop();
  }
  void Start(AgentOptions o) {
    o.vapi_secret = "vs";
    o.retell_api_key = "rk";
    o.location_id = "loc-default";
    o.location_of = {{"asst-mapped", "loc-mapped"}, {"agent-mapped", "loc-mapped"}};
    o.check_location = [](const std::string& id) -> Status {
      static const std::set<std::string> reachable = {"loc-default", "loc-mapped", "loc-meta"};
      if (reachable.count(id)) return Ok{};
      return UsageError("location " + id + " is not in the token store", "ghl auth login");
    };
    o.log = [this](const std::string& line) { log_.push_back(line); };
    client::ClientOptions co;
    co.base_url = "http://127.0.0.1:" + std::to_string(port_);
    co.token = "t";
    co.default_location_id = "loc-default";
    agents_ = std::make_unique<AgentEndpoints>(o, co);
  }
  // One Vapi lookup_caller with `message` fields merged in; the result or error text.
  std::string Vapi(const json& extra, const json& args = json::object()) {
    json message = {
        {"type", "tool-calls"},
        {"toolCallList", {{{"id", "t1"}, {"name", "lookup_caller"}, {"arguments", args}}}}};
    message.update(extra);
    http::Request r;
    r.method = "POST";
    r.target = "/agents/vapi";
    r.headers.Set("Authorization", "Bearer vs");
    r.body = json{{"message", message}}.dump();
    json item = json::parse(agents_->Handle(r).body)["results"][0];
    return item.contains("result") ? item["result"].get<std::string>()
                                   : "ERROR " + item["error"].get<std::string>();
  }
  std::string Retell(const json& body) {
    http::Request r;
    r.method = "POST";
    r.target = "/agents/retell/lookup_caller";
    r.body = body.dump();
    int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    r.headers.Set("X-Retell-Signature", SignRetell(r.body, "rk", now));
    return json::parse(agents_->Handle(r).body)["result"].get<std::string>();
  }
  std::vector<std::string> Seen() {
    std::lock_guard lock(mu_);
    auto out = seen_;
    seen_.clear();
    return out;
  }

  std::unique_ptr<server::HttpServer> ghl_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::vector<std::string> seen_;
  std::vector<std::string> log_;
  std::unique_ptr<AgentEndpoints> agents_;
};

TEST_F(AgentLocationsTest, EachRequestWorksInTheLocationItsConfigurationNames) {
  Start({});
  const json caller = {{"customer", {{"number", "+15125551007"}}}};
  EXPECT_THAT(Vapi({{"call", caller}}), HasSubstr("new caller"));
  EXPECT_THAT(Seen(), ElementsAre("loc-default"));
  json by_meta = {{"call", caller}, {"assistant", {{"metadata", {{"locationId", "loc-meta"}}}}}};
  EXPECT_THAT(Vapi(by_meta), HasSubstr("new caller"));
  EXPECT_THAT(Seen(), ElementsAre("loc-meta"));
  json by_map = {{"call", {{"assistantId", "asst-mapped"}, {"customer", caller["customer"]}}}};
  EXPECT_THAT(Vapi(by_map), HasSubstr("new caller"));
  EXPECT_THAT(Seen(), ElementsAre("loc-mapped"));
  EXPECT_THAT(Retell({{"name", "lookup_caller"},
                      {"call",
                       {{"call_id", "r1"},
                        {"agent_id", "agent-mapped"},
                        {"from_number", "+15125551007"},
                        {"metadata", {{"locationId", "loc-meta"}}}}},
                      {"args", json::object()}}),
              HasSubstr("new caller"));
  EXPECT_THAT(Seen(), ElementsAre("loc-meta"));  // metadata before the map
}

TEST_F(AgentLocationsTest, AnUnreachableLocationOrOneFromTheConversationRunsNothing) {
  Start({});
  json elsewhere = {{"call",
                     {{"id", "c9"},
                      {"customer", {{"number", "+15125551007"}}},
                      {"metadata", {{"locationId", "loc-other-agency"}}}}}};
  std::string text = Vapi(elsewhere);
  EXPECT_THAT(text, HasSubstr("ERROR This phone line's CRM account is not available"));
  EXPECT_THAT(text, ::testing::Not(HasSubstr("ghl auth login")));  // spoken: no operator fix
  EXPECT_THAT(Seen(), IsEmpty());
  ASSERT_EQ(log_.size(), 1u);
  EXPECT_THAT(log_[0], HasSubstr("loc-other-agency"));
  EXPECT_THAT(log_[0], HasSubstr("ghl auth login"));  // ...which the operator's log has
  // The model naming a location (the caller asked it to) is refused, whatever it names.
  json plain = {{"call", {{"customer", {{"number", "+15125551007"}}}}}};
  EXPECT_THAT(Vapi(plain, {{"locationId", "loc-mapped"}}),
              HasSubstr("ERROR Nothing was done: this line's business is set in its assistant"));
  EXPECT_THAT(Seen(), IsEmpty());
  EXPECT_THAT(Vapi(plain, {{"locationId", "loc-default"}}), HasSubstr("new caller"));
  EXPECT_THAT(Seen(), ElementsAre("loc-default"));
}

TEST_F(AgentLocationsTest, AContactOfAnotherLocationIsNotThisCallsContact) {
  Start({});
  http::Request r;
  r.method = "POST";
  r.target = "/agents/vapi";
  r.headers.Set("Authorization", "Bearer vs");
  r.body = json{{"message",
                 {{"type", "tool-calls"},
                  {"toolCallList",
                   {{{"id", "t1"},
                     {"name", "log_call_outcome"},
                     {"arguments", {{"contactId", "c-1"}, {"note", "hello"}}}}}}}}}
               .dump();
  json item = json::parse(agents_->Handle(r).body)["results"][0];
  EXPECT_THAT(item.value("error", ""), HasSubstr("not in this line's location")) << item.dump();
}

TEST_F(AgentLocationsTest, ARequestThatNamesNoLocationIsRefusedWhenThereIsNoDefault) {
  AgentOptions o;
  Start(o);
  agents_.reset();
  o.vapi_secret = "vs";
  o.check_location = [](const std::string&) -> Status { return Ok{}; };
  o.log = [this](const std::string& line) { log_.push_back(line); };
  client::ClientOptions co;
  co.base_url = "http://127.0.0.1:" + std::to_string(port_);
  co.token = "t";
  agents_ = std::make_unique<AgentEndpoints>(o, co);
  EXPECT_THAT(Vapi({{"call", {{"customer", {{"number", "+15125551007"}}}}}}),
              HasSubstr("ERROR This phone line's CRM account is not available"));
  EXPECT_THAT(Seen(), IsEmpty());
  ASSERT_FALSE(log_.empty());
  EXPECT_THAT(log_.back(), HasSubstr("names no location"));
}

}  // namespace
}  // namespace ghl::agents
