// Helpers shared by the receiver tests: test keys, signed requests, temp dirs, a failing store.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "ghl/http/message.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/signer.h"

namespace ghl::webhooks::testing {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string ReadKeyFile(const std::string& name) {
  const char* dir = std::getenv("GHL_SOURCE_DIR");
  return ReadFile(std::filesystem::path(dir ? dir : GHL_TEST_SOURCE_DIR) /
                  "tests/data/webhook_keys" / name);
}

inline WebhookSigner TestEd25519Signer() {
  auto s = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_ed25519_private.pem"));
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

inline WebhookSigner TestRsaSigner() {
  auto s = WebhookSigner::FromPrivateKeyPem(ReadKeyFile("test_rsa_private.pem"));
  EXPECT_TRUE(s.ok());
  return std::move(s).value();
}

/// POST `path` with `body`, signed by `signer` (no signature when null).
inline http::Request SignedPost(std::string body, const WebhookSigner* signer,
                                std::string path = "/webhooks/ghl") {
  http::Request r;
  r.method = "POST";
  r.target = std::move(path);
  r.headers.Set("Host", "hooks.example.com");
  r.headers.Set("Content-Type", "application/json");
  if (signer) r.headers.Set(signer->HeaderName(), signer->Sign(body));
  r.body = std::move(body);
  return r;
}

/// A fresh directory per instance, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ghl_receiver_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

/// Forwards to a real store; Append (and GetStats) can be made to fail on demand.
class FlakyStore : public store::EventStore {
 public:
  enum class Mode { kPass, kTimeout, kInternalError, kThrow };
  explicit FlakyStore(std::shared_ptr<store::EventStore> inner) : inner_(std::move(inner)) {}
  void set_mode(Mode m) { mode_ = m; }

  Result<std::vector<store::AppendResult>> Append(std::vector<store::NewEvent> events) override {
    switch (mode_.load()) {
      case Mode::kPass:
        return inner_->Append(std::move(events));
      case Mode::kTimeout:
        return Error{.kind = ErrorKind::kNetwork, .messages = {"database is locked (timeout)"}};
      case Mode::kInternalError:
        return Error{.kind = ErrorKind::kInternal, .messages = {"disk I/O error"}};
      case Mode::kThrow:
        throw std::runtime_error("connection reset");
    }
    return Error{};
  }
  Result<std::vector<store::Event>> Claim(std::string_view w, std::chrono::milliseconds l,
                                          int n) override {
    return inner_->Claim(w, l, n);
  }
  Status Ack(int64_t id, std::string_view w) override { return inner_->Ack(id, w); }
  Result<store::EventState> Fail(int64_t id, std::string_view w, std::string_view e,
                                 store::FailureKind kind) override {
    return inner_->Fail(id, w, e, kind);
  }
  Status Retry(int64_t id) override { return inner_->Retry(id); }
  Status Replay(int64_t id) override { return inner_->Replay(id); }
  Result<store::Event> Get(int64_t id) override { return inner_->Get(id); }
  Result<std::vector<store::Event>> List(const store::ListFilter& f) override {
    return inner_->List(f);
  }
  Result<store::Stats> GetStats() override {
    if (mode_.load() != Mode::kPass) {
      return Error{.kind = ErrorKind::kNetwork, .messages = {"database is locked (timeout)"}};
    }
    return inner_->GetStats();
  }

 private:
  std::shared_ptr<store::EventStore> inner_;
  std::atomic<Mode> mode_{Mode::kPass};
};

}  // namespace ghl::webhooks::testing
