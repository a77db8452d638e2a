// Store locations as the CLI prints them: a PostgreSQL password never reaches stdout, stderr or
// an error (URL form, libpq keyword form, and inside libpq's own complaints), a keyword
// connection string is PostgreSQL (never created as a SQLite file), and a malformed URL is a
// usage error naming the flag. The PostgreSQL test needs GHL_PG_URL (scripts/start-postgres);
// the server trusts loopback, so a URL with any password connects.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>

#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/tokens/key.h"
#include "oauth_browser.h"
#include "process.h"
#include "scratch_database.h"

namespace ghl::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kPassword = "Rep34tPW";

// Runs the test's body with the current directory set to `dir` (children inherit it).
class InDirectory {
 public:
  explicit InDirectory(const std::string& dir) : old_(std::filesystem::current_path()) {
    std::filesystem::current_path(dir);
  }
  ~InDirectory() { std::filesystem::current_path(old_); }

 private:
  std::filesystem::path old_;
};

void ExpectNoSecret(const CliResult& r, const std::string& secret, const std::string& what) {
  EXPECT_EQ(r.out.find(secret), std::string::npos) << what << " stdout: " << r.out;
  EXPECT_EQ(r.err.find(secret), std::string::npos) << what << " stderr: " << r.err;
}

TEST(CliStoreLocationTest, PostgresPasswordIsNeverPrinted) {
  const char* pg = std::getenv("GHL_PG_URL");
  if (!pg || !*pg) GTEST_SKIP() << "GHL_PG_URL not set (scripts/start-postgres)";
  ScratchDatabase scratch(pg, "ghl_storeloc_");
  std::string url = scratch.url();
  url.insert(url.find('@'), std::string(":") + kPassword);
  SandboxProcess sandbox({"--seed", "demo"});
  const auto& senv = sandbox.env();
  std::map<std::string, std::string> env = {{"GHL_TOKEN_KEY", tokens::GenerateTokenKeyHex()},
                                            {"GHL_BASE_URL", sandbox.base_url()},
                                            {"GHL_CLIENT_ID", senv.at("GHL_CLIENT_ID")},
                                            {"GHL_CLIENT_SECRET", senv.at("GHL_CLIENT_SECRET")}};

  auto empty = RunGhl({"tokens", "list", "--tokens-db", url}, env);
  EXPECT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_NE(empty.err.find("no tokens stored in postgresql://ghl:***@"), std::string::npos)
      << empty.err;
  ExpectNoSecret(empty, kPassword, "tokens list");

  GhlRun login({"auth", "login", "--no-browser", "--timeout", "30", "--tokens-db", url}, env);
  ASSERT_TRUE(ApproveLogin(login, sandbox.base_url(), senv.at("GHL_COMPANY_ID"))) << login.Stderr();
  ASSERT_EQ(login.Wait(20s), 0) << login.Stderr();
  EXPECT_NE(login.Stdout().find("in postgresql://ghl:***@"), std::string::npos) << login.Stdout();
  ExpectNoSecret({0, login.Stdout(), login.Stderr()}, kPassword, "auth login");

  for (const auto& args :
       std::vector<std::vector<std::string>>{{"tokens", "list", "--tokens-db", url},
                                             {"auth", "status", "--tokens-db", url},
                                             {"tokens", "serve", "--once", "--tokens-db", url}}) {
    auto r = RunGhl(args, env);
    EXPECT_EQ(r.exit_code, 0) << args[0] << " " << args[1] << ": " << r.err;
    ExpectNoSecret(r, kPassword, args[0] + " " + args[1]);
  }
  auto status = RunGhl({"auth", "status", "--tokens-db", url}, env);
  EXPECT_NE(status.out.find("token store postgresql://ghl:***@"), std::string::npos) << status.out;

  // The same database in libpq's keyword form: PostgreSQL, masked, no file made.
  TempDir dir;
  InDirectory in(dir.path());
  std::string host = "127.0.0.1", port = "5433";
  std::string keywords =
      "host=" + host + " port=" + port + " user=ghl password=S3cretPW42 dbname=" + scratch.name();
  auto kw = RunGhl({"auth", "status", "--tokens-db", keywords}, env);
  EXPECT_EQ(kw.exit_code, 0) << kw.err;
  EXPECT_NE(kw.out.find("1 location(s)"), std::string::npos) << kw.out;
  EXPECT_NE(kw.out.find("password=***"), std::string::npos) << kw.out;
  ExpectNoSecret(kw, "S3cretPW42", "auth status (keywords)");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CliStoreLocationTest, KeywordConnectionStringIsNeverASqliteFile) {
  TempDir dir;
  InDirectory in(dir.path());
  // Port 1: nothing listens, so the open fails — as PostgreSQL, not as a new file.
  std::string keywords = "host=127.0.0.1 port=1 user=ghl password=S3cretPW42 dbname=ghl_test";
  std::map<std::string, std::string> env = {{"GHL_TOKEN_KEY", tokens::GenerateTokenKeyHex()}};
  auto r = RunGhl({"tokens", "list", "--tokens-db", keywords}, env);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("password=***"), std::string::npos) << r.err;
  ExpectNoSecret(r, "S3cretPW42", "tokens list (keywords)");
  auto ev = RunGhl({"events", "list", "--events-db", keywords});
  EXPECT_NE(ev.exit_code, 0);
  ExpectNoSecret(ev, "S3cretPW42", "events list (keywords)");
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

TEST(CliStoreLocationTest, MalformedUrlIsAUsageErrorNamingTheFlagWithoutThePassword) {
  TempDir dir;
  InDirectory in(dir.path());
  const std::string bad = "postgresql://ghl:Rep34t%PW@127.0.0.1:5433/breakit2";
  std::map<std::string, std::string> env = {{"GHL_TOKEN_KEY", tokens::GenerateTokenKeyHex()},
                                            {"GHL_TOKEN", "x"}};
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  for (const auto& c :
       std::vector<Case>{{{"tokens", "list", "--tokens-db", bad}, "--tokens-db"},
                         {{"auth", "status", "--tokens-db", bad}, "--tokens-db"},
                         {{"sync", "--db", bad}, "--db"},
                         {{"kpi", "--db", bad}, "--db"},
                         {{"events", "list", "--events-db", bad}, "event store"},
                         {{"onboard", "status", "onb-1", "--journal", bad}, "--journal"}}) {
    auto r = RunGhl(c.args, env);
    std::string what = c.args[0] + " " + c.args[1];
    EXPECT_EQ(r.exit_code, 2) << what << ": " << r.err;
    EXPECT_NE(r.err.find(c.flag), std::string::npos) << what << ": " << r.err;
    EXPECT_EQ(r.err.find("network error"), std::string::npos) << what << ": " << r.err;
    ExpectNoSecret(r, "Rep34t", what);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));
}

}  // namespace
}  // namespace ghl::testing
