// Contacts: cookbook recipes 1.2–1.4 and the record routes, with GHL's shapes.
#include <algorithm>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

using ContactsTest = SandboxFixture;

json NewJohn(const std::string& loc) {
  return {{"locationId", loc},       {"firstName", "John"},
          {"lastName", "Doe"},       {"email", "john@example.com"},
          {"phone", "+1234567890"},  {"tags", {"api-created", "cookbook-test"}},
          {"source", "API Cookbook"}};
}

TEST_F(ContactsTest, CreateThenGetReturnsGhlShape) {
  auto r = Call("POST", "/contacts/", NewJohn(Loc()));
  ASSERT_EQ(r.status, 201) << r.body;
  auto c = Body(r)["contact"];
  std::string id = c["id"];
  EXPECT_EQ(id.size(), 20u);
  EXPECT_EQ(c["locationId"], Loc());
  EXPECT_EQ(c["emailLowerCase"], "john@example.com");
  EXPECT_EQ(c["fullNameLowerCase"], "john doe");
  EXPECT_EQ(c["tags"], json({"api-created", "cookbook-test"}));
  EXPECT_EQ(c["dateAdded"], "2025-03-03T12:00:00.000Z");
  auto g = Call("GET", "/contacts/" + id);
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(Body(g)["contact"], c);
}

