// Moves SQLite WAL checkpoints off the committer thread. With automatic checkpoints, the commit
// that crosses 1000 WAL pages copies them into the database file and fsyncs it while every
// delivery in its group waits. Here the write connection's WAL hook (which replaces automatic
// checkpoints) wakes a background connection once the WAL holds `threshold_pages`, and that
// connection runs a PASSIVE checkpoint (never blocks writers or readers): the same number of
// checkpoints and fsyncs as SQLite's default, none on the committer thread.
#pragma once

#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace ghl::store::internal {

class WalCheckpointer {
 public:
  /// Takes ownership of `checkpoint_db` (its own connection to the store file; closed on
  /// destruction) and installs the WAL hook on `write_db` (which must outlive this object's
  /// use by SQLite: destroy this before closing `write_db`, or close `write_db` first).
  WalCheckpointer(sqlite3* checkpoint_db, sqlite3* write_db, int threshold_pages);
  /// Stops the thread and closes the connection (a final checkpoint happens when the last
  /// connection closes).
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

 private:
  static int OnCommit(void* self, sqlite3* db, const char* name, int wal_pages);
  void Run();

  sqlite3* db_;
  sqlite3* write_db_;
  int threshold_pages_;
  bool due_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace ghl::store::internal
