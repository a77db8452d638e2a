// Webhook → row latency of the sync's change feed (issue 9: p99 ≤ 1 s under 500 events/s).
// Drives contact updates through the API of a `ghl sandbox` whose signed webhooks go to a
// `ghl serve --sync-watch` (bench/feed_latency starts both) at a fixed rate, open loop, and
// polls the sync database for each update's value: latency = the row shows the update (or a
// later one of the same contact) − the moment the update was sent. It covers the sandbox's
// webhook delivery, the receiver's signature check and durable append, the feed's poll, its
// re-read of the contact and the write.
// Usage: bench_feed_latency --sync-db FILE|postgresql://… [--schema S] [--rate 500]
//          [--seconds 10] [--senders 4]   (GHL_BASE_URL, GHL_TOKEN, GHL_LOCATION_ID set)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/sync/database.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::max(1.0, q * static_cast<double>(v.size()) + 0.999999));
  return v[std::min(v.size(), rank) - 1];
}

}  // namespace

int main(int argc, char** argv) {
  std::string db_location, schema = "public";
  double rate = 500, seconds = 10;
  int senders = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--sync-db")
      db_location = argv[i + 1];
    else if (flag == "--schema")
      schema = argv[i + 1];
    else if (flag == "--rate")
      rate = std::atof(argv[i + 1]);
    else if (flag == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (flag == "--senders")
      senders = std::atoi(argv[i + 1]);
  }
  if (db_location.empty() || rate <= 0 || seconds <= 0 || senders < 1 ||
      Env("GHL_BASE_URL").empty()) {
    std::fprintf(stderr,
                 "usage: bench_feed_latency --sync-db FILE|URL [--schema S] [--rate N] "
                 "[--seconds S] [--senders N]  (with GHL_BASE_URL, GHL_TOKEN, GHL_LOCATION_ID)\n");
    return 2;
  }
  auto db = ghl::sync::OpenDatabase({db_location, schema});
  if (!db.ok()) {
    std::fprintf(stderr, "%s\n", db.error().Describe().c_str());
    return 1;
  }
  // The contacts, once `ghl serve --sync-watch` has done its first sync (it stops growing).
  std::vector<std::string> ids;
  int64_t last = -1;
  for (auto end = Clock::now() + 120s; Clock::now() < end; std::this_thread::sleep_for(500ms)) {
    auto n = ghl::sync::QueryInt(**db, "SELECT COUNT(*) FROM contacts", {}, 0);
    int64_t now = n.ok() ? *n : 0;
    if (now > 0 && now == last) break;
    last = now;
  }
  auto rows = (*db)->Query("SELECT id FROM contacts ORDER BY id", {});
  if (!rows.ok() || rows->empty()) {
    std::fprintf(stderr, "no contacts synced into %s\n", db_location.c_str());
    return 1;
  }
  for (const auto& r : *rows) ids.push_back(*r[0]);
  // The feed must be following (first sync done) before the clock starts: one probe update.
  ghl::client::ClientOptions co;
  co.base_url = Env("GHL_BASE_URL");
  co.token = Env("GHL_TOKEN");
  co.default_location_id = Env("GHL_LOCATION_ID");
  co.limits.enabled = false;
  ghl::client::Client client(co);
  auto update = [&](size_t k) {
    return client.Call({.method = "PUT",
                        .path = "/contacts/" + ids[k % ids.size()],
                        .body = R"({"lastName":"L)" + std::to_string(k) + R"("})"});
  };
  auto seen_value = [&](const std::string& id) {
    auto r = (*db)->Query("SELECT last_name FROM contacts WHERE id = $1", {id});
    return r.ok() && !r->empty() ? (*r)[0][0].value_or("") : std::string();
  };
  const size_t total = static_cast<size_t>(rate * seconds);
  const size_t probe = total + ids.size();  // a value no timed update uses
  if (auto r = update(probe); !r.ok()) {
    std::fprintf(stderr, "update failed: %s\n", r.error().Describe().c_str());
    return 1;
  }
  bool following = false;
  for (auto end = Clock::now() + 60s; Clock::now() < end && !following;
       std::this_thread::sleep_for(20ms)) {
    following = seen_value(ids[probe % ids.size()]) == "L" + std::to_string(probe);
  }
  if (!following) {
    std::fprintf(stderr, "the feed did not apply a probe update within 60 s\n");
    return 1;
  }

  // Open loop: update k is sent at t0 + k / rate by sender k % senders.
  std::vector<Clock::time_point> sent(total);
  std::vector<double> latency_ms(total, -1);
  std::atomic<size_t> sent_count{0}, failed{0};
  auto t0 = Clock::now() + 100ms;
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      for (size_t k = static_cast<size_t>(s); k < total; k += static_cast<size_t>(senders)) {
        std::this_thread::sleep_until(
            t0 + std::chrono::duration_cast<Clock::duration>(
                     std::chrono::duration<double>(static_cast<double>(k) / rate)));
        sent[k] = Clock::now();
        sent_count.fetch_add(1);
        if (!update(k).ok()) failed.fetch_add(1);
      }
    });
  }
  // Poller: every 5 ms, each contact's newest applied update.
  std::map<std::string, size_t> index;
  for (size_t i = 0; i < ids.size(); ++i) index[ids[i]] = i;
  std::vector<int64_t> applied_upto(ids.size(), -1);  // per contact: highest k seen
  size_t measured = 0;
  auto deadline =
      Clock::now() +
      std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)) + 30s;
  while (measured < total && Clock::now() < deadline) {
    auto r = (*db)->Query("SELECT id, last_name FROM contacts", {});
    auto now = Clock::now();
    size_t known = sent_count.load();
    if (r.ok()) {
      for (const auto& row : *r) {
        const std::string value = row[1].value_or("");
        if (value.size() < 2 || value[0] != 'L') continue;
        auto it = index.find(*row[0]);
        if (it == index.end()) continue;
        int64_t k = std::atoll(value.c_str() + 1);
        if (k >= static_cast<int64_t>(total)) continue;  // the probe
        size_t c = it->second;
        // Every update of this contact up to k is in the row now.
        for (int64_t j = applied_upto[c] < 0 ? static_cast<int64_t>(c)
                                             : applied_upto[c] + static_cast<int64_t>(ids.size());
             j <= k; j += static_cast<int64_t>(ids.size())) {
          if (static_cast<size_t>(j) >= known || latency_ms[static_cast<size_t>(j)] >= 0) continue;
          latency_ms[static_cast<size_t>(j)] =
              std::chrono::duration<double, std::milli>(now - sent[static_cast<size_t>(j)]).count();
          ++measured;
        }
        applied_upto[c] = std::max(applied_upto[c], k);
      }
    }
    std::this_thread::sleep_for(5ms);
  }
  for (auto& t : threads) t.join();
  double send_span = 0;
  for (const auto& t : sent) {
    send_span = std::max(send_span, std::chrono::duration<double>(t - t0).count());
  }
  std::vector<double> got;
  for (double l : latency_ms) {
    if (l >= 0) got.push_back(l);
  }
  size_t lost = total - got.size();
  double p50 = Quantile(got, 0.5), p99 = Quantile(got, 0.99);
  std::printf("   %zu contact updates at %.0f/s (sent in %.1f s, %zu failed) over %zu contacts\n",
              total, rate, send_span, failed.load(), ids.size());
  std::printf("   webhook -> row latency: p50 %.0f ms, p99 %.0f ms, max %.0f ms%s\n", p50, p99,
              got.empty() ? 0.0 : *std::max_element(got.begin(), got.end()),
              lost ? (", " + std::to_string(lost) + " never seen within 30 s").c_str() : "");
  if (lost) {
    std::printf("   p99 / 1 s target: not met (%zu updates never reached the table)\n", lost);
  } else {
    std::printf("   p99 / 1 s target: %.2f (target <= 1)\n", p99 / 1000.0);
  }
  return lost || failed.load() ? 1 : 0;
}
