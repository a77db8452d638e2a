// `ghl enrich` against an in-process sandbox over loopback, with a loopback HTTP enricher that
// answers 500 for one contact.
#include "ghl/enrich/enrich.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include "../ops/test_fixture.h"
#include "ghl/automations/config.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/locations.h"
#include "ghl/server/http_server.h"
#include "ghl/sync/budget.h"

namespace ghl::enrich {
namespace {

using nlohmann::json;

constexpr const char* kRules = R"(
[recipes.lead_scoring]
score_field = "lead_score"
[[recipes.lead_scoring.rules]]
has = "email"
points = 10
[[recipes.lead_scoring.rules]]
has = "phone"
points = 10
[[recipes.lead_scoring.rules]]
has = "company_name"
points = 20
[[recipes.lead_scoring.rules]]
source = "referral"
points = 30
[[recipes.lead_scoring.rules]]
custom_field = "industry"
equals = "software"
points = 5
)";

class EnrichTest : public ops::SandboxOpsTest {
 protected:
  sandbox::Options SandboxOptions() const override {
    auto o = SandboxOpsTest::SandboxOptions();
    o.seed = "empty";
    return o;
  }
  void SetUp() override {
    SandboxOpsTest::SetUp();
    counters_ = std::make_shared<sync::BudgetCounters>();
    counted_ = std::make_unique<client::Client>(
        sync::WithDailyShare(client::MakeConnection(Options(sandbox_->token())), 1.0, counters_));
    enricher_ = std::make_unique<server::HttpServer>(
        server::ServerOptions{}, [this](const http::Request& req) {
          json body = json::parse(req.body, nullptr, false);
          std::string email = body.is_object() ? body["contact"].value("email", "") : "";
          ++enricher_calls_;
          if (email.find("boom") != std::string::npos && fail_boom_) {
            return http::Response{500, {}, R"({"error":"upstream down"})"};
          }
          return http::Response{200, {}, R"({"industry":"Software"})"};
        });
    port_ = enricher_->Start();
    auto cfg = automations::ParseConfig(kRules, "rules.toml");
    ASSERT_TRUE(cfg.ok()) << cfg.error().Describe();
    scoring_ = cfg->lead_scoring;
  }
  void TearDown() override {
    if (enricher_) enricher_->Stop();
    SandboxOpsTest::TearDown();
  }

  // A contact created through the API (the sandbox, like GHL, stores the phone in E.164).
  std::string Seed(json fields) {
    fields["locationId"] = sandbox_->location_id();
    auto r = client_->Post("/contacts/", fields.dump());
    EXPECT_TRUE(r.ok()) << r.error().Describe();
    return r.ok() ? (*r)["contact"].value("id", "") : "";
  }
  EnrichOptions Opts(bool with_enricher = true, bool with_scoring = true) {
    EnrichOptions o;
    o.location_id = sandbox_->location_id();
    if (with_enricher) o.enricher_url = "http://127.0.0.1:" + std::to_string(port_) + "/enrich";
    if (with_scoring) o.scoring = scoring_;
    o.calls_used = [c = counters_] { return c->sent; };
    return o;
  }
  EnrichReport Run(const EnrichOptions& o) {
    auto r = RunEnrichment(*counted_, o);
    EXPECT_TRUE(r.ok()) << r.error().Describe();
    return r.ok() ? *r : EnrichReport{};
  }
  json Contact(const std::string& id) {
    auto c = ops::GetContact(ctx(), id);
    EXPECT_TRUE(c.ok()) << c.error().Describe();
    return c.ok() ? *c : json::object();
  }
  // The value of custom field `name` on contact `id` (null when unset or unknown).
  json Field(const std::string& id, const std::string& name) {
    auto defs = ops::ListCustomFields(ctx());
    EXPECT_TRUE(defs.ok());
    const json* d = ops::FindCustomField(*defs, name);
    if (!d) return nullptr;
    for (const auto& f : Contact(id).value("customFields", json::array())) {
      if (f.value("id", "") == d->value("id", ""))
        return f.contains("value") ? f["value"] : f["fieldValue"];
    }
    return nullptr;
  }
  bool Tagged(const std::string& id, const std::string& tag) {
    for (const auto& t : Contact(id).value("tags", json::array())) {
      if (t == tag) return true;
    }
    return false;
  }

