// `ghl auth login` against a real `ghl sandbox`, non-interactively: the test plays the browser
// (approves the printed consent URL for the agency, follows the redirect to the CLI's
// 127.0.0.1 callback). Then `ghl tokens list`, `ghl api --location` through the store, a wrong
// key refused with nothing changed, `rotate-key`, `refresh --all`, an inactive location (one
// alert for two failures), and an uninstall found by `tokens serve --once`'s reconcile.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "auth_login.h"
#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/tokens/token_store.h"
#include "oauth_browser.h"
#include "process.h"

namespace ghl::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(CliTokensTest, LoginListApiWrongKeyRotateRefreshInactiveUninstall) {
  TempDir dir;
  SandboxProcess sandbox({"--seed", "demo"});
  const auto& senv = sandbox.env();
  std::string base = sandbox.base_url(), company = senv.at("GHL_COMPANY_ID");
  std::vector<std::string> created;
  for (int i = 0; i < 2; ++i) {
    json body = {{"name", "Shop " + std::to_string(i)}, {"companyId", company}};
    auto r =
        SandboxHttp("POST", base + "/locations/", std::string(sandbox::kAgencyToken), body.dump());
    ASSERT_TRUE(r.ok() && r->status / 100 == 2) << (r.ok() ? r->body : "");
    created.push_back(json::parse(r->body).at("id").get<std::string>());
  }
  std::string key = tokens::GenerateTokenKeyHex();
  std::string db = dir.File("tokens.db");
  std::string alerts = dir.File("alerts.txt");
  std::map<std::string, std::string> env = {
      {"GHL_TOKEN_KEY", key},
      {"GHL_TOKENS_DB", db},
      {"GHL_BASE_URL", base},
      {"GHL_CLIENT_ID", senv.at("GHL_CLIENT_ID")},
      {"GHL_CLIENT_SECRET", senv.at("GHL_CLIENT_SECRET")},
      {"GHL_TOKEN_ALERT_COMMAND",
       "echo \"$GHL_TOKEN_ID $GHL_TOKEN_PREVIOUS_STATE $GHL_TOKEN_STATE\" >> " + alerts}};

  // Login: the test is the browser.
  auto login = LoginAsAgency(base, company, env);
  ASSERT_EQ(login.error, "");
  EXPECT_NE(login.consent_url.find("redirect_uri=http%3A%2F%2F127.0.0.1%3A"), std::string::npos)
      << login.consent_url;
  EXPECT_NE(login.out.find("stored tokens for 4 row(s)"), std::string::npos) << login.out;

  // The list: every location ok at generation 1, no token printed.
  auto list = RunGhl({"tokens", "list", "--json"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  json rows = json::parse(list.out);
  ASSERT_EQ(rows.size(), 4u);
  auto parsed_key = tokens::ParseTokenKey(key, "test").value();
  {
    auto store = tokens::OpenSqliteTokenStore({.path = db}, parsed_key).value();
    std::string file = ReadFile(db) + ReadFile(db + "-wal");
    for (const auto& row : rows) {
      EXPECT_EQ(row["state"], "ok") << row.dump();
      EXPECT_EQ(row["generation"], 1);
      auto rec = store->Get(row["id"].get<std::string>()).value();
      ASSERT_TRUE(rec.has_value());
      for (const auto& t : {rec->pair.access_token, rec->pair.refresh_token}) {
        ASSERT_FALSE(t.empty());
        EXPECT_EQ(list.out.find(t), std::string::npos);
        EXPECT_EQ(file.find(t), std::string::npos);  // not in clear on disk
      }
    }
  }

  // Names straight after the login (GET /locations/{id} with each new token), not only after
  // a reconcile; the company row's name is not known: "(unknown)", not blank.
  std::map<std::string, std::string> names;
  for (const auto& row : rows) names[row["id"]] = row.value("name", "");
  EXPECT_EQ(names[created[0]], "Shop 0");
  EXPECT_EQ(names[created[1]], "Shop 1");
  EXPECT_FALSE(names[senv.at("GHL_LOCATION_ID")].empty());
  auto table = RunGhl({"tokens", "list"}, env);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find(" Shop 0 "), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(" (unknown) "), std::string::npos) << table.out;

  // ghl api --location: no GHL_TOKEN, the store supplies the location's token.
  auto api = RunGhl({"api", "GET", "/locations/" + created[0], "--location", created[0]}, env);
  ASSERT_EQ(api.exit_code, 0) << api.err;
  EXPECT_NE(api.out.find(created[0]), std::string::npos);
  auto status = RunGhl({"auth", "status"}, env);
  EXPECT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find("3 location(s)"), std::string::npos) << status.out;

