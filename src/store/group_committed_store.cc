#include "group_committed_store.h"

#include "store_internal.h"

namespace ghl::store::internal {
namespace {

Error NotStarted() {
  return StoreError(ErrorKind::kInternal, "the store is not open (no committer)");
}

}  // namespace

void GroupCommittedStore::StartCommitter(GroupCommitter::CommitFn commit) {
  committer_ = std::make_unique<GroupCommitter>(std::move(commit), options_.max_batch_events,
                                                options_.commit_interval);
}

Result<std::vector<AppendResult>> GroupCommittedStore::Append(std::vector<NewEvent> events) {
  if (events.empty()) return std::vector<AppendResult>{};
  if (auto st = PrepareForAppend(events, options_.clock()); !st.ok()) return st.error();
  if (!committer_) return NotStarted();
  return committer_->Submit(std::move(events));
}

void GroupCommittedStore::AppendAsync(std::vector<NewEvent> events, AppendDone done) {
  if (events.empty()) return done(std::vector<AppendResult>{});
  if (auto st = PrepareForAppend(events, options_.clock()); !st.ok()) return done(st.error());
  if (!committer_) return done(NotStarted());
  committer_->SubmitAsync(std::move(events), std::move(done));
}

Status ValidateClaim(std::string_view worker_id, std::chrono::milliseconds lease,
                     int max_events) {
  if (worker_id.empty()) return UsageError("worker id must not be empty");
  if (max_events < 1 || lease.count() <= 0) {
    return UsageError("claim needs max_events >= 1 and a positive lease");
  }
  return Ok{};
}

}  // namespace ghl::store::internal
