// `ghl sync` and `ghl kpi` as processes against `ghl sandbox` / `ghl serve --sandbox` over
// loopback: kill -9 at several points of a sync and a rerun end with the same tables as an
// uninterrupted sync (SQLite here; PostgreSQL in sync_cli_postgres_test with GHL_PG_URL);
// `--watch` follows the event store; `ghl kpi --json` prints the figures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <thread>

#include "ghl/sync/database.h"
#include "ghl/sync/schema.h"
#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

#ifdef GHL_SYNC_POSTGRES
constexpr bool kPostgres = true;
#else
constexpr bool kPostgres = false;
#endif

constexpr int kContacts = 2000;

// A sync database location (SQLite file, or a fresh PostgreSQL schema) and its CLI flags.
struct Target {
  std::string location;
  std::string schema = "public";
  std::vector<std::string> Flags() const { return {"--db", location, "--db-schema", schema}; }
  std::unique_ptr<sync::Database> Open() const {
    auto db = sync::OpenDatabase({location, schema});
    EXPECT_TRUE(db.ok()) << db.error().Describe();
    return db.ok() ? std::move(*db) : nullptr;
  }
};

class SyncCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kPostgres && !std::getenv("GHL_PG_URL")) GTEST_SKIP() << "GHL_PG_URL is not set";
  }
  void TearDown() override {
    for (const auto& t : schemas_) {
      if (auto db = t.Open()) (void)db->ExecScript("DROP SCHEMA " + t.schema + " CASCADE");
    }
  }
  Target NewTarget(const std::string& name) {
    Target t;
    if (kPostgres) {
      t.location = std::getenv("GHL_PG_URL");
      t.schema = "sync_cli_" + name + "_" + std::to_string(::getpid());
      schemas_.push_back(t);
    } else {
      t.location = dir_.File(name + ".db");
    }
    return t;
  }
  std::map<std::string, std::string> Env(const SandboxProcess& sb) {
    return {{"GHL_BASE_URL", sb.base_url()},
            {"GHL_TOKEN", sb.token()},
            {"GHL_LOCATION_ID", sb.location_id()}};
  }
  // GHL_BASE_URL, GHL_TOKEN, GHL_LOCATION_ID of `ghl serve --sandbox`'s embedded sandbox, from
  // its start lines (empty when not found).
  std::map<std::string, std::string> SandboxEnv(const ServeProcess& serve) {
    std::smatch m;
    std::string out = serve.Stdout();
    if (!std::regex_search(out, m,
                           std::regex("GHL_BASE_URL=(\\S+) GHL_TOKEN=(\\S+) "
                                      "GHL_LOCATION_ID=(\\S+)"))) {
      return {};
    }
    return {{"GHL_BASE_URL", m[1]}, {"GHL_TOKEN", m[2]}, {"GHL_LOCATION_ID", m[3]}};
  }
  int64_t Count(sync::Database& db, const std::string& sql) {
    auto n = sync::QueryInt(db, sql, {}, 0);
    return n.ok() ? *n : 0;  // the table may not exist yet
  }
  // Every table's rows (the `pass` stamp left out).
  std::map<std::string, std::multiset<std::string>> Tables(sync::Database& db) {
    std::map<std::string, std::multiset<std::string>> out;
    for (const auto& t : sync::DataTables()) {
      std::string sql = (t == "pipeline_stages" || t == "contact_custom_values")
                            ? "SELECT * FROM " + t
                            : "SELECT id, raw FROM " + t;
      auto rows = db.Query(sql, {});
      EXPECT_TRUE(rows.ok()) << t;
      if (!rows.ok()) continue;
      for (const auto& r : *rows) {
        std::string all;
        for (const auto& v : r) all += v.value_or("<null>") + "|";
        out[t].insert(all);
      }
    }
    return out;
  }
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(10ms);
    }
    return pred();
  }

  // Polls `reached` with `run` stopped (SIGSTOP), so a point seen is a point the sync has not
  // run past: true with `run` left stopped for the kill; false (running) when the deadline
  // passed or the process ended.
  bool WaitFrozenAt(GhlRun& run, const std::function<bool()>& reached,
                    std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      run.Signal(SIGSTOP);
      if (!WaitStopped(run.pid())) return false;  // it ended
      if (reached()) return true;
      run.Signal(SIGCONT);
      std::this_thread::sleep_for(10ms);
    }
    return false;
  }
  // True once `pid` is stopped (kill(2) returns before the stop takes effect); false when it
  // ended (state Z, or gone).
  static bool WaitStopped(pid_t pid) {
    for (;;) {
      std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
      std::string all((std::istreambuf_iterator<char>(stat)), {});
      size_t paren = all.rfind(')');
      if (paren == std::string::npos || paren + 2 >= all.size()) return false;
      char state = all[paren + 2];
      if (state == 'T' || state == 't') return true;
      if (state == 'Z' || state == 'X') return false;
      std::this_thread::sleep_for(1ms);
    }
  }

  TempDir dir_;
  std::vector<Target> schemas_;
};

