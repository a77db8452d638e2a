// The voice-agent endpoints of `ghl serve --sandbox` over loopback HTTP: requests built from
// Vapi's and Retell's documented shapes, signed, unsigned and badly signed; a stale Retell
// timestamp; a retried Retell booking; fail closed without secrets.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "ghl/agents/signatures.h"
#include "ghl/client/client.h"
#include "ghl/http/transport.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/server/http_server.h"
#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kVapiSecret[] = "vapi-test-secret";
constexpr char kRetellKey[] = "key_retell_test";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class AgentsServeTest : public ::testing::Test {
 protected:
  void Start(bool with_secrets = true) {
    std::vector<std::string> args = {"--sandbox", "--events-db", dir_.File("events.db")};
    if (with_secrets) {
      std::ofstream(dir_.File("vapi")) << kVapiSecret << "\n";
      std::ofstream(dir_.File("retell")) << kRetellKey << "\n";
      args.insert(args.end(), {"--vapi-secret-file", dir_.File("vapi"), "--retell-key-file",
                               dir_.File("retell")});
    }
    serve_ = std::make_unique<ServeProcess>(args);
    // "Sandbox:    GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=…"
    std::string out = serve_->Stdout();
    auto value = [&](const std::string& key) {
      size_t at = out.find(key + "=");
      EXPECT_NE(at, std::string::npos) << out;
      if (at == std::string::npos) return std::string();
      at += key.size() + 1;
      return out.substr(at, out.find_first_of(" \n", at) - at);
    };
    client::ClientOptions co;
    co.base_url = value("GHL_BASE_URL");
    co.token = value("GHL_TOKEN");
    co.default_location_id = value("GHL_LOCATION_ID");
    client_ = std::make_unique<client::Client>(co);
  }

  http::Response Post(const std::string& path, const std::string& body,
                      std::vector<std::pair<std::string, std::string>> headers) {
    http::Request r;
    r.method = "POST";
    r.target = serve_->base_url() + path;
    r.headers.Set("Host", "agents.example.com");  // Vapi and Retell name the public host
    r.headers.Set("Content-Type", "application/json");
    for (const auto& [n, v] : headers) r.headers.Set(n, v);
    r.body = body;
    auto answer = transport_->Send(r, {.timeout = std::chrono::milliseconds(30000)});
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().Describe());
    return answer.ok() ? *answer : http::Response{};
  }

  http::Response Vapi(const std::string& body) {
    return Post("/agents/vapi", body, {{"Authorization", std::string("Bearer ") + kVapiSecret}});
  }

  http::Response Retell(const std::string& function, const std::string& body,
                        int64_t signed_at = 0) {
    return Post("/agents/retell/" + function, body,
                {{"X-Retell-Signature",
                  agents::SignRetell(body, kRetellKey, signed_at ? signed_at : NowMs())}});
  }

  // The one result of a Vapi answer: checks the shape every Vapi answer must have.
  json OnlyResult(const http::Response& answer, const std::string& id) {
    EXPECT_EQ(answer.status, 200) << answer.body;
    json j = json::parse(answer.body, nullptr, false);
    EXPECT_TRUE(j.is_object() && j["results"].is_array() && j["results"].size() == 1)
        << answer.body;
    if (!j.is_object() || !j["results"].is_array() || j["results"].empty()) return json();
    const json& item = j["results"][0];
    EXPECT_EQ(item["toolCallId"], id);
    const json& text = item.contains("result") ? item["result"] : item["error"];
    EXPECT_TRUE(text.is_string()) << answer.body;
    if (text.is_string()) {
      EXPECT_EQ(text.get<std::string>().find('\n'), std::string::npos);
    }
    return item;
  }

  ops::Context ctx() const { return {*client_, "", nullptr}; }

  bool HasContact(const std::string& phone) {
    auto found = ops::FindContactByPhone(ctx(), phone);
    EXPECT_TRUE(found.ok());
    return found.ok() && found->has_value();
  }

  TempDir dir_;
  std::unique_ptr<ServeProcess> serve_;
  std::unique_ptr<client::Client> client_;
  std::shared_ptr<http::Transport> transport_ = http::MakeCurlTransport();
};

