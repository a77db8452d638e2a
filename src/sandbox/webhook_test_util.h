// Test helpers for the sandbox's webhooks: a loopback receiver recording deliveries, and a
// verifier for the sandbox's published key.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ghl/server/http_server.h"
#include "ghl/webhooks/signature_verifier.h"

namespace ghl::sandbox {

// A loopback receiver that records every delivery and answers from a script of statuses
// (the last status repeats).
class Receiver {
 public:
  explicit Receiver(std::vector<int> statuses = {200}) : statuses_(std::move(statuses)) {
    server_ = std::make_unique<server::HttpServer>(
        server::ServerOptions{.threads = 2}, [this](const http::Request& req) {
          std::lock_guard lock(mu_);
          requests_.push_back(req);
          int status = statuses_[std::min(requests_.size() - 1, statuses_.size() - 1)];
          http::Response res = server::JsonResponse(status, R"({"status":"ok"})");
          if (status == 429) res.headers.Set("Retry-After", "0");
          return res;
        });
    port_ = server_->Start();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/webhooks/ghl"; }
  std::vector<http::Request> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::vector<int> statuses_;
  mutable std::mutex mu_;
  std::vector<http::Request> requests_;
  std::unique_ptr<server::HttpServer> server_;
  uint16_t port_ = 0;
};

inline webhooks::SignatureVerifier VerifierFor(const std::string& public_key) {
  webhooks::VerifierOptions o;
  o.ed25519_public_key = public_key;
  o.rsa_public_key.clear();
  auto v = webhooks::SignatureVerifier::Create(o);
  EXPECT_TRUE(v.ok());
  return std::move(v.value());
}

}  // namespace ghl::sandbox
