// The MCP server's protocol and tools, message by message (Server::Handle), against the sandbox
// served in-process over loopback.
#include "ghl/mcp/server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "audit.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::mcp {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class McpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::Options o;
    o.rate_limit.burst_max = 100000;
    auto s = sandbox::RunningSandbox::Start(o);
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    client_ = MakeClient(sandbox_->token());
    audit_ = std::filesystem::temp_directory_path() /
             ("ghl-mcp-audit-" + std::to_string(::getpid()) + ".jsonl");
    std::filesystem::remove(audit_);
  }
  void TearDown() override {
    if (sandbox_) sandbox_->Stop();
    std::filesystem::remove(audit_);
  }
  std::unique_ptr<client::Client> MakeClient(const std::string& token) {
    client::ClientOptions co;
    co.base_url = sandbox_->base_url();
    co.token = token;
    co.default_location_id = sandbox_->location_id();
    return std::make_unique<client::Client>(co);
  }
  std::unique_ptr<Server> Make(ServerOptions o = {}, const client::Client* c = nullptr) {
    o.default_location_id = sandbox_->location_id();
    if (o.audit_path.empty()) o.audit_path = audit_.string();
    o.notify = [this](std::string_view n) { notes_.push_back(json::parse(n)); };
    auto s = Server::Create(c ? *c : *client_, o);
    EXPECT_TRUE(s.ok()) << s.error().Describe();
    return std::move(*s);
  }
  json Send(Server& s, const json& msg) {
    auto out = s.Handle(session_, msg.dump());
    return out ? json::parse(*out) : json();
  }
  json Init(Server& s, const std::string& version = "2025-11-25") {
    return Send(s, {{"jsonrpc", "2.0"},
                    {"id", 1},
                    {"method", "initialize"},
                    {"params",
                     {{"protocolVersion", version},
                      {"capabilities", json::object()},
                      {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}});
  }
  json Call(Server& s, const std::string& tool, json args) {
    return Send(s, {{"jsonrpc", "2.0"},
                    {"id", "c" + std::to_string(++next_id_)},
                    {"method", "tools/call"},
                    {"params", {{"name", tool}, {"arguments", std::move(args)}}}});
  }

  std::unique_ptr<sandbox::RunningSandbox> sandbox_;
  std::unique_ptr<client::Client> client_;
  std::filesystem::path audit_;
  Session session_;
  std::vector<json> notes_;
  int next_id_ = 0;
};

TEST_F(McpServerTest, NegotiatesTheProtocolRevision) {
  auto s = Make();
  json r = Init(*s, "2025-06-18");
  EXPECT_EQ(r["result"]["protocolVersion"], "2025-06-18");
  EXPECT_TRUE(r["result"]["capabilities"].contains("tools"));
  EXPECT_TRUE(r["result"]["capabilities"].contains("prompts"));
  EXPECT_TRUE(r["result"]["capabilities"].contains("logging"));
  EXPECT_EQ(r["result"]["serverInfo"]["name"], "ghlkit");
  Session other;
  auto out = s->Handle(
      other,
      R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"1999-01-01"}})");
  EXPECT_EQ(json::parse(*out)["result"]["protocolVersion"], "2025-11-25");
  Session old;
  out = s->Handle(
      old,
      R"({"jsonrpc":"2.0","id":2,"method":"initialize","params":{"protocolVersion":"2025-03-26"}})");
  EXPECT_EQ(json::parse(*out)["result"]["protocolVersion"], "2025-03-26");
  // Break-it finding: initialize without a protocolVersion was accepted; the spec requires it.
  for (const char* params : {"{}", R"({"protocolVersion":20251125})"}) {
    Session bare;
    out =
        s->Handle(bare, std::string(R"({"jsonrpc":"2.0","id":3,"method":"initialize","params":)") +
                            params + "}");
    json err = json::parse(*out);
    EXPECT_EQ(err["error"]["code"], -32602) << params;
    EXPECT_THAT(err["error"]["message"].get<std::string>(), HasSubstr("params.protocolVersion"));
    EXPECT_FALSE(bare.initialized);
  }
}

