// Input that used to crash or fool the sandbox: bodies nested thousands deep, custom-field
// values of the wrong shape, operations without security called without a token.
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

class HostileInputTest : public SandboxFixture {
 protected:
  // `levels` filter groups, each holding the next: {"filters":[{"group":"AND","filters":[…]}]}.
  std::string NestedGroups(int levels) {
    std::string body = R"({"locationId":")" + Loc() + R"(","filters":)";
    for (int i = 0; i < levels; ++i) body += R"([{"group":"AND","filters":)";
    body += "[]";
    for (int i = 0; i < levels; ++i) body += "}]";
    return body + "}";
  }
  bool StillServing() {
    return Call("GET", "/contacts/" + FirstContact()["id"].get<std::string>()).status == 200;
  }
};

TEST_F(HostileInputTest, TwentyThousandNestedFilterGroupsAre422NamingThePath) {
  std::string body = NestedGroups(20000);
  ASSERT_LT(body.size(), 600000u);  // under the 1 MB body cap: only the depth refuses it
  auto r = CallRaw("POST", "/contacts/search", body);
  EXPECT_EQ(r.status, 422) << r.body.substr(0, 200);
  std::string message = Body(r)["message"][0];
  EXPECT_EQ(
      message.rfind("request body is nested deeper than 64 levels at filters[0].filters[0]", 0), 0u)
      << message;
  EXPECT_TRUE(StillServing());
}

TEST_F(HostileInputTest, NestedGroupsWithinTheLimitStillSearch) {
  auto r = CallRaw("POST", "/contacts/search", NestedGroups(20));
  EXPECT_EQ(r.status, 200) << r.body.substr(0, 300);
  EXPECT_EQ(Body(r)["total"], 50);
}

TEST_F(HostileInputTest, HundredThousandNestedArraysInACustomFieldValueAre422) {
  std::string value(100000, '[');
  value += std::string(100000, ']');
  auto r =
      CallRaw("POST", "/contacts/",
              R"({"locationId":")" + Loc() +
                  R"(","firstName":"Deep","customFields":[{"key":"call_outcome","field_value":)" +
                  value + "}]}");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Body(r)["message"][0],
            "request body is nested deeper than 64 levels at customFields[0].field_value"
            "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]…(18 more levels)…"
            "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]; "
            "GHL's request bodies nest a few levels at most");
  EXPECT_TRUE(StillServing());
}

TEST_F(HostileInputTest, CustomFieldValuesMustFitTheFieldsType) {
  json bad = {{"locationId", Loc()},
              {"firstName", "Typed"},
              {"customFields",
               {{{"key", "lead_score"}, {"field_value", "lots"}},
                {{"key", "contact.call_outcome"}, {"field_value", {{"nested", {1, 2}}}}},
                {{"key", "enrichment_status"}, {"field_value", "complete"}},
                {{"key", "lead_score"}, {"field_value", "42.5"}}}}};
  auto r = Call("POST", "/contacts/", bad);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Body(r)["message"],
            json({"customFields.0.field_value must be a number for the NUMERICAL field "
                  "contact.lead_score",
                  "customFields.1.field_value must be a string for the TEXT field "
                  "contact.call_outcome"}));
  bad["customFields"].erase(0);
  bad["customFields"].erase(0);
  auto ok = Call("POST", "/contacts/", bad);
  EXPECT_EQ(ok.status, 201) << ok.body;
}

TEST_F(HostileInputTest, OperationWithoutSecurityIsAnsweredWithoutATokenNotInvalidJwt) {
  // POST /oauth/token (oauth.json) declares no security and a form body.
  auto r = CallRaw("POST", "/oauth/token",
                   "client_id=c&client_secret=s&grant_type=authorization_code&code=x",
                   "application/x-www-form-urlencoded", /*token=*/"");
  // Reached the token endpoint itself: the client is unknown (not "Invalid JWT").
  EXPECT_EQ(r.status, 401) << r.body;
  EXPECT_EQ(Body(r)["error"], "invalid_client") << r.body;
  EXPECT_FALSE(Body(r).contains("message")) << r.body;
  // An operation that declares security still needs the token.
  auto secured = CallRaw("POST", "/oauth/locationToken", "companyId=c&locationId=l",
                         "application/x-www-form-urlencoded", "");
  EXPECT_EQ(secured.status, 401);
  EXPECT_EQ(Body(secured)["message"], "Invalid JWT");
}

}  // namespace
}  // namespace ghl::sandbox::testing
