// The peer reference receiver (bench/peer/server.js: Node.js + Express + pg) as a child
// process of the benchmark. Not a test helper: bench/ only.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>

namespace ghl::bench {

class PeerProcess {
 public:
  /// Runs `node <dir>/server.js` with `env` added to this process's environment and waits (15 s
  /// cap) for its `PORT=<n>` line; port() is 0 when it did not start (its stderr is inherited,
  /// so the reason is on the terminal).
  PeerProcess(const std::string& dir, const std::map<std::string, std::string>& env);
  /// SIGTERM, then waits for it.
  ~PeerProcess();
  PeerProcess(const PeerProcess&) = delete;
  PeerProcess& operator=(const PeerProcess&) = delete;

  uint16_t port() const { return port_; }

 private:
  pid_t pid_ = -1;
  uint16_t port_ = 0;
};

}  // namespace ghl::bench