TEST_F(ContactsTest, CreatingADuplicateEmailOrPhoneIs400WithTheMatch) {
  ASSERT_EQ(Call("POST", "/contacts/", NewJohn(Loc())).status, 201);
  json again = {{"locationId", Loc()}, {"email", "JOHN@example.com"}};
  auto r = Call("POST", "/contacts/", again);
  EXPECT_EQ(r.status, 400);
  auto b = Body(r);
  EXPECT_EQ(b["message"], "This location does not allow duplicated contacts.");
  EXPECT_EQ(b["meta"]["matchingField"], "email");
  r = Call("POST", "/contacts/", {{"locationId", Loc()}, {"phone", "+1 (234) 567-890"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(Body(r)["meta"]["matchingField"], "phone");
}

TEST_F(ContactsTest, UpsertMatchesOnEmailThenPhone) {
  auto first = Call("POST", "/contacts/upsert",
                    {{"locationId", Loc()},
                     {"firstName", "John"},
                     {"email", "john@example.com"},
                     {"tags", {"new-lead"}}});
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(Body(first)["new"], true);
  std::string id = Body(first)["contact"]["id"];
  EXPECT_TRUE(Body(first)["traceId"].is_string());

  auto again = Call("POST", "/contacts/upsert",
                    {{"locationId", Loc()},
                     {"firstName", "Johnny"},
                     {"email", "John@Example.com"},
                     {"tags", {"returning-lead"}}});
  ASSERT_EQ(again.status, 200);
  auto b = Body(again);
  EXPECT_EQ(b["new"], false);
  EXPECT_EQ(b["contact"]["id"], id);
  EXPECT_EQ(b["contact"]["firstName"], "Johnny");
  EXPECT_EQ(b["contact"]["tags"], json({"new-lead", "returning-lead"}));

  // By phone, in another format.
  Call("PUT", "/contacts/" + id, {{"phone", "+1 555 000 1111"}});
  auto by_phone =
      Body(Call("POST", "/contacts/upsert", {{"locationId", Loc()}, {"phone", "(555) 000-1111"}}));
  EXPECT_EQ(by_phone["new"], false);
  EXPECT_EQ(by_phone["contact"]["id"], id);
}

TEST_F(ContactsTest, DuplicateSearchByEmailOrNumber) {
  std::string id = Body(Call("POST", "/contacts/", NewJohn(Loc())))["contact"]["id"];
  auto r = Get("/contacts/search/duplicate?locationId=" + Loc() + "&email=john%40example.com");
  EXPECT_EQ(r["contact"]["id"], id);
  r = Get("/contacts/search/duplicate?locationId=" + Loc() + "&number=%2B1234567890");
  EXPECT_EQ(r["contact"]["id"], id);
  r = Get("/contacts/search/duplicate?locationId=" + Loc() + "&email=nobody%40example.com");
  ASSERT_TRUE(r.contains("contact"));
  EXPECT_TRUE(r["contact"].is_null());
  // The seed's case-variant pair: the lookup is case-insensitive.
  r = Get("/contacts/search/duplicate?locationId=" + Loc() + "&email=MARIA.GARCIA%40example.com");
  EXPECT_EQ(r["contact"]["lastName"], "Garcia");
}

// "00" is the international call prefix: "0044 20 7946 0958" is stored as +442079460958 (it
// was "+00442079460958"), and every lookup finds the contact whichever form it is given.
TEST_F(ContactsTest, InternationalPrefix00IsStoredAsPlusAndFoundInEitherForm) {
  auto created = Call("POST", "/contacts/",
                      {{"locationId", Loc()}, {"firstName", "Uk"}, {"phone", "0044 20 7946 0958"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = Body(created)["contact"]["id"];
  EXPECT_EQ(Body(created)["contact"]["phone"], "+442079460958");
  for (std::string number :
       {"%2B44%2020%207946%200958", "0044%2020%207946%200958", "%2B00442079460958"}) {
    auto r = Get("/contacts/search/duplicate?locationId=" + Loc() + "&number=" + number);
    EXPECT_EQ(r["contact"]["id"], id) << number;
  }
  auto again = Call("POST", "/contacts/", {{"locationId", Loc()}, {"phone", "+44 20 7946 0958"}});
  EXPECT_EQ(again.status, 400) << again.body;
  EXPECT_EQ(Body(again)["meta"]["matchingField"], "phone");
  for (std::string value : {"+44 20 7946 0958", "0044 20 7946 0958"}) {
    auto r = Call("POST", "/contacts/search",
                  {{"locationId", Loc()},
                   {"filters", {{{"field", "phone"}, {"operator", "eq"}, {"value", value}}}}});
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(Body(r)["total"], 1) << value;
  }
  for (std::string query : {"0044 20 7946", "+44 20 7946", "2079460958"}) {
    auto r = Call("POST", "/contacts/search", {{"locationId", Loc()}, {"query", query}});
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Body(r)["total"], 1) << query;
    EXPECT_EQ(Body(r)["contacts"][0]["id"], id) << query;
  }
}

TEST_F(ContactsTest, UpdateRefusesLocationIdAndReplacesTags) {
  std::string id = Body(Call("POST", "/contacts/", NewJohn(Loc())))["contact"]["id"];
  auto bad = Call("PUT", "/contacts/" + id, {{"locationId", Loc()}, {"city", "Austin"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Body(bad)["message"][0], "property locationId should not exist");
  auto r = Call("PUT", "/contacts/" + id,
                {{"city", "Austin"},
                 {"tags", {"Hot"}},
                 {"customFields", {{{"key", "lead_score"}, {"field_value", 91}}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = Body(r);
  EXPECT_EQ(b["succeded"], true);
  EXPECT_EQ(b["contact"]["city"], "Austin");
  EXPECT_EQ(b["contact"]["tags"], json({"hot"}));
  ASSERT_EQ(b["contact"]["customFields"].size(), 1u);
  EXPECT_EQ(b["contact"]["customFields"][0]["value"], 91);
}

TEST_F(ContactsTest, DeleteThen404) {
  std::string id = Body(Call("POST", "/contacts/", NewJohn(Loc())))["contact"]["id"];
  auto r = Call("DELETE", "/contacts/" + id);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["succeded"], true);
  EXPECT_EQ(Call("GET", "/contacts/" + id).status, 404);
  EXPECT_EQ(Call("DELETE", "/contacts/" + id).status, 404);
}

TEST_F(ContactsTest, TagsAddAndRemove) {
  std::string id = Body(Call("POST", "/contacts/", NewJohn(Loc())))["contact"]["id"];
  auto r = Call("POST", "/contacts/" + id + "/tags", {{"tags", {"returning-lead", "VIP"}}});
  EXPECT_EQ(r.status, 201);
  EXPECT_EQ(Body(r)["tags"], json({"api-created", "cookbook-test", "returning-lead", "vip"}));
  r = Call("DELETE", "/contacts/" + id + "/tags", {{"tags", {"cookbook-test"}}});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r)["tags"], json({"api-created", "returning-lead", "vip"}));
  EXPECT_EQ(Call("POST", "/contacts/" + id + "/tags", {{"tags", "x"}}).status, 422);
  EXPECT_EQ(Call("POST", "/contacts/" + id + "/tags", json::object()).status, 422);
}

TEST_F(ContactsTest, NotesCreateAndList) {
  std::string id = Body(Call("POST", "/contacts/", NewJohn(Loc())))["contact"]["id"];
  auto r = Call("POST", "/contacts/" + id + "/notes", {{"body", "Moved to Showed at 12:00"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["note"]["contactId"], id);
  EXPECT_EQ(Body(r)["note"]["body"], "Moved to Showed at 12:00");
  now_ += std::chrono::minutes(1);
  Call("POST", "/contacts/" + id + "/notes", {{"body", "second"}});
  auto list = Get("/contacts/" + id + "/notes");
  ASSERT_EQ(list["notes"].size(), 2u);
  EXPECT_EQ(list["notes"][0]["body"], "second");
  EXPECT_EQ(Call("POST", "/contacts/" + id + "/notes", {{"title", "no body"}}).status, 422);
}

TEST_F(ContactsTest, AddToWorkflow) {
  std::string id = Body(Call("POST", "/contacts/", NewJohn(Loc())))["contact"]["id"];
  std::string wf = Get("/workflows/?locationId=" + Loc())["workflows"][1]["id"];
  auto r = Call("POST", "/contacts/" + id + "/workflow/" + wf, json::object());
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["succeded"], true);
  EXPECT_EQ(Call("POST", "/contacts/" + id + "/workflow/nope", json::object()).status, 404);
}

TEST_F(ContactsTest, GetContactIsFastEnoughToServeBenchmarks) {
  Options o;
  o.rate_limit.burst_max = 1000000;
  Make(o);
  std::string id = FirstContact()["id"];
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 2000; ++i) ASSERT_EQ(Call("GET", "/contacts/" + id).status, 200);
  auto per_call = (std::chrono::steady_clock::now() - start) / 2000;
  // Generous bound (debug build, shared CPU); the benchmark measures the real figure.
  EXPECT_LT(per_call, std::chrono::milliseconds(2));
}

TEST_F(ContactsTest, OverlongStringFieldsAre422OnCreateUpdateAndUpsert) {
  std::string huge(300000, 'a');
  auto r = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", huge}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(Body(r)["message"],
            json({"firstName must be shorter than or equal to 1000 characters"}));
  // 1000 characters (multi-byte ones count once) are fine.
  std::string max;
  for (int i = 0; i < 1000; ++i) max += "\xc3\xa9";  // é
  auto ok = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", max}});
  ASSERT_EQ(ok.status, 201) << ok.body.substr(0, 300);
  std::string id = Body(ok)["contact"]["id"];
  EXPECT_EQ(Call("PUT", "/contacts/" + id, {{"lastName", huge}}).status, 422);
  EXPECT_EQ(Call("POST", "/contacts/upsert", {{"locationId", Loc()}, {"city", huge}}).status, 422);
  auto t = Call("POST", "/contacts/", {{"locationId", Loc()}, {"tags", {"ok", huge}}});
  ASSERT_EQ(t.status, 422);
  EXPECT_EQ(Body(t)["message"][0],
            "each value in tags must be shorter than or equal to 1000 characters");
}

}  // namespace
}  // namespace ghl::sandbox::testing
