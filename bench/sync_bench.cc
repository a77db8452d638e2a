// Full sync of N contacts from an in-process sandbox with rate limits lifted: rows/s of
// `ghl::sync::RunSync` (contacts stream) into SQLite and PostgreSQL, against the rate at which
// the client alone pages through the same contacts (same ops call, same page size, nothing
// stored). Three rounds in rotated order; prints each and the median ratio (target >= 0.8).
// Usage: bench_sync [CONTACTS]   (default 10000; PostgreSQL when GHL_PG_URL is set)
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
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
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int contacts = argc > 1 ? std::atoi(argv[1]) : 10000;
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

  auto client_only = [&]() -> double {
    auto t0 = Clock::now();
    nlohmann::json after = nlohmann::json::array();
    size_t n = 0;
    while (true) {
      auto page = ghl::ops::ListContactsByUpdate(ctx, after, 100);
      if (!page.ok() || page->empty()) break;
      n += page->size();
      after = page->back()["searchAfter"];
    }
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    return static_cast<double>(n) / s;
  };
  int round = 0;
  auto sync_into = [&](bool postgres) -> double {
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
    auto t0 = Clock::now();
    auto r = ghl::sync::RunSync(client, **db, so);
    double s = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.error().Describe().c_str());
      std::exit(1);
    }
    if (postgres) (void)(*db)->ExecScript("DROP SCHEMA " + d.schema + " CASCADE");
    return static_cast<double>(r->rows) / s;
  };

  std::vector<double> ref, lite, post;
  std::vector<std::function<void()>> steps = {[&] { ref.push_back(client_only()); },
                                              [&] { lite.push_back(sync_into(false)); }};
  if (pg) steps.push_back([&] { post.push_back(sync_into(true)); });
  for (size_t r = 0; r < 3; ++r) {
    for (size_t i = 0; i < steps.size(); ++i) steps[(i + r) % steps.size()]();
  }
  std::filesystem::remove_all(dir);
  std::printf("   %d contacts, page 100, limits lifted; rows/s per round\n", contacts);
  auto show = [](const char* name, const std::vector<double>& v) {
    std::printf("   %-22s", name);
    for (double x : v) std::printf(" %8.0f", x);
    std::printf("   median %8.0f\n", Median(v));
  };
  show("client alone", ref);
  show("sync -> SQLite", lite);
  if (pg) show("sync -> PostgreSQL", post);
  std::printf("   SQLite / client %.2f (target >= 0.8)\n", Median(lite) / Median(ref));
  if (pg) std::printf("   PostgreSQL / client %.2f (target >= 0.8)\n", Median(post) / Median(ref));
  (*sb)->Stop();
  return 0;
}