TEST_F(SyncCliTest, KillNineAtSeveralPointsThenRerunGivesIdenticalTables) {
  // Paced (the sandbox's X-RateLimit headers, which the client follows): about 1 s per sync,
  // and after the last kill point 46 of its 94 pages remain, over 0.4 s. Unpaced, that rest
  // took 20 ms, less than a poll of WaitFrozenAt under load, and the sync often ended first.
  SandboxProcess sb(
      {"--seed", "demo", "--seed-contacts", std::to_string(kContacts), "--rate-limit", "10/100ms"});
  auto env = Env(sb);
  std::vector<std::string> common = {"sync", "--page-size", "50", "--message-page-size", "2"};

  Target ref = NewTarget("reference");
  auto args = common;
  for (const auto& f : ref.Flags()) args.push_back(f);
  CliResult done = RunGhl(args, env);
  ASSERT_EQ(done.exit_code, 0) << done.err;
  EXPECT_THAT(done.out, HasSubstr("synced"));
  // Not a terminal: plain progress lines, one per finished stream.
  EXPECT_THAT(done.err, HasSubstr(" contacts: " + std::to_string(50 + kContacts) + " rows, "));
  EXPECT_THAT(done.err, HasSubstr(" appointments: "));
  EXPECT_THAT(done.err, HasSubstr(" conversations: "));
  auto ref_db = ref.Open();
  ASSERT_EQ(Count(*ref_db, "SELECT COUNT(*) FROM contacts"), 50 + kContacts);

  Target killed = NewTarget("killed");
  auto db = killed.Open();
  args = common;
  for (const auto& f : killed.Flags()) args.push_back(f);
  // Kill points: early in contacts, later in contacts, and once contacts are done (during
  // opportunities, appointments or conversations).
  std::vector<std::function<bool()>> points = {
      [&] { return Count(*db, "SELECT COUNT(*) FROM contacts") >= 200; },
      [&] { return Count(*db, "SELECT COUNT(*) FROM contacts") >= 1200; },
      [&] {
        return Count(*db,
                     "SELECT COUNT(*) FROM sync_checkpoints WHERE stream IN "
                     "('opportunities', 'appointments', 'conversations')") > 0;
      },
  };
  int mid_run_kills = 0;
  for (auto& reached : points) {
    GhlRun run(args, env);
    bool hit = WaitFrozenAt(run, reached, 20s);
    run.Signal(SIGKILL);
    auto rc = run.Wait(5s);
    ASSERT_TRUE(rc.has_value());
    if (hit && *rc == 128 + SIGKILL) ++mid_run_kills;
  }
  EXPECT_GE(mid_run_kills, 2) << "the sync ended before most kill points";
  EXPECT_LT(Count(*db, "SELECT COUNT(*) FROM contacts") +
                Count(*db,
                      "SELECT COUNT(*) FROM sync_checkpoints WHERE stream = 'conversations' "
                      "AND in_pass = 0"),
            50 + kContacts + 1)
      << "every kill came after the end";
  CliResult rerun = RunGhl(args, env);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(Tables(*db), Tables(*ref_db));
  EXPECT_EQ(Count(*db, "SELECT COUNT(*) FROM sync_checkpoints WHERE in_pass = 1"), 0);
}

