// Test fixture of the ops tests: a sandbox served in this process over loopback HTTP and a
// client for its demo location.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "ghl/client/client.h"
#include "ghl/ops/context.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::ops {

class SandboxOpsTest : public ::testing::Test {
 protected:
  /// The sandbox's options; a fixture overrides this to change them (e.g. provider timing).
  virtual sandbox::Options SandboxOptions() const {
    sandbox::Options o;
    o.rate_limit.burst_max = 100000;
    return o;
  }
  void SetUp() override {
    auto s = sandbox::RunningSandbox::Start(SandboxOptions());
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    client_ = std::make_unique<client::Client>(Options(sandbox_->token()));
  }
  void TearDown() override {
    if (sandbox_) sandbox_->Stop();
  }
  /// Client options for the sandbox with `token`.
  client::ClientOptions Options(const std::string& token) const {
    client::ClientOptions co;
    co.base_url = sandbox_->base_url();
    co.token = token;
    co.default_location_id = sandbox_->location_id();
    return co;
  }
  Context ctx() const { return Context{*client_, sandbox_->location_id(), nullptr}; }

  std::unique_ptr<sandbox::RunningSandbox> sandbox_;
  std::unique_ptr<client::Client> client_;
};

}  // namespace ghl::ops
