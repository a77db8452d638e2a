// Custom values, users and the agency's location search.
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

using LocationRecordsTest = SandboxFixture;

TEST_F(LocationRecordsTest, CustomValuesCrudWithMergeFieldKeys) {
  std::string base = "/locations/" + Loc() + "/customValues";
  auto created = Call("POST", base, {{"name", "Deal Size"}, {"value", "large"}});
  ASSERT_EQ(created.status, 200) << created.body;
  json v = Body(created)["customValue"];
  EXPECT_EQ(v["fieldKey"], "{{ custom_values.deal_size }}");
  std::string id = v["id"];
  auto twice = Call("POST", base, {{"name", "deal size"}, {"value", "x"}});
  EXPECT_EQ(twice.status, 400);
  EXPECT_EQ(Body(Call("GET", base))["customValues"].size(), 1u);
  auto updated = Call("PUT", base + "/" + id, {{"name", "Deal Size"}, {"value", "small"}});
  EXPECT_EQ(Body(updated)["customValue"]["value"], "small");
  EXPECT_EQ(Call("POST", base, {{"name", "No value"}}).status, 422);
  EXPECT_EQ(Call("DELETE", base + "/" + id).status, 200);
  EXPECT_EQ(Call("GET", base + "/" + id).status, 404);
}

TEST_F(LocationRecordsTest, UsersByLocationAndAgencyCreateGetUpdate) {
  auto listed = Call("GET", "/users/?locationId=" + Loc());
  ASSERT_EQ(listed.status, 200) << listed.body;
  ASSERT_EQ(Body(listed)["users"].size(), 1u);
  EXPECT_EQ(Body(listed)["users"][0]["roles"]["role"], "admin");

  std::string agency(kAgencyToken);
  json user = AnaUserBody({Loc()});
  EXPECT_EQ(user["companyId"], Body(Call("GET", "/locations/" + Loc()))["location"]["companyId"]);
  json foreign = user;
  foreign["companyId"] = "another-company";
  EXPECT_EQ(Call("POST", "/users/", foreign, agency).status, 403);
  auto created = Call("POST", "/users/", user, agency);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(created.body.find("s3cret-pass"), std::string::npos) << "never echo the password";
  std::string id = Body(created)["id"];
  EXPECT_EQ(Call("POST", "/users/", user, agency).status, 400);  // same email
  EXPECT_EQ(Body(Call("GET", "/users/" + id, nullptr, agency))["email"], "ana@example.com");
  auto updated = Call("PUT", "/users/" + id, {{"role", "admin"}}, agency);
  EXPECT_EQ(Body(updated)["roles"]["role"], "admin");
  EXPECT_EQ(Body(Call("GET", "/users/?locationId=" + Loc()))["users"].size(), 2u);
  auto found = Call("GET", "/users/search?companyId=x&query=ana", nullptr, agency);
  EXPECT_EQ(Body(found)["count"], 1);
}

TEST_F(LocationRecordsTest, AgencySearchesItsLocations) {
  auto r = Call("GET", "/locations/search", nullptr, std::string(kAgencyToken));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(Body(r)["locations"].size(), 1u);
  EXPECT_EQ(Body(r)["locations"][0]["id"], Loc());
  EXPECT_FALSE(Body(r)["locations"][0].contains("settings"));
}

}  // namespace
}  // namespace ghl::sandbox::testing
