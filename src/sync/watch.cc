// Watcher: anchor, sync, then the change feed with reconcile passes on a schedule (watch.h).
#include "ghl/sync/watch.h"

#include <algorithm>
#include <thread>

#include "ghl/core/time_format.h"
#include "ghl/sync/kpi.h"

namespace ghl::sync {
namespace {

using Clock = std::chrono::steady_clock;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Sleeps `total` in slices, returning early (true) once `stopped()`.
bool SleepUnlessStopped(std::chrono::milliseconds total, const std::function<bool()>& stopped) {
  auto end = Clock::now() + total;
  while (!stopped()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now());
    if (left.count() <= 0) return false;
    std::this_thread::sleep_for(std::min(left, std::chrono::milliseconds(50)));
  }
  return true;
}

}  // namespace

Status WriteSnapshots(Database& db, const SyncReport& report) {
  std::vector<std::string> done;
  for (const auto& s : report.streams) {
    if (std::find(done.begin(), done.end(), s.location_id) != done.end()) continue;
    done.push_back(s.location_id);
    int64_t now = NowMs();
    std::string day =
        FormatUtcIso(std::chrono::system_clock::time_point(std::chrono::milliseconds(now)))
            .substr(0, 10);
    if (auto st = WriteKpiSnapshot(db, s.location_id, day, now); !st.ok()) return st;
  }
  return Ok{};
}

Watcher::Watcher(const client::Client& client, Database& db, store::EventStore& events,
                 WatchOptions options)
    : client_(client),
      db_(db),
      options_(std::move(options)),
      feed_(client, db, events, options_.sync.location_ids) {}

Result<int64_t> Watcher::Anchor() { return feed_.Anchor(); }

Result<SyncReport> Watcher::SyncOnce(bool full) {
  SyncOptions so = options_.sync;
  so.full = so.full || full;
  auto report = RunSync(client_, db_, so);
  if (!report.ok()) return report.error();
  if (options_.on_sync) options_.on_sync(*report, so.full);
  if (auto st = WriteSnapshots(db_, *report); !st.ok()) {
    if (options_.on_error) options_.on_error("snapshot", st.error());
  }
  return report;
}

Result<FeedBatch> Watcher::ApplyNew() {
  auto batch = feed_.ApplyNew(options_.max_events);
  if (batch.ok() && batch->applied + batch->skipped > 0 && options_.on_batch) {
    options_.on_batch(*batch);
  }
  return batch;
}

void Watcher::Follow(const std::function<bool()>& stopped) {
  const bool reconciles = options_.reconcile_every.count() > 0;
  auto next_reconcile = Clock::now() + options_.reconcile_every;
  while (!stopped()) {
    auto batch = ApplyNew();
    if (!batch.ok() && options_.on_error) options_.on_error("change feed", batch.error());
    if (reconciles && Clock::now() >= next_reconcile && !stopped()) {
      auto r = SyncOnce(/*full=*/true);
      if (!r.ok() && !stopped() && options_.on_error) options_.on_error("reconcile", r.error());
      next_reconcile = Clock::now() + options_.reconcile_every;
    }
    // A full look (more events waiting) goes on at once; otherwise pause.
    bool more = batch.ok() && batch->applied + batch->skipped >= options_.max_events;
    if (!more && SleepUnlessStopped(options_.poll, stopped)) break;
  }
}

}  // namespace ghl::sync
