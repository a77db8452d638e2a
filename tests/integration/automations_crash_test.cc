// Crash test (issue 3), the processing half: `ghl serve --automations` receives signed
// ContactCreate webhooks and its engine acts on them through a separate, persistent
// `ghl sandbox --db FILE` process, while the test SIGKILLs `ghl serve` at random moments and
// restarts it on the same SQLite event store and effects ledger (the same file).
//
// At the end every event answered 200 must be stored once and done (none dead, none stuck in
// processing), and the business effects must have happened exactly once: one opportunity per
// contact in the pipeline (the sandbox's location is switched to allow duplicate
// opportunities, so a doubled POST would show as a second one), each contact carries its
// dedup tag (new-lead) once, and the effects ledger holds one `done` opportunity effect per
// contact naming that opportunity. A quarter of the contacts also get a second delivery with
// another webhookId (GHL re-delivering), which must change nothing.
//
// Three kills fall at random moments. Two are aimed (the engine's upstream is a proxy in front
// of the sandbox that holds one `POST /opportunities/` while the test kills): one after the
// opportunity was created and before the ledger recorded it (the restarted engine must find
// it, not create a second one), one after the ledger said `started` and before the create
// reached the sandbox (the restarted engine must create it, once). Disabling the API check of
// EnsureOpportunity makes this test fail with "contact … has 2 opportunities".
//
// The events are released in six phases, one per kill and one after the last, so each kill
// falls while events are still arriving and being processed, on a fast machine too.
//
// Config: lease_seconds = 2 (a killed server's `processing` events and contact locks are
// taken over 2 s after their claim), initial/max backoff 0.2 s / 1 s, poll 50 ms.
// Prints the counts: contacts, events sent, answered 200, stored, processed (done),
// re-claimed after a kill, opportunities, kills.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/core/time_format.h"
#include "ghl/http/transport.h"
#include "ghl/server/http_server.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/replay.h"
#include "ghl/webhooks/signer.h"
#include "process.h"
#include "stored_events.h"

namespace ghl::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr int kContacts = 200;
constexpr int kKills = 5;
constexpr char kTag[] = "new-lead";

int64_t EpochMsNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string WebhookIdOf(const std::string& body) {
  json j = json::parse(body, nullptr, false);
  return j.is_object() ? j.value("webhookId", "") : "";
}

// Runs one SQL statement with one text parameter; returns sqlite3_changes or -1.
int Exec(const std::string& db_path, const char* sql, const std::string& param) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    return -1;
  }
  sqlite3_busy_timeout(db, 5000);
  sqlite3_stmt* st = nullptr;
  int changes = -1;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK) {
    sqlite3_bind_text(st, 1, param.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_DONE) changes = sqlite3_changes(db);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return changes;
}

struct EffectRow {
  std::string key, state, result;
  int64_t updated_at_ms = 0;
};

// Every row of the effects ledger (ghl/automations/ledger.h) whose key starts with `prefix`.
std::vector<EffectRow> LedgerEffects(const std::string& db_path, const std::string& prefix) {
  std::vector<EffectRow> out;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    sqlite3_close(db);
    ADD_FAILURE() << "cannot open " << db_path;
    return out;
  }
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(
          db,
          "SELECT key, state, COALESCE(result, ''), updated_at FROM ghl_automation_effects "
          "WHERE substr(key, 1, length(?1)) = ?1",
          -1, &st, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "ledger query: " << sqlite3_errmsg(db);
  } else {
    sqlite3_bind_text(st, 1, prefix.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW) {
      auto text = [&](int i) {
        return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st, i)));
      };
      out.push_back({text(0), text(1), text(2), sqlite3_column_int64(st, 3)});
    }
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

client::Client SandboxClient(const SandboxProcess& sandbox) {
  client::ClientOptions o;
  o.base_url = sandbox.base_url();
  o.token = sandbox.token();
  o.default_location_id = sandbox.location_id();
  o.warning_sink = [](std::string_view) {};
  return client::Client(o);
}

