// `ghl sync`: GHL records into SQL (ghl/sync/sync.h), optionally followed by the webhook change
// feed (`--watch`) with periodic reconcile passes. `ghl kpi` lives in cmd_kpi.cc.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "credentials.h"
#include "ghl/client/client.h"
#include "ghl/store/event_store.h"
#include "ghl/sync/budget.h"
#include "ghl/sync/sync.h"
#include "ghl/sync/watch.h"
#include "sync_common.h"

namespace ghl::cli {
namespace {

std::atomic<int> g_signal{0};
extern "C" void OnSignal(int sig) { g_signal.store(sig); }

struct SyncArgs {
  std::vector<std::string> locations;
  std::string db;
  std::string db_schema = "public";
  std::string streams = "all";
  bool full = false;
  bool watch = false;
  std::string events_db;
  double reconcile_every_s = 3600;
  int poll_ms = 200;
  double max_daily_share = 1.0;
  int page_size = 100;
  int message_page_size = 100;
  std::string base_url;
  bool no_pacing = false;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int Fail(const Error& e) {
  std::fprintf(stderr, "ghl sync: %s\n", e.Describe().c_str());
  return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
}

// Progress: one live line on a terminal (an indeterminate bar: GHL's totals are not trusted),
// plain lines otherwise (each finished stream, and every 20 pages).
class ProgressPrinter {
 public:
  ProgressPrinter() : tty_(isatty(fileno(stderr)) != 0), start_(std::chrono::steady_clock::now()) {}
  void operator()(const sync::Progress& p) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    if (tty_) {
      static constexpr int kWidth = 20;
      int pos = static_cast<int>(p.pages % (2 * kWidth - 2));
      if (pos >= kWidth) pos = 2 * kWidth - 2 - pos;
      std::string bar(kWidth, ' ');
      bar[static_cast<size_t>(pos)] = '#';
      if (p.done) bar.assign(kWidth, '#');
      std::fprintf(stderr, "\r\x1b[2K%-14s [%s] %lld rows, %lld pages (%s)%s", p.stream.c_str(),
                   bar.c_str(), static_cast<long long>(p.rows), static_cast<long long>(p.pages),
                   p.location_id.c_str(), p.done ? "\n" : "");
    } else if (p.done || p.pages % 20 == 0) {
      std::fprintf(stderr, "sync %s %s: %lld rows, %lld pages%s (%.1f s)\n", p.location_id.c_str(),
                   p.stream.c_str(), static_cast<long long>(p.rows),
                   static_cast<long long>(p.pages), p.done ? ", done" : "", secs);
    }
    std::fflush(stderr);
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point start_;
};

void PrintReport(const sync::SyncReport& r, bool full) {
  std::printf("synced %lld rows in %lld pages\n", static_cast<long long>(r.rows),
              static_cast<long long>(r.pages));
  if (full) {
    if (r.drift_rows == 0) {
      std::printf("reconcile: no drift (the tables matched GHL)\n");
    } else {
      std::printf("reconcile: fixed drift of %lld rows: %s\n", static_cast<long long>(r.drift_rows),
                  r.drift.c_str());
    }
  }
  std::fflush(stdout);
}

void PrintBatch(const sync::FeedBatch& b) {
  std::printf("feed: applied %lld events, skipped %lld (last event %lld)\n",
              static_cast<long long>(b.applied), static_cast<long long>(b.skipped),
              static_cast<long long>(b.last_event_id));
  std::fflush(stdout);
}

int RunSyncCommand(const SyncArgs& args) {
  if (!(args.max_daily_share > 0 && args.max_daily_share <= 1)) {
    return Fail(UsageError(
        "--max-daily-share " + std::to_string(args.max_daily_share) + " is outside (0, 1]",
        "give the share of the daily quota the sync may use, e.g. 0.5"));
  }
  if (args.watch && args.poll_ms < 10) {
    return Fail(UsageError("--poll-ms must be at least 10"));
  }
  auto streams = sync::ParseStreams(args.streams);
  if (!streams.ok()) return Fail(streams.error());

  client::ClientOptions options;
  std::string base = !args.base_url.empty() ? args.base_url : Env("GHL_BASE_URL");
  if (!base.empty()) options.base_url = base;
  if (args.no_pacing) options.limits.enabled = false;
  // Credentials and locations (credentials.h): GHL_TOKEN, else the token store.
  auto locations = UseCredentialsForLocations(options, args.locations, "ghl sync");
  if (!locations.ok()) return Fail(locations.error());
  auto counters = std::make_shared<sync::BudgetCounters>();
  client::Client client(
      sync::WithDailyShare(client::MakeConnection(options), args.max_daily_share, counters));

  auto db = sync::OpenDatabase({ResolveSyncDb(args.db), args.db_schema});
  if (!db.ok()) return Fail(db.error());

  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  ProgressPrinter printer;
  sync::SyncOptions so;
  so.location_ids = *locations;
  so.streams = *streams;
  so.full = args.full;
  so.page_size = args.page_size;
  so.message_page_size = args.message_page_size;
  so.progress = [&](const sync::Progress& p) { printer(p); };
  so.cancelled = [] { return g_signal.load() != 0; };

  if (!args.watch) {
    auto report = sync::RunSync(client, **db, so);
    if (!report.ok()) {
      int rc = Fail(report.error());
      if (g_signal.load()) return 128 + g_signal.load();
      return rc;
    }
    PrintReport(*report, args.full);
    if (auto st = sync::WriteSnapshots(**db, *report); !st.ok()) return Fail(st.error());
    return kExitOk;
  }

  // --watch: the same Watcher as `ghl serve --sync-watch` (ghl/sync/watch.h).
  auto events = store::OpenEventStore(ResolveEventsDb(args.events_db));
  if (!events.ok()) return Fail(events.error());
  sync::WatchOptions wo;
  wo.sync = so;
  wo.poll = std::chrono::milliseconds(args.poll_ms);
  wo.reconcile_every =
      std::chrono::milliseconds(static_cast<int64_t>(args.reconcile_every_s * 1000));
  wo.on_batch = PrintBatch;
  wo.on_sync = [](const sync::SyncReport& r, bool full) { PrintReport(r, full); };
  wo.on_error = [](std::string_view what, const Error& e) {
    if (g_signal.load()) return;
    std::fprintf(stderr, "ghl sync: %.*s: %s%s\n", static_cast<int>(what.size()), what.data(),
                 e.Summary().c_str(), what == "change feed" ? " (retrying)" : "");
  };
  sync::Watcher watcher(client, **db, **events, wo);
  // Anchor first: events stored while the sync runs are applied after it.
  if (auto a = watcher.Anchor(); !a.ok()) return Fail(a.error());
  auto report = watcher.SyncOnce(args.full);
  if (!report.ok()) {
    int rc = Fail(report.error());
    if (g_signal.load()) return 128 + g_signal.load();
    return rc;
  }
  std::fprintf(stderr, "watching %s for changes (Ctrl+C stops)\n",
               DescribeEventsDb(ResolveEventsDb(args.events_db)).c_str());
  watcher.Follow([] { return g_signal.load() != 0; });
  return kExitOk;
}

}  // namespace

void AddSyncCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SyncArgs>();
  auto* cmd = app.add_subcommand(
      "sync",
      "Copy GHL records (locations, users, custom fields, pipelines, contacts, opportunities, "
      "calendars + appointments, conversations + messages) into SQLite or PostgreSQL, "
      "incrementally and resumably; --watch follows the webhook event store (doc/sync.md)");
  cmd->add_option("--location", args->locations,
                  "Location id (repeatable); default: with GHL_TOKEN, GHL_LOCATION_ID, else every "
                  "location the token reaches; with the token store (`ghl auth login`), every "
                  "location it holds (those needing a reinstall or inactive are skipped)");
  AddSyncDbOptions(cmd, &args->db, &args->db_schema);
  cmd->add_option("--streams", args->streams,
                  "Comma-separated: locations, users, custom_fields, pipelines, contacts, "
                  "opportunities, calendars (with appointments), conversations (with messages), "
                  "or all")
      ->capture_default_str();
  cmd->add_flag("--full,--reconcile", args->full,
                "Full pass: restart every cursor, compare each row with GHL, delete rows GHL no "
                "longer has, and print the drift fixed");
  cmd->add_flag("--watch", args->watch,
                "After the sync, apply new webhook events from the event store to the tables "
                "(polls every --poll-ms) and reconcile every --reconcile-every seconds");
  cmd->add_option("--events-db", args->events_db,
                  "Event store to follow with --watch (default ./ghl-events.db or $GHL_EVENTS_DB)");
  cmd->add_option("--reconcile-every", args->reconcile_every_s,
                  "Seconds between reconcile passes with --watch")
      ->capture_default_str();
  cmd->add_option("--poll-ms", args->poll_ms, "Event store poll interval with --watch")
      ->capture_default_str();
  cmd->add_option("--max-daily-share", args->max_daily_share,
                  "Share of the daily API quota the sync may use, in (0, 1]; the rest is left "
                  "for real-time work")
      ->capture_default_str();
  cmd->add_option("--page-size", args->page_size, "Items per page (1..100)")->capture_default_str();
  cmd->add_option("--message-page-size", args->message_page_size, "Messages per page (1..100)")
      ->capture_default_str();
  cmd->add_option("--base-url", args->base_url, "API base URL (env GHL_BASE_URL)");
  cmd->add_flag("--no-pacing", args->no_pacing,
                "Do not pace calls client-side (only against a sandbox with limits lifted)");
  cmd->callback([args, exit_code] { *exit_code = RunSyncCommand(*args); });
}

}  // namespace ghl::cli
