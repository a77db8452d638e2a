// Crash test (issue 13): two `ghl serve` receivers on ONE PostgreSQL event store, behind one
// load generator that spreads signed webhooks over both (as a load balancer would) and fails
// over to the other receiver when one does not answer 200. Half of the traffic is sent to BOTH
// receivers at once (GHL redelivering while the first delivery is still in flight), so the two
// processes race to store the same webhookId. Mid-run each receiver in turn is killed with
// SIGKILL and restarted. At the end every event answered 200 must be stored with its exact
// bytes (zero lost), no webhookId may be stored twice, and both copies of a raced delivery must
// have been answered with the same event id. Runs on a fresh database (dropped afterwards);
// skipped without GHL_PG_URL (scripts/start-postgres). About 10 s.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "ghl/core/time_format.h"
#include "ghl/http/transport.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/signer.h"
#include "process.h"
#include "scratch_database.h"
#include "stored_events.h"

namespace ghl::testing {
namespace {

using namespace std::chrono_literals;

// A ContactCreate-shaped body whose bytes a re-serialiser would change (\u00e9, 1.50, spacing).
std::string Body(const std::string& webhook_id) {
  return R"({"type":"ContactCreate", "locationId":"pgCrashLocation0001","id":"c-)" + webhook_id +
         R"(","firstName":"Ren\u00e9e","score": 1.50,"tags":["pg-crash"],"webhookId":")" +
         webhook_id + R"(","timestamp":")" + UtcIsoNow() + R"("})";
}

// The value of "id" in the receiver's answer ({"status":…,"id":N,…}), or -1.
long long AnsweredId(const std::string& answer) {
  auto at = answer.find("\"id\":");
  return at == std::string::npos ? -1 : std::atoll(answer.c_str() + at + 5);
}

// One receiver slot: its process (restarted after a kill) and its current port.
struct Receiver {
  std::unique_ptr<ServeProcess> process;
  std::atomic<int> port{0};
};

struct Delivery {
  std::string webhook_id;
  std::string body;
  long long id = -1;  // the event id of the 200 answer
};

