// `ghl onboard` as processes against a real `ghl sandbox`: the run is killed by the test hook
// (GHL_ONBOARD_CRASH_AFTER=user, exit 137) right after the user was created and before the
// journal write; `ghl onboard status` shows the user pending; `ghl onboard resume` finishes with
// one location and one user; a bad input file is a usage error naming the field and the fix.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/tokens/key.h"
#include "process.h"

namespace ghl::testing {
namespace {

using json = nlohmann::json;

Result<http::Response> Get(const std::string& url, const std::string& token = {}) {
  http::Request r;
  r.method = "GET";
  r.target = url;
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  r.headers.Set("Version", "2021-07-28");
  return http::MakeCurlTransport()->Send(r, {});
}

const char kClient[] = R"({
  "business": {"name": "Blue Bakery", "timezone": "America/New_York"},
  "owner": {"firstName": "Bo", "lastName": "Baker", "email": "bo@blue-bakery.example",
            "phone": "+12125550123"},
  "customFields": [{"name": "Favorite Bread"}],
  "welcomeSms": {"text": "Welcome, Blue Bakery!"}
})";

TEST(CliOnboardTest, CrashAfterUserThenStatusAndResume) {
  TempDir dir;
  SandboxProcess sandbox;
  const auto& senv = sandbox.env();
  std::string base = sandbox.base_url(), company = senv.at("GHL_COMPANY_ID");
  auto approved = Get(base + "/oauth/chooselocation/approve?response_type=code&client_id=" +
                      senv.at("GHL_CLIENT_ID") + "&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb" +
                      "&companyId=" + company + "&installToFutureLocations=true");
  ASSERT_TRUE(approved.ok() && approved->status == 302) << (approved.ok() ? approved->body : "");
  std::string input = dir.File("client.json");
  std::ofstream(input) << kClient;
  std::map<std::string, std::string> env = {
      {"GHL_BASE_URL", base},
      {"GHL_AGENCY_TOKEN", std::string(sandbox::kAgencyToken)},
      {"GHL_COMPANY_ID", company},
      {"GHL_ONBOARD_DB", dir.File("ghl-onboard.db")}};
  env["GHL_TOKENS_DB"] = dir.File("ghl-tokens.db");
  env["GHL_TOKEN_KEY"] = tokens::GenerateTokenKeyHex();
  env["GHL_CLIENT_ID"] = senv.at("GHL_CLIENT_ID");
  env["GHL_CLIENT_SECRET"] = senv.at("GHL_CLIENT_SECRET");
  auto crash_env = env;
  crash_env["GHL_ONBOARD_CRASH_AFTER"] = "user";
  auto crashed = RunGhl({"onboard", "--input", input, "--id", "bakery-1"}, crash_env);
  ASSERT_EQ(crashed.exit_code, 137) << crashed.err;

  auto mid = RunGhl({"onboard", "status", "bakery-1"}, env);
  ASSERT_EQ(mid.exit_code, 0) << mid.err;
  EXPECT_NE(mid.out.find("request bakery-1: not finished"), std::string::npos) << mid.out;
  EXPECT_NE(mid.out.find("field:contact.favorite_bread"), std::string::npos) << mid.out;
  auto user_line = mid.out.substr(mid.out.find("  user"));
  EXPECT_NE(user_line.substr(0, user_line.find('\n')).find("pending"), std::string::npos)
      << mid.out;

  auto resumed = RunGhl({"onboard", "resume", "bakery-1"}, env);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("request bakery-1: finished"), std::string::npos) << resumed.out;
  EXPECT_EQ(resumed.out.find("pending"), std::string::npos) << resumed.out;
  // The user created before the crash was found, not made again.
  auto user = resumed.out.substr(resumed.out.find("  user"));
  EXPECT_NE(user.substr(0, user.find('\n')).find("found"), std::string::npos) << resumed.out;

  auto locs =
      Get(base + "/locations/search?companyId=" + company + "&email=bo%40blue-bakery.example",
          std::string(sandbox::kAgencyToken));
  ASSERT_TRUE(locs.ok());
  auto found = json::parse(locs->body)["locations"];
  ASSERT_EQ(found.size(), 1u) << locs->body;
  // The minted location token went to the configured token store.
  auto listed = RunGhl({"tokens", "list"}, env);
  EXPECT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find(found[0]["id"].get<std::string>()), std::string::npos) << listed.out;
}

TEST(CliOnboardTest, BadInputNamesTheFieldAndTheFix) {
  TempDir dir;
  std::string input = dir.File("client.json");
  std::ofstream(input) << R"({"business": {"name": "X"}, "owner": {"firstName": "Y"}})";
  auto r = RunGhl(
      {"onboard", "--input", input},
      {{"GHL_AGENCY_TOKEN", "t"}, {"GHL_COMPANY_ID", "c"}, {"GHL_ONBOARD_DB", dir.File("j.db")}});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("owner.email"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint: add \"owner\""), std::string::npos) << r.err;
  auto unknown = RunGhl({"onboard", "status", "nope"}, {{"GHL_ONBOARD_DB", dir.File("j.db")}});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no onboarding request 'nope'"), std::string::npos) << unknown.err;
  // A directory, or JSON nested past what any client file needs: usage errors naming the input.
  std::map<std::string, std::string> env = {
      {"GHL_AGENCY_TOKEN", "t"}, {"GHL_COMPANY_ID", "c"}, {"GHL_ONBOARD_DB", dir.File("j.db")}};
  auto directory = RunGhl({"onboard", "--input", dir.path()}, env);
  EXPECT_EQ(directory.exit_code, 2);
  EXPECT_NE(directory.err.find("directory"), std::string::npos) << directory.err;
  std::string deep = dir.File("deep.json");
  std::ofstream(deep) << std::string(100000, '[') << std::string(100000, ']');
  auto too_deep = RunGhl({"onboard", "--input", deep}, env);
  EXPECT_EQ(too_deep.exit_code, 2);
  EXPECT_NE(too_deep.err.find("nested deeper than 64"), std::string::npos) << too_deep.err;
}

}  // namespace
}  // namespace ghl::testing
