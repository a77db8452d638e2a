#include "process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace ghl::testing {
namespace {

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> out;
  for (auto& a : args) out.push_back(a.data());
  out.push_back(nullptr);
  return out;
}

std::vector<std::string> BaseEnv(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> env;
  for (const char* name : {"PATH", "HOME", "TZ", "LANG"}) {
    if (const char* v = std::getenv(name)) env[name] = v;
  }
  for (const auto& [k, v] : extra) env[k] = v;
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

// Reads what is available on `fd` until EOF or the deadline.
void DrainUntil(int fd, std::string* sink, std::chrono::steady_clock::time_point deadline,
                bool stop_at_newline) {
  char buf[4096];
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    pollfd p{fd, POLLIN, 0};
    int rc = poll(&p, 1, static_cast<int>(left.count()));
    if (rc <= 0) return;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) return;
    sink->append(buf, static_cast<size_t>(n));
    if (stop_at_newline && sink->find('\n') != std::string::npos) return;
  }
}

}  // namespace

TempDir::TempDir() {
  char tmpl[] = "/tmp/ghl_test_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string GhlBinary() {
  const char* dir = std::getenv("GHL_BINARY_DIR");
  return std::string(dir ? dir : ".") + "/apps/ghl/ghl";
}

SandboxProcess::SandboxProcess(std::vector<std::string> extra_args, bool capture_stderr) {
  std::vector<std::string> args = {GhlBinary(), "sandbox", "--port", "0"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  int out[2];
  if (pipe(out) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_addclose(&actions, out[0]);
  posix_spawn_file_actions_addclose(&actions, out[1]);
  if (capture_stderr) {
    char tmpl[] = "/tmp/ghl_sandbox_err_XXXXXX";
    int fd = mkstemp(tmpl);
    if (fd < 0) throw std::runtime_error("mkstemp failed");
    close(fd);
    err_path_ = tmpl;
    posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_TRUNC, 0600);
  }
  auto env_strings = BaseEnv({});
  auto argv = Argv(args);
  auto envp = Argv(env_strings);
  int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(out[1]);
  if (rc != 0) {
    close(out[0]);
    throw std::runtime_error("cannot start " + args[0]);
  }
  std::string line;
  DrainUntil(out[0], &line, std::chrono::steady_clock::now() + std::chrono::seconds(10), true);
  close(out[0]);  // the sandbox logs to stderr; stdout carries only the start line
  line = line.substr(0, line.find('\n'));
  std::istringstream words(line);
  std::string word;
  while (words >> word) {
    auto eq = word.find('=');
    if (eq != std::string::npos) env_[word.substr(0, eq)] = word.substr(eq + 1);
  }
  if (!env_.count("GHL_BASE_URL") || !env_.count("GHL_TOKEN") || !env_.count("GHL_LOCATION_ID")) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    throw std::runtime_error("sandbox did not print its start line; got: '" + line + "'");
  }
}

std::string SandboxProcess::Stderr() const {
  if (err_path_.empty()) return {};
  std::ifstream in(err_path_);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

SandboxProcess::~SandboxProcess() {
  if (!err_path_.empty()) std::remove(err_path_.c_str());
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  for (int i = 0; i < 50; ++i) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

ServeProcess::ServeProcess(std::vector<std::string> extra_args, std::string cwd,
                           const std::map<std::string, std::string>& env) {
  char tmpl[] = "/tmp/ghl_serve_test_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  temp_dir_ = tmpl;
  dir_ = cwd.empty() ? temp_dir_ : cwd;
  out_path_ = temp_dir_ + "/stdout.txt";
  err_path_ = temp_dir_ + "/stderr.txt";
  // A free port unless the caller names one (a restarted serve keeping its address).
  std::vector<std::string> args = {GhlBinary(), "serve"};
  if (std::find(extra_args.begin(), extra_args.end(), "--port") == extra_args.end()) {
    args.insert(args.end(), {"--port", "0"});
  }
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addchdir_np(&actions, dir_.c_str());
  auto env_strings = BaseEnv(env);
  auto argv = Argv(args);
  auto envp = Argv(env_strings);
  int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    std::filesystem::remove_all(temp_dir_);
    throw std::runtime_error("cannot start " + args[0]);
  }
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  std::string failure;
  for (;;) {
    std::string out = Slurp(out_path_);
    auto at = out.find("Playground: http://");
    auto end = out.find("Press Ctrl+C");
    if (at != std::string::npos && end != std::string::npos) {
      auto line_end = out.find('\n', at);
      std::string url = out.substr(at + 19, line_end - at - 19);  // HOST:PORT/
      auto colon = url.rfind(':');
      port_ = colon == std::string::npos ? 0 : std::atoi(url.c_str() + colon + 1);
      if (port_ > 0) return;
      failure = "no port in '" + url + "'";
      break;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      failure = "ghl serve exited (status " + std::to_string(status) + ")";
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      failure = "ghl serve printed no start banner in 15 s";
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::string err = Slurp(err_path_);
  Stop();
  throw std::runtime_error(failure + "; stderr: " + err);
}

ServeProcess::~ServeProcess() { Stop(); }

void ServeProcess::Stop() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    bool gone = false;
    for (int i = 0; i < 100 && !gone; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        gone = true;
      } else {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
    if (!gone) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    pid_ = -1;
  }
  if (!temp_dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(temp_dir_, ec);
    temp_dir_.clear();
  }
}

std::optional<int> ServeProcess::Terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return std::nullopt;
  kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  int status = 0;
  std::optional<int> code;
  for (;;) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      if (WIFEXITED(status)) code = WEXITSTATUS(status);
      pid_ = -1;
      return code;
    }
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
  return std::nullopt;
}

