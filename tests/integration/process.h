// Test helpers that run real processes: the `ghl` binary as a sandbox server, and `ghl` CLI
// invocations with captured output. Integration tests talk to them over loopback HTTP.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace ghl::testing {

/// Path of the built `ghl` binary (from env GHL_BINARY_DIR set by CTest).
std::string GhlBinary();

/// A `ghl sandbox --port 0 ...` child process. The constructor waits for its one
/// `GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=…` line; the destructor stops it (SIGTERM).
/// Its stderr goes to the test's, or with `capture_stderr` to a file that `Stderr()` reads.
class SandboxProcess {
 public:
  explicit SandboxProcess(std::vector<std::string> extra_args = {}, bool capture_stderr = false);
  ~SandboxProcess();
  SandboxProcess(const SandboxProcess&) = delete;
  SandboxProcess& operator=(const SandboxProcess&) = delete;

  const std::string& base_url() const { return env_.at("GHL_BASE_URL"); }
  const std::string& token() const { return env_.at("GHL_TOKEN"); }
  const std::string& location_id() const { return env_.at("GHL_LOCATION_ID"); }
  /// Every KEY=VALUE pair of the start line.
  const std::map<std::string, std::string>& env() const { return env_; }
  /// GHL_BASE_URL, GHL_TOKEN and GHL_LOCATION_ID of this sandbox: the environment for `RunGhl`.
  std::map<std::string, std::string> CliEnv() const {
    return {
        {"GHL_BASE_URL", base_url()}, {"GHL_TOKEN", token()}, {"GHL_LOCATION_ID", location_id()}};
  }
  pid_t pid() const { return pid_; }
  /// What it wrote to stderr so far (empty unless `capture_stderr`).
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::map<std::string, std::string> env_;
  std::string err_path_;  // with capture_stderr; removed by the destructor
};

/// A `ghl serve --port 0 ...` child process (`--port N` in `extra_args` replaces the 0), started in `cwd` (a fresh temp dir when empty, so
/// default files such as ./ghl-events.db never land in the source tree). Its stdout and stderr
/// go to files (no pipe that could fill up or break). The constructor waits (15 s cap) for the
/// start banner and reads the port from its "Playground: http://HOST:PORT/" line; it throws
/// with the captured stderr when the process exits or never prints it. The destructor stops it
/// (SIGTERM, then SIGKILL) and removes the temp dir. `env` is added to its minimal environment
/// (PATH, HOME, TZ, LANG), e.g. GHL_TOKEN for `--automations` against an `--upstream`.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> extra_args = {}, std::string cwd = {},
                        const std::map<std::string, std::string>& env = {});
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  /// "http://127.0.0.1:PORT".
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  /// The working directory of the process.
  const std::string& dir() const { return dir_; }
  /// Sends SIGTERM and waits up to `grace` for the process to exit by itself: its exit code,
  /// or nullopt when it had to be SIGKILLed (or died of a signal).
  std::optional<int> Terminate(std::chrono::milliseconds grace);
  /// What the process wrote so far.
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  void Stop();
  pid_t pid_ = -1;
  int port_ = 0;
  std::string dir_;
  std::string temp_dir_;  // removed by the destructor when we created it
  std::string out_path_;
  std::string err_path_;
};

/// A fresh directory under /tmp (mkdtemp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  /// `path()/name`.
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
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

/// `ghl <args...>` running in the background, stdout and stderr going to files (no pipe to
/// fill up), so a test can signal it mid-way and read what it had printed. The destructor
/// SIGKILLs it if it still runs and removes the files.
class GhlRun {
 public:
  explicit GhlRun(const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env = {});
  ~GhlRun();
  GhlRun(const GhlRun&) = delete;
  GhlRun& operator=(const GhlRun&) = delete;

  pid_t pid() const { return pid_; }
  /// Sends `sig` (e.g. SIGINT) to the process.
  void Signal(int sig);
  /// Waits up to `timeout` for the process to end: its exit code, 128+N when signal N killed
  /// it, nullopt when it still runs.
  std::optional<int> Wait(std::chrono::milliseconds timeout);
  std::string Stdout() const;
  std::string Stderr() const;

 private:
  pid_t pid_ = -1;
  std::string dir_;
};

}  // namespace ghl::testing
