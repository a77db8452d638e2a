// Durable webhook ingest benchmark (issue 13): events/s answered 200 by the receiver
// (`POST /webhooks/ghl`: Ed25519 verification over the raw bytes, replay checks, durable append
// with group commit) over loopback HTTP with 64 keep-alive connections, on the SQLite store and
// on the PostgreSQL store, beside a peer reference driven by the same load in the same run: the
// receiver people deploy today (bench/peer: Node.js + Express, Ed25519 via node:crypto, one
// PostgreSQL INSERT per event through `pg`, into the same PostgreSQL server).
// Measured in the same run on the same machine, as references:
//   1. Ed25519 verifications/s, one thread per core, on the same pre-signed bodies;
//   2. the SQLite store's insert rate with Append in batches of 10 (one thread);
//   3. a trivial handler answering 200 on the same HttpServer, driven by the same client;
//   and a no-store reference (verify + read the facts, no append).
// Every ingested event costs one verification and one HTTP exchange on the same cores, so
// ingest cannot beat 1/(1/verify + 1/trivial) even with a free store: the targets are stated
// against that bound and against the peer (see PrintVerdict). With --repeat R the three
// receivers run R times, in a rotated order each time (alternating), and each run prints its
// own ratios; the summary gives the medians and how many runs had a disk stall (a request that
// waited >= 100 ms: this machine's fdatasync pauses reach 0.2-0.6 s).
// Every event is signed and every request serialised before the timed runs; the client is one
// thread driving all connections (load_client.h). Our server is mounted as `ghl serve` does:
// `HandleAsync` on an `AsyncHandler`, so no request holds a server thread while its commit is
// in flight. Not a test: `bench/run` calls it.
//
// Usage: bench_ingest [--events N] [--connections C] [--server-threads T] [--dir DIR]
//                     [--pg-url URL] [--peer DIR] [--repeat R]
//   --events          events per timed phase (default 20000)
//   --connections     concurrent keep-alive client connections (default 64)
//   --server-threads  HttpServer threads (default: one per core)
//   --dir             where the temporary SQLite files go (default: $TMPDIR)
//   --pg-url          PostgreSQL for the PostgreSQL store and the peer (default: $GHL_PG_URL;
//                     none: SQLite only); each run uses a fresh schema, dropped afterwards
//   --peer            the peer's directory (bench/peer, with node_modules installed)
//   --repeat          runs of the receivers (default 1)
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <pqxx/pqxx>
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
#include "peer_process.h"

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
  std::string pg_url;
  std::string peer_dir;
  int repeat = 1;
};

struct Signed {
  std::string body;
  std::string signature;
};

// SplitMix64: a well-mixed 64-bit value per input.
uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A UUID-shaped webhookId in random order, as GHL's ids arrive: keys that sorted in sending
// order would let the store's dedup index append where real traffic dirties a random page.
std::string WebhookId(const std::string& run, int i) {
  uint64_t seed = std::hash<std::string>{}(run) ^ static_cast<uint64_t>(i) * 0x100000001b3ULL;
  uint64_t hi = Mix(seed), lo = Mix(hi ^ seed);
  char id[37];
  std::snprintf(id, sizeof id, "%08llx-%04llx-4%03llx-%04llx-%012llx",
                static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff),
                static_cast<unsigned long long>(hi & 0xfff),
                static_cast<unsigned long long>(0x8000 | ((lo >> 48) & 0x3fff)),
                static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return id;
}

// A ContactCreate-shaped body (about 600 bytes), unique per index and run.
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
         R"("webhookId":")" +
         WebhookId(run, i) + R"(","timestamp":")" + timestamp + R"("})";
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
      e.dedup_key = "wh:" + WebhookId("store", static_cast<int>(j));
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
  if (const char* url = std::getenv("GHL_PG_URL")) a.pg_url = url;
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
    } else if (k == "--pg-url") {
      a.pg_url = argv[i + 1];
    } else if (k == "--peer") {
      a.peer_dir = argv[i + 1];
    } else if (k == "--repeat") {
      a.repeat = std::max(1, std::atoi(argv[i + 1]));
    } else {
      std::fprintf(stderr, "bench_ingest: unknown option %s\n", argv[i]);
      std::exit(2);
    }
  }
  return a;
}