// The body of a Vapi tool-calls message carrying `items` in list `list`.
std::string VapiBody(const std::string& list, const json& items) {
  json message = {{"type", "tool-calls"},
                  {"timestamp", NowMs()},
                  {"call", {{"id", "call-vapi-1"}, {"customer", {{"number", "+15125551007"}}}}},
                  {list, items}};
  return json{{"message", message}}.dump();
}

TEST_F(AgentsServeTest, VapiEachDocumentedItemShapeIsAnsweredWithOneLineResults) {
  Start();
  // {id, name, arguments:{…}} in toolCallList (docs "Custom Tools").
  auto a =
      OnlyResult(Vapi(VapiBody("toolCallList", {{{"id", "tc-a"},
                                                 {"name", "lookup_caller"},
                                                 {"arguments", {{"phone", "512-555-1007"}}}}})),
                 "tc-a");
  EXPECT_THAT(a.value("result", ""), HasSubstr("+15125551007"));
  // {id, name, parameters:{…}} in toolCalls (docs "Server events"), no phone: the caller's.
  auto b = OnlyResult(
      Vapi(VapiBody("toolCalls",
                    {{{"id", "tc-b"}, {"name", "lookup_caller"}, {"parameters", json::object()}}})),
      "tc-b");
  EXPECT_THAT(b.value("result", ""), StartsWith("Found "));
  // OpenAPI ToolCall {id, type, function:{name, arguments:"<JSON string>"}}.
  auto c = OnlyResult(
      Vapi(VapiBody(
          "toolCallList",
          {{{"id", "tc-c"},
            {"type", "function"},
            {"function", {{"name", "check_availability"}, {"arguments", R"({"days":5})"}}}}})),
      "tc-c");
  EXPECT_THAT(c.value("result", ""), HasSubstr("Free in the next 5 days: "));
  // toolWithToolCallList alone: the tool beside its toolCall.
  auto d = OnlyResult(
      Vapi(VapiBody(
          "toolWithToolCallList",
          {{{"type", "function"},
            {"function", {{"name", "lookup_caller"}}},
            {"toolCall",
             {{"id", "tc-d"},
              {"type", "function"},
              {"function",
               {{"name", "lookup_caller"}, {"parameters", {{"phone", "+15125559876"}}}}}}}}})),
      "tc-d");
  EXPECT_THAT(d.value("result", ""), HasSubstr("new caller"));
  // A failing call: 200 with an `error` string, still one line.
  auto e = OnlyResult(
      Vapi(VapiBody(
          "toolCallList",
          {{{"id", "tc-e"}, {"name", "no_such_function"}, {"arguments", json::object()}}})),
      "tc-e");
  EXPECT_THAT(e.value("error", ""), HasSubstr("Unknown function"));
  // Several calls: results in call order.
  auto many = Vapi(
      VapiBody("toolCallList",
               {{{"id", "x1"}, {"name", "lookup_caller"}, {"arguments", json::object()}},
                {{"id", "x2"}, {"name", "check_availability"}, {"arguments", json::object()}}}));
  json j = json::parse(many.body);
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["toolCallId"], "x1");
  EXPECT_EQ(j["results"][1]["toolCallId"], "x2");
}

