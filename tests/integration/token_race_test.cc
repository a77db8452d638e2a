// The token refresh race (issue 8): N worker processes (token_race_worker) share one token
// store and M locations on a `ghl sandbox --token-ttl 2`: every location's access token expires
// every 2 s, so each is refreshed about once a second while the workers call the API with it.
// Three workers are killed with SIGKILL mid-run (and replaced). Afterwards:
//   - the sandbox answered invalid_grant 0 times (no refresh token was ever spent twice);
//   - per location, the refresh grants the sandbox answered = the refresh generations stored,
//     except a pair GHL issued to a worker killed before its write (at most one per kill);
//   - 0 stranded: every location still gets a token that the API accepts;
//   - no worker call ended 401 (a token rejection is renewed and replayed once);
//   - the store holds none of its tokens in clear.
// On SQLite (a file) and PostgreSQL (GHL_PG_URL, a fresh schema). Size: GHL_RACE_PROCS ×
// GHL_RACE_LOCATIONS for GHL_RACE_SECONDS (default the 8 × 100 × 60 s: on a loaded
// 2-core box both backends took 132 s wall and 82 s CPU, against 45 s and 53 s at 20 s, so
// `make test` gains about 1.5 minutes; GHL_RACE_SECONDS=20 for a quicker run).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <sstream>
#include <thread>

#include "auth_login.h"
#include "ghl/client/client.h"
#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/tokens/manager.h"
#include "process.h"

namespace ghl::testing {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string Worker() {
  const char* dir = std::getenv("GHL_BINARY_DIR");
  return std::string(dir ? dir : ".") + "/tests/integration/token_race_worker";
}

// A worker process with its stdout in a file.
struct WorkerProcess {
  pid_t pid = -1;
  std::string out;
};

WorkerProcess Spawn(const std::vector<std::string>& args, const std::string& out,
                    const std::string& key) {
  WorkerProcess w;
  w.out = out;
  w.pid = ::fork();
  if (w.pid == 0) {
    std::freopen(out.c_str(), "w", stdout);
    ::setenv("GHL_TOKEN_KEY", key.c_str(), 1);
    std::vector<char*> argv;
    std::string bin = Worker();
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (auto& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(bin.c_str(), argv.data());
    std::_Exit(127);
  }
  return w;
}

struct Backend {
  std::string name;
  std::string store;   // file or URL
  std::string schema;  // PostgreSQL
  std::string dump;    // how to read every stored byte
};

class TokenRace : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenRace, OneRefreshPerLocationNoInvalidGrantNoneStranded) {
  const int procs = EnvInt("GHL_RACE_PROCS", 8);
  const int locations = EnvInt("GHL_RACE_LOCATIONS", 100);
  const int seconds = EnvInt("GHL_RACE_SECONDS", 60);
  TempDir dir;
  Backend b{GetParam(), "", "public", ""};
  if (b.name == "postgres") {
    const char* url = std::getenv("GHL_PG_URL");
    if (!url || !*url) GTEST_SKIP() << "GHL_PG_URL is not set (scripts/start-postgres)";
    b.store = url;
    b.schema = "ghl_race_" + std::to_string(::getpid());
  } else {
    b.store = dir.File("tokens.db");
  }
  std::string key_hex = tokens::GenerateTokenKeyHex();
  auto key = tokens::ParseTokenKey(key_hex, "test").value();

  SandboxProcess sandbox(
      {"--seed", "empty", "--token-ttl", "2", "--rate-limit", "1000000/1s", "--threads", "4"});
  const auto& env = sandbox.env();
  std::string base = sandbox.base_url();
  std::string company = env.at("GHL_COMPANY_ID");
  std::string client_id = env.at("GHL_CLIENT_ID");
  std::string client_secret = env.at("GHL_CLIENT_SECRET");