  // A wrong key: refused, nothing changed.
  std::string before = ReadFile(db) + ReadFile(db + "-wal");
  auto wrong_env = env;
  wrong_env["GHL_TOKEN_KEY"] = tokens::GenerateTokenKeyHex();
  auto wrong = RunGhl({"tokens", "refresh", "--all"}, wrong_env);
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("does not open this token store"), std::string::npos) << wrong.err;
  EXPECT_EQ(ReadFile(db) + ReadFile(db + "-wal"), before);
  auto missing_env = env;
  missing_env.erase("GHL_TOKEN_KEY");
  auto missing = RunGhl({"tokens", "list"}, missing_env);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no token key"), std::string::npos) << missing.err;

  // rotate-key: the old key stops opening the store, the new one does.
  std::string new_key = tokens::GenerateTokenKeyHex();
  auto rotate_env = env;
  rotate_env["GHL_TOKEN_NEW_KEY"] = new_key;
  auto rotated = RunGhl({"tokens", "rotate-key"}, rotate_env);
  ASSERT_EQ(rotated.exit_code, 0) << rotated.err;
  EXPECT_EQ(RunGhl({"tokens", "list"}, env).exit_code, 2);
  env["GHL_TOKEN_KEY"] = new_key;

  // refresh --all: every row moves to generation 2.
  auto refreshed = RunGhl({"tokens", "refresh", "--all"}, env);
  ASSERT_EQ(refreshed.exit_code, 0) << refreshed.err;
  for (const auto& row : json::parse(RunGhl({"tokens", "list", "--json"}, env).out)) {
    EXPECT_EQ(row["generation"], 2) << row.dump();
  }

  // An inactive location: refused twice, parked, one alert.
  auto off = SandboxHttp("POST", base + "/sandbox/locations/" + created[1] + "/deactivate");
  ASSERT_TRUE(off.ok() && off->status == 200);
  EXPECT_EQ(RunGhl({"tokens", "refresh", created[1]}, env).exit_code, 1);
  EXPECT_EQ(RunGhl({"tokens", "refresh", created[1]}, env).exit_code, 1);
  for (const auto& row : json::parse(RunGhl({"tokens", "list", "--json"}, env).out)) {
    if (row["id"] == created[1]) {
      EXPECT_EQ(row["state"], "inactive") << row.dump();
    }
  }
  EXPECT_EQ(ReadFile(alerts), created[1] + " ok inactive\n");

  // An uninstall, found by the reconcile of `tokens serve --once`.
  auto gone = SandboxHttp("POST", base + "/sandbox/oauth/uninstall?locationId=" + created[0]);
  ASSERT_TRUE(gone.ok() && gone->status == 200) << (gone.ok() ? gone->body : "");
  auto serve = RunGhl({"tokens", "serve", "--once", "--reconcile-every", "1"}, env);
  EXPECT_EQ(serve.exit_code, 0) << serve.err;
  auto after = json::parse(RunGhl({"tokens", "list", "--json"}, env).out);
  EXPECT_EQ(after.size(), 3u) << after.dump();
  for (const auto& row : after) EXPECT_NE(row["id"], created[0]);
}

TEST(CliTokensTest, ListShowsAnExpiredAccessTokenAsExpired) {
  TempDir dir;
  std::string key = tokens::GenerateTokenKeyHex();
  std::string db = dir.File("tokens.db");
  {
    auto store =
        tokens::OpenSqliteTokenStore({.path = db}, tokens::ParseTokenKey(key, "k").value()).value();
    tokens::NewToken t;
    t.id = "loc-old";
    t.company_id = "cmp-1";
    t.pair = {"a", "r", tokens::UtcTime(std::chrono::milliseconds(1700000000000)), "s"};
    ASSERT_TRUE(store->Put(t).ok());
    t.id = "loc-new";
    t.pair.expires_at = std::chrono::floor<std::chrono::milliseconds>(
        std::chrono::system_clock::now() + std::chrono::hours(12));
    ASSERT_TRUE(store->Put(t).ok());
  }
  std::map<std::string, std::string> env = {{"GHL_TOKEN_KEY", key}, {"GHL_TOKENS_DB", db}};
  auto list = RunGhl({"tokens", "list", "--json"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  for (const auto& row : json::parse(list.out)) {
    EXPECT_EQ(row["state"], row["id"] == "loc-old" ? "expired" : "ok") << row.dump();
  }
  auto text = RunGhl({"tokens", "list"}, env);
  EXPECT_NE(text.out.find("expired"), std::string::npos) << text.out;
}

}  // namespace
}  // namespace ghl::testing
