// TokenManager against a scripted GHL OAuth (single-use rotating refresh tokens, minting,
// inactive locations, outages) over a real SQLite token store. The sandbox-based race test
// (tests/integration/token_race_test.cc) runs the same protocol across processes.
#include "ghl/tokens/manager.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <pqxx/pqxx>
#include <set>
#include <thread>

#include "ghl/client/client.h"
#include "ghl/client/testing.h"
#include "ghl/store/event_store.h"
#include "ghl/tokens/install_listener.h"
#include "pg_test_schema.h"

namespace ghl::tokens {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A small GHL: refresh tokens are single use; every issued pair is counted per subject.
class FakeGhl {
 public:
  std::mutex mu;
  std::map<std::string, std::string> refresh_owner;  // live refresh token -> subject id
  std::map<std::string, int> issued;                 // subject -> pairs issued
  std::set<std::string> live_access;
  int invalid_grants = 0;
  int refresh_calls = 0;
  int mint_calls = 0;
  std::set<std::string> inactive;
  int fail_next_with = 0;  // answer this status once to the next refresh
  int ttl_s = 3600;
  int counter = 0;

  json Issue(const std::string& subject, bool with_refresh) {
    ++issued[subject];
    std::string access = "at-" + subject + "-" + std::to_string(++counter);
    live_access.insert(access);
    json j = {{"access_token", access}, {"expires_in", ttl_s}, {"scope", "contacts.readonly"}};
    if (with_refresh) {
      std::string refresh = "rt-" + subject + "-" + std::to_string(counter);
      refresh_owner[refresh] = subject;
      j["refresh_token"] = refresh;
    }
    return j;
  }
  std::string Seed(const std::string& subject) {  // a pair as a code exchange would give
    std::lock_guard lock(mu);
    return Issue(subject, true)["refresh_token"];
  }

  Result<http::Response> Handle(const http::Request& r) {
    std::lock_guard lock(mu);
    http::Response out;
    out.status = 200;
    if (r.target.find("/oauth") == std::string::npos) {  // e.g. GET /locations/{id}: no name
      out.status = 404;
      return out;
    }
    auto path = r.target.substr(r.target.find("/oauth"));
    auto form = http::ParseQuery(r.body);
    auto field = [&](const char* k) {
      for (auto& [n, v] : form) {
        if (n == k) return v;
      }
      return std::string();
    };
    if (path.rfind("/oauth/token", 0) == 0) {
      ++refresh_calls;
      if (fail_next_with != 0) {
        out.status = fail_next_with;
        fail_next_with = 0;
        out.body = R"({"message":"upstream busy"})";
        return out;
      }
      auto it = refresh_owner.find(field("refresh_token"));
      if (it == refresh_owner.end()) {
        ++invalid_grants;
        out.status = 400;
        out.body = R"({"error":"invalid_grant","error_description":"Invalid refresh token"})";
        return out;
      }
      std::string subject = it->second;
      refresh_owner.erase(it);
      if (inactive.count(subject)) {
        out.status = 400;
        out.body = R"({"statusCode":400,"message":"Location is not active"})";
        return out;
      }
      json j = Issue(subject, true);
      j["userType"] = subject.rfind("company:", 0) == 0 ? "Company" : "Location";
      out.body = j.dump();
      return out;
    }
    if (path.rfind("/oauth/locationToken", 0) == 0) {
      ++mint_calls;
      std::string auth = r.headers.Get("Authorization").value_or("");
      if (!live_access.count(auth.substr(7))) {
        out.status = 401;
        out.body = R"({"message":"Invalid JWT"})";
        return out;
      }
      json j = Issue(field("locationId"), true);
      j["locationId"] = field("locationId");
      out.body = j.dump();
      return out;
    }
    out.status = 404;
    return out;
  }
};

struct Fixture {
  std::string backend;  // "sqlite" (a file) or "postgres" (GHL_PG_URL, a fresh schema)
  std::string schema;
  std::unique_ptr<ghl::testing::PgTestSchema> pg;  // postgres only
  fs::path dir;
  std::shared_ptr<FakeGhl> ghl = std::make_shared<FakeGhl>();
  std::shared_ptr<client::testing::FakeTransport> transport;
  TokenKey key = ParseTokenKey(std::string(64, '7'), "test").value();
  std::atomic<int64_t> now_ms{1764720000000};
  std::vector<StateChange> alerts;
  std::mutex alerts_mu;