  std::shared_ptr<sync::BudgetCounters> counters_;
  std::unique_ptr<client::Client> counted_;
  std::unique_ptr<server::HttpServer> enricher_;
  uint16_t port_ = 0;
  std::atomic<int> enricher_calls_{0};
  std::atomic<bool> fail_boom_{true};
  automations::LeadScoringConfig scoring_;
};

TEST_F(EnrichTest, FailingContactIsTaggedTheRestCompleteWithTheirValues) {
  std::string ann = Seed({{"firstName", "Ann"},
                          {"email", "ann@acme-widgets.com"},
                          {"phone", "(512) 555-0123"},
                          {"source", "referral"}});
  std::string bob =
      Seed({{"firstName", "Bob"}, {"email", "bob@gmail.com"}, {"phone", "+44 20 7946 0958"}});
  std::string carl = Seed({{"firstName", "Carl"}, {"email", "carl@boom.io"}});

  EnrichReport r = Run(Opts());
  EXPECT_EQ(r.candidates, 3);
  EXPECT_EQ(r.done, 2);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.skipped, 0);
  EXPECT_GT(r.calls_used, 0);

  json a = Contact(ann);
  EXPECT_EQ(a.value("phone", ""), "+15125550123");
  EXPECT_EQ(a.value("companyName", ""), "Acme Widgets");
  EXPECT_EQ(Field(ann, "phone_region"), "US");
  EXPECT_EQ(Field(ann, "industry"), "Software");
  EXPECT_EQ(Field(ann, "lead_score"), 75);  // email, phone, company, referral, industry
  EXPECT_EQ(Field(ann, "enrichment_status"), "complete");

  json b = Contact(bob);
  EXPECT_EQ(b.value("phone", ""), "+442079460958");
  EXPECT_EQ(b.value("companyName", ""), "");  // free mail: no company
  EXPECT_EQ(Field(bob, "phone_region"), "GB");
  EXPECT_EQ(Field(bob, "lead_score"), 25);  // email, phone, industry
  EXPECT_EQ(Field(bob, "enrichment_status"), "complete");

  EXPECT_TRUE(Tagged(carl, "enrichment-failed"));
  EXPECT_FALSE(Tagged(ann, "enrichment-failed"));
  EXPECT_EQ(Field(carl, "enrichment_status"), nullptr);
  ASSERT_EQ(r.contacts.size(), 3u);
  for (const auto& c : r.contacts) {
    if (c.id == carl) {
      EXPECT_NE(c.error.find("HTTP 500"), std::string::npos) << c.error;
    }
  }
}

TEST_F(EnrichTest, RerunSkipsCompletedAndRetriesTheFailedOne) {
  Seed({{"email", "ann@acme-widgets.com"}, {"phone", "(512) 555-0123"}});
  Seed({{"email", "bob@gmail.com"}});
  std::string carl = Seed({{"email", "carl@boom.io"}});
  EnrichReport first = Run(Opts());
  ASSERT_EQ(first.done, 2);

  int before = enricher_calls_.load();
  EnrichReport again = Run(Opts());
  EXPECT_EQ(again.candidates, 1);  // only the failed one: the filter is the checkpoint
  ASSERT_EQ(again.contacts.size(), 1u);
  EXPECT_EQ(again.contacts[0].id, carl);
  EXPECT_EQ(again.failed, 1);
  EXPECT_EQ(again.done, 0);
  EXPECT_EQ(again.calls_used, 2);  // list fields + search; already tagged: no write at all
  EXPECT_EQ(enricher_calls_.load() - before, 1);

  fail_boom_ = false;  // the enricher is back
  EnrichReport third = Run(Opts());
  EXPECT_EQ(third.done, 1);
  EXPECT_EQ(Field(carl, "enrichment_status"), "complete");
  EXPECT_FALSE(Tagged(carl, "enrichment-failed"));
  EXPECT_EQ(Run(Opts()).candidates, 0);
}

