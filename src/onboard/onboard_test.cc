// Onboarding against the sandbox served in this process over loopback: a child process (fork)
// runs the request and dies with _exit(137) at each step, before and after its journal write;
// `Resume` then finishes it and the sandbox holds exactly one of each thing.
#include "ghl/onboard/onboard.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "ghl/client/client.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/locations.h"
#include "ghl/ops/users.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::onboard {
namespace {

using nlohmann::json;

json ClientFile() {
  return json::parse(R"({
    "business": {"name": "Acme Dental", "address": "1 Main St", "city": "Austin",
                 "country": "US", "timezone": "America/Chicago"},
    "owner": {"firstName": "Ana", "lastName": "Ruiz", "email": "ana@acme-dental.example",
              "phone": "+15125550100"},
    "customFields": [{"name": "Lead Source"}, {"name": "Insurance Plan", "dataType": "TEXT"}],
    "welcomeSms": {"text": "Welcome to Acme Dental on our CRM!", "to": "+15125550100"}
  })");
}

class OnboardTest : public ::testing::Test {
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

  // Runs the request in a child process; → its exit status.
  int RunChild(const std::string& id, CrashHook hook) {
    pid_t pid = fork();
    if (pid == 0) {
      Options o = options_;
      o.crash = hook;
      auto r = Onboard(o, id, ClientFile());
      _exit(r.ok() ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
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

TEST_F(OnboardTest, RunsEveryStepOnceAndJournalsIt) {
  std::string id = RequestIdOf(ClientFile());
  auto r = Onboard(options_, id, ClientFile());
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_TRUE(r->finished);
  std::vector<std::string> steps;
  for (const auto& s : r->steps) {
    EXPECT_TRUE(s.done) << s.step;
    EXPECT_FALSE(s.result_id.empty()) << s.step;
    steps.push_back(s.step);
  }
  EXPECT_EQ(steps,
            (std::vector<std::string>{"location", "token", "field:contact.lead_source",
                                      "field:contact.insurance_plan", "user", "contact", "sms"}));
  // GHL's traceId is journaled for every step whose answer carried one, also when the
  // operation unwraps the body: POST /contacts/upsert answers {"new","contact","traceId"} and
  // POST /conversations/messages {"messageId",…,"traceId"} (the sandbox's location, token and
  // user answers carry none, as their specs show none).
  for (const auto& s : r->steps) {
    if (s.step == "contact" || s.step == "sms") {
      EXPECT_EQ(s.trace_id.size(), 36u) << s.step << ": '" << s.trace_id << "'";
    }
  }
  // Running it again (same id) calls nothing new.
  auto again = Onboard(options_, id, ClientFile());
  ASSERT_TRUE(again.ok()) << again.error().Describe();
  ExpectOneOfEach();
  auto st = ReadStatus(options_.journal_path, id);
  ASSERT_TRUE(st.ok());
  std::string text = FormatStatus(*st);
  EXPECT_NE(text.find("request " + id + ": finished"), std::string::npos) << text;
  EXPECT_NE(text.find("field:contact.lead_source"), std::string::npos) << text;
}

struct CrashCase {
  const char* step;
  bool after_journal;
};

void PrintTo(const CrashCase& c, std::ostream* os) {
  *os << c.step << (c.after_journal ? " (journaled)" : " (journal write lost)");
}

class OnboardCrashTest : public OnboardTest, public ::testing::WithParamInterface<CrashCase> {};

TEST_P(OnboardCrashTest, ResumeAfterCrashMakesExactlyOneOfEach) {
  std::string id = "req-crash";
  ASSERT_EQ(RunChild(id, {GetParam().step, GetParam().after_journal}), 137);
  auto mid = ReadStatus(options_.journal_path, id);
  ASSERT_TRUE(mid.ok()) << mid.error().Describe();
  EXPECT_FALSE(mid->finished);
  EXPECT_NE(FormatStatus(*mid).find(": not finished"), std::string::npos) << FormatStatus(*mid);
  auto r = Resume(options_, id);
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_TRUE(r->finished);
  for (const auto& s : r->steps) EXPECT_TRUE(s.done) << s.step;
  ExpectOneOfEach();
}

INSTANTIATE_TEST_SUITE_P(
    EachStep, OnboardCrashTest,
    ::testing::Values(CrashCase{"location", false}, CrashCase{"location", true},
                      CrashCase{"token", false}, CrashCase{"token", true},
                      CrashCase{"field", false}, CrashCase{"field", true}, CrashCase{"user", false},
                      CrashCase{"user", true}, CrashCase{"contact", false},
                      CrashCase{"contact", true}, CrashCase{"sms", false}, CrashCase{"sms", true}),
    [](const ::testing::TestParamInfo<CrashCase>& p) {
      return std::string(p.param.step) + (p.param.after_journal ? "_journaled" : "_lost");
    });

TEST(OnboardInput, BadFieldIsAUsageErrorNamingFieldAndFix) {
  json in = ClientFile();
  in["owner"].erase("email");
  auto r = ParseInput(in);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
  EXPECT_NE(r.error().messages.at(0).find("owner.email"), std::string::npos)
      << r.error().Describe();
  EXPECT_NE(r.error().hint.find("\"email\""), std::string::npos) << r.error().hint;
  in = ClientFile();
  in["customFields"][1]["model"] = "company";
  r = ParseInput(in);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().messages.at(0).find("customFields[1].model"), std::string::npos);
}

TEST(OnboardInput, RequestIdIsStableAndKeyOrderFree) {
  json a = json::parse(R"({"business":{"name":"X","city":"Y"}})");
  json b = json::parse(R"({"business":{"city":"Y","name":"X"}})");
  EXPECT_EQ(RequestIdOf(a), RequestIdOf(b));
  EXPECT_EQ(RequestIdOf(a).rfind("onb-", 0), 0u);
  EXPECT_EQ(RequestIdOf(a).size(), 20u);
}

}  // namespace
}  // namespace ghl::onboard