TEST_F(SyncCliTest, WatchAppliesWebhookEventsFromTheEventStore) {
  ServeProcess serve({"--sandbox"});
  std::map<std::string, std::string> env = SandboxEnv(serve);
  ASSERT_FALSE(env.empty()) << serve.Stdout();
  Target t = NewTarget("watch");
  std::vector<std::string> args = {"sync", "--watch",     "--poll-ms",
                                   "50",   "--events-db", serve.dir() + "/ghl-events.db"};
  for (const auto& f : t.Flags()) args.push_back(f);
  GhlRun watch(args, env);
  auto db = t.Open();
  ASSERT_TRUE(WaitFor([&] { return Count(*db, "SELECT COUNT(*) FROM contacts") >= 50; }, 20s))
      << watch.Stderr();
  ASSERT_TRUE(WaitFor([&] { return watch.Stderr().find("watching") != std::string::npos; }, 20s));

  auto created = RunGhl(
      {"api", "POST", "/contacts/", "-f", "firstName=Watched", "-f", "email=watched@example.org"},
      env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string id = json::parse(created.out)["contact"]["id"];
  auto row = [&](const std::string& extra) {
    auto rows = db->Query("SELECT COUNT(*) FROM contacts WHERE id = $1" + extra, {id});
    return rows.ok() && (*rows)[0][0].value_or("0") != "0";
  };
  // The receiver commits the sandbox's signed webhook; the watcher polls the store.
  EXPECT_TRUE(WaitFor([&] { return row(""); }, 2s)) << watch.Stdout() << watch.Stderr();
  ASSERT_EQ(RunGhl({"api", "PUT", "/contacts/" + id, "-f", "companyName=Watch Co"}, env).exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return row(" AND company_name = 'Watch Co'"); }, 2s));
  ASSERT_EQ(RunGhl({"api", "DELETE", "/contacts/" + id}, env).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return !row(""); }, 2s));
  watch.Signal(SIGTERM);
  EXPECT_EQ(watch.Wait(10s), std::optional<int>(0)) << watch.Stderr();
  EXPECT_THAT(watch.Stdout(), HasSubstr("feed: applied"));

  // ghl kpi over what was synced.
  std::vector<std::string> kpi = {"kpi", "--period", "all", "--json"};
  for (const auto& f : t.Flags()) kpi.push_back(f);
  CliResult k = RunGhl(kpi, env);
  ASSERT_EQ(k.exit_code, 0) << k.err;
  json figures = json::parse(k.out);
  EXPECT_EQ(figures["won"], 2);  // the demo seed: 2 won, 1 lost
  EXPECT_EQ(figures["lost"], 1);
  EXPECT_NEAR(figures["winRate"].get<double>(), 2.0 / 3.0, 1e-9);
  EXPECT_EQ(figures["leads"], 50);
}