TEST_F(AgentsServeTest, VapiOtherSchemesAreAcceptedAndUnverifiedRequestsRunNothing) {
  Start();
  std::string new_phone = "+15125550777";
  std::string body = VapiBody("toolCallList", {{{"id", "bk"},
                                                {"name", "book_appointment"},
                                                {"arguments",
                                                 {{"phone", new_phone},
                                                  {"name", "Nina Forged"},
                                                  {"date", "2030-01-07"},
                                                  {"time", "10 AM"}}}}});
  for (const auto& headers : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {},
           {{"Authorization", "Bearer wrong"}},
           {{"X-Vapi-Secret", "wrong"}},
           {{"x-timestamp", std::to_string(NowMs() / 1000)}, {"x-signature", "00ff"}},
           {{"x-timestamp", std::to_string(NowMs() / 1000 - 600)},
            {"x-signature",
             agents::SignVapiHmac(body, kVapiSecret, std::to_string(NowMs() / 1000 - 600))}}}) {
    auto r = Post("/agents/vapi", body, headers);
    EXPECT_EQ(r.status, 401) << r.body;
  }
  EXPECT_FALSE(HasContact(new_phone));  // nothing ran
  // X-Vapi-Secret and the HMAC scheme verify.
  auto lookup = VapiBody("toolCallList",
                         {{{"id", "l"}, {"name", "lookup_caller"}, {"arguments", json::object()}}});
  EXPECT_EQ(Post("/agents/vapi", lookup, {{"X-Vapi-Secret", kVapiSecret}}).status, 200);
  std::string ts = std::to_string(NowMs() / 1000);
  auto hmac =
      Post("/agents/vapi", lookup,
           {{"x-timestamp", ts}, {"x-signature", agents::SignVapiHmac(lookup, kVapiSecret, ts)}});
  OnlyResult(hmac, "l");
  // A browser is refused whatever it carries.
  EXPECT_EQ(Post("/agents/vapi", lookup,
                 {{"X-Vapi-Secret", kVapiSecret}, {"Origin", "https://evil.example"}})
                .status,
            403);
}

TEST_F(AgentsServeTest, RetellWrappedAndArgsAtRootFormsAreVerifiedAndAnswered) {
  Start();
  std::string wrapped = json{
      {"name", "lookup_caller"},
      {"call",
       {{"call_id", "rc-1"},
        {"direction", "inbound"},
        {"from_number", "+15125551007"},
        {"to_number", "+15125550100"}}},
      {"args",
       json::object()}}.dump();
  auto r = Retell("lookup_caller", wrapped);
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_THAT(json::parse(r.body)["result"].get<std::string>(), StartsWith("Found "));
  auto root = Retell("check_availability", R"({"days":3})");
  EXPECT_EQ(root.status, 200) << root.body;
  EXPECT_THAT(json::parse(root.body)["result"].get<std::string>(), HasSubstr("in the next 3 days"));
}

TEST_F(AgentsServeTest, RetellUnsignedForgedOrStaleRequestsAre401AndRunNothing) {
  Start();
  std::string new_phone = "+15125550888";
  std::string body =
      json{{"name", "book_appointment"},
           {"call", {{"call_id", "rc-forged"}, {"from_number", new_phone}}},
           {"args", {{"name", "Otto Forged"}, {"date", "2030-01-07"}, {"time", "11 AM"}}}}
          .dump();
  EXPECT_EQ(Post("/agents/retell/book_appointment", body, {}).status, 401);
  EXPECT_EQ(Post("/agents/retell/book_appointment", body,
                 {{"X-Retell-Signature", agents::SignRetell(body, "another key", NowMs())}})
                .status,
            401);
  EXPECT_EQ(Post("/agents/retell/book_appointment", body + " ",
                 {{"X-Retell-Signature", agents::SignRetell(body, kRetellKey, NowMs())}})
                .status,
            401);
  auto stale = Retell("book_appointment", body, NowMs() - 6 * 60 * 1000);
  EXPECT_EQ(stale.status, 401);
  EXPECT_THAT(stale.body, HasSubstr("stale"));
  EXPECT_FALSE(HasContact(new_phone));
}

