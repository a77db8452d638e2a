#include "wal_checkpointer.h"

namespace ghl::store::internal {

WalCheckpointer::WalCheckpointer(sqlite3* checkpoint_db, sqlite3* write_db, int threshold_pages)
    : db_(checkpoint_db),
      write_db_(write_db),
      threshold_pages_(threshold_pages),
      thread_([this] { Run(); }) {
  sqlite3_wal_hook(write_db_, &WalCheckpointer::OnCommit, this);
}

WalCheckpointer::~WalCheckpointer() {
  sqlite3_wal_hook(write_db_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
  sqlite3_close_v2(db_);
}

int WalCheckpointer::OnCommit(void* self, sqlite3*, const char*, int wal_pages) {
  auto* me = static_cast<WalCheckpointer*>(self);
  if (wal_pages >= me->threshold_pages_) {
    std::lock_guard lock(me->mu_);
    if (!me->due_) {
      me->due_ = true;
      me->cv_.notify_one();
    }
  }
  return SQLITE_OK;
}

void WalCheckpointer::Run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || due_; });
    if (stop_) return;
    lock.unlock();
    // Busy (another checkpoint running, e.g. from a `ghl events` process) is fine: the next
    // commit over the threshold asks again.
    sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    lock.lock();
    due_ = false;
  }
}

}  // namespace ghl::store::internal