// Break-it findings: a contact's source with escape codes reached the terminal raw through
// `ghl kpi`; an unknown location and days that do not exist printed zeros with exit 0.
TEST_F(SyncCliTest, KpiEscapesSyncedTextAndRefusesUnknownLocationsAndDays) {
  SandboxProcess sb({"--seed", "demo"});
  auto env = Env(sb);
  CliResult made = RunGhl({"api", "POST", "/contacts/", "-f", "firstName=Esc", "-f",
                           "email=esc@example.com", "-f", "source=\x1b[2J\x1b]0;PWNED\x07\nline2"},
                          env);
  ASSERT_EQ(made.exit_code, 0) << made.err;
  Target t = NewTarget("kpi_text");
  std::vector<std::string> args = {"sync", "--streams", "locations,contacts"};
  for (const auto& f : t.Flags()) args.push_back(f);
  ASSERT_EQ(RunGhl(args, env).exit_code, 0);
  std::vector<std::string> kpi = {"kpi", "--period", "all"};
  for (const auto& f : t.Flags()) kpi.push_back(f);
  CliResult text = RunGhl(kpi, env);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_THAT(text.out, HasSubstr("PWNED"));
  EXPECT_EQ(text.out.find('\x1b'), std::string::npos) << "an escape code reached the terminal";
  EXPECT_EQ(text.out.find('\x07'), std::string::npos);
  EXPECT_THAT(text.out, HasSubstr("\\x1b[2J"));
  EXPECT_EQ(text.out.find("\nline2"), std::string::npos) << "a newline in a source broke the table";

  auto with = [&](std::vector<std::string> extra) {
    for (const auto& f : t.Flags()) extra.push_back(f);
    return RunGhl(extra, env);
  };
  CliResult unknown = with({"kpi", "--location", "nosuch"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_THAT(unknown.err, HasSubstr("location 'nosuch' is not in the sync database"));
  for (const char* period : {"2026-02-30", "2026-02-31..2026-02-35", "2026-12-32"}) {
    CliResult bad = with({"kpi", "--period", period});
    EXPECT_EQ(bad.exit_code, 2) << period;
    EXPECT_THAT(bad.err, HasSubstr("is not a period")) << period;
  }
}

// `ghl serve --sandbox --sync-watch`: the same watcher inside the server. The first sync fills
// --sync-db; contact and opportunity create, update and delete in the sandbox reach the tables
// through the signed webhook, the receiver's store and the feed; a row removed behind the feed's
// back (a change no event reports) comes back with the scheduled reconcile pass, which prints
// the drift it fixed.
TEST_F(SyncCliTest, ServeSyncWatchAppliesSandboxChangesAndReconcilesOnSchedule) {
  Target t = NewTarget("serve");
  ServeProcess serve({"--sandbox", "--sync-db", t.location, "--sync-db-schema", t.schema,
                      "--sync-watch", "--sync-poll-ms", "50", "--sync-reconcile-every", "2"});
  std::map<std::string, std::string> env = SandboxEnv(serve);
  ASSERT_FALSE(env.empty()) << serve.Stdout();
  auto db = t.Open();
  ASSERT_TRUE(db);
  // The first sync: the demo seed's 50 contacts and its deals.
  ASSERT_TRUE(WaitFor([&] { return Count(*db, "SELECT COUNT(*) FROM contacts") == 50; }, 30s))
      << serve.Stdout() << serve.Stderr();
  ASSERT_TRUE(
      WaitFor([&] { return serve.Stdout().find("Sync:       synced") != std::string::npos; }, 30s));
  int64_t deals = Count(*db, "SELECT COUNT(*) FROM opportunities");
  EXPECT_GT(deals, 0);

  auto has = [&](const std::string& sql, const std::string& id) {
    auto rows = db->Query(sql, {id});
    return rows.ok() && !rows->empty() && (*rows)[0][0].value_or("0") != "0";
  };
  auto contact_row = [&](const std::string& id, const std::string& extra = "") {
    return has("SELECT COUNT(*) FROM contacts WHERE id = $1" + extra, id);
  };
  auto created = RunGhl(
      {"api", "POST", "/contacts/", "-f", "firstName=Served", "-f", "email=served@example.org"},
      env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  std::string id = json::parse(created.out)["contact"]["id"];
  EXPECT_TRUE(WaitFor([&] { return contact_row(id); }, 10s)) << serve.Stderr();
  ASSERT_EQ(RunGhl({"api", "PUT", "/contacts/" + id, "-f", "companyName=Serve Co"}, env).exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return contact_row(id, " AND company_name = 'Serve Co'"); }, 10s));

  // An opportunity for the contact: created, won, deleted.
  auto pipelines = RunGhl({"api", "GET", "/opportunities/pipelines"}, env);
  ASSERT_EQ(pipelines.exit_code, 0) << pipelines.err;
  json pipeline = json::parse(pipelines.out)["pipelines"][0];
  auto deal = RunGhl(
      {"api", "POST", "/opportunities/", "-f", "pipelineId=" + pipeline["id"].get<std::string>(),
       "-f", "pipelineStageId=" + pipeline["stages"][0]["id"].get<std::string>(), "-f",
       "name=Served deal", "-f", "status=open", "-f", "contactId=" + id},
      env);
  ASSERT_EQ(deal.exit_code, 0) << deal.err;
  std::string deal_id = json::parse(deal.out)["opportunity"]["id"];
  auto deal_row = [&](const std::string& extra = "") {
    return has("SELECT COUNT(*) FROM opportunities WHERE id = $1" + extra, deal_id);
  };
  EXPECT_TRUE(WaitFor([&] { return deal_row(" AND status = 'open'"); }, 10s));
  ASSERT_EQ(RunGhl({"api", "PUT", "/opportunities/" + deal_id + "/status", "-f", "status=won"}, env)
                .exit_code,
            0);
  EXPECT_TRUE(WaitFor([&] { return deal_row(" AND status = 'won'"); }, 10s));
  ASSERT_EQ(RunGhl({"api", "DELETE", "/opportunities/" + deal_id}, env).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return !deal_row(); }, 10s));
  ASSERT_EQ(RunGhl({"api", "DELETE", "/contacts/" + id}, env).exit_code, 0);
  EXPECT_TRUE(WaitFor([&] { return !contact_row(id); }, 10s));

  // A row lost behind the feed's back: the next reconcile pass (every 2 s, paced with the
  // feed by the sandbox's 100 calls / 10 s) restores it and prints the drift.
  auto any = db->Query("SELECT id FROM contacts ORDER BY id LIMIT 1", {});
  ASSERT_TRUE(any.ok() && !any->empty());
  std::string lost = *(*any)[0][0];
  ASSERT_TRUE(db->Exec("DELETE FROM contacts WHERE id = $1", {lost}).ok());
  EXPECT_TRUE(WaitFor([&] { return contact_row(lost); }, 20s)) << serve.Stdout();
  EXPECT_TRUE(WaitFor(
      [&] {
        return serve.Stdout().find("fixed drift of 1 rows: contacts: 1 missing") !=
               std::string::npos;
      },
      30s))
      << serve.Stdout() << serve.Stderr();
  EXPECT_EQ(serve.Terminate(10s), std::optional<int>(0)) << serve.Stderr();
}

TEST_F(SyncCliTest, ServeSyncWatchNeedsATokenAndAUsableDatabase) {
  CliResult r = RunGhl({"serve", "--port", "0", "--events-db", dir_.File("e.db"), "--sync-db",
                        dir_.File("s.db"), "--sync-watch"},
                       {{"GHL_TOKEN", ""}});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--sync-watch needs a token"));
  r = RunGhl({"serve", "--sandbox", "--port", "0", "--events-db", dir_.File("e.db"), "--sync-db",
              dir_.File("no/such/dir/s.db"), "--sync-watch"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("--sync-db"));
}

TEST_F(SyncCliTest, BadFlagsAreUsageErrors) {
  CliResult r = RunGhl({"sync", "--streams", "contacts,deals"}, {{"GHL_TOKEN", "x"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown stream 'deals'"));
  r = RunGhl({"sync", "--max-daily-share", "1.5"}, {{"GHL_TOKEN", "x"}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--max-daily-share"));
  r = RunGhl({"kpi", "--period", "fortnight", "--db", dir_.File("k.db"), "--location", "L"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--period"));
}

}  // namespace
}  // namespace ghl::testing