TEST_F(McpServerTest, RefusesASecondInitializeOnASession) {
  auto s = Make();
  Init(*s, "2025-06-18");
  json again = Init(*s, "2025-03-26");
  EXPECT_EQ(again["error"]["code"], -32600);
  EXPECT_THAT(again["error"]["message"].get<std::string>(), HasSubstr("already initialized"));
  EXPECT_EQ(session_.protocol_version, "2025-06-18");  // unchanged
}

TEST_F(McpServerTest, RefusesWorkBeforeInitializeButAnswersPing) {
  auto s = Make();
  json ping = Send(*s, {{"jsonrpc", "2.0"}, {"id", 7}, {"method", "ping"}});
  EXPECT_EQ(ping["id"], 7);
  EXPECT_EQ(ping["result"], json::object());
  json list = Send(*s, {{"jsonrpc", "2.0"}, {"id", 8}, {"method", "tools/list"}});
  EXPECT_EQ(list["error"]["code"], -32600);
}

TEST_F(McpServerTest, MalformedInputGetsJsonRpcErrorsNeverAThrow) {
  auto s = Make();
  Init(*s);
  auto parse = [&](std::string_view text) {
    auto out = s->Handle(session_, text);
    EXPECT_TRUE(out.has_value()) << text;
    return out ? json::parse(*out) : json();
  };
  EXPECT_EQ(parse("{")["error"]["code"], -32700);
  EXPECT_EQ(parse("")["error"]["code"], -32700);
  // Invalid UTF-8 inside a string.
  EXPECT_EQ(
      parse(
          "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\",\"x\":\"\xff\xfe\"}")["error"]["code"],
      -32700);
  std::string deep(100000, '[');
  json d = parse(deep);
  EXPECT_EQ(d["error"]["code"], -32700);
  EXPECT_THAT(d["error"]["message"].get<std::string>(), HasSubstr("nested deeper"));
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":null,"method":"ping"})")["error"]["code"], -32600);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})")["error"]["code"], -32600);
  EXPECT_EQ(parse(R"({"jsonrpc":"1.0","id":1,"method":"ping"})")["error"]["code"], -32600);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1,"method":7})")["error"]["code"], -32600);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":[1]})")["error"]["code"],
            -32602);
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":1,"method":"nope"})")["error"]["code"], -32601);
  EXPECT_EQ(parse("[]")["error"]["code"], -32600);
  EXPECT_EQ(parse("42")["error"]["code"], -32600);
  // Notifications and client responses get no answer.
  EXPECT_FALSE(s->Handle(session_, R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  EXPECT_FALSE(s->Handle(session_, R"({"jsonrpc":"2.0","id":5,"result":{}})"));
  // Batches were removed after 2025-03-26: refused on this 2025-11-25 session.
  std::string pings =
      R"([{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":"b","method":"ping"}])";
  json refused = parse(pings);
  EXPECT_EQ(refused["error"]["code"], -32600);
  EXPECT_THAT(refused["error"]["message"].get<std::string>(), HasSubstr("2025-03-26"));
  // On a 2025-03-26 session a batch answers its requests, in order, and skips notifications.
  session_ = Session{};
  Init(*s, "2025-03-26");
  json batch = parse(
      R"([{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","method":"notifications/initialized"},{"jsonrpc":"2.0","id":"b","method":"ping"}])");
  ASSERT_TRUE(batch.is_array());
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch[0]["id"], "a");
  EXPECT_EQ(batch[1]["id"], "b");
  // The id keeps its type.
  EXPECT_EQ(parse(R"({"jsonrpc":"2.0","id":"7","method":"ping"})")["id"], "7");
}

