// The onboarding tests' sandbox (served in this process over loopback, the app installed for
// future locations) and the count of what one client file made in it.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "ghl/client/client.h"
#include "ghl/onboard/onboard.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/locations.h"
#include "ghl/ops/users.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::onboard {

using nlohmann::json;

class OnboardFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    sandbox::Options so;
    so.rate_limit.burst_max = 100000;
    auto s = sandbox::RunningSandbox::Start(std::move(so));
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sb_ = std::move(*s);
    // The agency installs the sandbox's app at company level for future locations too (the
    // consent page's approve, without a browser), so /oauth/locationToken works on new ones.
    http::Request r;
    r.method = "GET";
    r.target = "/oauth/chooselocation/approve?response_type=code&client_id=" +
               sb_->sandbox().oauth_client_id() +
               "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb&companyId=" +
               std::string(sandbox::kDemoCompanyId) + "&installToFutureLocations=true";
    auto approved = sb_->sandbox().Handle(r);
    ASSERT_EQ(approved.status, 302) << approved.body;
    dir_ =
        std::filesystem::temp_directory_path() / ("ghl-onboard-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    options_.agency.base_url = sb_->base_url();
    options_.agency.token = std::string(sandbox::kAgencyToken);
    options_.company_id = std::string(sandbox::kDemoCompanyId);
    options_.journal_path = (dir_ / "ghl-onboard.db").string();
    std::filesystem::remove(options_.journal_path);
  }
  void TearDown() override {
    if (sb_) sb_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // What the sandbox holds for the client file: counts of each thing.
  struct Counts {
    size_t locations = 0, lead_source = 0, insurance = 0, users = 0, sms = 0;
  };
  Counts Count() {
    Counts c;
    client::Client agency(options_.agency);
    ops::Context actx{agency, "", nullptr};
    auto locs = ops::SearchLocationsByEmail(actx, options_.company_id, "ana@acme-dental.example");
    EXPECT_TRUE(locs.ok());
    if (!locs.ok()) return c;
    c.locations = locs->size();
    if (locs->empty()) return c;
    std::string loc = (*locs)[0]["id"];
    auto minted = ops::MintLocationToken(actx, options_.company_id, loc);
    EXPECT_TRUE(minted.ok()) << (minted.ok() ? "" : minted.error().Describe());
    if (!minted.ok()) return c;
    client::ClientOptions lo = options_.agency;
    lo.token = (*minted)["access_token"];
    lo.default_location_id = loc;
    client::Client lc(lo);
    ops::Context ctx{lc, loc, nullptr};
    auto fields = ops::ListCustomFields(ctx);
    auto users = ops::ListUsers(ctx);
    EXPECT_TRUE(fields.ok() && users.ok());
    if (!fields.ok() || !users.ok()) return c;
    for (const auto& f : *fields) {
      if (f["fieldKey"] == "contact.lead_source") ++c.lead_source;
      if (f["fieldKey"] == "contact.insurance_plan") ++c.insurance;
    }
    for (const auto& u : *users) {
      if (u["email"] == "ana@acme-dental.example") ++c.users;
    }
    auto contact = ops::FindContactByPhone(ctx, "+15125550100");
    if (contact.ok() && *contact) {
      auto conv = ops::ConversationOf(ctx, (**contact)["id"]);
      if (conv.ok() && !conv->empty()) {
        auto page = ops::ListMessages(ctx, *conv, 100);
        EXPECT_TRUE(page.ok());
        if (page.ok()) {
          for (const auto& m : page->messages) {
            if (m.value("body", "") == "Welcome to Acme Dental on our CRM!") ++c.sms;
          }
        }
      }
    }
    return c;
  }

  void ExpectOneOfEach() {
    Counts c = Count();
    EXPECT_EQ(c.locations, 1u);
    EXPECT_EQ(c.lead_source, 1u);
    EXPECT_EQ(c.insurance, 1u);
    EXPECT_EQ(c.users, 1u);
    EXPECT_EQ(c.sms, 1u);
  }

  std::unique_ptr<sandbox::RunningSandbox> sb_;
  std::filesystem::path dir_;
  Options options_;
};

}  // namespace ghl::onboard
