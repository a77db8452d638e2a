// The SMS-through-a-carrier setup of the carrier tests, as real processes over loopback:
// `ghl carrier-sim` (Telnyx-shaped, every webhook sent twice), `ghl sandbox
// --conversation-provider` (every hand-off POSTed twice, status 403 for a short window) and
// `ghl serve --carrier telnyx` on a fixed port (so a restarted serve is the same Delivery URL and
// webhook target), its queue and journal in a directory that outlives restarts.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/http/transport.h"
#include "process.h"

namespace ghl::testing {

using nlohmann::json;

/// Polls `done` every 50 ms until it is true or `timeout` passed; its last answer.
template <typename F>
bool WaitFor(F done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

/// A TCP port free right now on 127.0.0.1.
inline int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a));
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

/// `url` answered (GET or POST with a JSON body) as JSON; null on any failure.
inline json HttpJson(const std::string& method, const std::string& url,
                     const std::string& body = {}) {
  static auto transport = http::MakeCurlTransport();
  http::Request r;
  r.method = method;
  r.target = url;
  if (!body.empty()) {
    r.body = body;
    r.headers.Set("Content-Type", "application/json");
  }
  auto res = transport->Send(r, {});
  if (!res.ok()) return nullptr;
  json j = json::parse(res->body, nullptr, false);
  return j.is_discarded() ? json(nullptr) : j;
}

class CarrierRig {
 public:
  /// `sim_args`: extra `ghl carrier-sim` flags.
  explicit CarrierRig(int status_delay_ms, const std::vector<std::string>& sim_args = {}) {
    port_ = FreePort();
    std::string base = "http://127.0.0.1:" + std::to_string(port_);
    std::vector<std::string> args = {"carrier-sim",
                                     "--webhook-url",
                                     base + "/providers/carrier/telnyx",
                                     "--copies",
                                     "2",
                                     "--webhook-attempts",
                                     "400"};
    args.insert(args.end(), sim_args.begin(), sim_args.end());
    sim_ = std::make_unique<GhlRun>(args);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (sim_->Stdout().find("TELNYX_PUBLIC_KEY=") == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("ghl carrier-sim did not start: " + sim_->Stderr());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::string line = sim_->Stdout();
    sim_url_ = Field(line, "CARRIER_API_BASE=");
    sim_key_ = Field(line, "TELNYX_PUBLIC_KEY=");
    sandbox_ = std::make_unique<SandboxProcess>(
        std::vector<std::string>{"--conversation-provider", base + "/providers/ghl/outbound",
                                 "--provider-status-delay-ms", std::to_string(status_delay_ms),
                                 "--provider-delivery-copies", "2", "--rate-limit", "100000/10s"});
    StartServe();
  }

  void StartServe() {
    serve_ = std::make_unique<ServeProcess>(
        std::vector<std::string>{"--port", std::to_string(port_), "--upstream",
                                 sandbox_->base_url(), "--location", sandbox_->location_id(),
                                 "--webhook-public-key",
                                 sandbox_->env().at("GHL_WEBHOOK_PUBLIC_KEY"), "--carrier",
                                 "telnyx", "--carrier-api-base", sim_url_, "--carrier-public-key",
                                 sim_key_, "--carrier-from", "+15125550000"},
        dir_.path(),
        std::map<std::string, std::string>{{"GHL_TOKEN", sandbox_->token()},
                                           {"TELNYX_API_KEY", "test-key"}});
  }

  client::Client Client() const {
    client::ClientOptions o;
    o.base_url = sandbox_->base_url();
    o.token = sandbox_->token();
    o.default_location_id = sandbox_->location_id();
    return client::Client(o);
  }

  /// Up to `n` of the sandbox's contacts that have a phone (the demo seed has several).
  json ContactsWithPhone(int n) const {
    json body = {{"pageLimit", n}, {"filters", {{{"field", "phone"}, {"operator", "exists"}}}}};
    auto r = Client().Call({.method = "POST", .path = "/contacts/search", .body = body.dump()});
    return r.ok() ? (*r)["contacts"] : json::array();
  }

  /// The messages of a conversation, newest first.
  json Messages(const std::string& conversation_id) const {
    auto r = Client().Call({.method = "GET",
                            .path = "/conversations/{conversationId}/messages",
                            .query = {{"limit", "100"}},
                            .path_params = {{"conversationId", conversation_id}}});
    return r.ok() ? (*r)["messages"]["messages"] : json::array();
  }

  /// GET /sim/messages of the simulator.
  json SimMessages() const { return HttpJson("GET", sim_url_ + "/sim/messages"); }

  ServeProcess& serve() { return *serve_; }
  std::unique_ptr<ServeProcess>& serve_ptr() { return serve_; }
  SandboxProcess& sandbox() { return *sandbox_; }
  const std::string& sim_url() const { return sim_url_; }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  const std::string& dir() const { return dir_.path(); }

 private:
  static std::string Field(const std::string& line, const std::string& key) {
    auto at = line.find(key);
    if (at == std::string::npos) return "";
    at += key.size();
    auto end = line.find_first_of(" \n", at);
    return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }

  TempDir dir_;
  int port_ = 0;
  std::unique_ptr<GhlRun> sim_;
  std::string sim_url_, sim_key_;
  std::unique_ptr<SandboxProcess> sandbox_;
  std::unique_ptr<ServeProcess> serve_;
};

}  // namespace ghl::testing