TEST_F(AgentsServeTest, RetriedRetellBookingBooksOneAppointment) {
  Start();
  // A free slot from the agent itself.
  auto avail = Retell("check_availability", R"({"days":10})");
  std::string text = json::parse(avail.body)["result"];
  auto pos = text.find("startTime: ");
  ASSERT_NE(pos, std::string::npos) << text;
  std::string start = text.substr(pos + 11, 25);
  std::string body =
      json{
          {"name", "book_appointment"},
          {"call",
           {{"call_id", "rc-retry"}, {"direction", "inbound"}, {"from_number", "+1 512 555 0999"}}},
          {"args", {{"startTime", start}, {"name", "Rita Retry"}}}}
          .dump();
  // Retell retries a request it thinks failed; copies may overlap with the first.
  std::vector<std::string> answers(3);
  std::vector<std::thread> senders;
  for (int i = 0; i < 2; ++i) {
    senders.emplace_back([&, i] { answers[i] = Retell("book_appointment", body).body; });
  }
  for (auto& t : senders) t.join();
  answers[2] = Retell("book_appointment", body).body;
  for (const auto& a : answers) EXPECT_THAT(a, HasSubstr("ooked ")) << a;
  EXPECT_EQ(answers[0], answers[2]);
  auto contact = ops::FindContactByPhone(ctx(), "+15125550999");
  ASSERT_TRUE(contact.ok() && contact->has_value());
  auto appointments = ops::ListContactAppointments(ctx(), (**contact)["id"]);
  ASSERT_TRUE(appointments.ok());
  EXPECT_EQ(appointments->size(), 1u) << appointments->dump();
  // A later retry with other wording of the same slot (another call id): still one.
  std::string again = json{{"name", "book_appointment"},
                           {"call", {{"call_id", "rc-other"}, {"from_number", "+15125550999"}}},
                           {"args", {{"startTime", start}}}}
                          .dump();
  EXPECT_THAT(json::parse(Retell("book_appointment", again).body)["result"].get<std::string>(),
              StartsWith("Already booked: "));
  appointments = ops::ListContactAppointments(ctx(), (**contact)["id"]);
  ASSERT_TRUE(appointments.ok());
  EXPECT_EQ(appointments->size(), 1u);
}

TEST_F(AgentsServeTest, WithoutSecretsBothEndpointsRefuseAndSayHowToTurnThemOn) {
  Start(/*with_secrets=*/false);
  EXPECT_THAT(serve_->Stdout(), HasSubstr("--vapi-secret-file FILE"));
  EXPECT_THAT(serve_->Stdout(), HasSubstr("--retell-key-file FILE"));
  std::string new_phone = "+15125550666";
  std::string body = VapiBody(
      "toolCallList",
      {{{"id", "z"},
        {"name", "book_appointment"},
        {"arguments",
         {{"phone", new_phone}, {"name", "Zed"}, {"date", "2030-01-07"}, {"time", "9 AM"}}}}});
  EXPECT_EQ(Post("/agents/vapi", body, {{"Authorization", "Bearer "}}).status, 503);
  std::string retell = R"({"phone":"+15125550666","name":"Zed","date":"2030-01-07","time":"9 AM"})";
  auto r = Post("/agents/retell/book_appointment", retell,
                {{"X-Retell-Signature", agents::SignRetell(retell, "", NowMs())}});
  EXPECT_EQ(r.status, 503);
  EXPECT_THAT(r.body, HasSubstr("--retell-key-file"));
  EXPECT_FALSE(HasContact(new_phone));
}

// Break-it finding: secret files any user of the machine could read (0644, what `echo s >
// file` makes) were taken without a word; the token store refuses such a key file.
TEST_F(AgentsServeTest, SecretFilesOthersCanReadAreWarnedAbout) {
  std::ofstream(dir_.File("vapi")) << kVapiSecret << "\n";
  std::ofstream(dir_.File("retell")) << kRetellKey << "\n";
  std::ofstream(dir_.File("mcp")) << "0123456789abcdef0123456789abcdef\n";
  namespace fs = std::filesystem;
  for (const char* f : {"vapi", "retell", "mcp"}) {
    fs::permissions(dir_.File(f), fs::perms::owner_read | fs::perms::owner_write |
                                      fs::perms::group_read | fs::perms::others_read);
  }
  std::vector<std::string> args = {"--sandbox",          "--events-db",     dir_.File("events.db"),
                                   "--vapi-secret-file", dir_.File("vapi"), "--retell-key-file",
                                   dir_.File("retell"),  "--mcp",           "--mcp-key-file",
                                   dir_.File("mcp"),     "--mcp-audit-log", "none"};
  std::string err = ServeProcess(args).Stderr();
  for (const char* flag : {"--vapi-secret-file", "--retell-key-file", "--mcp-key-file"}) {
    EXPECT_THAT(err, HasSubstr(std::string("warning: ") + flag)) << err;
  }
  EXPECT_THAT(err, HasSubstr("chmod 600"));
  EXPECT_THAT(err, ::testing::Not(HasSubstr(kVapiSecret)));
  for (const char* f : {"vapi", "retell", "mcp"}) {
    fs::permissions(dir_.File(f), fs::perms::owner_read | fs::perms::owner_write);
  }
  EXPECT_THAT(ServeProcess(args).Stderr(), ::testing::Not(HasSubstr("warning: ")));
}