  explicit Fixture(std::string which = "sqlite") : backend(std::move(which)) {
    static std::atomic<int> n{0};
    schema = "ghl_manager_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++);
    dir = fs::temp_directory_path() / schema;
    fs::create_directories(dir);
    if (backend == "postgres") {
      pg = std::make_unique<ghl::testing::PgTestSchema>(ghl::testing::PgUrl(), "ghl_manager_test");
    }
    transport = std::make_shared<client::testing::FakeTransport>(
        [g = ghl](const http::Request& r) { return g->Handle(r); });
  }
  ~Fixture() { fs::remove_all(dir); }

  Clock clock() {
    return [this] { return UtcTime(milliseconds(now_ms.load())); };
  }
  std::shared_ptr<TokenStore> Store() {
    auto s = backend == "postgres"
                 ? OpenPostgresTokenStore({.url = pg->url(), .schema = pg->name()}, key,
                                          {.clock = clock()})
                 : OpenSqliteTokenStore({.path = (dir / "t.db").string()}, key, {.clock = clock()});
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().Describe());
    return std::shared_ptr<TokenStore>(std::move(s).value());
  }
  std::shared_ptr<TokenManager> Manager(std::string holder = "") {
    ManagerOptions o;
    o.app = {"app1-x", "secret"};
    o.http.base_url = "http://ghl.test";
    o.http.transport = transport;
    o.http.warning_sink = [](std::string_view) {};
    o.clock = clock();
    o.holder = std::move(holder);
    o.refresh_margin = seconds(60);
    o.sleeper = [](milliseconds) { std::this_thread::sleep_for(milliseconds(1)); };
    o.on_state_change = [this](const StateChange& c) {
      std::lock_guard lock(alerts_mu);
      alerts.push_back(c);
    };
    return std::make_shared<TokenManager>(Store(), o);
  }
  // Stores a pair for `id` that GHL knows, expiring in `expires_in`.
  void Seed(TokenStore& store, const std::string& id, milliseconds expires_in,
            TokenKind kind = TokenKind::kLocation, std::string company = "cmp1") {
    NewToken t;
    t.id = id;
    t.kind = kind;
    t.company_id = std::move(company);
    t.pair.refresh_token = ghl->Seed(id);
    t.pair.access_token = "at-seed-" + id;
    {
      std::lock_guard lock(ghl->mu);
      ghl->live_access.insert(t.pair.access_token);
    }
    t.pair.expires_at = UtcTime(milliseconds(now_ms.load())) + expires_in;
    ASSERT_TRUE(store.Put(t).ok());
  }
};

// Every manager test runs on both stores (PostgreSQL skipped without GHL_PG_URL).
class TokenManagerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres" && ghl::testing::PgUrl().empty()) {
      GTEST_SKIP() << ghl::testing::kPgUrlMissing;
    }
  }
};

TEST_P(TokenManagerTest, FreshTokenIsServedWithoutRefreshing) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", seconds(3600));
  auto t = m->AccessToken("loc1");
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(t.value(), "at-seed-loc1");
  EXPECT_EQ(f.ghl->refresh_calls, 0);
}

TEST_P(TokenManagerTest, ExpiringTokenIsRefreshedOnceAndStoredBeforeUse) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", seconds(30));  // inside the 60 s margin
  auto t = m->AccessToken("loc1");
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  auto rec = m->store().Get("loc1");
  EXPECT_EQ((*rec)->pair.access_token, t.value());
  EXPECT_EQ((*rec)->generation, 2);
  EXPECT_EQ(f.ghl->refresh_calls, 1);
  EXPECT_EQ(f.ghl->invalid_grants, 0);
}

