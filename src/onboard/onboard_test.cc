// Onboarding against the sandbox served in this process over loopback: a child process (fork)
// runs the request and dies with _exit(137) at each step, before and after its journal write;
// `Resume` then finishes it and the sandbox holds exactly one of each thing.
#include <sys/wait.h>

#include "onboard_fixture.h"

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

class OnboardTest : public OnboardFixture {
 protected:
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
