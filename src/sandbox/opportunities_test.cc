// Opportunities: recipe 2.2 (pipelines → create) and 2.4 (search → move stage), search meta.
#include <set>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

class OpportunitiesTest : public SandboxFixture {
 protected:
  json Pipeline() { return Get("/opportunities/pipelines?locationId=" + Loc())["pipelines"][0]; }
  std::string NewContact(const std::string& email) {
    return Body(Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "Opp"},
                                            {"email", email}}))["contact"]["id"];
  }
};

TEST_F(OpportunitiesTest, PipelinesListStages) {
  auto p = Pipeline();
  EXPECT_EQ(p["name"], "Sales Pipeline");
  ASSERT_EQ(p["stages"].size(), 6u);
  EXPECT_EQ(p["stages"][0]["name"], "New Lead");
  EXPECT_EQ(p["stages"][0]["id"].get<std::string>().size(), 36u);
  EXPECT_EQ(p["locationId"], Loc());
}

TEST_F(OpportunitiesTest, CreateGetUpdateStageAndStatus) {
  auto p = Pipeline();
  std::string contact = NewContact("deal@example.com");
  json body = {{"pipelineId", p["id"]},         {"locationId", Loc()},
               {"name", "Opp - New Deal"},      {"status", "open"},
               {"contactId", contact},          {"pipelineStageId", p["stages"][0]["id"]},
               {"monetaryValue", 500}};
  auto r = Call("POST", "/opportunities/", body);
  ASSERT_EQ(r.status, 201) << r.body;
  auto o = Body(r)["opportunity"];
  std::string id = o["id"];
  EXPECT_EQ(o["monetaryValue"], 500);
  EXPECT_EQ(o["contact"]["id"], contact);
  EXPECT_EQ(o["contact"]["email"], "deal@example.com");

  // GHL refuses a second open opportunity for the contact in the pipeline.
  auto dup = Call("POST", "/opportunities/", body);
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(Body(dup)["message"], "Can not create duplicate opportunity for the contact.");

  now_ += std::chrono::hours(1);
  auto u = Call("PUT", "/opportunities/" + id,
                {{"pipelineStageId", p["stages"][4]["id"]}, {"monetaryValue", 750}});
  ASSERT_EQ(u.status, 200) << u.body;
  auto uo = Body(u)["opportunity"];
  EXPECT_EQ(uo["pipelineStageId"], p["stages"][4]["id"]);
  EXPECT_EQ(uo["monetaryValue"], 750);
  EXPECT_EQ(uo["lastStageChangeAt"], "2025-03-03T13:00:00.000Z");
  EXPECT_EQ(Call("PUT", "/opportunities/" + id, {{"pipelineStageId", "not-a-stage"}}).status, 422);

  auto s = Call("PUT", "/opportunities/" + id + "/status", {{"status", "won"}});
  EXPECT_EQ(s.status, 200);
  EXPECT_EQ(Body(s)["succeded"], true);
  EXPECT_EQ(Get("/opportunities/" + id)["opportunity"]["status"], "won");
  EXPECT_EQ(Call("PUT", "/opportunities/" + id + "/status", {{"status", "maybe"}}).status, 422);
}

TEST_F(OpportunitiesTest, CreateValidatesRequiredFields) {
  auto r = Call("POST", "/opportunities/", {{"locationId", Loc()}, {"name", "x"}});
  EXPECT_EQ(r.status, 422);
  auto msgs = Body(r)["message"];
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), "pipelineId should not be empty"), msgs.end());
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), "contactId should not be empty"), msgs.end());
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), "status should not be empty"), msgs.end());
}

TEST_F(OpportunitiesTest, SearchByContactAndStatusForRecipe24) {
  auto all = Get("/opportunities/search?location_id=" + Loc() + "&status=all");
  EXPECT_EQ(all["meta"]["total"], 10);
  auto open = Get("/opportunities/search?location_id=" + Loc() + "&status=open");
  EXPECT_EQ(open["meta"]["total"], 7);
  std::string contact = open["opportunities"][0]["contactId"];
  auto mine = Get("/opportunities/search?location_id=" + Loc() + "&contact_id=" + contact +
                  "&status=open");
  ASSERT_EQ(mine["opportunities"].size(), 1u);
  EXPECT_EQ(mine["opportunities"][0]["contactId"], contact);
  // camelCase locationId is not what this route takes.
  auto wrong = Call("GET", "/opportunities/search?locationId=" + Loc());
  EXPECT_EQ(wrong.status, 422);
  EXPECT_EQ(Body(wrong)["message"][0], "location_id should not be empty");
}

TEST_F(OpportunitiesTest, SearchMetaCursorPagesThroughEverything) {
  std::set<std::string> seen;
  std::string target = "/opportunities/search?location_id=" + Loc() + "&limit=3";
  int pages = 0;
  json meta;
  for (;;) {
    auto r = Get(target);
    ++pages;
    for (const auto& o : r["opportunities"]) {
      EXPECT_TRUE(seen.insert(o["id"].get<std::string>()).second);
    }
    meta = r["meta"];
    EXPECT_EQ(meta["currentPage"], pages);
    if (meta["nextPageUrl"].is_null()) break;
    EXPECT_EQ(meta["nextPage"], pages + 1);
    std::string next = meta["nextPageUrl"];
    ASSERT_EQ(next.rfind("http://127.0.0.1:1/opportunities/search?", 0), 0u) << next;
    EXPECT_NE(next.find("location_id=" + Loc()), std::string::npos);
    EXPECT_NE(next.find("startAfterId=" + meta["startAfterId"].get<std::string>()),
              std::string::npos);
    target = next.substr(std::string("http://127.0.0.1:1").size());
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(pages, 4);
  EXPECT_TRUE(meta["nextPage"].is_null());
  EXPECT_EQ(meta["prevPage"], 3);
}

}  // namespace
}  // namespace ghl::sandbox::testing

namespace ghl::sandbox::testing {
namespace {

TEST_F(OpportunitiesTest, DeleteThen404AndGeneratedContactsForLoadTests) {
  std::string id = Get("/opportunities/search?location_id=" + Loc())["opportunities"][0]["id"];
  auto r = Call("DELETE", "/opportunities/" + id);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["succeded"], true);
  EXPECT_EQ(Call("GET", "/opportunities/" + id).status, 404);
  EXPECT_EQ(Get("/opportunities/search?location_id=" + Loc())["meta"]["total"], 9);

  Options o;
  o.seed = "empty";
  o.seed_contacts = 120;
  Make(o);
  auto s = Body(Call("POST", "/contacts/search", {{"locationId", Loc()}, {"pageLimit", 1}}));
  EXPECT_EQ(s["total"], 120);
}

}  // namespace
}  // namespace ghl::sandbox::testing