TEST_F(McpServerTest, ListsToolsEveryClientAccepts) {
  auto s = Make({.allow_writes = true});
  Init(*s);
  json r = Send(*s, {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "tools/list"}});
  const json& tools = r["result"]["tools"];
  ASSERT_GT(tools.size(), 25u);
  std::regex name_rule("^[a-zA-Z0-9_-]{1,64}$");
  for (const auto& t : tools) {
    std::string name = t["name"];
    EXPECT_TRUE(std::regex_match(name, name_rule)) << name;
    EXPECT_FALSE(t["description"].get<std::string>().empty()) << name;
    EXPECT_FALSE(t["title"].get<std::string>().empty()) << name;
    EXPECT_EQ(t["inputSchema"]["type"], "object") << name;
    EXPECT_TRUE(t["inputSchema"]["properties"].contains("locationId")) << name;
    EXPECT_EQ(t["outputSchema"]["type"], "object") << name;
    // Every property is itself a schema object (a null one fails the SDK's check).
    for (const char* schema : {"inputSchema", "outputSchema"}) {
      for (const auto& [prop, sub] : t[schema]["properties"].items()) {
        EXPECT_TRUE(sub.is_object()) << name << " " << schema << "." << prop;
      }
    }
    for (const char* hint :
         {"readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint"}) {
      EXPECT_TRUE(t["annotations"][hint].is_boolean()) << name << " " << hint;
    }
  }
  // The whole list stays far under the 12k-token budget (bytes / 4).
  EXPECT_LT(r["result"].dump().size() / 4, 12000u);
}

TEST_F(McpServerTest, ToolsetsAndReadOnlyNarrowTheList) {
  auto ro = Make({.read_only = true});
  for (const auto& name : ro->ToolNames()) {
    EXPECT_THAT(name, ::testing::Not(::testing::AnyOf(HasSubstr("create"), HasSubstr("update"),
                                                      HasSubstr("send"), HasSubstr("book"))));
  }
  auto contacts = Make({.toolsets = {"contacts"}});
  for (const auto& name : contacts->ToolNames()) {
    EXPECT_THAT(name, ::testing::AnyOf(HasSubstr("contact")));
  }
  auto bad = Server::Create(*client_, {.toolsets = {"contacts", "payments"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().messages[0], HasSubstr("payments"));
  // Without --allow-writes, tools that overwrite are not listed.
  auto plain = Make();
  auto names = plain->ToolNames();
  EXPECT_EQ(std::count(names.begin(), names.end(), "update_contact"), 0);
  EXPECT_EQ(std::count(names.begin(), names.end(), "create_contact"), 1);
  EXPECT_EQ(std::count(names.begin(), names.end(), "execute_operation"), 1);
}

TEST_F(McpServerTest, FindsContactsExactlyByEmailAndPlusPhone) {
  auto s = Make();
  Init(*s);
  json created =
      Call(*s, "create_contact",
           {{"firstName", "Ada"}, {"email", "ada@example.com"}, {"phone", "+1 737 555 0101"}});
  ASSERT_FALSE(created["result"].value("isError", false)) << created.dump();
  std::string id = created["result"]["structuredContent"]["contact"]["id"];
  json by_email = Call(*s, "find_contact", {{"email", "ADA@example.com"}});
  EXPECT_EQ(by_email["result"]["structuredContent"]["found"], true);
  EXPECT_EQ(by_email["result"]["structuredContent"]["contact"]["id"], id);
  json by_phone = Call(*s, "find_contact", {{"phone", "+17375550101"}});
  EXPECT_EQ(by_phone["result"]["structuredContent"]["contact"]["id"], id);
  EXPECT_EQ(by_phone["result"]["structuredContent"]["matchedBy"], "phone");
  json none = Call(*s, "find_contact", {{"email", "ada@example.co"}});
  EXPECT_EQ(none["result"]["structuredContent"]["found"], false);
  EXPECT_TRUE(none["result"]["structuredContent"]["contact"].is_null());
  // The text block carries the same JSON for clients without structuredContent.
  EXPECT_EQ(json::parse(by_email["result"]["content"][0]["text"].get<std::string>()),
            by_email["result"]["structuredContent"]);
}

TEST_F(McpServerTest, BooksAFreeSlotFoundByLocalDates) {
  auto s = Make();
  Init(*s);
  json cals = Call(*s, "list_calendars", json::object());
  std::string cal = cals["result"]["structuredContent"]["calendars"][0]["id"];
  auto today = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  auto date = [](std::chrono::sys_days d) {
    std::chrono::year_month_day ymd(d);
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()));
    return std::string(buf);
  };
  std::string from = date(today + std::chrono::days(1)), to = date(today + std::chrono::days(40));
  json slots = Call(*s, "get_free_slots",
                    {{"calendarId", cal},
                     {"from", from},
                     {"to", to},
                     {"timezone", "America/Chicago"},
                     {"limit", 5}});
  ASSERT_FALSE(slots["result"].value("isError", false)) << slots.dump();
  const json& sc = slots["result"]["structuredContent"];
  ASSERT_EQ(sc["slots"].size(), 5u);
  EXPECT_GT(sc["count"].get<int>(), 100);  // 40 days of working hours, over two GHL calls
  for (const auto& sl : sc["slots"]) EXPECT_GE(sl["date"].get<std::string>(), from);
  json contact = Call(*s, "create_contact", {{"email", "book@example.com"}});
  std::string id = contact["result"]["structuredContent"]["contact"]["id"];
  json booked =
      Call(*s, "book_appointment",
           {{"calendarId", cal}, {"contactId", id}, {"startTime", sc["slots"][0]["start"]}});
  ASSERT_FALSE(booked["result"].value("isError", false)) << booked.dump();
  EXPECT_FALSE(
      booked["result"]["structuredContent"]["appointment"]["id"].get<std::string>().empty());
}