  // M locations (the seed's one + M-1 created by the agency), then one company install.
  std::vector<std::string> ids = {sandbox.location_id()};
  for (int i = 1; i < locations; ++i) {
    json body = {{"name", "Race " + std::to_string(i)}, {"companyId", company}};
    auto r =
        SandboxHttp("POST", base + "/locations/", std::string(sandbox::kAgencyToken), body.dump());
    ASSERT_TRUE(r.ok() && r->status / 100 == 2) << (r.ok() ? r->body : r.error().Describe());
    ids.push_back(json::parse(r->body).at("id").get<std::string>());
  }
  std::string redirect = "http://127.0.0.1:9/callback";
  auto approve = SandboxHttp(
      "GET", base + "/oauth/chooselocation/approve?response_type=code&client_id=" +
                 http::UrlEncode(client_id) + "&redirect_uri=" + http::UrlEncode(redirect) +
                 "&companyId=" + company);
  ASSERT_TRUE(approve.ok() && approve->status == 302) << (approve.ok() ? approve->body : "");
  std::string location = approve->headers.Get("Location").value_or("");
  std::string code = http::UrlDecode(location.substr(location.find("code=") + 5), false);
  code = code.substr(0, code.find('&'));

  auto open = [&]() {
    auto s = b.name == "postgres"
                 ? tokens::OpenPostgresTokenStore({.url = b.store, .schema = b.schema}, key)
                 : tokens::OpenSqliteTokenStore({.path = b.store}, key);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().Describe());
    return std::shared_ptr<tokens::TokenStore>(std::move(s).value());
  };
  tokens::ManagerOptions mo;
  mo.app = {client_id, client_secret};
  mo.http.base_url = base;
  mo.http.warning_sink = [](std::string_view) {};
  mo.refresh_margin = 1000ms;
  mo.lease_ttl = 5000ms;
  mo.wait_for_sibling = 15000ms;
  auto setup = std::make_shared<tokens::TokenManager>(open(), mo);
  auto stored = setup->ExchangeCode(code, redirect, "Company");
  ASSERT_TRUE(stored.ok()) << stored.error().Describe();
  ASSERT_EQ(stored->size(), ids.size() + 1);  // the company + every location

