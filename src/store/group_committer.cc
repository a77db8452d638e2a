#include "group_committer.h"

#include <algorithm>
#include <exception>

#include "store_internal.h"

namespace ghl::store::internal {
namespace {

// A commit function that throws must not kill the committer thread (callers would hang).
Result<std::vector<AppendResult>> SafeCommit(const GroupCommitter::CommitFn& commit,
                                             const std::vector<NewEvent>& events) {
  try {
    return commit(events);
  } catch (const std::exception& ex) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back(std::string("event store commit failed: ") + ex.what());
    return e;
  }
}

// A callback that throws must not kill the committer thread either.
void SafeDone(const AppendDone& done, Result<std::vector<AppendResult>> result) {
  try {
    done(std::move(result));
  } catch (...) {
  }
}

}  // namespace

GroupCommitter::GroupCommitter(CommitFn commit, size_t max_batch_events,
                               std::chrono::microseconds commit_interval)
    : commit_(std::move(commit)),
      max_batch_events_(max_batch_events == 0 ? 1 : max_batch_events),
      commit_interval_(std::max(commit_interval, std::chrono::microseconds(0))) {
  thread_ = std::thread([this] { Run(); });
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

Result<std::vector<AppendResult>> GroupCommitter::Submit(std::vector<NewEvent> events) {
  std::promise<Result<std::vector<AppendResult>>> promise;
  auto future = promise.get_future();
  SubmitAsync(std::move(events), [&promise](Result<std::vector<AppendResult>> result) {
    promise.set_value(std::move(result));
  });
  return future.get();
}

void GroupCommitter::SubmitAsync(std::vector<NewEvent> events, AppendDone done) {
  auto request = std::make_unique<Request>(Request{std::move(events), std::move(done)});
  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (!stop_) {
      queued_events_ += request->events.size();
      queue_.push_back(std::move(request));
      // Only an idle committer needs waking (a busy one takes the queue when its commit ends),
      // or a gathering one once a full group waits; it is woken after the lock is released, so
      // it does not wake up only to wait for it.
      wake = idle_ || (gathering_ && queued_events_ >= max_batch_events_);
      if (wake) idle_ = gathering_ = false;
    }
  }
  if (wake) cv_.notify_one();
  if (!request) return;
  Error e;
  e.kind = ErrorKind::kInternal;
  e.messages.push_back("event store is closing");
  SafeDone(request->done, e);
}

uint64_t GroupCommitter::commits() const {
  std::lock_guard lock(mu_);
  return commits_;
}

uint64_t GroupCommitter::events_committed() const {
  std::lock_guard lock(mu_);
  return events_committed_;
}

size_t GroupCommitter::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void GroupCommitter::Run() {
  std::vector<std::unique_ptr<Request>> group;
  std::chrono::steady_clock::time_point last_start;
  for (;;) {
    {
      std::unique_lock lock(mu_);
      if (!stop_ && queue_.empty()) {
        // Idle: the first submission is committed at once (no gathering after a pause).
        idle_ = true;
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      } else if (!stop_ && arrived_during_commit_ && commit_interval_.count() > 0 &&
                 queued_events_ < max_batch_events_) {
        // A stream (submissions arrived while the last transaction ran, not only after its
        // callbacks: a lone caller's next Append comes then): gather until the interval since
        // the last commit started has passed, or a full group waits.
        gathering_ = true;
        cv_.wait_until(lock, last_start + commit_interval_,
                       [this] { return stop_ || queued_events_ >= max_batch_events_; });
      }
      idle_ = gathering_ = false;
      if (queue_.empty()) return;  // stop_ and nothing left to commit.
      size_t n = 0;
      group.clear();
      while (!queue_.empty()) {
        size_t next = queue_.front()->events.size();
        if (!group.empty() && n + next > max_batch_events_) break;
        n += next;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      queued_events_ -= n;
    }
    last_start = std::chrono::steady_clock::now();
    CommitGroup(group);
  }
}

void GroupCommitter::CommitGroup(std::vector<std::unique_ptr<Request>>& group) {
  std::vector<size_t> sizes;
  std::vector<NewEvent> all;
  for (const auto& r : group) sizes.push_back(r->events.size());
  if (group.size() == 1) {
    all = std::move(group[0]->events);
  } else {
    size_t n = 0;
    for (size_t s : sizes) n += s;
    all.reserve(n);
    for (const auto& r : group) {
      for (NewEvent& e : r->events) all.push_back(std::move(e));
    }
  }
  auto result = SafeCommit(commit_, all);
  {
    std::lock_guard lock(mu_);
    arrived_during_commit_ = !queue_.empty();
    if (result.ok()) {
      ++commits_;
      events_committed_ += all.size();
    }
  }
  if (result.ok()) {
    auto it = result->begin();
    for (size_t i = 0; i < group.size(); ++i) {
      std::vector<AppendResult> mine(it, it + static_cast<ptrdiff_t>(sizes[i]));
      it += static_cast<ptrdiff_t>(sizes[i]);
      SafeDone(group[i]->done, std::move(mine));
    }
    return;
  }
  // One member alone, or the store itself unavailable (kNetwork: lost connection; kBusy: write
  // lock held elsewhere): everyone gets the error now. Retrying each member alone would make
  // the k-th caller wait k timeouts for the same answer.
  if (group.size() == 1 || IsStoreUnavailable(result.error())) {
    for (const auto& r : group) SafeDone(r->done, result.error());
    return;
  }
  // The shared transaction failed and rolled back. Retry each submission alone, so one bad
  // event (or a transient error) fails only its own caller, never its neighbours.
  auto it = all.begin();
  for (size_t i = 0; i < group.size(); ++i) {
    std::vector<NewEvent> mine(std::make_move_iterator(it),
                               std::make_move_iterator(it + static_cast<ptrdiff_t>(sizes[i])));
    it += static_cast<ptrdiff_t>(sizes[i]);
    auto single = SafeCommit(commit_, mine);
    if (single.ok()) {
      std::lock_guard lock(mu_);
      ++commits_;
      events_committed_ += sizes[i];
    }
    SafeDone(group[i]->done, std::move(single));
  }
}

}  // namespace ghl::store::internal
