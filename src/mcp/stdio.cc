// The stdio transport: newline-delimited JSON-RPC messages on stdin/stdout (stdout carries
// protocol messages only; logs go to stderr).
#include <sys/uio.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ghl/mcp/server.h"

namespace ghl::mcp {
namespace {

constexpr size_t kMaxLine = 8u << 20;

// Writes all of `iov` to `fd`, resuming after partial writes and EINTR; false on an error.
bool WriteAll(int fd, iovec* iov, int count) {
  while (count > 0) {
    ssize_t n = ::writev(fd, iov, count);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    auto done = static_cast<size_t>(n);
    while (count > 0 && done >= iov->iov_len) {
      done -= iov->iov_len;
      ++iov;
      --count;
    }
    if (count > 0) {
      iov->iov_base = static_cast<char*>(iov->iov_base) + done;
      iov->iov_len -= done;
    }
  }
  return true;
}

}  // namespace

std::function<void(std::string_view)> StdioWriter(std::FILE* out) {
  auto mu = std::make_shared<std::mutex>();
  return [out, mu](std::string_view line) {
    std::lock_guard lock(*mu);
    std::fflush(out);  // whatever else went through `out` first
    int fd = ::fileno(out);
    // The message and its newline in one system call (no copy through the FILE buffer): the
    // client reads a whole line per wake-up.
    char newline = '\n';
    iovec iov[2] = {{const_cast<char*>(line.data()), line.size()}, {&newline, 1}};
    if (fd >= 0 && WriteAll(fd, iov, 2)) return;
    if (fd < 0) {  // a stream without a descriptor (fmemopen, …)
      std::fwrite(line.data(), 1, line.size(), out);
      std::fputc('\n', out);
      std::fflush(out);
    }
  };
}

// Tool calls that may ask the client (it declared sampling or elicitation) run on their own
// thread, so this reader keeps reading: the client's answer arrives on stdin while they wait.
class Workers {
 public:
  ~Workers() { JoinAll(); }
  void Run(std::function<void()> job) {
    // Join the calls that finished (their stacks go back), then start this one.
    for (auto it = threads_.begin(); it != threads_.end();) {
      if (it->second->load()) {
        it->first.join();
        it = threads_.erase(it);
      } else {
        ++it;
      }
    }
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.emplace_back(std::thread([job = std::move(job), done] {
                            job();
                            done->store(true);
                          }),
                          done);
  }
  void JoinAll() {
    for (auto& [t, done] : threads_) t.join();
    threads_.clear();
  }

 private:
  std::list<std::pair<std::thread, std::shared_ptr<std::atomic<bool>>>> threads_;
};

void ServeStdio(Server& server, std::FILE* in, const std::function<void(std::string_view)>& write) {
  Session session;
  session.pending = std::make_shared<PendingRequests>();
  Workers workers;
  std::string line;
  bool too_long = false;
  int c;
  auto finish = [&] {
    if (too_long) {
      write(
          R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error: message longer than 8 MiB"}})");
    } else {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      bool blank = line.find_first_not_of(" \t") == std::string::npos;
      if (!blank && (session.client_sampling || session.client_elicitation) &&
          line.find("\"tools/call\"") != std::string::npos) {
        Session copy = session;  // the reader owns `session`; the copy shares `pending`
        copy.can_wait = true;
        workers.Run([&server, &write, copy = std::move(copy), message = line]() mutable {
          server.Respond(copy, message, write);
        });
      } else if (!blank) {
        server.Respond(session, line, write);  // the answer goes out before the frees
      }
    }
    line.clear();
    too_long = false;
  };
  while ((c = getc_unlocked(in)) != EOF) {  // one reader thread: no per-char lock
    if (c == '\n') {
      finish();
      continue;
    }
    if (line.size() >= kMaxLine) {
      too_long = true;
      line.clear();
    }
    if (!too_long) line.push_back(static_cast<char>(c));
  }
  if (!line.empty() || too_long) finish();
  session.pending->Close("the client closed stdin");
  workers.JoinAll();
}

}  // namespace ghl::mcp
