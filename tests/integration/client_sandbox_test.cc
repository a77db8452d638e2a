// libghl against a real `ghl sandbox` process over loopback: the cookbook's recipes through the
// library, the Version header contract (a --strict sandbox accepts only the spec's value), the
// error paths with their hints, and pagination over hundreds of records.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "ghl/client/client.h"
#include "ghl/http/transport.h"
#include "process.h"

namespace ghl::testing {
namespace {

using client::ApiRequest;
using client::Client;
using client::ClientOptions;
using nlohmann::json;

ClientOptions OptionsFor(const SandboxProcess& sandbox, std::string token = {}) {
  ClientOptions o;
  o.base_url = sandbox.base_url();
  o.token = token.empty() ? sandbox.token() : token;
  o.default_location_id = sandbox.location_id();
  o.warning_sink = [](std::string_view w) { ADD_FAILURE() << "unexpected warning: " << w; };
  return o;
}

json MustCall(const Client& c, ApiRequest request) {
  auto r = c.Call(request);
  EXPECT_TRUE(r.ok()) << request.method << " " << request.path << ": "
                      << (r.ok() ? "" : r.error().Describe());
  return r.ok() ? *r : json();
}

class ClientSandboxTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox_ = new SandboxProcess({"--seed", "demo", "--strict"}); }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  static SandboxProcess* sandbox_;
};
SandboxProcess* ClientSandboxTest::sandbox_ = nullptr;

TEST_F(ClientSandboxTest, CookbookChainThroughTheLibrary) {
  Client c(OptionsFor(*sandbox_));
  // 1.1 search
  json page = MustCall(c, {.method = "POST",
                           .path = "/contacts/search",
                           .body = R"({"page":1,"pageLimit":20,"filters":[]})"});
  ASSERT_EQ(page["contacts"].size(), 20u);
  // 1.2 create, 1.3 upsert dedup, 1.4 duplicate check
  json created = MustCall(c, {.method = "POST",
                              .path = "/contacts/",
                              .body = R"({"firstName":"Lib","email":"lib.chain@example.com",
                                          "phone":"+15550003434","tags":["api-created"]})"});
  std::string contact_id = created["contact"]["id"];
  json upserted =
      MustCall(c, {.method = "POST",
                   .path = "/contacts/upsert",
                   .body = R"({"email":"lib.chain@example.com","tags":["returning-lead"]})"});
  EXPECT_EQ(upserted["new"], false);
  EXPECT_EQ(upserted["contact"]["id"], contact_id);
  json dup = MustCall(c, {.method = "GET",
                          .path = "/contacts/search/duplicate",
                          .query = {{"phone", "+15550003434"}}});
  EXPECT_EQ(dup["contact"]["id"], contact_id);
  // 2.1 dedup tag
  json tags = MustCall(c, {.method = "POST",
                           .path = "/contacts/{contactId}/tags",
                           .path_params = {{"contactId", contact_id}},
                           .body = R"({"tags":["returning-lead"]})"});
  EXPECT_NE(tags.dump().find("returning-lead"), std::string::npos);
  // 2.2 pipelines -> opportunity
  json pipelines = MustCall(c, {.method = "GET", .path = "/opportunities/pipelines"});
  const json& p = pipelines["pipelines"][0];
  json opp = MustCall(c, {.method = "POST",
                          .path = "/opportunities/",
                          .body = json{
                              {"pipelineId", p["id"]},
                              {"name", "Lib - New Deal"},
                              {"status", "open"},
                              {"contactId", contact_id},
                              {"pipelineStageId", p["stages"][0]["id"]},
                              {"monetaryValue",
                               500}}.dump()});
  std::string opp_id = opp["opportunity"]["id"];
  // 2.3 free slots -> appointment -> SMS (conversations: Version 2021-04-15)
  std::string calendar_id =
      MustCall(c, {.method = "GET", .path = "/calendars/"})["calendars"][0]["id"];
  long long day = 86400000LL;
  long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  long long start = (now_ms / day + 1) * day;
  json slots = MustCall(c, {.method = "GET",
                            .path = "/calendars/{calendarId}/free-slots",
                            .query = {{"startDate", std::to_string(start)},
                                      {"endDate", std::to_string(start + 7 * day)},
                                      {"timezone", "UTC"}},
                            .path_params = {{"calendarId", calendar_id}}});
  EXPECT_TRUE(slots.contains("traceId"));
  std::string slot;
  for (auto& [k, v] : slots.items()) {
    if (v.is_object() && !v["slots"].empty()) {
      slot = v["slots"][0];
      break;
    }
  }
  ASSERT_FALSE(slot.empty());
  json appt = MustCall(
      c, {.method = "POST",
          .path = "/calendars/events/appointments",
          .body = json{{"calendarId", calendar_id}, {"contactId", contact_id}, {"startTime", slot}}
                      .dump()});
  EXPECT_FALSE(appt["id"].get<std::string>().empty());
  json sms = MustCall(
      c, {.method = "POST",
          .path = "/conversations/messages",
          .body = json{{"type", "SMS"}, {"contactId", contact_id}, {"message", "Booked!"}}.dump()});
  EXPECT_FALSE(sms["messageId"].get<std::string>().empty());
  // 2.4 find opportunity -> move stage -> note
  json found = MustCall(c, {.method = "GET",
                            .path = "/opportunities/search",
                            .query = {{"contact_id", contact_id}, {"status", "open"}}});
  ASSERT_EQ(found["opportunities"].size(), 1u);
  EXPECT_EQ(found["opportunities"][0]["id"], opp_id);
  json moved = MustCall(c, {.method = "PUT",
                            .path = "/opportunities/" + opp_id,
                            .body = json{{"pipelineStageId", p["stages"][1]["id"]}}.dump()});
  EXPECT_EQ(moved["opportunity"]["pipelineStageId"], p["stages"][1]["id"]);
  json note = MustCall(c, {.method = "POST",
                           .path = "/contacts/" + contact_id + "/notes",
                           .body = R"({"body":"Moved to stage 2"})"});
  EXPECT_TRUE(note.contains("note"));
}