std::string ServeProcess::Stdout() const { return Slurp(out_path_); }
std::string ServeProcess::Stderr() const { return Slurp(err_path_); }

CliResult RunGhl(const std::vector<std::string>& args_in,
                 const std::map<std::string, std::string>& env, const std::string& input) {
  std::vector<std::string> args = {GhlBinary()};
  args.insert(args.end(), args_in.begin(), args_in.end());
  int out[2], err[2], in[2];
  if (pipe(out) != 0 || pipe(err) != 0 || pipe(in) != 0) throw std::runtime_error("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) {
    posix_spawn_file_actions_addclose(&actions, fd);
  }
  auto env_strings = BaseEnv(env);
  auto argv = Argv(args);
  auto envp = Argv(env_strings);
  pid_t pid;
  int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(in[0]);
  close(out[1]);
  close(err[1]);
  CliResult result;
  if (rc != 0) {
    close(in[1]);
    close(out[0]);
    close(err[0]);
    result.err = "cannot start " + args[0];
    return result;
  }
  // Feed stdin from a thread so a large input cannot deadlock against a full stdout pipe.
  std::thread writer([fd = in[1], &input] {
    size_t off = 0;
    while (off < input.size()) {
      ssize_t n = write(fd, input.data() + off, input.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fd);
  });
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  char buf[8192];
  bool out_open = true, err_open = true;
  while ((out_open || err_open) && std::chrono::steady_clock::now() < deadline) {
    pollfd fds[2] = {{out_open ? out[0] : -1, POLLIN, 0}, {err_open ? err[0] : -1, POLLIN, 0}};
    if (poll(fds, 2, 200) <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP))) continue;
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        (i == 0 ? out_open : err_open) = false;
      } else {
        (i == 0 ? result.out : result.err).append(buf, static_cast<size_t>(n));
      }
    }
  }
  writer.join();
  close(out[0]);
  close(err[0]);
  int status = 0;
  if (out_open || err_open) {
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    result.exit_code = -1;
    result.err += "\n[test harness: ghl timed out after 10 s and was killed]";
    return result;
  }
  waitpid(pid, &status, 0);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

GhlRun::GhlRun(const std::vector<std::string>& args_in,
               const std::map<std::string, std::string>& env) {
  char tmpl[] = "/tmp/ghl_run_test_XXXXXX";
  if (mkdtemp(tmpl) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = tmpl;
  std::vector<std::string> args = {GhlBinary()};
  args.insert(args.end(), args_in.begin(), args_in.end());
  std::string out_path = dir_ + "/stdout.txt";
  std::string err_path = dir_ + "/stderr.txt";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0600);
  auto env_strings = BaseEnv(env);
  auto argv = Argv(args);
  auto envp = Argv(env_strings);
  int rc = posix_spawn(&pid_, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    pid_ = -1;
    std::filesystem::remove_all(dir_);
    throw std::runtime_error("cannot start " + args[0]);
  }
}

GhlRun::~GhlRun() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void GhlRun::Signal(int sig) {
  if (pid_ > 0) kill(pid_, sig);
}

std::optional<int> GhlRun::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return std::nullopt;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

std::string GhlRun::Stdout() const { return Slurp(dir_ + "/stdout.txt"); }
std::string GhlRun::Stderr() const { return Slurp(dir_ + "/stderr.txt"); }

}  // namespace ghl::testing
