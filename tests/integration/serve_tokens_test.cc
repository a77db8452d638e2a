// `ghl serve --sandbox --tokens-db FILE`: the embedded sandbox's INSTALL webhook arrives before
// the code exchange stored the company token, the install waits, then mints the location's
// token once; /api/tokens shows states and never a token; UNINSTALL deletes the row.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "ghl/http/transport.h"
#include "ghl/tokens/token_store.h"
#include "process.h"

namespace ghl {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;
using testing::ServeProcess;
using testing::TempDir;

const std::string kKeyHex(64, '5');

http::Response Send(const std::string& method, const std::string& url,
                    const std::string& form = "") {
  http::Request r;
  r.method = method;
  r.target = url;
  if (!form.empty()) r.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  r.body = form;
  auto res = http::MakeCurlTransport()->Send(r, {});
  EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.error().Summary());
  return res.ok() ? res.value() : http::Response{};
}

// `KEY=value` from the serve banner's "Sandbox:" line.
std::string BannerValue(const std::string& out, const std::string& key) {
  auto at = out.find(key + "=");
  if (at == std::string::npos) return "";
  at += key.size() + 1;
  auto end = out.find_first_of(" \n", at);
  return out.substr(at, end - at);
}

// Polls `done` every 50 ms for up to 15 s (no timing is asserted: this only bounds the wait).
bool WaitFor(const std::function<bool()>& done) {
  for (int i = 0; i < 300; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return done();
}

json TokensPage(const ServeProcess& serve) {
  auto page = Send("GET", serve.base_url() + "/api/tokens");
  EXPECT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.body.find("sbx-at-"), std::string::npos) << page.body;
  EXPECT_EQ(page.body.find("sbx-rt-"), std::string::npos) << page.body;
  return json::parse(page.body, nullptr, false);
}

bool Lists(const json& page, const std::string& id) {
  if (!page.is_object() || !page["tokens"].is_array()) return false;
  for (const auto& row : page["tokens"]) {
    if (row["id"] == id) return true;
  }
  return false;
}