TEST_F(EnrichTest, InvalidPhoneFailsThatContactOnly) {
  std::string bad = Seed({{"email", "dora@initech.com"}, {"phone", "+1 123 456 7890"}});
  std::string good = Seed({{"email", "eve@initech.com"}, {"phone", "512.555.0199"}});
  EnrichReport r = Run(Opts(/*with_enricher=*/false));
  EXPECT_EQ(r.done, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_TRUE(Tagged(bad, "enrichment-failed"));
  EXPECT_EQ(Contact(good).value("phone", ""), "+15125550199");
  EXPECT_EQ(Contact(good).value("companyName", ""), "Initech");
  EXPECT_EQ(Field(good, "lead_score"), 40);  // email, phone, company
}

TEST_F(EnrichTest, LimitTakesThatManyAndTheNextRunTheRest) {
  for (int i = 0; i < 3; ++i) Seed({{"email", "p" + std::to_string(i) + "@acme.com"}});
  EnrichOptions o = Opts(false, false);
  o.limit = 2;
  EnrichReport r = Run(o);
  EXPECT_EQ(r.candidates, 2);
  EXPECT_EQ(r.done, 2);
  EnrichReport rest = Run(Opts(false, false));
  EXPECT_EQ(rest.candidates, 1);
  EXPECT_EQ(rest.done, 1);
}

TEST_F(EnrichTest, MaxCallsStopsBeforeAContactAndCountsTheRestSkipped) {
  for (int i = 0; i < 3; ++i) Seed({{"email", "m" + std::to_string(i) + "@acme.com"}});
  EnrichOptions o = Opts(false, false);
  // list fields + 2 field creations + search = 4; each contact may need 2.
  o.max_calls = 7;
  EnrichReport r = Run(o);
  EXPECT_EQ(r.done, 2);
  EXPECT_EQ(r.skipped, 1);
  EXPECT_LE(r.calls_used, 7);
  EXPECT_EQ(Run(Opts(false, false)).candidates, 1);
}

TEST_F(EnrichTest, SpentDailyShareStopsTheRunUntaggedAndTheNextRunResumes) {
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i)
    ids.push_back(Seed({{"email", "q" + std::to_string(i) + "@acme.com"}}));
  // Setup = list fields + 2 field creations + search = 4 calls. The share also counts what
  // others used of the location's quota (the sandbox's X-RateLimit-Daily-Remaining), here the
  // 3 seeding calls: 3 + 5.5 of 200,000 leaves this run 5.5 calls, so two writes go through
  // and the third is refused before it is sent.
  auto counters = std::make_shared<sync::BudgetCounters>();
  client::Client budgeted(sync::WithDailyShare(client::MakeConnection(Options(sandbox_->token())),
                                               (3 + 5.5) / 200000, counters));
  EnrichOptions o = Opts(false, false);
  o.calls_used = [counters] { return counters->sent; };
  auto r = RunEnrichment(budgeted, o);
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_EQ(r->done, 2);
  EXPECT_EQ(r->failed, 0);
  EXPECT_EQ(r->skipped, 1);
  EXPECT_EQ(r->calls_used, 6);  // no tag call after the refusal
  for (const auto& c : r->contacts) {
    if (c.status == "skipped") {
      EXPECT_NE(c.error.find("daily quota"), std::string::npos) << c.error;
    }
  }
  for (const auto& id : ids) EXPECT_FALSE(Tagged(id, "enrichment-failed")) << id;
  EnrichReport rest = Run(Opts(false, false));
  EXPECT_EQ(rest.candidates, 1);
  EXPECT_EQ(rest.done, 1);
}

TEST_F(EnrichTest, DryRunWritesNothing) {
  std::string ann = Seed({{"email", "ann@acme-widgets.com"}, {"phone", "(512) 555-0123"}});
  std::string carl = Seed({{"email", "carl@boom.io"}});
  EnrichReport r = Run([&] {
    auto o = Opts();
    o.dry_run = true;
    return o;
  }());
  EXPECT_TRUE(r.dry_run);
  EXPECT_EQ(r.done, 1);
  EXPECT_EQ(r.failed, 1);
  EXPECT_EQ(r.calls_used, 2);  // list fields + search: no write, no field created
  // Contacts come in the search's order, which need not be the seeding order.
  auto ann_outcome = std::find_if(r.contacts.begin(), r.contacts.end(),
                                  [&](const ContactOutcome& c) { return c.id == ann; });
  ASSERT_NE(ann_outcome, r.contacts.end());
  EXPECT_EQ(ann_outcome->changes.value("phone_region", ""), "US");
  EXPECT_EQ(ann_outcome->changes.value("companyName", ""), "Acme Widgets");
  EXPECT_EQ(ann_outcome->changes.value("enrichment_status", ""), "complete");
  EXPECT_EQ(Contact(ann).value("companyName", ""), "");
  EXPECT_FALSE(Tagged(carl, "enrichment-failed"));
  auto defs = ops::ListCustomFields(ctx());
  ASSERT_TRUE(defs.ok());
  EXPECT_EQ(ops::FindCustomField(*defs, "enrichment_status"), nullptr);
}

}  // namespace
}  // namespace ghl::enrich
