// `ghl serve --sync-watch` (serve_sync.h).
#include "serve_sync.h"

#include <cstdio>

#include "cli_checks.h"
#include "commands.h"
#include "server_text.h"

namespace ghl::cli {
namespace {

sync::WatchOptions Options(const ServeSyncArgs& args, const client::ClientOptions& client,
                           std::atomic<bool>* stopping) {
  sync::WatchOptions wo;
  if (!client.default_location_id.empty()) {
    wo.sync.location_ids.push_back(client.default_location_id);
  }
  wo.sync.cancelled = [stopping] { return stopping->load(); };
  wo.poll = std::chrono::milliseconds(args.poll_ms);
  wo.reconcile_every =
      std::chrono::milliseconds(static_cast<int64_t>(args.reconcile_every_s * 1000));
  wo.on_sync = [](const sync::SyncReport& r, bool full) {
    std::printf("Sync:       %s %lld rows in %lld pages", full ? "reconciled" : "synced",
                static_cast<long long>(r.rows), static_cast<long long>(r.pages));
    if (full) {
      std::printf(
          "; %s",
          r.drift_rows == 0
              ? "no drift"
              : ("fixed drift of " + std::to_string(r.drift_rows) + " rows: " + r.drift).c_str());
    }
    std::printf("\n");
    std::fflush(stdout);
  };
  wo.on_error = [stopping](std::string_view what, const Error& e) {
    if (stopping->load()) return;
    std::fprintf(stderr, "ghl serve: sync %.*s: %s\n", static_cast<int>(what.size()), what.data(),
                 e.Summary().c_str());
  };
  return wo;
}

}  // namespace

void AddServeSyncOptions(CLI::App* cmd, ServeSyncArgs* args) {
  cmd->add_flag("--sync-watch", args->watch,
                "Keep --sync-db following GHL: sync it, then apply each webhook event the "
                "receiver stores to its tables and reconcile every --sync-reconcile-every "
                "seconds (as `ghl sync --watch`; needs GHL_TOKEN unless --sandbox)");
  cmd->add_option("--sync-reconcile-every", args->reconcile_every_s,
                  "Seconds between reconcile passes with --sync-watch (0 = none)")
      ->check(CLI::Range(0.0, 1e9))
      ->capture_default_str();
  cmd->add_option("--sync-poll-ms", args->poll_ms,
                  "Event store poll interval with --sync-watch, milliseconds")
      ->check(WholeNumber("--sync-poll-ms", 10, 60000))
      ->capture_default_str();
  cmd->add_option("--sync-db-schema", args->schema,
                  "PostgreSQL schema of --sync-db (the dashboard's and --sync-watch's)")
      ->capture_default_str();
}

ServeSync::ServeSync(const ServeSyncArgs& args, const client::ClientOptions& client_options,
                     std::unique_ptr<sync::Database> db, store::EventStore& events)
    : client_(client_options),
      db_(std::move(db)),
      watcher_(client_, *db_, events, Options(args, client_options, &stopping_)) {}

ServeSync::~ServeSync() { Stop(); }

Status ServeSync::Start() {
  // Anchored before the thread runs: events stored during the first sync are applied after it.
  if (auto a = watcher_.Anchor(); !a.ok()) return a.error();
  thread_ = std::thread([this] { Run(); });
  return Ok{};
}

void ServeSync::Stop() {
  stopping_.store(true);
  if (thread_.joinable()) thread_.join();
}

void ServeSync::Run() {
  // A failed first sync is reported; the feed and the reconcile passes go on.
  if (auto r = watcher_.SyncOnce(/*full=*/false); !r.ok() && !stopping_.load()) {
    std::fprintf(stderr, "ghl serve: sync: %s (the change feed goes on; reconcile retries)\n",
                 r.error().Summary().c_str());
  }
  watcher_.Follow([this] { return stopping_.load(); });
}

std::unique_ptr<ServeSync> StartServeSync(const ServeSyncArgs& args, const std::string& sync_db,
                                          const client::ClientOptions& client_options,
                                          store::EventStore& events, int* exit_code) {
  if (!args.watch) return nullptr;
  if (client_options.token.empty() && !client_options.token_provider) {
    std::fprintf(stderr,
                 "ghl serve: --sync-watch needs a token to read GHL: set GHL_TOKEN, log in "
                 "with `ghl auth login` (token store), or use --sandbox\n");
    *exit_code = kExitUsage;
    return nullptr;
  }
  auto db = sync::OpenDatabase({sync_db, args.schema});
  if (!db.ok()) {
    PrintError("ghl serve: --sync-db", db.error());
    *exit_code = db.error().kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
    return nullptr;
  }
  auto running = std::make_unique<ServeSync>(args, client_options, std::move(*db), events);
  if (auto st = running->Start(); !st.ok()) {
    PrintError("ghl serve: --sync-db", st.error());
    *exit_code = st.error().kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
    return nullptr;
  }
  return running;
}

}  // namespace ghl::cli
