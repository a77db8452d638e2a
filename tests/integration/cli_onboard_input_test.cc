// `ghl onboard` refuses a bad input file before any GHL call (nothing is created at GHL, exit 2
// naming the field), and `ghl onboard status|resume` on a journal that does not exist create
// nothing.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "process.h"

namespace ghl::testing {
namespace {

using json = nlohmann::json;

size_t LocationCount(const std::string& base, const std::string& company) {
  http::Request r;
  r.method = "GET";
  r.target = base + "/locations/search?companyId=" + company;
  r.headers.Set("Authorization", "Bearer " + std::string(sandbox::kAgencyToken));
  r.headers.Set("Version", "2021-07-28");
  auto answer = http::MakeCurlTransport()->Send(r, {});
  EXPECT_TRUE(answer.ok() && answer->status == 200);
  return answer.ok() ? json::parse(answer->body)["locations"].size() : 0;
}

TEST(CliOnboardInputTest, BadInputChangesNothingAtGhl) {
  TempDir dir;
  SandboxProcess sandbox;
  std::string base = sandbox.base_url(), company = sandbox.env().at("GHL_COMPANY_ID");
  std::map<std::string, std::string> env = {
      {"GHL_BASE_URL", base},
      {"GHL_AGENCY_TOKEN", std::string(sandbox::kAgencyToken)},
      {"GHL_COMPANY_ID", company}};
  size_t before = LocationCount(base, company);
  struct Case {
    const char* input;
    const char* named;
  };
  for (const auto& c : std::vector<Case>{
           {R"({"business":{"name":"Partial Two"},"owner":{"firstName":"a","lastName":"b",
                "email":"p2@y.z","phone":"+15125550111"},
                "customFields":[{"name":"Zeta","dataType":"NOPE"}]})",
            "customFields[0].dataType is 'NOPE'"},
           {R"({"business":{"name":"Olympus","timezone":"Mars/Olympus"},
                "owner":{"firstName":"a","email":"p3@y.z"}})",
            "business.timezone is 'Mars/Olympus'"},
           {R"({"business":{"name":"Keys"},"owner":{"firstName":"a","email":"p4@y.z"},
                "customFields":[{"name":"X"},{"name":"x"}]})",
            "customFields[1] and customFields[0] both make field key contact.x"}}) {
    std::string input = dir.File("e.json");
    std::ofstream(input) << c.input;
    auto r = RunGhl({"onboard", "--input", input, "--journal", dir.File("onb.db")}, env);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(c.named), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("Nothing was sent to GHL"), std::string::npos) << r.err;
  }
  EXPECT_EQ(LocationCount(base, company), before);
}

TEST(CliOnboardInputTest, StatusAndResumeOfAMissingJournalCreateNothing) {
  TempDir dir;
  std::string journal = dir.File("new.db");
  std::map<std::string, std::string> env = {{"GHL_AGENCY_TOKEN", "t"}, {"GHL_COMPANY_ID", "c"}};
  for (const char* verb : {"status", "resume"}) {
    auto r = RunGhl({"onboard", verb, "onb-1", "--journal", journal}, env);
    EXPECT_EQ(r.exit_code, 2) << verb << ": " << r.err;
    EXPECT_NE(r.err.find("no onboarding request 'onb-1'"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(journal)) << verb;
  }
}

}  // namespace
}  // namespace ghl::testing
