// Durable webhook ingest benchmark (issue 3, "Performance"): events/s answered 200 by the
// receiver (`POST /webhooks/ghl`: Ed25519 verification over the raw bytes, replay checks,
// durable SQLite WAL append with group commit) over loopback HTTP with 64 keep-alive
// connections, and its p99 latency, as a ratio to the slowest of three ceilings measured in the
// same run on the same machine:
//   1. Ed25519 verifications/s, one thread per core, on the same pre-signed bodies;
//   2. the store's insert rate with Append in batches of 10 (SQLite WAL, one thread);
//   3. a trivial handler answering 200 on the same HttpServer, driven by the same client.
// It also prints the process CPU time per ingested event and the bound the first and third
// ceilings put on ingest when they share the cores (see the end of main).
// Every event is signed and every request serialised before the timed run; the client is one
// thread driving all connections (load_client.h), so it takes little of the machine. The
// server is mounted as `ghl serve` does: `HandleAsync` on an `AsyncHandler`, so no request
// holds a server thread while its commit is in flight. Not a test: `bench/run` calls it.
//
// Usage: bench_ingest [--events N] [--connections C] [--server-threads T] [--dir DIR]
//   --events          events per timed phase (default 20000)
//   --connections     concurrent keep-alive client connections (default 64)
//   --server-threads  HttpServer threads (default: one per core)
//   --dir             where the temporary SQLite files go (default: $TMPDIR)
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "ghl/core/time_format.h"
#include "ghl/server/http_server.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/receiver.h"
#include "ghl/webhooks/replay.h"
#include "ghl/webhooks/signature_verifier.h"
#include "ghl/webhooks/signer.h"
#include "load_client.h"

namespace {

using Clock = std::chrono::steady_clock;
using ghl::bench::LoadRequest;
using ghl::bench::LoadResult;
using ghl::bench::RunLoad;
using ghl::http::Request;

struct Args {
  int events = 20000;
  int connections = 64;
  int server_threads = 0;
  std::string dir;
};

struct Signed {
  std::string body;
  std::string signature;
};

// A ContactCreate-shaped body (about 450 bytes), unique per index and run.
std::string EventBody(const std::string& run, int i, const std::string& timestamp) {
  std::string n = std::to_string(i);
  return R"({"type":"ContactCreate","locationId":"benchLocation0000001","id":"benchContact)" + n +
         R"(","address1":"3500 Deer Creek Road","city":"Palo Alto","state":"CA",)"
         R"("companyName":"Bench Inc","country":"US","source":"public api",)"
         R"("dateAdded":"2025-02-01T10:00:00.000Z","dateOfBirth":"1990-01-01",)"
         R"("dnd":false,"email":"bench.contact)" +
         n + R"(@example.com","name":"Bench Contact )" + n +
         R"(","firstName":"Bench","lastName":"Contact )" + n + R"(","phone":"+15550)" + n +
         R"(","postalCode":"94304","tags":["bench","new-lead"],)"
         R"("website":"https://example.com","attachments":[],"customFields":[],)"
         R"("webhookId":"bench-)" +
         run + "-" + n + R"(","timestamp":")" + timestamp + R"("})";
}

// Ceiling 1: Ed25519 verifications/s with one thread per core.
double VerifyCeiling(const ghl::webhooks::SignatureVerifier& verifier,
                     const std::vector<Signed>& events, int threads) {
  std::atomic<size_t> next{0};
  std::atomic<int> bad{0};
  auto now = std::chrono::system_clock::now();
  auto start = Clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (;;) {
        size_t i = next.fetch_add(1);
        if (i >= events.size()) break;
        if (!verifier.Verify(events[i].body, events[i].signature, std::nullopt, now)) ++bad;
      }
    });
  }
  for (auto& t : pool) t.join();
  double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (bad) std::fprintf(stderr, "bench_ingest: %d signatures did not verify\n", bad.load());
  return static_cast<double>(events.size()) / seconds;
}

