// Test helpers that run real processes: the `ghl` binary as a sandbox server, and `ghl` CLI
// invocations with captured output. Integration tests talk to them over loopback HTTP.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

namespace ghl::testing {

/// Path of the built `ghl` binary (from env GHL_BINARY_DIR set by CTest).
std::string GhlBinary();

/// A `ghl sandbox --port 0 ...` child process. The constructor waits for its one
/// `GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=…` line; the destructor stops it (SIGTERM).
class SandboxProcess {
 public:
  explicit SandboxProcess(std::vector<std::string> extra_args = {});
  ~SandboxProcess();
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  const std::string& base_url() const { return env_.at("GHL_BASE_URL"); }
  const std::string& token() const { return env_.at("GHL_TOKEN"); }
  const std::string& location_id() const { return env_.at("GHL_LOCATION_ID"); }
  /// Every KEY=VALUE pair of the start line.
  const std::map<std::string, std::string>& env() const { return env_; }
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
  std::map<std::string, std::string> env_;
};

/// Result of one CLI run.
struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// Runs `ghl <args...>` with `env` added to a minimal environment (PATH, HOME) and `input` on
/// stdin; waits for it (10 s cap, then SIGKILL and exit_code -1).
CliResult RunGhl(const std::vector<std::string>& args,
                 const std::map<std::string, std::string>& env = {},
                 const std::string& input = {});

}  // namespace ghl::testing
