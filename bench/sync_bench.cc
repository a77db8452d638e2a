// Full sync of N contacts from an in-process sandbox with rate limits lifted: rows/s of
// `ghl::sync::RunSync` (contacts stream) into SQLite and PostgreSQL, against the rate at which
// the client alone pages through the same contacts (same ops call, same page size, nothing
// stored). Rounds in rotated order; prints each and the median ratio (target >= 0.8), and the
// process CPU per 1,000 rows of each (sandbox, client and database together: steadier than
// wall time on a loaded machine; sync minus client = the database's share).
// Usage: bench_sync [CONTACTS] [--rounds N] [--only client|sqlite|postgres]
//   CONTACTS default 10000 (the issue names 100,000: see bench/run); PostgreSQL with GHL_PG_URL.
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ghl/ops/contacts.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/sync/sync.h"

namespace {

using Clock = std::chrono::steady_clock;

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

double ProcessCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// One measured run: rows/s (wall) and CPU ms per 1,000 rows.
struct Sample {
  double rate = 0;
  double cpu_ms_per_k = 0;
};

Sample Measure(const std::function<size_t()>& run) {
  double c0 = ProcessCpuSeconds();
  auto t0 = Clock::now();
  size_t rows = run();
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  double cpu = ProcessCpuSeconds() - c0;
  return {static_cast<double>(rows) / s, cpu * 1e6 / static_cast<double>(rows)};
}

}  // namespace

int main(int argc, char** argv) {
  int contacts = 10000;
  int rounds = 3;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--rounds") && i + 1 < argc) {
      rounds = std::atoi(argv[++i]);
    } else if (!std::strcmp(argv[i], "--only") && i + 1 < argc) {
      only = argv[++i];
    } else {
      contacts = std::atoi(argv[i]);
    }
  }
  if (contacts < 1 || rounds < 1) {
    std::fprintf(stderr,
                 "usage: bench_sync [CONTACTS] [--rounds N] [--only client|sqlite|postgres]\n");
    return 2;
  }
  ghl::sandbox::Options o;
  o.seed = "empty";
  o.seed_contacts = contacts;
  o.rate_limit.burst_max = 100000000;
  o.rate_limit.daily_max = 1000000000;
  auto sb = ghl::sandbox::RunningSandbox::Start(o);
  if (!sb.ok()) {
    std::fprintf(stderr, "%s\n", sb.error().Describe().c_str());
    return 1;
  }
  ghl::client::ClientOptions co;
  co.base_url = (*sb)->base_url();
  co.token = (*sb)->token();
  co.default_location_id = (*sb)->location_id();
  co.limits.enabled = false;
  ghl::client::Client client(co);
  ghl::ops::Context ctx{client, (*sb)->location_id(), nullptr};
  std::string dir =
      std::filesystem::temp_directory_path() / ("ghl-sync-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const char* pg = std::getenv("GHL_PG_URL");

  auto client_only = [&]() -> size_t {
    nlohmann::json after = nlohmann::json::array();
    size_t n = 0;
    while (true) {
      auto page = ghl::ops::ListContactsByUpdate(ctx, after, 100);
      if (!page.ok() || page->empty()) break;
      n += page->size();
      after = page->back()["searchAfter"];
    }
    return n;
  };
  int round = 0;
  auto sync_into = [&](bool postgres) -> size_t {
    ghl::sync::DatabaseOptions d;
    if (postgres) {
      d.location = pg;
      d.schema = "sync_bench_" + std::to_string(getpid()) + "_" + std::to_string(round++);
    } else {
      d.location = dir + "/bench" + std::to_string(round++) + ".db";
    }
    auto db = ghl::sync::OpenDatabase(d);
    if (!db.ok()) {
      std::fprintf(stderr, "%s\n", db.error().Describe().c_str());
      std::exit(1);
    }
    ghl::sync::SyncOptions so;
    so.location_ids = {(*sb)->location_id()};
    so.streams = {ghl::sync::Stream::kContacts};
    auto r = ghl::sync::RunSync(client, **db, so);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error().Describe().c_str());
      std::exit(1);
    }
    if (postgres) (void)(*db)->ExecScript("DROP SCHEMA " + d.schema + " CASCADE");
    return static_cast<size_t>(r->rows);
  };

  std::vector<Sample> ref, lite, post;
  std::vector<std::function<void()>> steps;
  if (only.empty() || only == "client") {
    steps.push_back([&] { ref.push_back(Measure(client_only)); });
  }
  if (only.empty() || only == "sqlite") {
    steps.push_back([&] { lite.push_back(Measure([&] { return sync_into(false); })); });
  }
  if (pg && (only.empty() || only == "postgres")) {
    steps.push_back([&] { post.push_back(Measure([&] { return sync_into(true); })); });
  }
  auto t0 = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (size_t i = 0; i < steps.size(); ++i) steps[(i + static_cast<size_t>(r)) % steps.size()]();
  }
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  std::filesystem::remove_all(dir);
  std::printf("   %d contacts, page 100, limits lifted; %d rounds in %.0f s; rows/s per round\n",
              contacts, rounds, secs);
  auto rates = [](const std::vector<Sample>& v) {
    std::vector<double> out;
    for (const auto& s : v) out.push_back(s.rate);
    return out;
  };
  auto cpus = [](const std::vector<Sample>& v) {
    std::vector<double> out;
    for (const auto& s : v) out.push_back(s.cpu_ms_per_k);
    return out;
  };
  auto show = [&](const char* name, const std::vector<Sample>& v) {
    if (v.empty()) return;
    std::printf("   %-22s", name);
    for (const auto& s : v) std::printf(" %8.0f", s.rate);
    std::printf("   median %8.0f rows/s, CPU %6.1f ms per 1,000 rows\n", Median(rates(v)),
                Median(cpus(v)));
  };
  show("client alone", ref);
  show("sync -> SQLite", lite);
  show("sync -> PostgreSQL", post);
  if (!ref.empty()) {
    double base = Median(rates(ref));
    if (!lite.empty())
      std::printf("   SQLite / client %.2f (target >= 0.8)\n", Median(rates(lite)) / base);
    if (!post.empty())
      std::printf("   PostgreSQL / client %.2f (target >= 0.8)\n", Median(rates(post)) / base);
  }
  (*sb)->Stop();
  return 0;
}
