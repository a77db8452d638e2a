// Group commit for Append: many threads submit small batches; one committer thread writes
// everything queued so far in ONE transaction (one fsync) and then wakes each submitter with its
// own results. Under load, batches grow by themselves (while one commit runs, the next group
// queues up); with a single caller there is no added delay beyond one thread hand-off.
// With a commit interval, a steady stream (submissions arrived while the last transaction ran) is
// gathered a little longer: the next commit starts no sooner than the interval after the last
// one started, or as soon as a full group is queued, so one fsync covers more events.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "ghl/store/event_store.h"

namespace ghl::store::internal {

class GroupCommitter {
 public:
  /// Writes `events` in one transaction and returns one result per event, in order; on error
  /// nothing of `events` may stay stored (the transaction rolled back).
  /// A kNetwork or kBusy error (`IsStoreUnavailable`) means the store is unavailable (every
  /// submission of the group fails with it); any other error is retried once per submission,
  /// so one bad event fails alone.
  using CommitFn = std::function<Result<std::vector<AppendResult>>(const std::vector<NewEvent>&)>;

  /// `max_batch_events`: a group stops growing at this many events (one submission is never
  /// split, so a bigger submission is committed alone). `commit_interval`: see the file
  /// comment; 0 commits whatever is queued as soon as the previous commit ends. A submission
  /// that finds the committer idle is committed at once either way.
  GroupCommitter(CommitFn commit, size_t max_batch_events,
                 std::chrono::microseconds commit_interval = {});
  /// Commits what is queued, then stops the thread.
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  /// Blocks until `events` are committed (or failed); safe from any number of threads.
  Result<std::vector<AppendResult>> Submit(std::vector<NewEvent> events);
  /// Returns at once; `done` runs once on the committer thread after the commit (or failure),
  /// or inline when the committer is closing. `done` must be quick: every waiting group
  /// waits for it. Exceptions from it are swallowed.
  void SubmitAsync(std::vector<NewEvent> events, AppendDone done);

  /// Transactions committed so far (successful groups), and events in them.
  uint64_t commits() const;
  uint64_t events_committed() const;
  /// Submissions waiting for the next commit (not counting the one being committed).
  size_t queued() const;

 private:
  struct Request {
    std::vector<NewEvent> events;
    AppendDone done;
  };
  void Run();
  void CommitGroup(std::vector<std::unique_ptr<Request>>& group);

  CommitFn commit_;
  size_t max_batch_events_;
  std::chrono::microseconds commit_interval_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Request>> queue_;
  bool stop_ = false;
  bool idle_ = false;         // the committer waits on cv_ for work (and must be woken)
  bool gathering_ = false;    // the committer waits for the interval (woken for a full group)
  size_t queued_events_ = 0;  // events in queue_
  bool arrived_during_commit_ = false;  // submissions queued while the last transaction ran
  uint64_t commits_ = 0;
  uint64_t events_committed_ = 0;
  std::thread thread_;
};

}  // namespace ghl::store::internal
