// `ghl serve --sync-watch`: the sync that follows GHL inside the server. A background thread
// runs the same sync::Watcher as `ghl sync --watch` (ghl/sync/watch.h) on the event store the
// receiver fills and the --sync-db the dashboard reads: anchor, an incremental sync, then each
// new webhook event applied to the tables (every --sync-poll-ms) and a reconcile pass every
// --sync-reconcile-every seconds.
#pragma once

#include <CLI/CLI.hpp>
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "ghl/client/client.h"
#include "ghl/store/event_store.h"
#include "ghl/sync/database.h"
#include "ghl/sync/watch.h"

namespace ghl::cli {

struct ServeSyncArgs {
  bool watch = false;               // --sync-watch
  double reconcile_every_s = 3600;  // --sync-reconcile-every
  int poll_ms = 200;                // --sync-poll-ms
  std::string schema = "public";    // --sync-db-schema (PostgreSQL), also the dashboard's
};

/// Adds --sync-watch, --sync-reconcile-every, --sync-poll-ms and --sync-db-schema to `ghl serve`.
void AddServeSyncOptions(CLI::App* cmd, ServeSyncArgs* args);

/// The running watcher thread. Stops on destruction.
class ServeSync {
 public:
  ServeSync(const ServeSyncArgs& args, const client::ClientOptions& client_options,
            std::unique_ptr<sync::Database> db, store::EventStore& events);
  ~ServeSync();
  ServeSync(const ServeSync&) = delete;
  ServeSync& operator=(const ServeSync&) = delete;
  /// Anchors the feed at the newest stored event (unless it has a position), then starts the
  /// thread: sync, then follow.
  Status Start();
  /// Stops the thread (idempotent, prompt: a sync in progress is cancelled between pages); call
  /// before the event store and the upstream go away.
  void Stop();

 private:
  void Run();
  std::atomic<bool> stopping_{false};
  client::Client client_;
  std::unique_ptr<sync::Database> db_;
  sync::Watcher watcher_;
  std::thread thread_;
};

/// nullptr when --sync-watch is not given. Opens `sync_db` (schema `args.schema`; migrated; the
/// feed anchored at the newest stored event) and starts the thread; on a bad database or a missing
/// token prints why, sets `*exit_code` and returns nullptr. `client_options`: the API the feed
/// re-reads records from (the embedded sandbox, or the upstream with GHL_TOKEN); its default
/// location limits the sync (none: every location the token reaches).
std::unique_ptr<ServeSync> StartServeSync(const ServeSyncArgs& args, const std::string& sync_db,
                                          const client::ClientOptions& client_options,
                                          store::EventStore& events, int* exit_code);

}  // namespace ghl::cli
