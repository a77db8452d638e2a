#include "state_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

namespace ghl::sandbox {

StateFileLock::~StateFileLock() {
  if (fd_ >= 0) ::close(fd_);
}

StateFileLock::StateFileLock(StateFileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

StateFileLock& StateFileLock::operator=(StateFileLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

Result<StateFileLock> StateFileLock::Acquire(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back("sandbox database: cannot open '" + path +
                         "' to lock it: " + std::strerror(errno));
    return e;
  }
  StateFileLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return lock;
  int error = errno;
  if (error != EWOULDBLOCK) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back("sandbox database: cannot lock '" + path + "': " + std::strerror(error));
    return e;
  }
  long pid = 0;
  struct stat st {};
  if (::fstat(fd, &st) == 0) {
    std::ifstream in("/proc/locks");
    std::stringstream text;
    text << in.rdbuf();
    pid = FlockHolderPid(text.str(), major(st.st_dev), minor(st.st_dev), st.st_ino);
  }
  std::string who = pid > 0 ? " (pid " + std::to_string(pid) + ")" : "";
  return UsageError(
      "sandbox database '" + path + "' is in use by another process" + who +
          "; stop it or use another file",
      "One sandbox per state file: two would each keep their own copy of the state in memory "
      "and overwrite each other's changes." +
          (pid > 0 ? " `kill " + std::to_string(pid) + "` stops the other one." : std::string()));
}

long FlockHolderPid(const std::string& locks, unsigned long device_major,
                    unsigned long device_minor, unsigned long inode) {
  // Lines such as "1: FLOCK  ADVISORY  WRITE 1234 08:02:131090 0 EOF"; waiters ("1: -> FLOCK
  // ...") are skipped. The device is MAJOR:MINOR in hex, the inode in decimal.
  std::istringstream in(locks);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, type, mode, access, file;
    long pid = 0;
    if (!(fields >> id >> type) || type != "FLOCK") continue;
    if (!(fields >> mode >> access >> pid >> file)) continue;
    unsigned long maj = 0, min = 0, ino = 0;
    if (std::sscanf(file.c_str(), "%lx:%lx:%lu", &maj, &min, &ino) != 3) continue;
    if (maj == device_major && min == device_minor && ino == inode) return pid;
  }
  return 0;
}

}  // namespace ghl::sandbox