// Ceiling 2: the store's insert rate, Append in batches of 10 (each batch one transaction).
double StoreCeiling(const std::string& path, const std::vector<Signed>& events) {
  auto opened = ghl::store::OpenSqliteStore({.path = path});
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_ingest: %s\n", opened.error().Describe().c_str());
    std::exit(1);
  }
  auto& store = *opened.value();
  auto start = Clock::now();
  for (size_t i = 0; i < events.size(); i += 10) {
    std::vector<ghl::store::NewEvent> batch;
    for (size_t j = i; j < std::min(events.size(), i + 10); ++j) {
      ghl::store::NewEvent e;
      e.dedup_key = "bench-store-" + std::to_string(j);
      e.type = "ContactCreate";
      e.location_id = "benchLocation0000001";
      e.body = events[j].body;
      e.headers = {{"content-type", "application/json"}, {"x-ghl-signature", events[j].signature}};
      batch.push_back(std::move(e));
    }
    auto res = store.Append(std::move(batch));
    if (!res.ok()) {
      std::fprintf(stderr, "bench_ingest: store: %s\n", res.error().Describe().c_str());
      std::exit(1);
    }
  }
  return static_cast<double>(events.size()) /
         std::chrono::duration<double>(Clock::now() - start).count();
}

// User + system CPU time of the whole process so far, in seconds.
double ProcessCpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