  std::string list;
  for (const auto& id : ids) list += (list.empty() ? "" : ",") + id;
  std::vector<std::string> args = {"--store",         b.store,       "--schema",    b.schema,
                                   "--base-url",      base,          "--client-id", client_id,
                                   "--client-secret", client_secret, "--locations", list,
                                   "--margin-ms",     "1000",        "--lease-ms",  "5000"};
  auto with_seconds = [&](double s) {
    auto a = args;
    a.push_back("--seconds");
    a.push_back(std::to_string(s));
    return a;
  };
  std::vector<WorkerProcess> workers;
  for (int i = 0; i < procs; ++i) {
    workers.push_back(Spawn(with_seconds(seconds), dir.File("w" + std::to_string(i)), key_hex));
  }
  // Three kill -9s spread over the run, each victim replaced for the rest of it.
  int kills = 0;
  for (int k = 1; k <= 3; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(seconds * 1000 / 4));
    WorkerProcess& victim = workers[static_cast<size_t>(k - 1)];
    ::kill(victim.pid, SIGKILL);
    ::waitpid(victim.pid, nullptr, 0);
    ++kills;
    double left = seconds - seconds * k / 4.0;
    victim = Spawn(with_seconds(left), dir.File("r" + std::to_string(k)), key_hex);
  }
  long calls = 0, ok = 0, unauthorized = 0, errors = 0;
  std::string first_error;
  for (auto& w : workers) {
    int status = 0;
    ::waitpid(w.pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << w.out;
    std::ifstream in(w.out);
    std::string line;
    std::getline(in, line);
    json r = json::parse(line);
    calls += r["calls"].get<long>();
    ok += r["ok"].get<long>();
    unauthorized += r["unauthorized"].get<long>();
    errors += r["errors"].get<long>();
    if (first_error.empty()) first_error = r["firstError"];
  }

  // 0 stranded: once the dead workers' leases ran out, every location gets an accepted token.
  auto check = std::make_shared<tokens::TokenManager>(open(), mo);
  client::ClientOptions co;
  co.base_url = base;
  co.token_provider = check;
  co.limits.enabled = false;
  co.warning_sink = [](std::string_view) {};
  client::Client api(co);
  int stranded = 0;
  for (const auto& id : ids) {
    auto r = api.Execute({.method = "GET", .path = "/locations/{locationId}", .location_id = id});
    if (!r.ok() || r->status != 200) ++stranded;
  }

  auto stats = SandboxHttp("GET", base + "/sandbox/oauth/stats");
  ASSERT_TRUE(stats.ok());
  json s = json::parse(stats->body);
  auto store = open();
  auto rows = store->List();
  ASSERT_TRUE(rows.ok());
  long refreshes_sandbox = 0, refreshes_stored = 0, generations = 0, lost = 0, mismatched = 0;
  for (const auto& r : *rows) {
    if (r.kind != tokens::TokenKind::kLocation) continue;
    long at_sandbox = s["refreshes"].value(r.id, 0L);
    refreshes_sandbox += at_sandbox;
    refreshes_stored += r.refreshes;
    generations += r.generation;
    long diff = at_sandbox - r.refreshes;
    if (diff != 0) ++mismatched;
    if (diff > 0) lost += diff;
  }
  std::printf(
      "token race [%s]: %d processes x %d locations x %d s, %d kill -9: %ld calls (%ld ok, "
      "%ld 401, %ld errors), %ld refreshes answered by the sandbox, %ld stored as "
      "generations (%ld generations in all, incl. installs and re-mints), %ld lost to kills "
      "in %ld locations, invalid_grant %d, stranded %d\n",
      b.name.c_str(), procs, locations, seconds, kills, calls, ok, unauthorized, errors,
      refreshes_sandbox, refreshes_stored, generations, lost, mismatched,
      s.value("invalidGrant", -1), stranded);
  EXPECT_EQ(s.value("invalidGrant", -1), 0);
  EXPECT_EQ(stranded, 0);
  EXPECT_EQ(unauthorized, 0) << first_error;
  EXPECT_LE(lost, kills);  // a pair GHL issued to a worker killed before its CAS write
  EXPECT_LE(mismatched, kills);
  EXPECT_GE(refreshes_stored, static_cast<long>(ids.size()) * seconds / 4);  // it did race
  EXPECT_EQ(errors, 0) << first_error;

  // No stored token in clear: every pair the store holds now, searched in every stored byte.
  std::string raw;
  if (b.name == "postgres") {
    pqxx::connection c(b.store);
    pqxx::work w(c);
    for (const char* t : {"ghl_tokens", "ghl_token_meta"}) {
      for (const auto& row :
           w.exec("SELECT x::text FROM " + c.quote_name(b.schema) + "." + t + " x")) {
        raw += row[0].c_str();
      }
    }
  } else {
    for (const char* f : {"tokens.db", "tokens.db-wal"}) {
      std::ifstream in(dir.File(f), std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      raw += ss.str();
    }
  }
  int in_clear = 0, checked = 0;
  for (const auto& r : *rows) {
    auto rec = store->Get(r.id);
    ASSERT_TRUE(rec.ok() && rec->has_value());
    for (const auto* t : {&(*rec)->pair.access_token, &(*rec)->pair.refresh_token}) {
      if (t->empty()) continue;
      ++checked;
      if (raw.find(*t) != std::string::npos) ++in_clear;
    }
  }
  EXPECT_GT(checked, 0);
  EXPECT_EQ(in_clear, 0);
  if (b.name == "postgres") {
    store.reset();
    pqxx::connection c(b.store);
    pqxx::work w(c);
    w.exec("DROP SCHEMA " + c.quote_name(b.schema) + " CASCADE");
    w.commit();
  }
}

INSTANTIATE_TEST_SUITE_P(Store, TokenRace, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

}  // namespace
}  // namespace ghl::testing