// GET /api/events/stats of `ghl serve` → its "events" block ({pending, processing, done,
// dead, total}); null when the server does not answer.
json EventStats(http::Transport& transport, int port) {
  http::Request req;
  req.method = "GET";
  req.target = "http://127.0.0.1:" + std::to_string(port) + "/api/events/stats";
  http::TransportOptions topts;
  topts.timeout = 2s;
  topts.connect_timeout = 1s;
  auto res = transport.Send(req, topts);
  if (!res.ok() || res->status != 200) return nullptr;
  json j = json::parse(res->body, nullptr, false);
  return j.is_object() && j.contains("events") ? j["events"] : json(nullptr);
}

std::string Counts(const json& events) {
  if (!events.is_object()) return "(no answer)";
  return "pending " + std::to_string(events.value("pending", -1)) + ", processing " +
         std::to_string(events.value("processing", -1)) + ", done " +
         std::to_string(events.value("done", -1)) + ", dead " +
         std::to_string(events.value("dead", -1));
}

// The engine's upstream: a loopback proxy in front of the sandbox that can hold the engine's
// next `POST /opportunities/` for the test to kill `ghl serve` in the middle of the effect:
//  - kBeforeEffect: the request is held and never forwarded (the ledger row says `started`,
//    the sandbox has no opportunity): after the restart the engine must create it once;
//  - kAfterEffect: the request is forwarded, the opportunity exists, the answer is held (the
//    ledger row still says `started`): after the restart the engine must find it, not
//    create a second one.
class EffectTrap {
 public:
  enum class Mode { kOff, kBeforeEffect, kAfterEffect };

  explicit EffectTrap(std::string sandbox_url)
      : sandbox_url_(std::move(sandbox_url)), transport_(http::MakeCurlTransport()) {
    server::ServerOptions options;
    options.threads = 8;  // the held requests block theirs
    server::Handler handler = [this](const http::Request& r) { return Forward(r); };
    server_ = std::make_unique<server::HttpServer>(options, handler);
    port_ = server_->Start();
  }
  ~EffectTrap() { server_->Stop(); }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  void Arm(Mode mode) {
    std::lock_guard lock(mu_);
    mode_ = mode;
    caught_.clear();
  }
  // Waits until an armed trap caught a request; returns the contact id, or "" on timeout.
  std::string WaitCaught(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return !caught_.empty(); });
    mode_ = Mode::kOff;
    return caught_;
  }

 private:
  http::Response Forward(const http::Request& in) {
    Mode mode = Mode::kOff;
    bool create = in.method == "POST" && in.Path() == "/opportunities/";
    if (create) {
      std::lock_guard lock(mu_);
      mode = mode_;
      mode_ = Mode::kOff;
    }
    http::Response out;
    if (mode != Mode::kBeforeEffect) {
      http::Request req;
      req.method = in.method;
      req.target = sandbox_url_ + in.target;
      req.body = in.body;
      for (const char* name : {"Authorization", "Version", "Content-Type", "Accept"}) {
        if (auto v = in.headers.Get(name)) req.headers.Set(name, *v);
      }
      auto res = transport_->Send(req, {});
      if (!res.ok()) {
        out.status = 502;
        out.body = R"({"message":"proxy: sandbox unreachable"})";
        return out;
      }
      out.status = res->status;
      out.body = res->body;
      for (const auto& [name, value] : res->headers.fields()) {
        if (http::EqualsIgnoreCase(name, "Content-Type") ||
            http::EqualsIgnoreCase(name, "Retry-After") ||
            std::string_view(name).substr(0, 12) == "X-RateLimit-" ||
            std::string_view(name).substr(0, 12) == "x-ratelimit-") {
          out.headers.Add(name, value);
        }
      }
    } else {
      out.status = 503;
      out.body = R"({"message":"proxy: held for a kill, not forwarded"})";
    }
    if (mode != Mode::kOff) {
      json body = json::parse(in.body, nullptr, false);
      {
        std::lock_guard lock(mu_);
        caught_ = body.is_object() ? body.value("contactId", "?") : "?";
      }
      cv_.notify_all();
      std::this_thread::sleep_for(1500ms);  // the test kills the caller meanwhile
    }
    return out;
  }

  std::string sandbox_url_;
  std::shared_ptr<http::Transport> transport_;
  std::unique_ptr<server::HttpServer> server_;
  uint16_t port_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  Mode mode_ = Mode::kOff;
  std::string caught_;
};