TEST_F(ClientSandboxTest, SandboxRejectsMissingOrUnknownVersionWhileClientSendsTheSpecValue) {
  auto transport = http::MakeCurlTransport();
  http::Request raw{.method = "GET",
                    .target = sandbox_->base_url() +
                              "/opportunities/pipelines?locationId=" + sandbox_->location_id(),
                    .headers = {},
                    .body = {},
                    .remote = {}};
  raw.headers.Set("Authorization", "Bearer " + sandbox_->token());
  auto r = transport->Send(raw, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("version header was not found."), std::string::npos) << r->body;
  raw.headers.Set("Version", "2020-01-01");
  r = transport->Send(raw, {});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_NE(r->body.find("version header is invalid"), std::string::npos) << r->body;

  Client c(OptionsFor(*sandbox_));
  auto ok = c.Send({.method = "GET", .path = "/opportunities/pipelines"});
  ASSERT_TRUE(ok.ok()) << ok.error().Describe();
  EXPECT_EQ(ok->version, "2021-07-28");
  auto sms = c.Prepare({.method = "POST", .path = "/conversations/messages", .body = "{}"});
  ASSERT_TRUE(sms.ok());
  EXPECT_EQ(sms->version, "2021-04-15");
}

TEST_F(ClientSandboxTest, VersionErrorHintIsAboutTheHeaderNotTheToken) {
  ClientOptions o = OptionsFor(*sandbox_);
  o.warning_sink = [](std::string_view) {};
  Client c(o);
  // The --strict sandbox refuses a known-but-wrong version for this endpoint.
  auto r = c.Send({.method = "POST",
                   .path = "/conversations/messages",
                   .body = R"({"type":"SMS","contactId":"x","message":"hi"})",
                   .version = "2021-07-28"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_NE(r.error().hint.find("2021-04-15"), std::string::npos) << r.error().Describe();
  EXPECT_EQ(r.error().hint.find("refresh"), std::string::npos) << r.error().Describe();
}

TEST_F(ClientSandboxTest, ValidationErrorCarriesEveryMessage) {
  Client c(OptionsFor(*sandbox_));
  auto r = c.Send({.method = "POST", .path = "/contacts/", .body = R"({"bogus":1,"firstName":2})"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 422);
  EXPECT_GE(r.error().messages.size(), 2u) << r.error().Describe();
  EXPECT_FALSE(r.error().hint.empty());
  EXPECT_EQ(r.error().endpoint_id, "contacts.create-contact");
}

TEST_F(ClientSandboxTest, UnknownIdIs404WithHint) {
  Client c(OptionsFor(*sandbox_));
  auto r = c.Send({.method = "GET", .path = "/opportunities/noSuchOpportunity"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 404);
  EXPECT_FALSE(r.error().hint.empty());
}

TEST_F(ClientSandboxTest, MissingScopeHintNamesTheRequiredScope) {
  Client c(OptionsFor(*sandbox_, "pit-sandbox-contacts-readonly"));
  auto r = c.Send({.method = "POST", .path = "/contacts/", .body = R"({"firstName":"No"})"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 401);
  ASSERT_FALSE(r.error().messages.empty());
  EXPECT_EQ(r.error().messages[0], "The token is not authorized for this scope.");
  EXPECT_NE(r.error().hint.find("contacts.write"), std::string::npos) << r.error().Describe();
}

TEST_F(ClientSandboxTest, AgencyTokenOnLocationEndpointExplainsTheTokenKind) {
  Client c(OptionsFor(*sandbox_, "sandbox-agency-token"));
  auto r = c.Send({.method = "POST", .path = "/contacts/search", .body = R"({"pageLimit":1})"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 401);
  EXPECT_EQ(r.error().messages.at(0), "Token's user type mismatch!");
  EXPECT_NE(r.error().hint.find("location"), std::string::npos) << r.error().Describe();
}

TEST_F(ClientSandboxTest, OtherLocationIs403) {
  Client c(OptionsFor(*sandbox_));
  auto r = c.Send(
      {.method = "GET", .path = "/opportunities/pipelines", .location_id = "someoneElsesLocation"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 403);
  EXPECT_FALSE(r.error().hint.empty());
}

TEST(ClientRateLimitTest, Sandbox429IsExplainedWhenPacingIsOff) {
  SandboxProcess sandbox({"--seed", "demo", "--rate-limit", "3/10s"});
  ClientOptions o = OptionsFor(sandbox);
  o.limits.enabled = false;
  o.retry.max_attempts = 1;
  Client c(o);
  Result<client::ApiResponse> last = c.Send({.method = "GET", .path = "/opportunities/pipelines"});
  for (int i = 0; i < 4 && last.ok(); ++i) {
    last = c.Send({.method = "GET", .path = "/opportunities/pipelines"});
  }
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.error().http_status, 429);
  EXPECT_FALSE(last.error().hint.empty());
}

TEST(ClientRateLimitTest, PacingKeepsAWellBehavedProgramFreeOf429) {
  SandboxProcess sandbox({"--seed", "demo", "--rate-limit", "5/1s"});
  ClientOptions o = OptionsFor(sandbox);
  o.retry.max_attempts = 1;  // a 429 would surface as an error instead of being retried
  Client c(o);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 12; ++i) {
    auto r = c.Send({.method = "GET", .path = "/opportunities/pipelines"});
    ASSERT_TRUE(r.ok()) << "call " << i << ": " << r.error().Describe();
  }
  // 12 calls at 5 per second need at least two full windows.
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

class PaginationTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    sandbox_ = new SandboxProcess({"--seed", "demo", "--rate-limit", "100000/10s"});
    Client c(OptionsFor(*sandbox_));
    // The demo seed has ~50 contacts; add 200 for 250+.
    for (int i = 0; i < 200; ++i) {
      auto r = c.Send({.method = "POST",
                       .path = "/contacts/",
                       .body = json{{"firstName", "Page"},
                                    {"lastName", std::to_string(i)},
                                    {"email", "page" + std::to_string(i) + "@example.com"}}
                                   .dump()});
      ASSERT_TRUE(r.ok()) << r.error().Describe();
    }
    auto pipelines = c.Call({.method = "GET", .path = "/opportunities/pipelines"});
    ASSERT_TRUE(pipelines.ok());
    const json& p = (*pipelines)["pipelines"][0];
    for (int i = 0; i < 35; ++i) {
      auto contact =
          c.Call({.method = "POST",
                  .path = "/contacts/",
                  .body = json{{"email", "opp" + std::to_string(i) + "@example.com"}}.dump()});
      ASSERT_TRUE(contact.ok());
      auto r = c.Send({.method = "POST",
                       .path = "/opportunities/",
                       .body = json{{"pipelineId", p["id"]},
                                    {"name", "Deal " + std::to_string(i)},
                                    {"status", "open"},
                                    {"contactId", (*contact)["contact"]["id"]},
                                    {"pipelineStageId", p["stages"][0]["id"]}}
                                   .dump()});
      ASSERT_TRUE(r.ok()) << r.error().Describe();
    }
  }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  static SandboxProcess* sandbox_;
};
SandboxProcess* PaginationTest::sandbox_ = nullptr;

int TotalContacts(const Client& c) {
  auto r = c.Call({.method = "POST", .path = "/contacts/search", .body = R"({"pageLimit":1})"});
  return r.ok() ? (*r)["total"].get<int>() : -1;
}

TEST_F(PaginationTest, ContactsSearchPageStyleVisitsEveryContactOnce) {
  Client c(OptionsFor(*sandbox_));
  int total = TotalContacts(c);
  ASSERT_GE(total, 250);
  auto pages = c.Paginate(
      {.method = "POST", .path = "/contacts/search", .body = R"({"page":1,"pageLimit":100})"});
  auto items = pages.CollectItems();
  ASSERT_TRUE(items.ok()) << items.error().Describe();
  std::set<std::string> ids;
  for (const auto& it : *items) ids.insert(it["id"].get<std::string>());
  EXPECT_EQ(static_cast<int>(items->size()), total);
  EXPECT_EQ(static_cast<int>(ids.size()), total);
  EXPECT_EQ(pages.pages_fetched(), (total + 99) / 100);
}

TEST_F(PaginationTest, ContactsSearchAfterStyleVisitsEveryContactOnce) {
  Client c(OptionsFor(*sandbox_));
  int total = TotalContacts(c);
  auto pages = c.Paginate({.method = "POST",
                           .path = "/contacts/search",
                           .body = R"({"pageLimit":100,"searchAfter":[]})"});
  auto items = pages.CollectItems();
  ASSERT_TRUE(items.ok()) << items.error().Describe();
  std::set<std::string> ids;
  for (const auto& it : *items) ids.insert(it["id"].get<std::string>());
  EXPECT_EQ(static_cast<int>(ids.size()), total);
}

TEST_F(PaginationTest, OpportunitySearchKeepsLocationIdOnEveryPage) {
  Client c(OptionsFor(*sandbox_));
  auto first =
      c.Call({.method = "GET", .path = "/opportunities/search", .query = {{"limit", "10"}}});
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  int total = (*first)["meta"]["total"];
  ASSERT_GE(total, 35);
  auto pages =
      c.Paginate({.method = "GET", .path = "/opportunities/search", .query = {{"limit", "10"}}});
  auto items = pages.CollectItems();
  ASSERT_TRUE(items.ok()) << items.error().Describe();
  std::set<std::string> ids;
  for (const auto& it : *items) ids.insert(it["id"].get<std::string>());
  EXPECT_EQ(static_cast<int>(ids.size()), total);
  EXPECT_GE(pages.pages_fetched(), 4);
}

TEST_F(PaginationTest, CliPaginatePrintsOneArrayOfAllItems) {
  Client c(OptionsFor(*sandbox_));
  int total = TotalContacts(c);
  auto r = RunGhl({"api", "--paginate", "POST", "/contacts/search", "-F", "pageLimit=100"},
                  {{"GHL_BASE_URL", sandbox_->base_url()},
                   {"GHL_TOKEN", sandbox_->token()},
                   {"GHL_LOCATION_ID", sandbox_->location_id()}});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json all = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(all.is_array()) << r.out.substr(0, 200);
  EXPECT_EQ(static_cast<int>(all.size()), total);

  auto o = RunGhl({"api", "--paginate", "GET", "/opportunities/search", "-f", "limit=10"},
                  {{"GHL_BASE_URL", sandbox_->base_url()},
                   {"GHL_TOKEN", sandbox_->token()},
                   {"GHL_LOCATION_ID", sandbox_->location_id()}});
  ASSERT_EQ(o.exit_code, 0) << o.err;
  json opps = json::parse(o.out, nullptr, false);
  ASSERT_TRUE(opps.is_array());
  EXPECT_GE(opps.size(), 35u);
}

// A 501 is answered once (the sandbox's own request count, X-RateLimit-Remaining, drops by
// exactly one) with the sandbox's hint, not "a transient failure on GHL's side" after 3 tries.
TEST_F(ClientSandboxTest, NotEmulatedIsAnsweredOnceWithTheSandboxHint) {
  ClientOptions o = OptionsFor(*sandbox_);
  o.retry.max_attempts = 4;
  Client c(o);
  auto remaining = [&] {
    auto r = c.Send({.method = "GET", .path = "/locations/" + sandbox_->location_id()});
    EXPECT_TRUE(r.ok());
    return std::stoi(r->headers.GetOr("X-RateLimit-Remaining", "-1"));
  };
  int before = remaining();
  auto r = c.Send({.method = "GET", .path = "/contacts/business/b1"});
  int after = remaining();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().http_status, 501);
  EXPECT_EQ(before - after, 2) << "the 501 call and the second probe: no retry in between";
  EXPECT_NE(
      r.error().hint.find("The local sandbox does not emulate GET /contacts/business/{businessId}"),
      std::string::npos)
      << r.error().hint;
  EXPECT_NE(r.error().hint.find("use what the sandbox emulates here: GET /contacts/{contactId}"),
            std::string::npos)
      << r.error().hint;
  EXPECT_EQ(r.error().hint.find("transient"), std::string::npos) << r.error().hint;
}

// `ghl sandbox --host 0.0.0.0` says out loud where it listens and that its well-known tokens
// are then the network's (only 127.0.0.1 is connected to).
TEST(SandboxExposureTest, ListeningOnAllInterfacesPrintsTheAddressesAndAWarning) {
  SandboxProcess sandbox({"--host", "0.0.0.0"}, /*capture_stderr=*/true);
  EXPECT_EQ(sandbox.base_url().rfind("http://127.0.0.1:", 0), 0u) << sandbox.base_url();
  std::string port = sandbox.base_url().substr(sandbox.base_url().rfind(':') + 1);
  ClientOptions options;
  options.base_url = sandbox.base_url();
  options.token = sandbox.token();
  options.default_location_id = sandbox.location_id();
  auto found = Client(options).Call({.method = "POST", .path = "/contacts/search"});
  ASSERT_TRUE(found.ok()) << found.error().Describe();
  std::string err = sandbox.Stderr();
  EXPECT_NE(err.find("ghl sandbox: listening on all interfaces (0.0.0.0): "), std::string::npos)
      << err;
  EXPECT_NE(err.find("http://127.0.0.1:" + port + "/"), std::string::npos) << err;
  EXPECT_NE(err.find("ghl sandbox: WARNING: --host 0.0.0.0 listens beyond loopback. Anyone who "
                     "can reach this machine's port " +
                     port +
                     " can use the sandbox's well-known tokens (pit-sandbox-location-all-scopes, "
                     "pit-sandbox-contacts-readonly, sandbox-agency-token) to read and change "
                     "all its data."),
            std::string::npos)
      << err;
  SandboxProcess loopback({}, /*capture_stderr=*/true);
  EXPECT_EQ(loopback.Stderr().find("WARNING"), std::string::npos) << loopback.Stderr();
}

// The interface the token manager is built on: `ghl sandbox` flags and env line, a code minted
// without a browser, and the library exchanging and refreshing it (form-encoded, no token).
TEST(ClientSandboxOAuthTest, FlagsEnvLineAndTheLibraryRefreshing) {
  SandboxProcess sandbox({"--token-ttl", "2", "--client-id", "65f0c0ffee0123456789abcd-fixed001",
                          "--client-secret", "fixed-secret", "--rate-limit", "1000/1s"});
  const auto& env = sandbox.env();
  ASSERT_EQ(env.at("GHL_CLIENT_ID"), "65f0c0ffee0123456789abcd-fixed001");
  ASSERT_EQ(env.at("GHL_CLIENT_SECRET"), "fixed-secret");
  EXPECT_EQ(env.at("GHL_APP_ID"), "65f0c0ffee0123456789abcd");
  EXPECT_FALSE(env.at("GHL_COMPANY_ID").empty());

  http::Request approve;
  approve.method = "GET";
  approve.target =
      sandbox.base_url() +
      "/oauth/chooselocation/approve?response_type=code&client_id=" + env.at("GHL_CLIENT_ID") +
      "&redirect_uri=http://127.0.0.1:9/cb&locationId=" + sandbox.location_id();
  auto redirect = http::MakeCurlTransport()->Send(approve, {});
  ASSERT_TRUE(redirect.ok());
  ASSERT_EQ(redirect->status, 302) << redirect->body;
  std::string location = redirect->headers.GetOr("Location", "");
  std::string code = location.substr(location.find("code=") + 5);

  ClientOptions anonymous = OptionsFor(sandbox, "unused");
  anonymous.token.clear();
  Client c(anonymous);
  json form = {{"client_id", env.at("GHL_CLIENT_ID")},
               {"client_secret", "fixed-secret"},
               {"grant_type", "authorization_code"},
               {"user_type", "Location"},
               {"code", code}};
  json pair = MustCall(c, {.method = "POST", .path = "/oauth/token", .body = form.dump()});
  ASSERT_EQ(pair["expires_in"], 2) << pair.dump();
  EXPECT_EQ(pair["locationId"], sandbox.location_id());

  Client with_token(OptionsFor(sandbox, pair["access_token"]));
  json loc = MustCall(with_token, {.method = "GET", .path = "/locations/" + sandbox.location_id()});
  EXPECT_EQ(loc["location"]["id"], sandbox.location_id());

  json refresh = {{"client_id", env.at("GHL_CLIENT_ID")},
                  {"client_secret", "fixed-secret"},
                  {"grant_type", "refresh_token"},
                  {"refresh_token", pair["refresh_token"]}};
  json next = MustCall(c, {.method = "POST", .path = "/oauth/token", .body = refresh.dump()});
  EXPECT_NE(next["refresh_token"], pair["refresh_token"]);
  auto reused = c.Call({.method = "POST", .path = "/oauth/token", .body = refresh.dump()});
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.error().http_status, 400);
}

}  // namespace
}  // namespace ghl::testing
