/// \file
/// The sync that follows GHL: the one code path behind `ghl sync --watch` and `ghl serve
/// --sync-watch`. Anchor the change feed (so events stored during the first sync are applied
/// after it), sync, then apply new webhook events from the event store every `poll` and run a
/// reconcile pass (a full sync: deletes and changes no event reported, reported as drift) every
/// `reconcile_every`. Each sync and reconcile writes today's `kpi_snapshots` rows (UTC day).
///
/// Usage:
///   sync::Watcher w(client, db, events, options);
///   if (auto a = w.Anchor(); !a.ok()) …;
///   auto first = w.SyncOnce(/*full=*/false);
///   w.Follow([&] { return stopping.load(); });   // returns once stopped() is true
#pragma once

#include <chrono>
#include <functional>
#include <string_view>

#include "ghl/client/client.h"
#include "ghl/store/event_store.h"
#include "ghl/sync/change_feed.h"
#include "ghl/sync/database.h"
#include "ghl/sync/sync.h"

namespace ghl::sync {

/// Settings of a Watcher; plain struct with defaults.
struct WatchOptions {
  /// The first sync's and the reconcile passes' settings (`full` is forced on for reconciles);
  /// its `location_ids` also filter the events applied (empty = every location).
  SyncOptions sync;
  /// Pause between two looks at the event store.
  std::chrono::milliseconds poll{200};
  /// Time between reconcile passes; zero or negative = never.
  std::chrono::milliseconds reconcile_every{std::chrono::hours(1)};
  /// Events applied per look at most (the rest on the next one, without pausing).
  int max_events = 1000;
  /// Called after a look that found events (may be empty).
  std::function<void(const FeedBatch&)> on_batch;
  /// Called after each successful sync or reconcile pass, `full` for reconciles (may be empty).
  std::function<void(const SyncReport&, bool full)> on_sync;
  /// Called with what failed ("change feed", "reconcile", "snapshot") and why; the watcher
  /// carries on (a failed look is retried on the next, a failed reconcile at the next period).
  std::function<void(std::string_view what, const Error&)> on_error;
};

/// Follows the event store into the sync database. Not thread-safe: one thread drives it (the
/// client may be shared; the database connection and the store are used from that thread).
class Watcher {
 public:
  Watcher(const client::Client& client, Database& db, store::EventStore& events,
          WatchOptions options);

  /// Sets the feed position to the newest stored event unless it has one (ChangeFeed::Anchor).
  Result<int64_t> Anchor();
  /// One sync (a reconcile when `full`), then today's KPI snapshots. Reported to on_sync.
  Result<SyncReport> SyncOnce(bool full);
  /// Applies new events and reconciles on schedule until `stopped()` is true (checked at least
  /// every 50 ms). The first reconcile is `reconcile_every` after the call.
  void Follow(const std::function<bool()>& stopped);
  /// One look at the store: applies the events stored after the position.
  Result<FeedBatch> ApplyNew();

  const WatchOptions& options() const { return options_; }

 private:
  const client::Client& client_;
  Database& db_;
  WatchOptions options_;
  ChangeFeed feed_;
};

/// Writes today's (UTC) `kpi_snapshots` row of every location the report synced.
Status WriteSnapshots(Database& db, const SyncReport& report);

}  // namespace ghl::sync
