// Every command that calls GHL takes its credentials the same way (apps/ghl/credentials.h):
// with GHL_TOKEN unset and the app installed on three locations of a `ghl sandbox` (OAuth,
// `ghl auth login` as the agency), `ghl serve --mcp` answers find_contact in two locations with
// each location's own token (a contact only that location has is found; the sandbox refuses a
// token of another location with 403), list_locations lists the store; /agents/vapi
// lookup_caller works from the store; `ghl sync` without --location fills rows for every
// installed location; `ghl enrich --location` works from the store; an inactive location is
// skipped by sync with the reason and refused by the MCP tools and enrich, naming it;
// `ghl onboard` creates a sub-account with the store's company token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "auth_login.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/sync/database.h"
#include "ghl/tokens/key.h"
#include "process.h"

namespace ghl::testing {
namespace {

using json = nlohmann::json;
using ::testing::HasSubstr;

constexpr char kVapiSecret[] = "vapi-store-secret";

// One MCP tools/call over streamable HTTP (no key: --mcp-no-auth); the JSON-RPC result.
class McpHttp {
 public:
  explicit McpHttp(std::string base) : base_(std::move(base)) {
    auto init = Post({{"jsonrpc", "2.0"},
                      {"id", 1},
                      {"method", "initialize"},
                      {"params",
                       {{"protocolVersion", "2025-11-25"},
                        {"capabilities", json::object()},
                        {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}});
    session_ = init.second;
    Post({{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  }
  json Call(const std::string& tool, const json& args) {
    return Post({{"jsonrpc", "2.0"},
                 {"id", ++id_},
                 {"method", "tools/call"},
                 {"params", {{"name", tool}, {"arguments", args}}}})
        .first.value("result", json::object());
  }

 private:
  std::pair<json, std::string> Post(const json& message) {
    http::Request r;
    r.method = "POST";
    r.target = base_ + "/mcp";
    r.headers.Set("Content-Type", "application/json");
    r.headers.Set("Accept", "application/json, text/event-stream");
    if (!session_.empty()) {
      r.headers.Set("Mcp-Session-Id", session_);
      r.headers.Set("MCP-Protocol-Version", "2025-11-25");
    }
    r.body = message.dump();
    auto answer = http::MakeCurlTransport()->Send(r, {});
    if (!answer.ok() || answer->body.empty()) return {json::object(), ""};
    std::string body = answer->body;
    if (auto data = body.rfind("data: "); data != std::string::npos) {  // SSE: the last event
      body = body.substr(data + 6, body.find('\n', data) - data - 6);
    }
    return {json::parse(body, nullptr, false), answer->headers.GetOr("Mcp-Session-Id", "")};
  }
  std::string base_;
  std::string session_;
  int id_ = 1;
};

std::string ToolText(const json& result) {
  return result.contains("content") && !result["content"].empty()
             ? result["content"][0].value("text", "")
             : result.dump();
}

class StoreCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox_ = std::make_unique<SandboxProcess>(std::vector<std::string>{"--seed", "demo"});
    const auto& senv = sandbox_->env();
    base_ = sandbox_->base_url();
    std::string company = senv.at("GHL_COMPANY_ID");
    for (int i = 0; i < 2; ++i) {
      json body = {{"name", "Shop " + std::to_string(i)}, {"companyId", company}};
      auto r = SandboxHttp("POST", base_ + "/locations/", std::string(sandbox::kAgencyToken),
                           body.dump());
      ASSERT_TRUE(r.ok() && r->status / 100 == 2) << (r.ok() ? r->body : "");
      shops_.push_back(json::parse(r->body).at("id").get<std::string>());
    }
    // No GHL_TOKEN and no GHL_LOCATION_ID: the token store is the only credential.
    env_ = {{"GHL_TOKEN_KEY", tokens::GenerateTokenKeyHex()},
            {"GHL_TOKENS_DB", dir_.File("tokens.db")},
            {"GHL_BASE_URL", base_},
            {"GHL_CLIENT_ID", senv.at("GHL_CLIENT_ID")},
            {"GHL_CLIENT_SECRET", senv.at("GHL_CLIENT_SECRET")}};
    auto login = LoginAsAgency(base_, company, env_, /*future_locations=*/true);
    ASSERT_EQ(login.error, "");
    ASSERT_THAT(login.out, HasSubstr("stored tokens for 4 row(s)"));  // company + 3 locations
    // A contact only each shop has, written through the store with the shop's own token.
    for (size_t i = 0; i < shops_.size(); ++i) {
      auto made = RunGhl({"api", "POST", "/contacts/", "--location", shops_[i], "-f",
                          "firstName=Only" + std::to_string(i), "-f", "email=" + Email(i), "-f",
                          "phone=+1512555010" + std::to_string(i)},
                         env_);
      ASSERT_EQ(made.exit_code, 0) << made.err;
    }
    std::ofstream(dir_.File("vapi")) << kVapiSecret << "\n";
  }

  static std::string Email(size_t i) { return "only-shop" + std::to_string(i) + "@example.com"; }

  // Makes shop 1 inactive in GHL; its token row becomes "inactive" at the next refresh.
  void DeactivateShop1() {
    auto off = SandboxHttp("POST", base_ + "/sandbox/locations/" + shops_[1] + "/deactivate");
    ASSERT_TRUE(off.ok() && off->status == 200);
    EXPECT_EQ(RunGhl({"tokens", "refresh", shops_[1]}, env_).exit_code, 1);
    auto list = RunGhl({"tokens", "list", "--json"}, env_);
    ASSERT_EQ(list.exit_code, 0) << list.err;
    for (const auto& row : json::parse(list.out)) {
      if (row["id"] == shops_[1]) {
        ASSERT_EQ(row["state"], "inactive") << row.dump();
      }
    }
  }

  TempDir dir_;
  std::unique_ptr<SandboxProcess> sandbox_;
  std::string base_;
  std::vector<std::string> shops_;
  std::map<std::string, std::string> env_;
};

TEST_F(StoreCredentialsTest, ServeMcpAndVapiUseEachLocationsTokenFromTheStore) {
  ServeProcess serve({"--upstream", base_, "--mcp", "--mcp-no-auth", "--mcp-audit-log", "none",
                      "--location", shops_[0], "--vapi-secret-file", dir_.File("vapi")},
                     "", env_);
  McpHttp mcp(serve.base_url());
  // Each shop's own contact is found in that shop (its token: the sandbox answers 403 to
  // another location's token), and not in the other.
  for (size_t i = 0; i < shops_.size(); ++i) {
    json found = mcp.Call("find_contact", {{"email", Email(i)}, {"locationId", shops_[i]}});
    EXPECT_FALSE(found.value("isError", false)) << found.dump();
    EXPECT_EQ(found["structuredContent"].value("found", false), true) << found.dump();
    json elsewhere = mcp.Call("find_contact", {{"email", Email(i)}, {"locationId", shops_[1 - i]}});
    EXPECT_FALSE(elsewhere.value("isError", false)) << elsewhere.dump();
    EXPECT_EQ(elsewhere["structuredContent"].value("found", true), false) << elsewhere.dump();
  }
  // list_locations: the store's three locations, with their states.
  json listed = mcp.Call("list_locations", json::object());
  ASSERT_FALSE(listed.value("isError", false)) << listed.dump();
  std::set<std::string> ids;
  for (const auto& l : listed["structuredContent"]["locations"]) {
    ids.insert(l.value("id", ""));
    EXPECT_EQ(l.value("state", ""), "ok") << l.dump();
  }
  EXPECT_EQ(ids.size(), 3u) << listed.dump();
  EXPECT_TRUE(ids.count(shops_[0]) && ids.count(shops_[1])) << listed.dump();
  // A location the store does not hold (nor can mint): a tool error naming it and the fix.
  json unknown = mcp.Call("find_contact", {{"email", Email(0)}, {"locationId", "loc-nowhere"}});
  EXPECT_TRUE(unknown.value("isError", false)) << unknown.dump();
  EXPECT_THAT(ToolText(unknown), HasSubstr("loc-nowhere"));
  EXPECT_THAT(ToolText(unknown), HasSubstr("ghl auth login"));

  // /agents/vapi lookup_caller, in --location shop 0, from the store.
  http::Request vapi;
  vapi.method = "POST";
  vapi.target = serve.base_url() + "/agents/vapi";
  vapi.headers.Set("Content-Type", "application/json");
  vapi.headers.Set("Authorization", std::string("Bearer ") + kVapiSecret);
  json message = {
      {"type", "tool-calls"},
      {"call", {{"id", "call-1"}, {"customer", {{"number", "+15125550100"}}}}},
      {"toolCallList",
       {{{"id", "tc-1"}, {"name", "lookup_caller"}, {"arguments", {{"phone", "+15125550100"}}}}}}};
  vapi.body = json{{"message", message}}.dump();
  auto answer = http::MakeCurlTransport()->Send(vapi, {});
  ASSERT_TRUE(answer.ok());
  ASSERT_EQ(answer->status, 200) << answer->body;
  std::string result = json::parse(answer->body)["results"][0].value("result", "");
  EXPECT_THAT(result, HasSubstr("Found")) << answer->body;
  EXPECT_THAT(result, HasSubstr("Only0")) << answer->body;

  // `ghl mcp` over stdio takes the same credentials: shop 1's contact, in shop 1.
  std::string lines =
      json{{"jsonrpc", "2.0"},
           {"id", 1},
           {"method", "initialize"},
           {"params",
            {{"protocolVersion", "2025-11-25"},
             {"capabilities", json::object()},
             {"clientInfo", {{"name", "test"}, {"version", "1"}}}}}}
          .dump() +
      "\n" + json{{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}}.dump() + "\n" +
      json{{"jsonrpc", "2.0"},
           {"id", 2},
           {"method", "tools/call"},
           {"params",
            {{"name", "find_contact"},
             {"arguments", {{"email", Email(1)}, {"locationId", shops_[1]}}}}}}
          .dump() +
      "\n";
  auto stdio = RunGhl({"mcp", "--audit-log", "none"}, env_, lines);
  ASSERT_EQ(stdio.exit_code, 0) << stdio.err;
  json stdio_found;
  std::istringstream out(stdio.out);
  for (std::string line; std::getline(out, line);) {
    json m = json::parse(line, nullptr, false);
    if (m.is_object() && m.value("id", 0) == 2) stdio_found = m["result"];
  }
  EXPECT_EQ(stdio_found["structuredContent"].value("found", false), true) << stdio.out;

  // An inactive location: the tool answers an error naming it and why, nothing crashes.
  DeactivateShop1();
  json inactive = mcp.Call("find_contact", {{"email", Email(1)}, {"locationId", shops_[1]}});
  EXPECT_TRUE(inactive.value("isError", false)) << inactive.dump();
  EXPECT_THAT(ToolText(inactive), HasSubstr(shops_[1]));
  EXPECT_THAT(ToolText(inactive), HasSubstr("inactive"));
}

// One Vapi lookup_caller through `serve`, with `message` fields merged in: the result or
// "ERROR " + the error text.
std::string VapiLookup(const ServeProcess& serve, const json& extra, const std::string& phone) {
  json message = {
      {"type", "tool-calls"},
      {"toolCallList",
       {{{"id", "tc-1"}, {"name", "lookup_caller"}, {"arguments", {{"phone", phone}}}}}}};
  message.update(extra);
  http::Request vapi;
  vapi.method = "POST";
  vapi.target = serve.base_url() + "/agents/vapi";
  vapi.headers.Set("Content-Type", "application/json");
  vapi.headers.Set("Authorization", std::string("Bearer ") + kVapiSecret);
  vapi.body = json{{"message", message}}.dump();
  auto answer = http::MakeCurlTransport()->Send(vapi, {});
  if (!answer.ok() || answer->status != 200) return "HTTP failure";
  json item = json::parse(answer->body)["results"][0];
  return item.contains("result") ? item["result"].get<std::string>()
                                 : "ERROR " + item.value("error", "");
}

// An agency's one endpoint for every sub-account: no --location (the store holds three), each
// request's location from its assistant's metadata or --agent-location, each with its own
// token; a location the store cannot serve is a text safe to speak, the reason on stderr.
TEST_F(StoreCredentialsTest, OneAgentEndpointServesEveryStoredLocation) {
  ServeProcess serve({"--upstream", base_, "--vapi-secret-file", dir_.File("vapi"),
                      "--agent-location", "asst-shop1=" + shops_[1]},
                     "", env_);
  json shop0 = {{"assistant", {{"id", "asst-x"}, {"metadata", {{"locationId", shops_[0]}}}}}};
  EXPECT_THAT(VapiLookup(serve, shop0, "+15125550100"), HasSubstr("Found Only0"));
  // The same number is no contact of shop 1: each location is searched with its own token.
  json mapped = {{"call", {{"id", "c2"}, {"assistantId", "asst-shop1"}}}};
  EXPECT_THAT(VapiLookup(serve, mapped, "+15125550101"), HasSubstr("Found Only1"));
  EXPECT_THAT(VapiLookup(serve, mapped, "+15125550100"), HasSubstr("new caller"));
  // Unknown to the store, or named by nobody: nothing runs, the caller hears no operator fix.
  json nowhere = {{"call", {{"id", "c3"}, {"metadata", {{"locationId", "loc-nowhere"}}}}}};
  std::string refused = VapiLookup(serve, nowhere, "+15125550100");
  EXPECT_THAT(refused, HasSubstr("ERROR This phone line's CRM account is not available"));
  EXPECT_THAT(refused, ::testing::Not(HasSubstr("loc-nowhere")));
  EXPECT_THAT(VapiLookup(serve, {{"call", {{"id", "c4"}}}}, "+15125550100"),
              HasSubstr("ERROR This phone line's CRM account is not available"));
  // An inactive location is refused the same way.
  DeactivateShop1();
  EXPECT_THAT(VapiLookup(serve, mapped, "+15125550101"),
              HasSubstr("ERROR This phone line's CRM account is not available"));
  std::string err = serve.Stderr();
  EXPECT_THAT(err, HasSubstr("serve the token store's 3 locations"));
  EXPECT_THAT(err, HasSubstr("loc-nowhere"));
  EXPECT_THAT(err, HasSubstr("names no location"));
  EXPECT_THAT(err, HasSubstr("inactive"));
}

TEST_F(StoreCredentialsTest, SyncEveryStoredLocationSkippingAnInactiveOneAndEnrichFromTheStore) {
  std::string db = dir_.File("sync.db");
  auto synced = RunGhl({"sync", "--db", db, "--streams", "contacts"}, env_);
  ASSERT_EQ(synced.exit_code, 0) << synced.err;
  {
    auto opened = sync::OpenDatabase({db, "public"});
    ASSERT_TRUE(opened.ok());
    auto& d = **opened;
    EXPECT_EQ(sync::QueryInt(d, "SELECT COUNT(DISTINCT location_id) FROM contacts", {}, 0).value(),
              3);
    for (size_t i = 0; i < shops_.size(); ++i) {
      EXPECT_EQ(
          sync::QueryInt(d, "SELECT COUNT(*) FROM contacts WHERE location_id = $1 AND email = $2",
                         {shops_[i], Email(i)}, 0)
              .value(),
          1);
    }
  }

  // enrich --location: the shop's token from the store.
  auto enriched = RunGhl({"enrich", "--location", shops_[0], "--json"}, env_);
  ASSERT_EQ(enriched.exit_code, 0) << enriched.err;
  EXPECT_EQ(json::parse(enriched.out).value("done", 0), 1) << enriched.out;

  // Shop 1 inactive: sync skips it with the reason and goes on; enrich refuses it, naming it.
  DeactivateShop1();
  std::string db2 = dir_.File("sync2.db");
  auto partial = RunGhl({"sync", "--db", db2, "--streams", "contacts"}, env_);
  ASSERT_EQ(partial.exit_code, 0) << partial.err;
  EXPECT_THAT(partial.err, HasSubstr("skipping location " + shops_[1]));
  EXPECT_THAT(partial.err, HasSubstr("inactive"));
  {
    auto opened = sync::OpenDatabase({db2, "public"});
    ASSERT_TRUE(opened.ok());
    auto& d = **opened;
    EXPECT_EQ(sync::QueryInt(d, "SELECT COUNT(DISTINCT location_id) FROM contacts", {}, 0).value(),
              2);
    EXPECT_EQ(
        sync::QueryInt(d, "SELECT COUNT(*) FROM contacts WHERE location_id = $1", {shops_[1]}, 0)
            .value(),
        0);
  }
  auto refused = RunGhl({"enrich", "--location", shops_[1]}, env_);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr(shops_[1]));
  EXPECT_THAT(refused.err, HasSubstr("inactive"));
}

TEST_F(StoreCredentialsTest, OnboardWithTheStoresCompanyToken) {
  // No GHL_AGENCY_TOKEN, no GHL_COMPANY_ID: the store's (only) company and its token.
  std::string input = dir_.File("client.json");
  std::ofstream(input) << R"({"business": {"name": "Green Grocer"},
    "owner": {"firstName": "Gil", "lastName": "Green", "email": "gil@green.example",
              "phone": "+12125550188"}})";
  auto env = env_;
  env["GHL_ONBOARD_DB"] = dir_.File("onboard.db");
  auto done = RunGhl({"onboard", "--input", input, "--id", "grocer-1"}, env);
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_THAT(done.out, HasSubstr("request grocer-1: finished"));
  // The new sub-account's token went to the store: ghl api reaches it with no other token.
  std::string location;
  for (const auto& row : json::parse(RunGhl({"tokens", "list", "--json"}, env_).out)) {
    std::string id = row.value("id", "");
    if (row.value("kind", "") == "location" && id != shops_[0] && id != shops_[1] &&
        id != sandbox_->location_id()) {
      location = id;
    }
  }
  ASSERT_FALSE(location.empty());
  auto got = RunGhl({"api", "GET", "/locations/" + location, "--location", location}, env_);
  ASSERT_EQ(got.exit_code, 0) << got.err;
  EXPECT_THAT(got.out, HasSubstr("Green Grocer"));
}

TEST(StoreCredentialsErrors, NeitherTokenNorStoreNamesBothWays) {
  TempDir dir;  // no ./ghl-tokens.db here, no GHL_TOKEN
  std::map<std::string, std::string> env = {{"GHL_BASE_URL", "http://127.0.0.1:9"}};
  for (auto args : std::vector<std::vector<std::string>>{
           {"sync", "--db", dir.File("s.db")},
           {"enrich", "--location", "loc"},
           {"mcp"},
           {"serve", "--port", "0", "--mcp", "--events-db", dir.File("e.db"), "--sync-db",
            dir.File("s.db"), "--upstream", "http://127.0.0.1:9"}}) {
    auto r = RunGhl(args, env);
    EXPECT_EQ(r.exit_code, 2) << args[0];
    EXPECT_THAT(r.err, HasSubstr("GHL_TOKEN")) << args[0];
    EXPECT_THAT(r.err, HasSubstr("ghl auth login")) << args[0];
  }
}

}  // namespace
}  // namespace ghl::testing