Args ParseArgs(int argc, char** argv) {
  Args a;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--events") {
      a.events = std::max(100, std::atoi(argv[i + 1]));
    } else if (k == "--connections") {
      a.connections = std::max(1, std::atoi(argv[i + 1]));
    } else if (k == "--server-threads") {
      a.server_threads = std::max(1, std::atoi(argv[i + 1]));
    } else if (k == "--dir") {
      a.dir = argv[i + 1];
    } else {
      std::fprintf(stderr, "bench_ingest: unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  Args args = ParseArgs(argc, argv);
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int server_threads = args.server_threads > 0 ? args.server_threads : cores;
  std::string base_dir =
      args.dir.empty() ? std::filesystem::temp_directory_path().string() : args.dir;
  std::string tmpl = base_dir + "/ghl-ingest-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("bench_ingest: mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;

  // Pre-sign every event (distinct webhookIds) before anything is timed.
  auto signer = ghl::webhooks::WebhookSigner::GenerateEd25519();
  if (!signer.ok()) return 1;
  std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::string timestamp = ghl::UtcIsoNow(ghl::IsoPrecision::kMilliseconds);
  std::vector<Signed> events;
  events.reserve(static_cast<size_t>(args.events));
  for (int i = 0; i < args.events; ++i) {
    std::string body = EventBody(run, i, timestamp);
    std::string sig = signer->Sign(body);
    events.push_back({std::move(body), std::move(sig)});
  }
  std::printf(
      "   %d events (%zu-byte bodies) signed with Ed25519 before the timed runs; "
      "%d cores, %d server threads, %d connections\n",
      args.events, events[0].body.size(), cores, server_threads, args.connections);

  ghl::webhooks::VerifierOptions vopts;
  vopts.ed25519_public_key = signer->PublicKeyBase64();
  vopts.rsa_public_key.clear();
  auto verifier = ghl::webhooks::SignatureVerifier::Create(vopts);
  if (!verifier.ok()) return 1;
  double verify_rate = VerifyCeiling(*verifier, events, cores);
  std::printf("   ceiling 1: Ed25519 verify      %9.0f /s  (%d threads)\n", verify_rate, cores);

  double store_rate = StoreCeiling(dir + "/store-ceiling.db", events);
  std::printf("   ceiling 2: store Append x10    %9.0f rows/s  (SQLite WAL, synchronous=FULL)\n",
              store_rate);

  // The receiver and a trivial handler on the same server.
  auto opened = ghl::store::OpenSqliteStore({.path = dir + "/events.db"});
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_ingest: %s\n", opened.error().Describe().c_str());
    return 1;
  }
  std::shared_ptr<ghl::store::EventStore> store = std::move(opened.value());
  ghl::webhooks::ReceiverOptions ropts;
  ropts.public_keys = {signer->PublicKeyBase64()};
  auto receiver = ghl::webhooks::WebhookReceiver::Create(ropts, store);
  if (!receiver.ok()) {
    std::fprintf(stderr, "bench_ingest: %s\n", receiver.error().Describe().c_str());
    return 1;
  }
  const ghl::webhooks::WebhookReceiver& rx = **receiver;
  // As `ghl serve` mounts it: webhooks answered from the committer thread, no thread held.
  ghl::server::HttpServer server(
      {.port = 0, .threads = server_threads},
      [&rx, &verifier](Request req, ghl::server::Responder respond) {
        if (req.Path() == ghl::webhooks::kDefaultWebhookPath) return rx.HandleAsync(req, respond);
        if (req.Path() == "/reference/no-store") {
          // The receiver's work before the store (verify the raw bytes, read the facts), no
          // durable append: what durability costs is the difference to the ingest line.
          auto verdict = verifier->Verify(req.body, req.headers, std::chrono::system_clock::now());
          bool read = ghl::webhooks::InspectBody(req.body).ok();
          respond(ghl::server::JsonResponse(verdict.accepted && read ? 200 : 401,
                                            R"({"status":"accepted"})"));
          return;
        }
        respond(ghl::server::JsonResponse(200, R"({"status":"ok"})"));
      });
  uint16_t port = server.Start();
  std::vector<LoadRequest> requests;
  requests.reserve(events.size());
  for (const auto& e : events) requests.push_back({e.body, {{"X-GHL-Signature", e.signature}}});

  const double trivial_cpu_before = ProcessCpuSeconds();
  LoadResult trivial = RunLoad(port, "/trivial", requests, args.connections);
  const double trivial_cpu_us =
      (ProcessCpuSeconds() - trivial_cpu_before) * 1e6 / std::max(1, trivial.ok + trivial.failed);
  std::printf(
      "   ceiling 3: trivial handler     %9.0f req/s  (p99 %.2f ms; cpu per request %.0f us)\n",
      trivial.PerSecond(), trivial.Percentile(0.99), trivial_cpu_us);

  const double no_store_cpu_before = ProcessCpuSeconds();
  LoadResult no_store = RunLoad(port, "/reference/no-store", requests, args.connections);
  std::printf(
      "   reference: verify+read, no store %6.0f events/s  (p50 %.2f ms, p99 %.2f ms; cpu per "
      "event %.0f us)\n",
      no_store.PerSecond(), no_store.Percentile(0.50), no_store.Percentile(0.99),
      (ProcessCpuSeconds() - no_store_cpu_before) * 1e6 /
          std::max(1, no_store.ok + no_store.failed));
  const double cpu_before = ProcessCpuSeconds();
  LoadResult ingest =
      RunLoad(port, std::string(ghl::webhooks::kDefaultWebhookPath), requests, args.connections);
  const double cpu_per_event_us =
      (ProcessCpuSeconds() - cpu_before) * 1e6 / std::max(1, ingest.ok + ingest.failed);
  if (ingest.failed)
    std::fprintf(stderr, "bench_ingest: first failure: %s\n", ingest.first_failure.c_str());
  server.Stop();
  auto stats = store->GetStats();
  long long stored = stats.ok() ? stats->by_state.total() : -1;
  double slowest = std::min({verify_rate, store_rate, trivial.PerSecond()});
  const char* which = slowest == verify_rate  ? "Ed25519 verify"
                      : slowest == store_rate ? "store Append x10"
                                              : "trivial handler";
  double ratio = ingest.PerSecond() / slowest;
  double p99 = ingest.Percentile(0.99);
  std::printf(
      "   ingest:                        %9.0f events/s answered 200  (p50 %.2f ms, "
      "p99 %.2f ms; %d not 200; %lld stored)\n",
      ingest.PerSecond(), ingest.Percentile(0.50), p99, ingest.failed, stored);
  // Less noisy than the rates on a shared machine: what one event costs the whole process
  // (client included), user + system time.
  std::printf(
      "   cpu per event:                 %9.0f us  (process user+sys during ingest, %d cores)\n",
      cpu_per_event_us, cores);
  std::printf(
      "   ratio ingest / slowest ceiling (%s): %.2f (target >= 0.7) %s; p99 %.2f ms "
      "(target <= 10 ms) %s\n",
      which, ratio, ratio >= 0.7 ? "ok" : "MISSED", p99, p99 <= 10.0 ? "ok" : "MISSED");
  // Every ingested event costs one verification AND one HTTP exchange (client included) on the
  // same cores, so ingest cannot beat 1 / (1/verify + 1/trivial) even with a free store. Where
  // trivial < 2.33 x verify, that bound is below 0.7 x verify: the target is out of reach on
  // this machine whatever the receiver does.
  const double bound = 1.0 / (1.0 / verify_rate + 1.0 / trivial.PerSecond());
  std::printf(
      "   bound on this machine: %.0f events/s = 1/(1/verify + 1/trivial), store cost left out; "
      "ingest reaches %.2f of it; 0.7 x slowest ceiling is %s it\n",
      bound, ingest.PerSecond() / bound, 0.7 * slowest <= bound ? "within" : "ABOVE");
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return ingest.failed == 0 && stored == ingest.ok ? 0 : 1;
}
