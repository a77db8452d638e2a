// One writer per sandbox state file: an exclusive flock() on the file itself, held for as long
// as the sandbox keeps the file's state in memory (its Store), so a second sandbox on the same
// --db is refused instead of keeping its own copy and overwriting the first one's changes.
#pragma once

#include <string>

#include "ghl/core/result.h"

namespace ghl::sandbox {

/// An exclusive advisory lock (flock) on a file, released when destroyed (or when the process
/// dies, however it dies). flock() locks are independent of SQLite's own POSIX record locks on
/// the same file; the descriptor stays open for the lock's life, and must be closed after
/// SQLite has closed the file (closing it earlier would not drop SQLite's locks, but
/// destroying the lock while SQLite uses the file would let a second writer in).
class StateFileLock {
 public:
  StateFileLock() = default;
  ~StateFileLock();
  StateFileLock(StateFileLock&& other) noexcept;
  StateFileLock& operator=(StateFileLock&& other) noexcept;
  StateFileLock(const StateFileLock&) = delete;
  StateFileLock& operator=(const StateFileLock&) = delete;

  /// Locks `path` (which must exist) without waiting. kUsage error when another process (or
  /// another sandbox in this process) holds it: "sandbox database 'PATH' is in use by another
  /// process (pid N); stop it or use another file", the pid read from /proc/locks when it can
  /// be found; kInternal when the file cannot be opened or locked for another reason.
  static Result<StateFileLock> Acquire(const std::string& path);

  bool held() const { return fd_ >= 0; }

 private:
  explicit StateFileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

/// The pid holding an flock() on the file with `device` and `inode`, from /proc/locks; 0 when
/// it cannot be found (no /proc, another pid namespace). `locks` is the text of /proc/locks.
long FlockHolderPid(const std::string& locks, unsigned long device_major,
                    unsigned long device_minor, unsigned long inode);

}  // namespace ghl::sandbox