struct Outgoing {
  int contact = 0;  // index into the contacts
  std::string webhook_id;
};

TEST(AutomationsCrashTest, EveryEventAnswered200IsProcessedOnceAndNoEffectDoublesUnderKill9) {
  char tmpl[] = "/tmp/ghl_automations_crash_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string sandbox_db = dir + "/sandbox.db";
  const std::string events_db = dir + "/events.db";
  const std::string config_path = dir + "/automations.toml";
  const std::vector<std::string> sandbox_args = {"--db",      sandbox_db,      "--rate-limit",
                                                 "100000/1s", "--daily-limit", "100000000"};

  // The sandbox writes its demo seed to the file; then the location is switched to allow a
  // second open opportunity per contact and pipeline (GHL's allowDuplicateOpportunity), so a
  // recipe that acted twice leaves two opportunities instead of meeting the sandbox's refusal.
  std::string location;
  {
    SandboxProcess seed(sandbox_args);
    location = seed.location_id();
  }
  ASSERT_EQ(Exec(sandbox_db,
                 "UPDATE documents SET body = json_set(body, "
                 "'$.settings.allowDuplicateOpportunity', json('true')) "
                 "WHERE collection = 'locations' AND id = ?1",
                 location),
            1);
  SandboxProcess sandbox(sandbox_args);  // persistent: never killed
  ASSERT_EQ(sandbox.location_id(), location);
  auto api = SandboxClient(sandbox);

  auto pipelines = api.Get("/opportunities/pipelines");
  ASSERT_TRUE(pipelines.ok()) << pipelines.error().Describe();
  std::string pipeline_id;
  for (const auto& p : (*pipelines)["pipelines"]) {
    if (p.value("name", "") == "Sales Pipeline") pipeline_id = p.value("id", "");
  }
  ASSERT_FALSE(pipeline_id.empty()) << pipelines->dump();

  // The check below can fail: the sandbox now takes a second opportunity for one contact.
  const std::string nonce = std::to_string(getpid()) + "-" + std::to_string(std::time(nullptr));
  {
    auto canary = api.Post(
        "/contacts/",
        json{{"firstName", "Canary"}, {"email", "canary-" + nonce + "@example.com"}}.dump());
    ASSERT_TRUE(canary.ok()) << canary.error().Describe();
    std::string id = (*canary)["contact"].value("id", "");
    json opp = {
        {"pipelineId", pipeline_id}, {"name", "canary"}, {"status", "open"}, {"contactId", id}};
    auto first = api.Post("/opportunities/", opp.dump());
    auto second = api.Post("/opportunities/", opp.dump());
    ASSERT_TRUE(first.ok()) << first.error().Describe();
    ASSERT_TRUE(second.ok()) << "the sandbox still refuses duplicate opportunities: "
                             << second.error().Describe();
  }

  // The contacts the webhooks are about, created first (as GHL does before it sends
  // ContactCreate). Unique emails: every one is a new lead.
  std::vector<std::string> contact_ids;
  for (int i = 0; i < kContacts; ++i) {
    auto made = api.Post(
        "/contacts/", json{{"firstName", "Crash"},
                           {"lastName", "Lead " + std::to_string(i)},
                           {"email", "crash-" + std::to_string(i) + "-" + nonce + "@example.com"}}
                          .dump());
    ASSERT_TRUE(made.ok()) << made.error().Describe();
    contact_ids.push_back((*made)["contact"].value("id", ""));
    ASSERT_FALSE(contact_ids.back().empty());
  }

  {
    std::ofstream config(config_path);
    config << "location_id = \"" << location << "\"\n"
           << "[worker]\nconcurrency = 2\nlease_seconds = 2\nmax_attempts = 8\n"
           << "initial_backoff_seconds = 0.2\nmax_backoff_seconds = 1\npoll_interval_ms = 50\n"
           << "lock_wait_seconds = 3\n"
           << "[tags]\nnew_lead = \"" << kTag << "\"\n"
           << "[recipes.dedup_tagging]\nmatch_on = [\"email\", \"phone\"]\n"
           << "[recipes.form_to_opportunity]\npipeline = \"Sales Pipeline\"\n"
           << "stage = \"New Lead\"\nmonetary_value = 500\nname_template = \"{name} - New Deal\"\n";
  }
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(signer.ok());
  EffectTrap trap(sandbox.base_url());
  const std::vector<std::string> serve_args = {
      "--upstream",    trap.url(), "--location",           location,
      "--events-db",   events_db,  "--webhook-public-key", signer->PublicKeyBase64(),
      "--automations", config_path};
  const std::map<std::string, std::string> serve_env = {{"GHL_TOKEN", sandbox.token()},
                                                        {"GHL_LOCATION_ID", location}};

  // What is sent: each contact's ContactCreate once; every 4th contact again a little later
  // with another webhookId (GHL re-delivering an event it thinks failed).
  std::vector<Outgoing> outgoing;
  for (int i = 0; i < kContacts; ++i) {
    outgoing.push_back({i, "crash-" + nonce + "-" + std::to_string(i)});
    int back = i - 8;
    if (back >= 0 && back % 4 == 0) {
      outgoing.push_back({back, "crash-" + nonce + "-" + std::to_string(back) + "-redelivery"});
    }
  }
  for (int back = kContacts - 8; back < kContacts; ++back) {
    if (back % 4 == 0) {
      outgoing.push_back({back, "crash-" + nonce + "-" + std::to_string(back) + "-redelivery"});
    }
  }

  auto serve = std::make_unique<ServeProcess>(serve_args, std::string(), serve_env);
  std::atomic<int> port{serve->port()};
  auto transport = http::MakeCurlTransport();

  // Load generator: each thread takes the next event and sends it until it is answered 200
  // (a delivery refused or cut by a kill is sent again with the same bytes), ~50 ms apart.
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<size_t> next{0};
  // Events the generator may send so far: the kill loop raises it one phase per kill, so every
  // kill (and each aimed one) finds events still arriving and being processed, however fast the
  // machine sends (CI once sent all 250 before the 3rd kill, and the 4th, aimed, kill then waited
  // in vain for an opportunity to be created).
  std::atomic<size_t> budget{0};
  std::atomic<size_t> finished{0};
  std::atomic<long> requests{0};
  std::atomic<long> not_200{0};
  std::atomic<long> duplicate_answers{0};
  std::mutex mu;
  std::set<std::string> answered;  // webhookIds answered 200
  std::vector<std::thread> generators;
  // An ASSERT (or a restart that throws) must not leave the threads running.
  struct JoinOnExit {
    std::atomic<bool>& stop;
    std::vector<std::thread>& threads;
    ~JoinOnExit() {
      stop = true;
      for (auto& t : threads) {
        if (t.joinable()) t.join();
      }
    }
  } join_on_exit{stop, generators};
  for (int t = 0; t < kThreads; ++t) {
    generators.emplace_back([&] {
      http::TransportOptions topts;
      topts.timeout = 5s;
      topts.connect_timeout = 1s;
      for (size_t k = next.fetch_add(1); k < outgoing.size() && !stop.load();
           k = next.fetch_add(1)) {
        while (k >= budget.load() && !stop.load()) std::this_thread::sleep_for(5ms);
        if (stop.load()) break;
        const Outgoing& o = outgoing[k];
        json body = {{"type", "ContactCreate"},
                     {"locationId", location},
                     {"id", contact_ids[o.contact]},
                     {"firstName", "Crash"},
                     {"lastName", "Lead " + std::to_string(o.contact)},
                     {"dateAdded", UtcIsoNow()},
                     {"webhookId", o.webhook_id},
                     {"timestamp", UtcIsoNow()}};
        http::Request req;
        req.method = "POST";
        req.headers.Set("Content-Type", "application/json");
        req.body = body.dump();
        req.headers.Set("X-GHL-Signature", signer->Sign(req.body));
        while (!stop.load()) {
          req.target = "http://127.0.0.1:" + std::to_string(port.load()) + "/webhooks/ghl";
          ++requests;
          auto res = transport->Send(req, topts);
          if (res.ok() && res->status == 200) {
            if (res->body.find("\"duplicate\"") != std::string::npos) ++duplicate_answers;
            std::lock_guard lock(mu);
            answered.insert(o.webhook_id);
            break;
          }
          ++not_200;
          if (res.ok() && res->status != 429) {
            ADD_FAILURE() << "unexpected HTTP " << res->status << ": " << res->body;
            break;
          }
          std::this_thread::sleep_for(20ms);
        }
        ++finished;
        std::this_thread::sleep_for(50ms);
      }
    });
  }

  // Kill -9 and restart at random moments, while events arrive and are being processed; the
  // 2nd kill lands after an opportunity was created and before its ledger row says done, the
  // 4th after the row says started and before the opportunity is created.
  unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(100, 700);
  int kills = 0, kills_while_processing = 0;
  std::vector<int64_t> kill_ms;               // UTC epoch ms of each SIGKILL
  std::string trapped_after, trapped_before;  // contacts of the targeted kills
  for (int k = 0; k < kKills; ++k) {
    const bool aimed = k == 1 || k == 3;
    // Armed before the phase's events are released, so its new contacts' opportunities are
    // still to be created when the trap waits for one.
    if (aimed) trap.Arm(k == 1 ? EffectTrap::Mode::kAfterEffect : EffectTrap::Mode::kBeforeEffect);
    budget = outgoing.size() * static_cast<size_t>(k + 1) / (kKills + 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    json before = EventStats(*transport, serve->port());
    const char* moment = "at random";
    if (aimed) {
      std::string caught = trap.WaitCaught(10s);
      ASSERT_FALSE(caught.empty()) << "the engine created no opportunity within 10 s";
      (k == 1 ? trapped_after : trapped_before) = caught;
      moment = k == 1 ? "after POST /opportunities/ of contact "
                      : "before POST /opportunities/ of contact ";
    }
    if (before.is_object() && before.value("processing", 0) > 0) ++kills_while_processing;
    ASSERT_EQ(kill(serve->pid(), SIGKILL), 0);
    kill_ms.push_back(EpochMsNow());
    ++kills;
    serve.reset();  // reaps the killed process
    serve = std::make_unique<ServeProcess>(serve_args, std::string(), serve_env);
    port = serve->port();
    std::printf(
        "[automations-crash] kill %d %s%s after %zu of %zu events sent (store: %s); "
        "restarted on port %d\n",
        kills, moment,
        k == 1   ? trapped_after.c_str()
        : k == 3 ? trapped_before.c_str()
                 : "",
        finished.load(), outgoing.size(), Counts(before).c_str(), serve->port());
    std::fflush(stdout);
  }
  budget = outgoing.size();  // the last phase arrives after the last kill

  // Every event is answered (bounded), then every stored one is handled (bounded: leases of
  // the last kill run out after 2 s, failed attempts back off at most 1 s; the backlog drains
  // at ~25 events/s on an idle machine, the cap leaves room for a loaded one).
  auto deadline = SteadyClock::now() + 30s;
  while (finished.load() < outgoing.size() && SteadyClock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  stop = true;
  for (auto& g : generators) g.join();
  generators.clear();
  ASSERT_EQ(finished.load(), outgoing.size())
      << "the load generator did not get every event answered in 30 s";
  json last;
  const auto drain_start = SteadyClock::now();
  deadline = drain_start + 90s;
  for (;;) {
    last = EventStats(*transport, serve->port());
    if (last.is_object() && last.value("pending", -1) == 0 && last.value("processing", -1) == 0 &&
        last.value("total", -1) >= static_cast<int>(answered.size())) {
      break;
    }
    if (SteadyClock::now() > deadline) break;
    std::this_thread::sleep_for(100ms);
  }
  const auto drain_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - drain_start);
  std::string serve_log = serve->Stderr();
  ASSERT_TRUE(last.is_object() && last.value("pending", -1) == 0 &&
              last.value("processing", -1) == 0)
      << "the engine did not finish the stored events within 90 s after the last event was "
         "answered ("
      << Counts(last) << "); serve stderr:\n"
      << serve_log;
  serve.reset();  // SIGTERM: a clean stop

  // The store: every event answered 200 is stored once and done.
  auto opened = store::OpenSqliteStore({.path = events_db});
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  std::map<std::string, int> stored_count;
  std::map<std::string, store::Event> stored;
  auto all = ListAllEvents(**opened);
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  for (const auto& e : *all) {
    std::string id = WebhookIdOf(e.body);
    ++stored_count[id];
    stored[id] = e;
  }
  long lost = 0, not_done = 0, doubled = 0, reclaimed = 0, processed = 0;
  for (const auto& id : answered) {
    auto it = stored.find(id);
    if (it == stored.end()) {
      if (++lost <= 5) ADD_FAILURE() << "answered 200 but not stored: " << id;
      continue;
    }
    if (it->second.state != store::EventState::kDone) {
      if (++not_done <= 5) {
        ADD_FAILURE() << id << " is " << store::ToString(it->second.state)
                      << " after the drain: " << it->second.last_error;
      }
    } else {
      ++processed;
    }
    if (it->second.attempts > 1) ++reclaimed;
  }
  for (const auto& [id, n] : stored_count) {
    if (n > 1 && ++doubled <= 5) ADD_FAILURE() << id << " stored " << n << " times";
  }

  // The effects ledger: one done opportunity effect per contact, naming its opportunity.
  auto effects = LedgerEffects(events_db, "opportunity:" + location + ":");
  std::map<std::string, std::vector<EffectRow>> effects_of;
  for (const auto& row : effects) {
    std::string rest = row.key.substr(("opportunity:" + location + ":").size());
    effects_of[rest.substr(0, rest.find(':'))].push_back(row);
  }

  // The sandbox: exactly one opportunity per contact in the pipeline, the dedup tag once.
  long opportunities = 0, wrong_opps = 0, wrong_tags = 0, wrong_effects = 0;
  // Opportunities POSTed before a kill whose ledger row became `done` after it: the kill fell
  // between the side effect and its record, the window the ledger's `started` row and the
  // API check after a restart exist for.
  long effect_across_kill = 0;
  for (const auto& cid : contact_ids) {
    auto found = api.Get("/opportunities/search", {{"location_id", location},
                                                   {"contact_id", cid},
                                                   {"pipeline_id", pipeline_id},
                                                   {"limit", "100"}});
    ASSERT_TRUE(found.ok()) << found.error().Describe();
    std::vector<std::string> ids;
    for (const auto& o : (*found)["opportunities"]) ids.push_back(o.value("id", ""));
    opportunities += static_cast<long>(ids.size());
    if (ids.size() != 1 && ++wrong_opps <= 5) {
      ADD_FAILURE() << "contact " << cid << " has " << ids.size() << " opportunities";
    }
    const auto& rows = effects_of[cid];
    if (ids.size() == 1 && rows.size() == 1) {
      const json& o = (*found)["opportunities"][0];
      if (cid == trapped_after || cid == trapped_before) {
        // The targeted kills: the effect happened once and was recorded by the restarted
        // server (after the kill).
        EXPECT_GT(rows[0].updated_at_ms, kill_ms[cid == trapped_after ? 1 : 3])
            << "contact " << cid << ": ledger row not written after the targeted kill";
      }
      auto created = webhooks::ParseIsoTimestamp(o.value("createdAt", o.value("dateAdded", "")));
      if (created) {
        int64_t created_ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(created->time_since_epoch())
                .count();
        for (int64_t k : kill_ms) {
          if (created_ms <= k && k <= rows[0].updated_at_ms) {
            ++effect_across_kill;
            break;
          }
        }
      }
    }
    if ((rows.size() != 1 || rows[0].state != "done" || ids.empty() || rows[0].result != ids[0]) &&
        ++wrong_effects <= 5) {
      ADD_FAILURE() << "contact " << cid << ": " << rows.size() << " ledger rows"
                    << (rows.empty() ? "" : ", first " + rows[0].state + " → " + rows[0].result)
                    << "; opportunity " << (ids.empty() ? "none" : ids[0]);
    }
    auto contact = api.Get("/contacts/" + cid);
    ASSERT_TRUE(contact.ok()) << contact.error().Describe();
    int tag_count = 0;
    bool returning = false;
    for (const auto& t : (*contact)["contact"].value("tags", json::array())) {
      if (t == kTag) ++tag_count;
      if (t == "returning-lead") returning = true;
    }
    if ((tag_count != 1 || returning) && ++wrong_tags <= 5) {
      ADD_FAILURE() << "contact " << cid << " has tag " << kTag << " " << tag_count << " times"
                    << (returning ? " and returning-lead" : "") << ": "
                    << (*contact)["contact"].value("tags", json::array()).dump();
    }
  }

  std::printf(
      "[automations-crash] seed %u: %d contacts, sent %zu events (%ld requests, %ld without "
      "200), answered 200: %zu (%ld as duplicates of a commit whose 200 a kill lost), stored: "
      "%zu, processed (done): %ld (drained %lld ms after the last answer), re-claimed after a "
      "kill: %ld, opportunities: %ld, ledger opportunity effects: %zu (%ld created before a kill "
      "and recorded after it), kills: %d (%d while the store showed events processing); lost: %ld, "
      "not done: "
      "%ld, stored twice: %ld, contacts with != 1 opportunity: %ld, bad tags: %ld, bad ledger "
      "rows: %ld\n",
      seed, kContacts, outgoing.size(), requests.load(), not_200.load(), answered.size(),
      duplicate_answers.load(), stored.size(), processed, static_cast<long long>(drain_ms.count()),
      reclaimed, opportunities, effects.size(), effect_across_kill, kills, kills_while_processing,
      lost, not_done, doubled, wrong_opps, wrong_tags, wrong_effects);
  std::fflush(stdout);
  RecordProperty("sent", static_cast<int>(outgoing.size()));
  RecordProperty("answered_200", static_cast<int>(answered.size()));
  RecordProperty("processed", static_cast<int>(processed));
  RecordProperty("opportunities", static_cast<int>(opportunities));
  RecordProperty("kills", kills);

  EXPECT_EQ(kills, kKills);
  EXPECT_EQ(answered.size(), outgoing.size());
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(not_done, 0);
  EXPECT_EQ(doubled, 0);
  EXPECT_EQ(opportunities, kContacts);
  EXPECT_EQ(wrong_opps, 0);
  EXPECT_EQ(wrong_tags, 0);
  EXPECT_EQ(wrong_effects, 0);
  EXPECT_EQ(effects.size(), static_cast<size_t>(kContacts));
  EXPECT_FALSE(trapped_after.empty());
  EXPECT_FALSE(trapped_before.empty());
  if (HasFailure()) std::printf("serve stderr (last run):\n%s\n", serve_log.c_str());
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace ghl::testing