// Many managers (each its own store connection and holder, like processes) and threads race
// for one expired location: one refresh, no invalid_grant, everyone gets the stored token.
TEST_P(TokenManagerTest, RacingManagersRefreshOnce) {
  Fixture f(GetParam());
  std::vector<std::shared_ptr<TokenManager>> managers;
  for (int i = 0; i < 4; ++i) managers.push_back(f.Manager("M" + std::to_string(i)));
  f.Seed(managers[0]->store(), "loc1", milliseconds(-1000));  // already expired
  std::vector<std::thread> threads;
  std::mutex mu;
  std::set<std::string> seen;
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] {
      auto t = managers[i % 4]->AccessToken("loc1");
      ASSERT_TRUE(t.ok()) << t.error().Describe();
      std::lock_guard lock(mu);
      seen.insert(t.value());
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(f.ghl->refresh_calls, 1);
  EXPECT_EQ(f.ghl->invalid_grants, 0);
  EXPECT_EQ(seen.size(), 1u);
  EXPECT_EQ((*managers[0]->store().Get("loc1"))->generation, 2);
  EXPECT_EQ(f.ghl->issued["loc1"], 2);  // the seed + the one refresh
}

TEST_P(TokenManagerTest, StaleLeaseIsRecoveredByMintingNotBySpendingTheRefreshToken) {
  Fixture f(GetParam());
  auto m = f.Manager("B");
  f.Seed(m->store(), "company:cmp1", seconds(3600), TokenKind::kCompany);
  f.Seed(m->store(), "loc1", milliseconds(-1));
  // Holder A took the lease, GHL rotated the refresh token, A died before writing.
  ASSERT_TRUE(m->store().TryLease("loc1", "A", 1, seconds(60))->acquired);
  {
    std::lock_guard lock(f.ghl->mu);
    f.ghl->refresh_owner.clear();  // what A's refresh did at GHL
    f.ghl->refresh_owner["rt-only-company"] = "company:cmp1";
  }
  f.now_ms += 61000;  // A's lease runs out
  auto t = m->AccessToken("loc1");
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(f.ghl->invalid_grants, 0);
  EXPECT_EQ(f.ghl->mint_calls, 1);
  EXPECT_EQ((*m->store().Get("loc1"))->state, TokenState::kOk);
}

TEST_P(TokenManagerTest, InvalidGrantWithoutCompanyNeedsReinstallAndAlertsOnce) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", milliseconds(-1), TokenKind::kLocation, "");
  {
    std::lock_guard lock(f.ghl->mu);
    f.ghl->refresh_owner.clear();  // revoked
  }
  EXPECT_FALSE(m->AccessToken("loc1").ok());
  EXPECT_FALSE(m->AccessToken("loc1").ok());  // no second refresh attempt, no second alert
  auto rec = m->store().Get("loc1");
  EXPECT_EQ((*rec)->state, TokenState::kNeedsReinstall);
  EXPECT_EQ(f.ghl->invalid_grants, 1);
  ASSERT_EQ(f.alerts.size(), 1u);
  EXPECT_EQ(f.alerts[0].to, TokenState::kNeedsReinstall);
}

TEST_P(TokenManagerTest, RefusedRefreshesSayTheStateAndTheFixNotHttp0) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", milliseconds(-1), TokenKind::kLocation, "");
  f.Seed(m->store(), "loc2", milliseconds(-1), TokenKind::kLocation, "");
  {
    std::lock_guard lock(f.ghl->mu);
    for (auto it = f.ghl->refresh_owner.begin(); it != f.ghl->refresh_owner.end();) {
      it = it->second == "loc1" ? f.ghl->refresh_owner.erase(it) : std::next(it);
    }
  }
  f.ghl->inactive.insert("loc2");
  for (const char* id : {"loc1", "loc2"}) {
    auto refused = m->Refresh(id);
    ASSERT_FALSE(refused.ok());
    std::string text = refused.error().Describe();
    EXPECT_EQ(text.find("fix each message above"), std::string::npos) << text;
    EXPECT_NE(text.find(id == std::string("loc1") ? "ghl auth login" : "not active"),
              std::string::npos)
        << text;
    auto later = m->AccessToken(id);  // parked: answered from the stored state
    ASSERT_FALSE(later.ok());
    EXPECT_EQ(later.error().Summary().find("HTTP 0"), std::string::npos)
        << later.error().Describe();
  }
  EXPECT_NE(m->AccessToken("loc1").error().Describe().find("ghl auth login"), std::string::npos);
}

