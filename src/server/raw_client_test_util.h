// Test-only: a raw loopback HTTP client that sends bytes and sees what arrives, as it arrives,
// on one connection it controls (curl may open a new connection where a test needs the old one).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>

namespace ghl::server {

class RawClient {
 public:
  // `receive_buffer_bytes` > 0 fixes the socket's receive buffer (no autotuning), so a large
  // answer the client has not read yet keeps the server's write unfinished.
  explicit RawClient(uint16_t port, int receive_buffer_bytes = 0)
      : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    if (receive_buffer_bytes > 0) {
      setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof receive_buffer_bytes);
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  }
  ~RawClient() { Close(); }
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;
  bool connected() const { return connected_; }
  void Send(const std::string& bytes) { (void)!write(fd_, bytes.data(), bytes.size()); }
  // Reads until `needle` has arrived after what earlier calls consumed (true), or 10 s pass or
  // the peer closes (false). Only the new bytes are searched, so a large body reads in linear
  // time.
  bool ReadUntil(const std::string& needle) {
    using namespace std::chrono_literals;
    auto deadline = std::chrono::steady_clock::now() + 10s;
    size_t from = consumed_;
    for (;;) {
      size_t at = received_.find(needle, from);
      if (at != std::string::npos) {
        consumed_ = at + needle.size();
        return true;
      }
      if (received_.size() >= needle.size()) {
        from = std::max(from, received_.size() - needle.size() + 1);
      }
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{fd_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buf[65536];
      ssize_t n = read(fd_, buf, sizeof buf);
      if (n <= 0) return false;
      received_.append(buf, static_cast<size_t>(n));
    }
  }
  // Everything received so far, and the part after what ReadUntil consumed.
  const std::string& received() const { return received_; }
  std::string Unconsumed() const { return received_.substr(consumed_); }
  void Close() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
  bool connected_ = false;
  std::string received_;
  size_t consumed_ = 0;
};

}  // namespace ghl::server