TEST(ReceiversPostgresCrashTest, TwoReceiversOnOneStoreLoseAndDoubleNothingWhenOneIsKilled) {
  const char* base = std::getenv("GHL_PG_URL");
  if (base == nullptr || *base == '\0') {
    GTEST_SKIP() << "GHL_PG_URL is not set: start a throwaway server with "
                    "`export \"$(scripts/start-postgres)\"`";
  }
  ScratchDatabase db(base);
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(signer.ok());
  const std::vector<std::string> serve_args = {"--events-db", db.url(), "--webhook-public-key",
                                               signer->PublicKeyBase64()};
  std::array<Receiver, 2> receivers;
  for (auto& r : receivers) {
    r.process = std::make_unique<ServeProcess>(serve_args);
    r.port = r.process->port();
  }

  auto transport = http::MakeCurlTransport();
  // POSTs `body` to receiver `to` until it is answered 200, failing over to the other receiver
  // after each miss (refused, reset, timeout or 429 while a receiver is down). Returns the
  // answer's event id, or nullopt when the run ended first.
  std::atomic<bool> stop{false};
  std::atomic<long> requests{0}, misses{0}, unexpected{0};
  auto deliver = [&](const std::string& body, int to) -> std::optional<long long> {
    http::Request req;
    req.method = "POST";
    req.headers.Set("Content-Type", "application/json");
    req.headers.Set("X-GHL-Signature", signer->Sign(body));
    req.body = body;
    http::TransportOptions topts;
    topts.timeout = 5s;
    topts.connect_timeout = 1s;
    for (int attempt = 0; !stop.load(); ++attempt) {
      int port = receivers[static_cast<size_t>((to + attempt) % 2)].port.load();
      req.target = "http://127.0.0.1:" + std::to_string(port) + "/webhooks/ghl";
      ++requests;
      auto res = transport->Send(req, topts);
      if (res.ok() && res->status == 200) return AnsweredId(res->body);
      ++misses;
      if (res.ok() && res->status != 429 && ++unexpected <= 5) {
        ADD_FAILURE() << "unexpected HTTP " << res->status << ": " << res->body;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  };

  std::mutex mu;
  std::vector<Delivery> answered;  // every 200, one entry per delivery
  std::set<std::string> sent;      // every webhookId ever sent
  std::atomic<int> next_single{0}, next_raced{0};
  auto record = [&](const std::string& id, const std::string& body, std::optional<long long> r) {
    std::lock_guard lock(mu);
    sent.insert(id);
    if (r) answered.push_back({id, body, *r});
  };
  std::vector<std::thread> generators;
  // Two threads of single deliveries, spread over both receivers.
  for (int t = 0; t < 2; ++t) {
    generators.emplace_back([&, t] {
      for (int i = 0; !stop.load(); ++i) {
        std::string id = "single-" + std::to_string(next_single.fetch_add(1));
        std::string body = Body(id);
        record(id, body, deliver(body, (i + t) % 2));
      }
    });
  }
  // One thread pair per raced sequence: the same delivery to both receivers at once.
  generators.emplace_back([&] {
    while (!stop.load()) {
      std::string id = "raced-" + std::to_string(next_raced.fetch_add(1));
      std::string body = Body(id);
      std::optional<long long> other;
      std::thread twin([&] { other = deliver(body, 1); });
      auto mine = deliver(body, 0);
      twin.join();
      record(id, body, mine);
      record(id, body, other);
    }
  });

  // Kill each receiver once, mid-run, and restart it on the same store.
  auto answered_now = [&] {
    std::lock_guard lock(mu);
    return answered.size();
  };
  int kills = 0;
  for (size_t victim = 0; victim < receivers.size(); ++victim) {
    std::this_thread::sleep_for(1500ms);
    size_t before = answered_now();
    ASSERT_EQ(kill(receivers[victim].process->pid(), SIGKILL), 0);
    ++kills;
    receivers[victim].process.reset();   // reaps it
    std::this_thread::sleep_for(700ms);  // the survivor takes all the traffic meanwhile
    receivers[victim].process = std::make_unique<ServeProcess>(serve_args);
    receivers[victim].port = receivers[victim].process->port();
    std::printf("[pg-crash] killed receiver %zu after %zu answered 200; restarted on port %d\n",
                victim, before, receivers[victim].port.load());
  }
  std::this_thread::sleep_for(1500ms);
  stop = true;
  for (auto& g : generators) g.join();
  std::string logs = receivers[0].process->Stderr() + receivers[1].process->Stderr();
  for (auto& r : receivers) r.process.reset();

  // What the store holds.
  auto opened = store::OpenPostgresStore({.url = db.url()});
  ASSERT_TRUE(opened.ok()) << opened.error().Describe();
  auto all = ListAllEvents(**opened);
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  std::map<std::string, std::vector<store::Event>> stored;  // webhookId -> rows
  for (const auto& e : *all) {
    auto at = e.body.find("\"webhookId\":\"") + 13;
    stored[e.body.substr(at, e.body.find('"', at) - at)].push_back(e);
  }
  const long rows = static_cast<long>(all->size());

  long lost = 0, altered = 0, doubled = 0, unknown = 0, wrong_id = 0, raced_answers = 0;
  for (const Delivery& d : answered) {
    if (d.webhook_id.rfind("raced-", 0) == 0) ++raced_answers;
    auto it = stored.find(d.webhook_id);
    if (it == stored.end()) {
      if (++lost <= 5) ADD_FAILURE() << "answered 200 but not stored: " << d.webhook_id;
    } else if (it->second.front().body != d.body) {
      if (++altered <= 5) ADD_FAILURE() << "stored bytes differ for " << d.webhook_id;
    } else if (it->second.front().id != d.id) {
      if (++wrong_id <= 5) {
        ADD_FAILURE() << d.webhook_id << " answered id " << d.id << ", stored as "
                      << it->second.front().id;
      }
    }
  }
  for (const auto& [id, list] : stored) {
    if (list.size() > 1 && ++doubled <= 5) ADD_FAILURE() << id << " stored " << list.size();
    if (!sent.count(id) && ++unknown <= 5) ADD_FAILURE() << "stored but never sent: " << id;
  }
  std::printf(
      "[pg-crash] sent %zu events (%ld requests, %ld missed and retried on the other receiver), "
      "answered 200: %zu deliveries (%ld of raced events), stored: %ld rows, kills: %d, lost: "
      "%ld, altered: %ld, stored twice: %ld, answered with another id: %ld\n",
      sent.size(), requests.load(), misses.load(), answered.size(), raced_answers, rows, kills,
      lost, altered, doubled, wrong_id);
  std::fflush(stdout);

  EXPECT_EQ(kills, 2);
  EXPECT_GT(answered.size(), 100u) << "the load generator barely ran; serve stderr:\n" << logs;
  EXPECT_GT(raced_answers, 20) << "too few raced deliveries to mean anything";
  EXPECT_EQ(lost, 0);
  EXPECT_EQ(altered, 0);
  EXPECT_EQ(doubled, 0);
  EXPECT_EQ(unknown, 0);
  EXPECT_EQ(wrong_id, 0);
  EXPECT_EQ(unexpected.load(), 0);
}

}  // namespace
}  // namespace ghl::testing