TEST_P(TokenManagerTest, InvalidGrantWithCompanyMintsAgain) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "company:cmp1", seconds(3600), TokenKind::kCompany);
  f.Seed(m->store(), "loc1", milliseconds(-1));
  {
    std::lock_guard lock(f.ghl->mu);
    for (auto it = f.ghl->refresh_owner.begin(); it != f.ghl->refresh_owner.end();) {
      it = it->second == "loc1" ? f.ghl->refresh_owner.erase(it) : std::next(it);
    }
  }
  auto t = m->AccessToken("loc1");
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(f.ghl->mint_calls, 1);
  EXPECT_EQ((*m->store().Get("loc1"))->state, TokenState::kOk);
  EXPECT_TRUE(f.alerts.empty());
}

TEST_P(TokenManagerTest, InactiveLocationIsParkedForADayWithOneAlert) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", milliseconds(-1), TokenKind::kLocation, "");
  f.ghl->inactive.insert("loc1");
  EXPECT_FALSE(m->AccessToken("loc1").ok());
  EXPECT_FALSE(m->AccessToken("loc1").ok());
  EXPECT_EQ(f.ghl->refresh_calls, 1);  // parked: not asked again before the recheck
  auto rec = m->store().Get("loc1");
  EXPECT_EQ((*rec)->state, TokenState::kInactive);
  EXPECT_EQ((*rec)->next_attempt, UtcTime(milliseconds(f.now_ms.load())) + std::chrono::hours(24));
  ASSERT_EQ(f.alerts.size(), 1u);
  EXPECT_NE(f.alerts[0].detail.find("not active"), std::string::npos);
  auto sweep = m->Sweep(1);
  ASSERT_TRUE(sweep.ok());
  EXPECT_EQ(f.ghl->refresh_calls, 1);  // not due yet
}

TEST_P(TokenManagerTest, TransientFailureBacksOffAndKeepsServingAUsableToken) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", seconds(30));  // due, still valid
  f.ghl->fail_next_with = 503;
  auto t = m->AccessToken("loc1");
  ASSERT_TRUE(t.ok()) << t.error().Describe();
  EXPECT_EQ(t.value(), "at-seed-loc1");
  auto rec = m->store().Get("loc1");
  EXPECT_EQ((*rec)->state, TokenState::kError);
  EXPECT_GT((*rec)->next_attempt, UtcTime(milliseconds(f.now_ms.load())));
  f.now_ms += 31000;  // past the backoff (30 s)
  auto sweep = m->Sweep(1);
  ASSERT_TRUE(sweep.ok());
  EXPECT_EQ(sweep->refreshed, 1);
  EXPECT_EQ((*m->store().Get("loc1"))->state, TokenState::kOk);
  ASSERT_EQ(f.alerts.size(), 2u);  // ok -> error, error -> ok
  EXPECT_EQ(f.alerts[1].to, TokenState::kOk);
}

TEST_P(TokenManagerTest, InstallBeforeTheCodeExchangeWaitsForTheCompanyThenIsIdempotent) {
  Fixture f(GetParam());
  auto m = f.Manager();
  auto early = m->Install("loc9", "cmp1", "Shop 9");
  ASSERT_FALSE(early.ok());
  EXPECT_EQ(early.error().kind, ErrorKind::kBusy);  // retried by the caller
  f.Seed(m->store(), "company:cmp1", seconds(3600), TokenKind::kCompany);
  ASSERT_TRUE(m->Install("loc9", "cmp1", "Shop 9").ok());
  ASSERT_TRUE(m->Install("loc9", "cmp1", "Shop 9").ok());  // redelivered INSTALL
  EXPECT_EQ(f.ghl->mint_calls, 1);
  auto rec = m->store().Get("loc9");
  ASSERT_TRUE(rec->has_value());
  EXPECT_EQ((*rec)->name, "Shop 9");
  EXPECT_TRUE(*m->Uninstall("loc9"));
  EXPECT_FALSE(m->store().Get("loc9")->has_value());
}