// A verified caller can still send anything: a body nested 100,000 deep is refused with 400
// before any DOM exists (nlohmann's recursive copies would overflow the stack), and the server
// goes on answering.
TEST_F(AgentsServeTest, ABodyNestedTooDeepIs400AndTheServerLives) {
  Start(/*with_secrets=*/true);
  std::string deep = R"({"message":{"type":"tool-calls","toolCallList":)" +
                     std::string(100000, '[') + std::string(100000, ']') + "}}";
  EXPECT_EQ(Vapi(deep).status, 400);
  std::string body = VapiBody(
      "toolCallList",
      {{{"id", "ok"}, {"name", "lookup_caller"}, {"arguments", {{"phone", "+15125550199"}}}}});
  EXPECT_EQ(Vapi(body).status, 200);
}

// Break-it finding: `ghl serve` answers agent requests on 8 threads, and each request's
// deadline started when a thread took it: behind a slow CRM the 9th–16th callers waited two
// deadlines, the 17th–24th three (past Vapi's 20 s at the default 12 s), and each still called
// GHL after its caller had given up. Now the deadline runs from arrival.
TEST(AgentsQueueTest, RequestsQueuedBehindASlowCrmAreAnsweredByTheirOwnDeadline) {
  std::atomic<int> crm_calls{0};
  server::HttpServer slow({.port = 0, .threads = 4}, [&](const http::Request&) {
    ++crm_calls;
    std::this_thread::sleep_for(std::chrono::milliseconds(3000));
    return server::JsonResponse(200, R"({"contact":null})");
  });
  uint16_t port = slow.Start();
  TempDir dir;
  std::ofstream(dir.File("vapi")) << kVapiSecret << "\n";
  ServeProcess serve(
      {"--upstream", "http://127.0.0.1:" + std::to_string(port), "--vapi-secret-file",
       dir.File("vapi"), "--agent-deadline-ms", "1500", "--events-db", dir.File("events.db")},
      "", {{"GHL_TOKEN", "t"}, {"GHL_LOCATION_ID", "loc"}});
  constexpr int kCallers = 24;  // three times the endpoint's 8 threads
  std::vector<std::thread> callers;
  std::vector<std::chrono::milliseconds> waited(kCallers);
  std::vector<std::string> answers(kCallers);
  for (int i = 0; i < kCallers; ++i) {
    callers.emplace_back([&, i] {
      http::Request r;
      r.method = "POST";
      r.target = serve.base_url() + "/agents/vapi";
      r.headers.Set("Content-Type", "application/json");
      r.headers.Set("Authorization", std::string("Bearer ") + kVapiSecret);
      r.body = VapiBody("toolCallList", {{{"id", "q" + std::to_string(i)},
                                          {"name", "lookup_caller"},
                                          {"arguments", {{"phone", "+15125550199"}}}}});
      auto t0 = std::chrono::steady_clock::now();
      auto answer = http::MakeCurlTransport()->Send(r, {.timeout = std::chrono::seconds(30)});
      waited[i] = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - t0);
      answers[i] = answer.ok() ? answer->body : answer.error().Summary();
    });
  }
  for (auto& t : callers) t.join();
  for (int i = 0; i < kCallers; ++i) {
    EXPECT_THAT(answers[i], HasSubstr("did not answer within")) << i;
    // One deadline and change (a loaded machine); queued in waves it was two or three.
    EXPECT_LT(waited[i].count(), 2900) << "caller " << i << ": " << answers[i];
  }
  // Only the first wave reached the CRM: the others' time was up when a thread took them.
  EXPECT_LE(crm_calls.load(), 8 * 2);  // each lookup may be retried once within its deadline
  serve.Terminate(std::chrono::seconds(5));
  slow.Stop();
}

}  // namespace
}  // namespace ghl::testing
