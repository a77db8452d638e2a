// Crash test (issue 3): while a load generator sends signed webhooks to a `ghl serve` process,
// the server is killed with SIGKILL several times at random moments and restarted on the same
// SQLite event store (a new port each time; the generator follows). At the end every event
// that was answered 200 must be in the store with its exact bytes (zero lost) and no
// webhookId may be stored twice (a delivery retried after a crash is a duplicate, not a second
// event). Prints the counts: sent, answered 200, stored, kills.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ghl/core/time_format.h"
#include "ghl/http/transport.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/signer.h"
#include "process.h"
#include "stored_events.h"

namespace ghl::testing {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// A ContactCreate-shaped body whose bytes a re-serialiser would change (\u00e9, 1.50, spacing):
// the store must keep exactly these bytes.
std::string Body(const std::string& webhook_id) {
  return R"({"type":"ContactCreate", "locationId":"crashLocation000001","id":"c-)" + webhook_id +
         R"(","firstName":"Ren\u00e9e","score": 1.50,"tags":["crash-test"],"webhookId":")" +
         webhook_id + R"(","timestamp":")" + UtcIsoNow() + R"("})";
}

std::string WebhookIdOf(const std::string& body) {
  auto at = body.find("\"webhookId\":\"");
  if (at == std::string::npos) return {};
  at += 13;
  return body.substr(at, body.find('"', at) - at);
}

struct Answered {
  std::string webhook_id;
  std::string body;
};

TEST(WebhookCrashTest, EveryEventAnswered200SurvivesKill9AndNoneIsStoredTwice) {
  char tmpl[] = "/tmp/ghl_crash_test_XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;
  const std::string db = dir + "/events.db";
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(signer.ok());
  const std::vector<std::string> serve_args = {"--events-db", db, "--webhook-public-key",
                                               signer->PublicKeyBase64()};

  std::unique_ptr<ServeProcess> serve = std::make_unique<ServeProcess>(serve_args);
  std::atomic<int> port{serve->port()};

  // Load generator: a few threads, each sending new events one after another. A delivery
  // without a 200 (connection refused or reset while the server is down, 429) is sent again
  // with the same bytes, as GHL would for a 429: a retry after a crash must be deduplicated.
  constexpr int kThreads = 4;
  std::atomic<bool> stop{false};
  std::atomic<int> next_id{0};
  std::atomic<long> requests{0};
  std::atomic<long> not_200{0};
  std::atomic<long> duplicate_answers{0};
  std::mutex answered_mu;
  std::vector<Answered> answered;
  std::vector<std::string> sent_ids;
  auto transport = http::MakeCurlTransport();
  std::vector<std::thread> generators;
  for (int t = 0; t < kThreads; ++t) {
    generators.emplace_back([&] {
      http::TransportOptions topts;
      topts.timeout = 5s;
      topts.connect_timeout = 1s;
      while (!stop.load()) {
        std::string webhook_id = "crash-" + std::to_string(next_id.fetch_add(1));
        std::string body = Body(webhook_id);
        http::Request req;
        req.method = "POST";
        req.headers.Set("Content-Type", "application/json");
        req.headers.Set("X-GHL-Signature", signer->Sign(body));
        req.body = body;
        // Retry this event until it is answered 200 (or the run ends).
        for (bool first = true; !stop.load(); first = false) {
          if (first) {
            std::lock_guard lock(answered_mu);
            sent_ids.push_back(webhook_id);
          }
          req.target = "http://127.0.0.1:" + std::to_string(port.load()) + "/webhooks/ghl";
          ++requests;
          auto res = transport->Send(req, topts);
          if (res.ok() && res->status == 200) {
            // A retry of an event committed just before a kill (its 200 was lost with the
            // process) is answered "duplicate": stored once, answered now.
            if (res->body.find("\"duplicate\"") != std::string::npos) ++duplicate_answers;
            std::lock_guard lock(answered_mu);
            answered.push_back({webhook_id, body});
            break;
          }
          ++not_200;
          if (res.ok() && res->status != 429) {
            ADD_FAILURE() << "unexpected HTTP " << res->status << ": " << res->body;
            break;
          }
          std::this_thread::sleep_for(10ms);
        }
      }
    });
  }

  // Kill -9 and restart at random moments.
  unsigned seed = static_cast<unsigned>(std::random_device{}());
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> pause_ms(700, 2200);
  constexpr int kKills = 5;
  int kills = 0;
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(rng)));
    size_t before;
    {
      std::lock_guard lock(answered_mu);
      before = answered.size();
    }
    ASSERT_EQ(kill(serve->pid(), SIGKILL), 0);
    ++kills;
    serve.reset();  // reaps the killed process
    serve = std::make_unique<ServeProcess>(serve_args);
    port = serve->port();
    std::printf("[crash] kill %d after %zu answered; restarted on port %d\n", kills, before,
                serve->port());
  }
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& g : generators) g.join();
  std::string serve_log = serve->Stderr();
  serve.reset();  // SIGTERM: a clean stop

  // What the store holds.
  auto opened = store::OpenSqliteStore({.path = db});
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  auto& es = *opened.value();
  std::map<std::string, int> stored_count;
  std::map<std::string, std::string> stored_body;
  long stored = 0;
  auto all = ListAllEvents(es);
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  for (const auto& e : *all) {
    std::string id = WebhookIdOf(e.body);
    ++stored_count[id];
    stored_body[id] = e.body;
    ++stored;
  }

  long lost = 0, altered = 0, duplicated = 0, unknown = 0;
  for (const auto& a : answered) {
    auto it = stored_body.find(a.webhook_id);
    if (it == stored_body.end()) {
      if (++lost <= 5) ADD_FAILURE() << "answered 200 but not stored: " << a.webhook_id;
    } else if (it->second != a.body) {
      if (++altered <= 5) ADD_FAILURE() << "stored bytes differ for " << a.webhook_id;
    }
  }
  std::set<std::string> sent_set(sent_ids.begin(), sent_ids.end());
  for (const auto& [id, n] : stored_count) {
    if (n > 1 && ++duplicated <= 5) ADD_FAILURE() << id << " stored " << n << " times";
    if (!sent_set.count(id) && ++unknown <= 5) ADD_FAILURE() << "stored but never sent: " << id;
  }
  long stored_without_200 = stored - static_cast<long>(answered.size()) + lost;

  std::printf(
      "[crash] seed %u: sent %zu events (%ld requests, %ld without 200), answered 200: %zu "
      "(%ld of them as duplicates of a commit whose 200 a kill lost), stored: %ld (%ld "
      "committed but never answered 200), kills: %d, lost: %ld, altered: %ld, stored twice: "
      "%ld\n",
      seed, sent_ids.size(), requests.load(), not_200.load(), answered.size(),
      duplicate_answers.load(), stored, stored_without_200, kills, lost, altered, duplicated);
  std::fflush(stdout);
  RecordProperty("sent", static_cast<int>(sent_ids.size()));
  RecordProperty("answered_200", static_cast<int>(answered.size()));
  RecordProperty("stored", static_cast<int>(stored));
  RecordProperty("kills", kills);

  EXPECT_EQ(kills, kKills);
  EXPECT_GT(answered.size(), 100u) << "the load generator barely ran; serve stderr:\n" << serve_log;
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(altered, 0);
  EXPECT_EQ(duplicated, 0);
  EXPECT_EQ(unknown, 0);
  EXPECT_GE(stored, static_cast<long>(answered.size()));
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace ghl::testing