TEST_P(TokenManagerTest, IdleTokensAreRefreshedBySweep) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", std::chrono::hours(48));
  EXPECT_EQ(m->Sweep(2)->refreshed, 0);
  f.now_ms += 25LL * 3600 * 1000;  // a day idle, still valid for 23 h
  EXPECT_EQ(m->Sweep(2)->refreshed, 1);
  EXPECT_EQ(f.ghl->refresh_calls, 1);
}

TEST_P(TokenManagerTest, ClientCallsGetTheLocationsTokenAndRecordMissingScope) {
  Fixture f(GetParam());
  auto m = f.Manager();
  f.Seed(m->store(), "loc1", seconds(3600));
  auto api = std::make_shared<client::testing::FakeTransport>();
  api->PushResponse(401, R"({"message":"The token is not authorized for this scope."})");
  client::ClientOptions o;
  o.base_url = "http://ghl.test";
  o.transport = api;
  o.token_provider = m;
  o.warning_sink = [](std::string_view) {};
  client::Client c(o);
  auto r = c.Execute({.method = "GET", .path = "/contacts/c1", .location_id = "loc1"});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(api->requests()[0].headers.Get("Authorization").value_or(""), "Bearer at-seed-loc1");
  auto rec = m->store().Get("loc1");
  EXPECT_EQ((*rec)->state, TokenState::kMissingScope);
  EXPECT_NE((*rec)->state_detail.find("contacts.readonly"), std::string::npos);
  EXPECT_EQ(f.ghl->refresh_calls, 0);
}

INSTANTIATE_TEST_SUITE_P(Store, TokenManagerTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

TEST(TokenAlertTest, AlertCommandRunsOncePerChange) {
  fs::path out = fs::temp_directory_path() / ("ghl_alert_" + std::to_string(::getpid()));
  fs::remove(out);
  auto sink = MakeAlertSink(
      "echo \"$GHL_TOKEN_ID $GHL_TOKEN_PREVIOUS_STATE->$GHL_TOKEN_STATE\" >> " + out.string(), "",
      nullptr);
  ASSERT_TRUE(sink);
  sink({"loc1", TokenState::kOk, TokenState::kInactive, "Location is not active"});
  std::ifstream in(out);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "loc1 ok->inactive");
  fs::remove(out);
}

}  // namespace
}  // namespace ghl::tokens

namespace ghl::tokens {
namespace {

// INSTALL / UNINSTALL webhooks as the receiver stores them (real SQLite event store).
void AppendAppEvent(store::EventStore& events, const std::string& type, const std::string& loc,
                    int n, const std::string& company = "cmp1") {
  store::NewEvent e;
  e.dedup_key = "wh-" + type + "-" + loc + "-" + std::to_string(n);
  e.type = type;
  e.location_id = loc;
  e.body =
      json{{"type", type}, {"appId", "app1"}, {"locationId", loc}, {"companyId", company}}.dump();
  ASSERT_TRUE(events.Append({e}).ok());
}

TEST_P(TokenManagerTest, InstallWebhookBeforeTheExchangeStoresTheTokenOnceAndUninstallDeletesIt) {
  Fixture f(GetParam());
  auto m = f.Manager();
  auto events = store::OpenSqliteStore({.path = (f.dir / "events.db").string()});
  ASSERT_TRUE(events.ok()) << events.error().Describe();
  std::vector<std::string> lines;
  InstallListener listener(m, **events, [&](std::string_view l) { lines.emplace_back(l); });

  // The company-level INSTALL (no location) and a location's INSTALL arrive before the code
  // exchange stored the company token: the install waits.
  store::NewEvent company;
  company.dedup_key = "wh-company";
  company.type = "INSTALL";
  company.body = R"({"type":"INSTALL","appId":"app1","companyId":"cmp1"})";
  ASSERT_TRUE((*events)->Append({company}).ok());
  AppendAppEvent(**events, "INSTALL", "loc7", 1);
  auto first = listener.Poll();
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  EXPECT_EQ(first->waiting, 1);
  EXPECT_FALSE(m->store().Get("loc7")->has_value());
  ASSERT_TRUE(listener.Poll().ok());  // still waiting, nothing minted
  EXPECT_EQ(f.ghl->mint_calls, 0);

  // The exchange finished: the next poll mints once; a redelivery changes nothing.
  f.Seed(m->store(), CompanyRowId("cmp1"), seconds(3600), TokenKind::kCompany);
  auto second = listener.Poll();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->installed, 1);
  EXPECT_EQ(second->waiting, 0);
  ASSERT_TRUE(m->store().Get("loc7")->has_value());
  AppendAppEvent(**events, "INSTALL", "loc7", 2);
  ASSERT_TRUE(listener.Poll().ok());
  EXPECT_EQ(f.ghl->mint_calls, 1);