constexpr double kStallMs = 100;  // a request that waited this long met a disk stall

// One receiver's timed phase.
struct Phase {
  LoadResult load;
  double cpu_us = 0;        // this process's CPU per request (server + client; not PostgreSQL's)
  double other_cpu_us = 0;  // CPU per request of the PostgreSQL server and the peer's node
  long long stored = 0;     // rows in the store afterwards
  double Max() const {
    return load.latencies_ms.empty()
               ? 0
               : *std::max_element(load.latencies_ms.begin(), load.latencies_ms.end());
  }
  bool Stalled() const { return Max() >= kStallMs; }
};

// User + system CPU seconds of every process named `comm` on this machine (/proc), e.g. the
// PostgreSQL server's backends, or the peer's `node`: what the ingest costs outside this process.
double CpuOfProcessesNamed(const std::string& comm) {
  double ticks = 0;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    FILE* f = std::fopen((entry.path() / "stat").c_str(), "r");
    if (f == nullptr) continue;
    char buf[1024];
    size_t n = std::fread(buf, 1, sizeof buf - 1, f);
    std::fclose(f);
    buf[n] = '\0';
    std::string stat(buf);
    auto open = stat.find('('), close = stat.rfind(')');
    if (open == std::string::npos || close == std::string::npos) continue;
    if (stat.substr(open + 1, close - open - 1) != comm) continue;
    // Fields after "(comm) ": state is field 3; utime and stime are fields 14 and 15.
    unsigned long long utime = 0, stime = 0;
    if (std::sscanf(stat.c_str() + close + 2,
                    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) == 2) {
      ticks += static_cast<double>(utime + stime);
    }
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Profiling one phase: with GHL_BENCH_PERF_CTL=FIFO and GHL_BENCH_PERF_PHASE=LABEL, the phase
// LABEL (trivial, no-store, sqlite, postgres, peer) writes "enable" / "disable" to FIFO, for
// `perf record -D -1 --control fifo:FIFO …` (only that phase is sampled).
void PerfControl(const std::string& label, const char* command) {
  const char* fifo = std::getenv("GHL_BENCH_PERF_CTL");
  const char* phase = std::getenv("GHL_BENCH_PERF_PHASE");
  if (fifo == nullptr || phase == nullptr || label != phase) return;
  if (FILE* f = std::fopen(fifo, "w")) {
    std::fprintf(f, "%s\n", command);
    std::fclose(f);
  }
}

// Drives `path` on `port` with the requests, timing this process's CPU.
Phase Drive(const std::string& label, uint16_t port, const std::string& path,
            const std::vector<LoadRequest>& requests, int connections) {
  Phase p;
  const double cpu_before = ProcessCpuSeconds();
  const double other_before = CpuOfProcessesNamed("postgres") + CpuOfProcessesNamed("node");
  PerfControl(label, "enable");
  p.load = RunLoad(port, path, requests, connections);
  PerfControl(label, "disable");
  const int sent = std::max(1, p.load.ok + p.load.failed);
  p.cpu_us = (ProcessCpuSeconds() - cpu_before) * 1e6 / sent;
  p.other_cpu_us =
      (CpuOfProcessesNamed("postgres") + CpuOfProcessesNamed("node") - other_before) * 1e6 / sent;
  if (p.load.failed) {
    std::fprintf(stderr, "bench_ingest: first failure: %s\n", p.load.first_failure.c_str());
  }
  return p;
}

// Our receiver on `store`, mounted as `ghl serve` does, plus the references on the same server.
class Served {
 public:
  Served(std::shared_ptr<ghl::store::EventStore> store, const std::string& public_key,
         const ghl::webhooks::SignatureVerifier& verifier, int threads)
      : store_(std::move(store)) {
    ghl::webhooks::ReceiverOptions ropts;
    ropts.public_keys = {public_key};
    auto receiver = ghl::webhooks::WebhookReceiver::Create(ropts, store_);
    if (!receiver.ok()) {
      std::fprintf(stderr, "bench_ingest: %s\n", receiver.error().Describe().c_str());
      std::exit(1);
    }
    receiver_ = std::move(receiver.value());
    const ghl::webhooks::WebhookReceiver& rx = *receiver_;
    server_ = std::make_unique<ghl::server::HttpServer>(
        ghl::server::ServerOptions{.port = 0, .threads = threads},
        [&rx, &verifier](Request req, ghl::server::Responder respond) {
          if (req.Path() == ghl::webhooks::kDefaultWebhookPath) {
            return rx.HandleAsync(req, respond);
          }
          if (req.Path() == "/reference/no-store") {
            // The receiver's work before the store (verify the raw bytes, read the facts), no
            // durable append: what durability costs is the difference to the ingest line.
            auto verdict = verifier.Verify(req.body, req.headers, std::chrono::system_clock::now());
            bool read = ghl::webhooks::InspectBody(req.body).ok();
            respond(ghl::server::JsonResponse(verdict.accepted && read ? 200 : 401,
                                              R"({"status":"accepted"})"));
            return;
          }
          respond(ghl::server::JsonResponse(200, R"({"status":"ok"})"));
        });
    port_ = server_->Start();
  }
  ~Served() { server_->Stop(); }
  uint16_t port() const { return port_; }
  long long Stored() const {
    auto stats = store_->GetStats();
    return stats.ok() ? stats->by_state.total() : -1;
  }

 private:
  std::shared_ptr<ghl::store::EventStore> store_;
  std::unique_ptr<ghl::webhooks::WebhookReceiver> receiver_;
  std::unique_ptr<ghl::server::HttpServer> server_;
  uint16_t port_ = 0;
};

std::shared_ptr<ghl::store::EventStore> MustOpen(
    ghl::Result<std::unique_ptr<ghl::store::EventStore>> opened) {
  if (!opened.ok()) {
    std::fprintf(stderr, "bench_ingest: %s\n", opened.error().Describe().c_str());
    std::exit(1);
  }
  return std::move(opened.value());
}

// Runs `sql` on its own connection (schema drop, row count); "" on error.
std::string PgScalar(const std::string& url, const std::string& sql) {
  try {
    pqxx::connection c(url);
    pqxx::work w(c);
    auto r = w.exec(sql);
    w.commit();
    return r.empty() || r[0][0].is_null() ? std::string("0") : r[0][0].as<std::string>();
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "bench_ingest: %s\n", ex.what());
    return {};
  }
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

const char* Verdict(bool ok) { return ok ? "ok" : "MISSED"; }

void PrintPhase(const char* name, const Phase& p, bool ours = true) {
  std::printf(
      "   %-27s %7.0f events/s answered 200  (p50 %.2f ms, p99 %.2f ms, max %.0f ms%s; %d not "
      "200; %lld stored; cpu per event: %.0f us here, %.0f us in postgres + node)\n",
      name, p.load.PerSecond(), p.load.Percentile(0.50), p.load.Percentile(0.99), p.Max(),
      ours && p.Stalled() ? ", DISK STALL" : "", p.load.failed, p.stored, p.cpu_us, p.other_cpu_us);
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
  const bool with_pg = !args.pg_url.empty();
  const bool with_peer = with_pg && !args.peer_dir.empty();

  // Pre-sign every event (distinct webhookIds) before anything is timed.
  auto signer = ghl::webhooks::WebhookSigner::GenerateEd25519();
  if (!signer.ok()) return 1;
  const std::string public_key = signer->PublicKeyBase64();
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
  std::vector<LoadRequest> requests;
  requests.reserve(events.size());
  for (const auto& e : events) requests.push_back({e.body, {{"X-GHL-Signature", e.signature}}});

  ghl::webhooks::VerifierOptions vopts;
  vopts.ed25519_public_key = public_key;
  vopts.rsa_public_key.clear();
  auto verifier = ghl::webhooks::SignatureVerifier::Create(vopts);
  if (!verifier.ok()) return 1;
  double verify_rate = VerifyCeiling(*verifier, events, cores);
  std::printf("   ceiling 1: Ed25519 verify      %9.0f /s  (%d threads)\n", verify_rate, cores);

  double store_rate = StoreCeiling(dir + "/store-ceiling.db", events);
  std::printf("   ceiling 2: store Append x10    %9.0f rows/s  (SQLite WAL, synchronous=FULL)\n",
              store_rate);

  double trivial_rate = 0;
  {
    Served refs(MustOpen(ghl::store::OpenSqliteStore({.path = dir + "/refs.db"})), public_key,
                *verifier, server_threads);
    Phase trivial = Drive("trivial", refs.port(), "/trivial", requests, args.connections);
    trivial_rate = trivial.load.PerSecond();
    std::printf(
        "   ceiling 3: trivial handler     %9.0f req/s  (p99 %.2f ms; cpu per request %.0f us)\n",
        trivial_rate, trivial.load.Percentile(0.99), trivial.cpu_us);
    Phase no_store =
        Drive("no-store", refs.port(), "/reference/no-store", requests, args.connections);
    std::printf(
        "   reference: verify+read, no store %6.0f events/s  (p50 %.2f ms, p99 %.2f ms; cpu per "
        "event %.0f us)\n",
        no_store.load.PerSecond(), no_store.load.Percentile(0.50), no_store.load.Percentile(0.99),
        no_store.cpu_us);
  }
  // Every ingested event costs one verification AND one HTTP exchange (client included) on the
  // same cores, so ingest cannot beat this even with a store that costs nothing.
  const double bound = 1.0 / (1.0 / verify_rate + 1.0 / trivial_rate);
  std::printf("   bound: 1/(1/verify + 1/trivial) = %.0f events/s (store cost left out)\n", bound);
  if (!with_pg) std::printf("   (no --pg-url / GHL_PG_URL: PostgreSQL and the peer skipped)\n");
  if (with_pg && !with_peer) std::printf("   (no --peer DIR: the Node/Express peer skipped)\n");

  bool failed = false;
  auto check = [&failed](const Phase& p) {
    if (p.load.failed != 0 || p.stored != p.load.ok) failed = true;
  };
  const std::string schema_base = "ghl_bench_" + std::to_string(getpid());
  std::map<std::string, std::vector<Phase>> phases;   // receiver -> one Phase per run
  std::map<std::string, std::vector<double>> ratios;  // ratio -> its value in each run
  const std::vector<std::string> order = {"sqlite", "postgres", "peer"};
  for (int rep = 0; rep < args.repeat; ++rep) {
    std::printf("-- run %d of %d\n", rep + 1, args.repeat);
    for (size_t k = 0; k < order.size(); ++k) {
      const std::string& which = order[(k + static_cast<size_t>(rep)) % order.size()];
      const std::string schema = schema_base + "_" + which + "_" + std::to_string(rep);
      if (which == "sqlite") {
        Served s(MustOpen(ghl::store::OpenSqliteStore(
                     {.path = dir + "/events-" + std::to_string(rep) + ".db"})),
                 public_key, *verifier, server_threads);
        Phase p = Drive(which, s.port(), std::string(ghl::webhooks::kDefaultWebhookPath), requests,
                        args.connections);
        p.stored = s.Stored();
        PrintPhase("ghl, SQLite store:", p);
        phases[which].push_back(std::move(p));
      } else if (which == "postgres" && with_pg) {
        {
          Served s(MustOpen(ghl::store::OpenPostgresStore({.url = args.pg_url, .schema = schema})),
                   public_key, *verifier, server_threads);
          Phase p = Drive(which, s.port(), std::string(ghl::webhooks::kDefaultWebhookPath),
                          requests, args.connections);
          p.stored = s.Stored();
          PrintPhase("ghl, PostgreSQL store:", p);
          phases[which].push_back(std::move(p));
        }
        PgScalar(args.pg_url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } else if (which == "peer" && with_peer) {
        {
          ghl::bench::PeerProcess peer(args.peer_dir, {{"PEER_PUBLIC_KEY", public_key},
                                                       {"PEER_PG_URL", args.pg_url},
                                                       {"PEER_PG_SCHEMA", schema}});
          if (peer.port() == 0) {
            std::fprintf(stderr, "bench_ingest: the peer did not start (node %s/server.js)\n",
                         args.peer_dir.c_str());
            return 1;
          }
          Phase p = Drive(which, peer.port(), std::string(ghl::webhooks::kDefaultWebhookPath),
                          requests, args.connections);
          p.stored = std::atoll(
              PgScalar(args.pg_url, "SELECT count(*) FROM " + schema + ".webhook_events").c_str());
          PrintPhase("peer, Node/Express + pg:", p, /*ours=*/false);
          phases[which].push_back(std::move(p));
        }
        PgScalar(args.pg_url, "DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
    auto rate = [&](const char* which) {
      auto it = phases.find(which);
      return it == phases.end() ? 0.0 : it->second.back().load.PerSecond();
    };
    const double sqlite = rate("sqlite"), pg = rate("postgres"), peer = rate("peer");
    ratios["sqlite_bound"].push_back(sqlite / bound);
    std::printf("   ratios: SQLite/bound %.2f", sqlite / bound);
    if (with_pg) {
      ratios["pg_sqlite"].push_back(pg / sqlite);
      std::printf(", PostgreSQL/SQLite %.2f", pg / sqlite);
    }
    if (with_peer) {
      ratios["pg_peer"].push_back(pg / peer);
      ratios["sqlite_peer"].push_back(sqlite / peer);
      std::printf(", PostgreSQL/peer %.2f, SQLite/peer %.2f", pg / peer, sqlite / peer);
    }
    std::printf("\n");
  }
  for (const auto& [which, list] : phases) {
    for (const Phase& p : list) check(p);
  }

  // Summary: the median over the runs of each ratio (each measured within one run).
  auto median_of = [&](const std::string& which, const std::function<double(const Phase&)>& f) {
    std::vector<double> v;
    for (const Phase& p : phases[which]) v.push_back(f(p));
    return Median(v);
  };
  auto summary = [&](const char* label, const char* key, double target) {
    const std::vector<double>& v = ratios[key];
    if (v.empty()) return;
    const double m = Median(v);
    std::string each;
    for (double r : v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%s%.2f", each.empty() ? "" : " ", r);
      each += buf;
    }
    std::printf("   %-28s %.2f  (target >= %.1f) %s  [runs: %s]\n", label, m, target,
                Verdict(m >= target), each.c_str());
  };
  std::printf("== summary (median of the per-run ratios, %d run%s)\n", args.repeat,
              args.repeat == 1 ? "" : "s");
  summary("SQLite ingest / bound:", "sqlite_bound", 0.8);
  summary("PostgreSQL / SQLite:", "pg_sqlite", 0.9);
  summary("PostgreSQL / Node peer:", "pg_peer", 3);
  summary("SQLite / Node peer:", "sqlite_peer", 3.5);
  if (with_peer) {
    // Less sensitive to other load on the machine than the rates: the CPU one event costs
    // every process involved (load client included on both sides).
    auto total_cpu = [](const Phase& p) { return p.cpu_us + p.other_cpu_us; };
    const double c_sqlite = median_of("sqlite", total_cpu);
    const double c_pg = median_of("postgres", total_cpu);
    const double c_peer = median_of("peer", total_cpu);
    std::printf(
        "   CPU per event, all processes: SQLite %.0f us, PostgreSQL %.0f us, peer %.0f us "
        "(peer / PostgreSQL %.2f, peer / SQLite %.2f)\n",
        c_sqlite, c_pg, c_peer, c_peer / c_pg, c_peer / c_sqlite);
  }
  for (const auto& [which, list] : phases) {
    if (list.empty()) continue;
    const double p50 = median_of(which, [](const Phase& p) { return p.load.Percentile(0.5); });
    const double p99 = median_of(which, [](const Phase& p) { return p.load.Percentile(0.99); });
    if (which == "peer") {
      // The peer queues requests behind its one thread: a long wait there is not a disk stall.
      std::printf("   %-9s p50 %.2f ms, p99 %.2f ms at %d connections (a reference: no target)\n",
                  which.c_str(), p50, p99, args.connections);
      continue;
    }
    int stalls = 0;
    for (const Phase& p : list) stalls += p.Stalled() ? 1 : 0;
    std::printf(
        "   %-9s p50 %.2f ms at %d connections (target <= 10 ms) %s; p99 %.2f ms; disk stall (a "
        "request >= %.0f ms) in %d of %zu runs\n",
        which.c_str(), p50, args.connections, Verdict(p50 <= 10), p99, kStallMs, stalls,
        list.size());
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return failed ? 1 : 0;
}