TEST(ServeTokensTest, InstallBeforeTheExchangeMintsOnceAndUninstallDeletes) {
  TempDir dir;
  std::string db = dir.File("tokens.db");
  ServeProcess serve({"--sandbox", "--tokens-db", db, "--events-db", dir.File("events.db"),
                      "--tokens", "--tokens-interval", "0.2"},
                     {}, {{"GHL_TOKEN_KEY", kKeyHex}});
  std::string out = serve.Stdout();
  std::string sandbox = BannerValue(out, "GHL_BASE_URL");
  std::string client_id = BannerValue(out, "GHL_CLIENT_ID");
  std::string secret = BannerValue(out, "GHL_CLIENT_SECRET");
  std::string location = BannerValue(out, "GHL_LOCATION_ID");
  std::string company = BannerValue(out, "GHL_COMPANY_ID");
  ASSERT_FALSE(secret.empty()) << out;
  ASSERT_NE(out.find("/api/tokens"), std::string::npos) << out;

  // The consent page approves the location: INSTALL goes to serve's receiver at once, before
  // any code exchange.
  std::string authorize = "response_type=code&client_id=" + client_id +
                          "&redirect_uri=" + http::UrlEncode("http://127.0.0.1:9/cb") +
                          "&scope=&state=s&locationId=" + location;
  auto approved = Send("POST", sandbox + "/oauth/chooselocation/approve", authorize);
  ASSERT_EQ(approved.status, 302) << approved.body;
  std::string target = approved.headers.GetOr("Location", "");
  auto code_at = target.find("code=") + 5;
  std::string code = http::UrlDecode(target.substr(code_at, target.find('&', code_at) - code_at));
  ASSERT_TRUE(WaitFor([&] { return serve.Stderr().find("waits") != std::string::npos; }))
      << serve.Stderr();
  EXPECT_FALSE(Lists(TokensPage(serve), location));

  // The exchange finishes: the company's pair is stored (as `ghl auth login` would).
  auto exchanged =
      Send("POST", sandbox + "/oauth/token",
           "client_id=" + client_id + "&client_secret=" + secret +
               "&grant_type=authorization_code&user_type=Company&code=" + http::UrlEncode(code));
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  json grant = json::parse(exchanged.body);
  auto key = tokens::ParseTokenKey(kKeyHex, "test");
  ASSERT_TRUE(key.ok());
  auto store = tokens::OpenSqliteTokenStore({.path = db}, *key);
  ASSERT_TRUE(store.ok()) << store.error().Describe();
  tokens::NewToken company_row;
  company_row.id = tokens::CompanyRowId(company);
  company_row.kind = tokens::TokenKind::kCompany;
  company_row.company_id = company;
  company_row.pair.access_token = grant["access_token"];
  company_row.pair.refresh_token = grant["refresh_token"];
  company_row.pair.expires_at = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::system_clock::now() + std::chrono::hours(1));
  ASSERT_TRUE((*store)->Put(company_row).ok());

  // The waiting install mints the location's token, once.
  ASSERT_TRUE(WaitFor([&] { return Lists(TokensPage(serve), location); })) << serve.Stderr();
  auto row = (*store)->Get(location);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->generation, 1);
  json stats = json::parse(Send("GET", sandbox + "/sandbox/oauth/stats").body);
  EXPECT_EQ(stats["mints"][location], 1) << stats.dump();

  // The page holds states only: none of the issued tokens.
  json page = TokensPage(serve);
  std::string text = page.dump();
  for (const std::string& secret_value :
       {company_row.pair.access_token, company_row.pair.refresh_token, (*row)->pair.access_token,
        (*row)->pair.refresh_token}) {
    if (secret_value.empty()) continue;
    EXPECT_EQ(text.find(secret_value), std::string::npos);
  }
  for (const auto& r : page["tokens"]) {
    if (r["id"] != location) continue;
    EXPECT_EQ(r["state"], "ok");
    EXPECT_EQ(r["generation"], 1);
    EXPECT_EQ(r["companyId"], company);
  }

  // `ghl mcp --location` without GHL_TOKEN takes the location's token from the store.
  std::string input =
      R"({"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18",)"
      R"("capabilities":{},"clientInfo":{"name":"t","version":"1"}}})"
      "\n"
      R"({"jsonrpc":"2.0","method":"notifications/initialized"})"
      "\n"
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"list_pipelines",)"
      R"("arguments":{}}})"
      "\n";
  auto mcp = testing::RunGhl(
      {"mcp", "--location", location},
      {{"GHL_TOKENS_DB", db}, {"GHL_TOKEN_KEY", kKeyHex}, {"GHL_BASE_URL", sandbox}}, input);
  EXPECT_EQ(mcp.exit_code, 0) << mcp.err;
  EXPECT_NE(mcp.out.find(R"("id":2)"), std::string::npos) << mcp.out << mcp.err;
  EXPECT_NE(mcp.out.find("pipelines"), std::string::npos) << mcp.out;
  EXPECT_EQ(mcp.out.find(R"("isError":true)"), std::string::npos) << mcp.out;

  // Uninstall: the location's row goes away; the company's stays.
  auto gone = Send("POST", sandbox + "/sandbox/oauth/uninstall", "locationId=" + location);
  ASSERT_EQ(gone.status, 200) << gone.body;
  ASSERT_TRUE(WaitFor([&] { return !Lists(TokensPage(serve), location); })) << serve.Stderr();
  EXPECT_FALSE((*store)->Get(location)->has_value());
  EXPECT_TRUE((*store)->Get(company_row.id)->has_value());

  // --tokens: the background refresher renews the company's pair once it is due (expiring
  // within the 5-minute margin); nothing else in this test refreshes it.
  auto before = (*store)->Get(company_row.id);
  ASSERT_TRUE(before.ok() && before->has_value());
  tokens::NewToken due = company_row;
  due.pair = (*before)->pair;
  due.pair.expires_at = std::chrono::floor<std::chrono::milliseconds>(
      std::chrono::system_clock::now() + std::chrono::minutes(1));
  ASSERT_TRUE((*store)->Put(due).ok());
  int64_t stored_generation = (*(*store)->Get(company_row.id))->generation;
  ASSERT_TRUE(WaitFor([&] {
    auto r = (*store)->Get(company_row.id);
    return r.ok() && r->has_value() && (*r)->generation > stored_generation;
  })) << serve.Stderr();
  auto after = (*store)->Get(company_row.id);
  EXPECT_EQ((*after)->state, tokens::TokenState::kOk);
  EXPECT_NE((*after)->pair.refresh_token, due.pair.refresh_token);
  EXPECT_NE(serve.Stderr().find("refreshed"), std::string::npos) << serve.Stderr();
}

TEST(ServeTokensTest, TokensPageWithoutAStoreSaysHowToConfigureIt) {
  ServeProcess serve({"--sandbox"});
  auto page = Send("GET", serve.base_url() + "/api/tokens");
  EXPECT_EQ(page.status, 404);
  EXPECT_NE(page.body.find("--tokens-db"), std::string::npos) << page.body;
}

}  // namespace
}  // namespace ghl