  // UNINSTALL deletes the location's tokens; a new listener (a restart) re-reads everything
  // and leaves it deleted (the newest event per location wins).
  AppendAppEvent(**events, "UNINSTALL", "loc7", 3);
  auto third = listener.Poll();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->uninstalled, 1);
  EXPECT_FALSE(m->store().Get("loc7")->has_value());
  InstallListener restarted(m, **events);
  ASSERT_TRUE(restarted.Poll().ok());
  EXPECT_FALSE(m->store().Get("loc7")->has_value());
  EXPECT_EQ(f.ghl->mint_calls, 1);
  EXPECT_EQ(f.ghl->issued["loc7"], 1);
}

// `ghl serve --tokens` restarted between events: its listener continues from the position it
// saved in the token store: no INSTALL applied twice, none skipped (a waiting one included).
TEST_P(TokenManagerTest, ARestartedInstallListenerNeitherSkipsNorRedoesAnInstall) {
  Fixture f(GetParam());
  auto m = f.Manager();
  auto events = store::OpenSqliteStore({.path = (f.dir / "events.db").string()});
  ASSERT_TRUE(events.ok()) << events.error().Describe();
  f.Seed(m->store(), CompanyRowId("cmp1"), seconds(3600), TokenKind::kCompany);
  std::vector<std::string> lines;
  auto log = [&](std::string_view l) { lines.emplace_back(l); };
  int installed = 0;
  auto poll = [&](InstallListener& l) {
    auto r = l.Poll();
    EXPECT_TRUE(r.ok()) << r.error().Describe();
    installed += r.ok() ? r->installed : 0;
    return r.ok() ? *r : InstallPollReport{};
  };
  {
    InstallListener first(m, **events, log);
    AppendAppEvent(**events, "INSTALL", "loc1", 1);
    EXPECT_EQ(poll(first).installed, 1);
    AppendAppEvent(**events, "INSTALL", "loc2", 1);
    AppendAppEvent(**events, "INSTALL", "loc3", 1, "cmp2");  // its company has no token yet
    auto r = poll(first);
    EXPECT_EQ(r.installed, 1);
    EXPECT_EQ(r.waiting, 1);
  }
  {
    InstallListener second(m, **events, log);  // restart
    AppendAppEvent(**events, "INSTALL", "loc4", 1);
    auto r = poll(second);
    EXPECT_EQ(r.installed, 1);  // loc4 only: loc1 and loc2 are not applied again
    EXPECT_EQ(r.waiting, 1);    // loc3 still waits: not skipped
  }
  f.Seed(m->store(), CompanyRowId("cmp2"), seconds(3600), TokenKind::kCompany);
  {
    InstallListener third(m, **events, log);  // restart
    auto r = poll(third);
    EXPECT_EQ(r.installed, 1);  // loc3
    EXPECT_EQ(r.waiting, 0);
    EXPECT_EQ(poll(third).installed, 0);
  }
  EXPECT_EQ(installed, 4);
  EXPECT_EQ(f.ghl->mint_calls, 4);
  for (const char* loc : {"loc1", "loc2", "loc3", "loc4"}) {
    EXPECT_EQ(
        std::count(lines.begin(), lines.end(), "INSTALL " + std::string(loc) + ": token stored"), 1)
        << loc;
    EXPECT_TRUE(m->store().Get(loc)->has_value()) << loc;
  }
  // A saved position that is not in the event store (a new events file) is not trusted.
  auto other = store::OpenSqliteStore({.path = (f.dir / "other-events.db").string()});
  ASSERT_TRUE(other.ok());
  AppendAppEvent(**other, "INSTALL", "loc5", 1);
  InstallListener fresh(m, **other, log);
  EXPECT_EQ(poll(fresh).installed, 1);
}

}  // namespace
}  // namespace ghl::tokens
