// What the SQLite and PostgreSQL stores share: every Append goes through one group committer
// (many callers, one transaction and one fsync per group), synchronously or asynchronously.
#pragma once

#include <memory>
#include <vector>

#include "ghl/store/event_store.h"
#include "group_committer.h"

namespace ghl::store::internal {

class GroupCommittedStore : public EventStore {
 public:
  /// Validates and stamps `events` (`PrepareForAppend`), then waits for their group commit.
  Result<std::vector<AppendResult>> Append(std::vector<NewEvent> events) final;
  /// Same, returning at once; `done` runs on the committer thread (validation errors inline).
  void AppendAsync(std::vector<NewEvent> events, AppendDone done) final;

 protected:
  explicit GroupCommittedStore(StoreOptions options) : options_(std::move(options)) {}
  /// Starts the committer thread; `commit` writes one group in one transaction.
  void StartCommitter(GroupCommitter::CommitFn commit);
  /// Commits what is queued and stops the thread. Call first in the derived destructor, while
  /// the connections `commit` uses still exist.
  void StopCommitter() { committer_.reset(); }

  StoreOptions options_;

 private:
  std::unique_ptr<GroupCommitter> committer_;
};

/// kUsage error for an empty worker id, max_events < 1 or a lease <= 0 (Claim's arguments).
Status ValidateClaim(std::string_view worker_id, std::chrono::milliseconds lease, int max_events);

}  // namespace ghl::store::internal