TEST_F(McpServerTest, ReadOnlyRefusesAWriteAndWritesNothing) {
  auto s = Make({.read_only = true});
  Init(*s);
  json r = Call(*s, "create_contact", {{"email", "never@example.com"}});
  EXPECT_EQ(r["result"]["isError"], true);
  EXPECT_THAT(r["result"]["content"][0]["text"].get<std::string>(), HasSubstr("--read-only"));
  json f = Call(*s, "find_contact", {{"email", "never@example.com"}});
  EXPECT_EQ(f["result"]["structuredContent"]["found"], false);
  json post =
      Call(*s, "execute_operation",
           {{"operationId", "contacts.create-contact"}, {"body", {{"email", "x@example.com"}}}});
  EXPECT_EQ(post["result"]["isError"], true);
  json get = Call(*s, "execute_operation",
                  {{"operationId", "locations.get-location"},
                   {"pathParams", {{"locationId", sandbox_->location_id()}}}});
  EXPECT_FALSE(get["result"].value("isError", false)) << get.dump();
}

TEST_F(McpServerTest, GhlErrorsComeBackAsIsErrorWithTheHint) {
  auto narrow = MakeClient(std::string(sandbox::kReadOnlyToken));
  auto s = Make({}, narrow.get());
  Init(*s);
  json r = Call(*s, "create_contact", {{"email", "scope@example.com"}});
  ASSERT_EQ(r["result"]["isError"], true) << r.dump();
  std::string text = r["result"]["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("401"));
  EXPECT_THAT(text, HasSubstr("hint:"));
  EXPECT_THAT(text, HasSubstr("contacts.write"));
  // Bad arguments are tool errors too, naming the argument.
  json bad = Call(*s, "search_contacts", {{"limit", 500}});
  EXPECT_EQ(bad["result"]["isError"], true);
  EXPECT_THAT(bad["result"]["content"][0]["text"].get<std::string>(), HasSubstr("limit"));
  json unknown = Send(*s, {{"jsonrpc", "2.0"},
                           {"id", 3},
                           {"method", "tools/call"},
                           {"params", {{"name", "no_such_tool"}}}});
  EXPECT_EQ(unknown["error"]["code"], -32602);
}

// Credentials that hold their locations (a token store): list_locations answers them without
// a location or a GHL call, and every call's locationId is checked before its tool runs.
TEST_F(McpServerTest, HeldLocationsAreListedAndEachCallsLocationIsChecked) {
  std::vector<std::string> checked;
  ServerOptions o;
  o.audit_path = audit_.string();
  o.list_locations = [this]() -> Result<json> {
    return json::array({{{"id", sandbox_->location_id()}, {"name", "Demo"}, {"state", "ok"}}});
  };
  o.check_location = [&checked](const std::string& location) -> Status {
    checked.push_back(location);
    if (location == "loc-elsewhere") {
      return UsageError("location loc-elsewhere is not in the token store",
                        "install the app on it: `ghl auth login`");
    }
    return Ok{};
  };
  auto s = Server::Create(*client_, o);  // no default location
  ASSERT_TRUE(s.ok()) << s.error().Describe();
  Init(**s);
  json listed = Call(**s, "list_locations", json::object());
  ASSERT_NE(listed["result"].value("isError", false), true) << listed.dump();
  EXPECT_EQ(listed["result"]["structuredContent"]["locations"][0]["id"], sandbox_->location_id());
  EXPECT_TRUE(checked.empty());
  json refused =
      Call(**s, "find_contact", {{"email", "a@b.example"}, {"locationId", "loc-elsewhere"}});
  ASSERT_EQ(refused["result"]["isError"], true) << refused.dump();
  std::string text = refused["result"]["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("loc-elsewhere"));
  EXPECT_THAT(text, HasSubstr("ghl auth login"));
  json allowed = Call(**s, "find_contact",
                      {{"email", "a@b.example"}, {"locationId", sandbox_->location_id()}});
  EXPECT_NE(allowed["result"].value("isError", false), true) << allowed.dump();
  EXPECT_EQ(checked, (std::vector<std::string>{"loc-elsewhere", sandbox_->location_id()}));
}

TEST_F(McpServerTest, AuditsEveryCallWithSecretsMasked) {
  auto s = Make();
  Init(*s);
  Call(*s, "find_contact", {{"email", "audit@example.com"}});
  Call(*s, "find_contact", {{"email", "audit@example.com"}, {"apiToken", "sk-very-secret"}});
  std::ifstream in(audit_);
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["tool"], "find_contact");
  EXPECT_EQ(lines[0]["outcome"], "ok");
  EXPECT_EQ(lines[0]["locationId"], sandbox_->location_id());
  EXPECT_EQ(lines[0]["client"], "test");
  EXPECT_EQ(lines[1]["outcome"], "error");
  EXPECT_EQ(lines[1]["arguments"]["apiToken"], "***");
  std::ifstream raw(audit_);
  std::string all((std::istreambuf_iterator<char>(raw)), {});
  EXPECT_EQ(all.find("sk-very-secret"), std::string::npos);
}

// Break-it finding: the authorization code in an execute_operation body for an oauth.*
// operation reached the audit line (`code` is a secret only on /oauth/ paths, which the
// arguments alone do not show); a `code` elsewhere stays readable.
TEST_F(McpServerTest, AuditMasksTheOAuthCodeOfExecuteOperation) {
  auto s = Make();
  Init(*s);
  Call(*s, "execute_operation",
       {{"operationId", "oauth.get-access-token"},
        {"body", {{"code", "auth-code-0123456789"}, {"grant_type", "authorization_code"}}}});
  Call(*s, "execute_operation",
       {{"operationId", "contacts.create-contact"}, {"body", {{"code", "PROMO-7"}}}});
  std::ifstream in(audit_);
  std::string all((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(all.find("auth-code-0123456789"), std::string::npos) << all;
  EXPECT_NE(all.find("authorization_code"), std::string::npos) << all;
  EXPECT_NE(all.find("PROMO-7"), std::string::npos) << all;
  EXPECT_EQ(MaskSecrets({{"operationId", "oauth.get-access-token"},
                         {"body", {{"code", "auth-code-0123456789"}}}})["body"]["code"],
            "***");
}

// Respond (what ServeStdio uses) hands each answer over once, before the request and the tool's
// result are freed, byte for byte what Handle returns; the call's audit line is already written
// when it does; notifications get no answer.
TEST_F(McpServerTest, RespondHandsOverHandlesAnswerOnceAfterTheAuditLine) {
  auto s = Make();
  Session handled, responded;
  std::vector<std::string> answers;
  size_t audit_lines_at_answer = 0;
  auto respond = [&](const json& msg) {
    s->Respond(responded, msg.dump(), [&](std::string_view a) {
      answers.emplace_back(a);
      std::ifstream in(audit_);
      std::string line;
      audit_lines_at_answer = 0;
      while (std::getline(in, line)) ++audit_lines_at_answer;
    });
  };
  json init = {{"jsonrpc", "2.0"},
               {"id", 1},
               {"method", "initialize"},
               {"params",
                {{"protocolVersion", "2025-11-25"},
                 {"capabilities", json::object()},
                 {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}};
  json find = {{"jsonrpc", "2.0"},
               {"id", "f1"},
               {"method", "tools/call"},
               {"params", {{"name", "find_contact"}, {"arguments", {{"email", "r@example.com"}}}}}};
  for (const json& msg : {init, find}) {
    auto expected = s->Handle(handled, msg.dump());
    ASSERT_TRUE(expected.has_value());
    size_t before = answers.size();
    respond(msg);
    ASSERT_EQ(answers.size(), before + 1) << msg.dump();
    EXPECT_EQ(answers.back(), *expected);
  }
  EXPECT_EQ(audit_lines_at_answer, 2u);  // Handle's find_contact line, then Respond's own
  respond({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  EXPECT_EQ(answers.size(), 2u);
  s->Respond(responded, "{not json", [&](std::string_view a) { answers.emplace_back(a); });
  ASSERT_EQ(answers.size(), 3u);
  EXPECT_EQ(json::parse(answers.back())["error"]["code"], -32700);
}

TEST_F(McpServerTest, AuditLinesMaskNestedSecretsAndCarryGhlsFailure) {
  auto s = Make();
  Init(*s);
  // Secrets at any depth, in objects inside arrays too; other values stay as sent.
  Call(*s, "execute_operation",
       {{"operationId", "contacts.create-contact"},
        {"body",
         {{"firstName", "Ann \"Q\" \u00e9"},
          {"auth", {{"Password", "p4ss-nested"}, {"user", "ann"}}},
          {"list", {{{"clientSecret", "cs-in-array"}}, 7}}}}});
  // A GHL failure (404 for an unknown id) records its status.
  Call(*s, "get_contact", {{"contactId", "noSuchContact0000001"}});
  std::ifstream in(audit_);
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_EQ(lines.size(), 2u);
  const json& body = lines[0]["arguments"]["body"];
  EXPECT_EQ(body["firstName"], "Ann \"Q\" \u00e9");
  EXPECT_EQ(body["auth"]["Password"], "***");
  EXPECT_EQ(body["auth"]["user"], "ann");
  EXPECT_EQ(body["list"][0]["clientSecret"], "***");
  EXPECT_EQ(body["list"][1], 7);
  EXPECT_EQ(lines[0]["client"], "test");
  EXPECT_TRUE(std::regex_match(lines[0]["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
      << lines[0].dump();
  EXPECT_TRUE(lines[0]["ms"].is_number_integer());
  EXPECT_EQ(lines[1]["tool"], "get_contact");
  EXPECT_EQ(lines[1]["outcome"], "error");
  EXPECT_EQ(lines[1]["status"], 404) << lines[1].dump();
  EXPECT_FALSE(lines[1]["error"].get<std::string>().empty());
  std::ifstream raw(audit_);
  std::string all((std::istreambuf_iterator<char>(raw)), {});
  EXPECT_EQ(all.find("p4ss-nested"), std::string::npos);
  EXPECT_EQ(all.find("cs-in-array"), std::string::npos);
}

// Break-it finding: one 5 MB search query made a 5 MB audit line. Long values are clipped on a
// UTF-8 boundary and say how much was left out; field keys (a custom field's `key`) stay.
TEST_F(McpServerTest, AuditLinesClipLongValuesAndKeepFieldKeys) {
  auto s = Make();
  Init(*s);
  std::string huge(1 << 20, 'q');
  huge.replace(511, 2, "\u00e9");  // a two-byte character across the cut
  Call(*s, "search_contacts", {{"query", huge}});
  Call(*s, "execute_operation",
       {{"operationId", "contacts.create-contact"},
        {"body",
         {{"customFields", {{{"key", "contact.plan"}, {"field_value", "gold"}}}},
          {"x-signature", "sig-value"}}}});
  std::ifstream in(audit_);
  std::string line;
  std::vector<std::string> lines;
  while (std::getline(in, line)) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_LT(lines[0].size(), 4096u);
  json first = json::parse(lines[0]);
  std::string query = first["arguments"]["query"];
  EXPECT_THAT(query, ::testing::HasSubstr("…(+"));
  EXPECT_THAT(query, ::testing::EndsWith(" bytes)"));
  json second = json::parse(lines[1]);
  EXPECT_EQ(second["arguments"]["body"]["customFields"][0]["key"], "contact.plan");
  EXPECT_EQ(second["arguments"]["body"]["x-signature"], "***");
}

TEST_F(McpServerTest, PromptsAndLogging) {
  auto s = Make();
  Init(*s);
  json list = Send(*s, {{"jsonrpc", "2.0"}, {"id", 2}, {"method", "prompts/list"}});
  ASSERT_EQ(list["result"]["prompts"].size(), 2u);
  json audit =
      Send(*s, {{"jsonrpc", "2.0"},
                {"id", 3},
                {"method", "prompts/get"},
                {"params", {{"name", "pipeline_audit"}, {"arguments", {{"days", "30"}}}}}});
  EXPECT_THAT(audit["result"]["messages"][0]["content"]["text"].get<std::string>(),
              HasSubstr("more than 30 days"));
  json bad = Send(*s, {{"jsonrpc", "2.0"},
                       {"id", 4},
                       {"method", "prompts/get"},
                       {"params", {{"name", "pipeline_audit"}, {"arguments", {{"days", "-3"}}}}}});
  EXPECT_EQ(bad["error"]["code"], -32602);
  json level = Send(*s, {{"jsonrpc", "2.0"},
                         {"id", 5},
                         {"method", "logging/setLevel"},
                         {"params", {{"level", "loud"}}}});
  EXPECT_EQ(level["error"]["code"], -32602);
  notes_.clear();
  Call(*s, "list_pipelines", json::object());
  EXPECT_TRUE(notes_.empty());  // default level warning: a success is not logged
  Send(*s, {{"jsonrpc", "2.0"},
            {"id", 6},
            {"method", "logging/setLevel"},
            {"params", {{"level", "info"}}}});
  Call(*s, "list_pipelines", json::object());
  ASSERT_EQ(notes_.size(), 1u);
  EXPECT_EQ(notes_[0]["method"], "notifications/message");
  EXPECT_EQ(notes_[0]["params"]["level"], "info");
}

TEST_F(McpServerTest, SearchOperationsRanksByPurposeLikeGhlEndpoints) {
  auto s = Make();
  Init(*s);
  auto first = [&](const std::string& query) {
    json r = Call(*s, "search_operations", {{"query", query}, {"limit", 3}});
    EXPECT_FALSE(r["result"].value("isError", false)) << r.dump();
    const json& ops = r["result"]["structuredContent"]["operations"];
    return ops.empty() ? std::string() : ops[0]["id"].get<std::string>();
  };
  // Words a user says, not words of the path: all-words matching found nothing for these.
  EXPECT_EQ(first("send sms"), "conversations.send-a-new-message");
  EXPECT_EQ(first("book appointment"), "calendars.create-appointment");
  json r = Call(*s, "search_operations", {{"query", "send sms"}, {"limit", 1}});
  const json& op = r["result"]["structuredContent"]["operations"][0];
  EXPECT_EQ(op["readOnly"], false);
  EXPECT_FALSE(op["title"].get<std::string>().empty());
  // An empty query lists a service's operations.
  json all = Call(*s, "search_operations", {{"service", "invoices"}, {"limit", 100}});
  EXPECT_GT(all["result"]["structuredContent"]["total"].get<int>(), 10);
}

TEST_F(McpServerTest, ReadOnlyRunsSearchPostsAndSaysTrulyWhyAWriteIsRefused) {
  auto s = Make({.read_only = true});
  Init(*s);
  // POST /contacts/search reads (its only scope is contacts.readonly): it runs.
  json search = Call(*s, "execute_operation",
                     {{"operationId", "contacts.search-contacts-advanced"},
                      {"body", {{"locationId", sandbox_->location_id()}, {"pageLimit", 2}}}});
  ASSERT_FALSE(search["result"].value("isError", false)) << search.dump();
  EXPECT_EQ(search["result"]["structuredContent"]["result"]["contacts"].size(), 2u);
  json write = Call(
      *s, "execute_operation",
      {{"operationId", "contacts.create-contact"}, {"body", {{"email", "ro-write@example.com"}}}});
  ASSERT_EQ(write["result"]["isError"], true);
  std::string text = write["result"]["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("POST /contacts/ (contacts.create-contact) may change data"));
  EXPECT_THAT(text, HasSubstr("contacts.write"));
  EXPECT_THAT(text, HasSubstr("--read-only"));
}

TEST_F(McpServerTest, ObjectsNamedByIdMustBeInTheCallsLocation) {
  auto s = Make();
  Init(*s);
  json created = Call(*s, "create_contact", {{"email", "owned@example.com"}});
  std::string id = created["result"]["structuredContent"]["contact"]["id"];
  const std::string other = "otherLocation0000001";
  // The contact is in the default location: asked for under another one, it is an error that
  // names both locations, not the contact.
  json got = Call(*s, "get_contact", {{"contactId", id}, {"locationId", other}});
  ASSERT_EQ(got["result"]["isError"], true) << got.dump();
  std::string text = got["result"]["content"][0]["text"];
  EXPECT_THAT(text, HasSubstr("belongs to location " + sandbox_->location_id()));
  EXPECT_THAT(text, HasSubstr("not to " + other));
  EXPECT_FALSE(got["result"].contains("structuredContent"));
  // Writes by id are refused the same way, and write nothing.
  json tagged =
      Call(*s, "add_contact_tags", {{"contactId", id}, {"tags", {"x"}}, {"locationId", other}});
  EXPECT_EQ(tagged["result"]["isError"], true);
  json note =
      Call(*s, "add_contact_note", {{"contactId", id}, {"body", "hi"}, {"locationId", other}});
  EXPECT_EQ(note["result"]["isError"], true);
  json same = Call(*s, "get_contact", {{"contactId", id}});
  ASSERT_FALSE(same["result"].value("isError", false)) << same.dump();
  EXPECT_TRUE(same["result"]["structuredContent"]["contact"]["tags"].empty());
  json notes = Call(*s, "list_contact_notes", {{"contactId", id}});
  EXPECT_TRUE(notes["result"]["structuredContent"]["notes"].empty());
  // The audit line of the refused read names the location asked for, with the error.
  std::ifstream in(audit_);
  std::string line;
  std::vector<json> lines;
  while (std::getline(in, line)) lines.push_back(json::parse(line));
  ASSERT_GE(lines.size(), 2u);
  EXPECT_EQ(lines[1]["tool"], "get_contact");
  EXPECT_EQ(lines[1]["locationId"], other);
  EXPECT_EQ(lines[1]["outcome"], "error");
  EXPECT_THAT(lines[1]["error"].get<std::string>(), HasSubstr("belongs to location"));
  // execute_operation checks objects named in the path the same way.
  json raw = Call(*s, "execute_operation",
                  {{"operationId", "contacts.get-contact"},
                   {"pathParams", {{"contactId", id}}},
                   {"locationId", other}});
  ASSERT_EQ(raw["result"]["isError"], true) << raw.dump();
  EXPECT_THAT(raw["result"]["content"][0]["text"].get<std::string>(),
              HasSubstr("belongs to location " + sandbox_->location_id()));
  json raw_ok =
      Call(*s, "execute_operation",
           {{"operationId", "contacts.get-contact"}, {"pathParams", {{"contactId", id}}}});
  EXPECT_FALSE(raw_ok["result"].value("isError", false)) << raw_ok.dump();
  // Opportunities too.
  json opps = Call(*s, "search_opportunities", {{"limit", 1}});
  std::string opp = opps["result"]["structuredContent"]["opportunities"][0]["id"];
  EXPECT_EQ(Call(*s, "get_opportunity",
                 {{"opportunityId", opp}, {"locationId", other}})["result"]["isError"],
            true);
  EXPECT_FALSE(
      Call(*s, "get_opportunity", {{"opportunityId", opp}})["result"].value("isError", false));
}

}  // namespace
}  // namespace ghl::mcp
