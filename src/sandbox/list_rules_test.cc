// Break-it findings on the sandbox's lists and names: a contact-list cursor after a deleted or
// unknown contact (6), range messages that state the real rule for each bound (9), and custom
// value keys and task titles that name the field and the fix (17).
#include <set>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

using ListRulesTest = SandboxFixture;

// Finding 6: page 2 after the last contact of page 1 was deleted is still page 2.
TEST_F(ListRulesTest, TheContactListContinuesAfterADeletedCursorContact) {
  std::string base = "/contacts/?locationId=" + Loc() + "&limit=20";
  json first = Body(Call("GET", base));
  json second_before = Body(Call(
      "GET", base + "&startAfter=" + std::to_string(first["meta"]["startAfter"].get<int64_t>()) +
                 "&startAfterId=" + first["meta"]["startAfterId"].get<std::string>()));
  std::string cursor_id = first["meta"]["startAfterId"];
  ASSERT_EQ(Call("DELETE", "/contacts/" + cursor_id).status, 200);
  auto second = Call(
      "GET", base + "&startAfter=" + std::to_string(first["meta"]["startAfter"].get<int64_t>()) +
                 "&startAfterId=" + cursor_id);
  ASSERT_EQ(second.status, 200) << second.body;
  EXPECT_EQ(Body(second)["contacts"], second_before["contacts"]);
  EXPECT_NE(Body(second)["contacts"][0]["id"], first["contacts"][0]["id"]);
}

// Finding 6: startAfterId alone that names no contact of the list is a 400 saying what to send,
// not a silent restart at page 1 (which repeats every contact a paginating caller already has).
TEST_F(ListRulesTest, AnUnknownStartAfterIdAloneIsRefusedNotRestarted) {
  std::string base = "/contacts/?locationId=" + Loc() + "&limit=20";
  json first = Body(Call("GET", base));
  std::string cursor_id = first["meta"]["startAfterId"];
  auto known = Call("GET", base + "&startAfterId=" + cursor_id);
  ASSERT_EQ(known.status, 200) << known.body;
  EXPECT_NE(Body(known)["contacts"][0]["id"], first["contacts"][0]["id"]);

  ASSERT_EQ(Call("DELETE", "/contacts/" + cursor_id).status, 200);
  for (const std::string& id : {cursor_id, std::string("noSuchContact0000000")}) {
    auto r = Call("GET", base + "&startAfterId=" + id);
    EXPECT_EQ(r.status, 400) << r.body;
    std::string msg = Body(r)["message"];
    EXPECT_NE(msg.find("startAfterId " + id), std::string::npos) << msg;
    EXPECT_NE(msg.find("send startAfter and startAfterId together"), std::string::npos) << msg;
  }
  auto opportunities = Call(
      "GET", "/opportunities/search?location_id=" + Loc() + "&startAfterId=noSuchOpportunity000");
  EXPECT_EQ(opportunities.status, 400) << opportunities.body;
}

// Finding 9: each bound says itself; the same across the sandbox's list endpoints.
TEST_F(ListRulesTest, RangeMessagesStateTheBoundThatWasBroken) {
  std::string conv =
      Body(Call("GET", "/conversations/search?locationId=" + Loc()))["conversations"][0]["id"];
  struct Case {
    std::string target;
    std::string low, high;
  } cases[] = {
      {"/contacts/?locationId=" + Loc() + "&limit=", "limit must not be less than 1",
       "limit must not be greater than 100"},
      {"/opportunities/search?location_id=" + Loc() + "&limit=", "limit must not be less than 1",
       "limit must not be greater than 100"},
      {"/conversations/search?locationId=" + Loc() + "&limit=", "limit must not be less than 1",
       "limit must not be greater than 100"},
      {"/conversations/" + conv + "/messages?limit=", "limit must not be less than 1",
       "limit must not be greater than 100"},
      {"/associations/?locationId=" + Loc() + "&skip=0&limit=", "limit must not be less than 1",
       "limit must not be greater than 100"},
  };
  for (const auto& c : cases) {
    auto low = Call("GET", c.target + "0");
    EXPECT_EQ(low.status, 422) << c.target;
    EXPECT_EQ(Body(low)["message"], json::array({c.low})) << c.target;
    auto high = Call("GET", c.target + "101");
    EXPECT_EQ(Body(high)["message"], json::array({c.high})) << c.target;
    EXPECT_EQ(Call("GET", c.target + "100").status, 200) << c.target;
  }
  auto page = Call("GET", "/contacts/?locationId=" + Loc() + "&page=0");
  EXPECT_EQ(Body(page)["message"], json::array({"page must not be less than 1"}));
  auto search = Call("POST", "/contacts/search", {{"locationId", Loc()}, {"pageLimit", 0}});
  EXPECT_EQ(Body(search)["message"], json::array({"pageLimit must not be less than 1"}));
}

// Finding 17: a name with no letters or digits gives no merge-field key: refused naming the
// field; a key collision names the key and the custom value that holds it.
TEST_F(ListRulesTest, CustomValueNamesMustGiveAFreeKey) {
  std::string base = "/locations/" + Loc() + "/customValues";
  auto punct = Call("POST", base, {{"name", "!!!"}, {"value", "x"}});
  EXPECT_EQ(punct.status, 422) << punct.body;
  EXPECT_EQ(Body(punct)["message"],
            json::array({"name '!!!' has no letter or digit, so it gives no merge-field key "
                         "({{ custom_values.<key> }}); use a name with letters or digits, e.g. "
                         "'Deal Size'"}));
  auto created = Call("POST", base, {{"name", "Deal Size"}, {"value", "large"}});
  ASSERT_EQ(created.status, 200) << created.body;
  std::string id = Body(created)["customValue"]["id"];
  auto clash = Call("POST", base, {{"name", "deal-size!"}, {"value", "x"}});
  EXPECT_EQ(clash.status, 400);
  EXPECT_EQ(Body(clash)["message"],
            "the key {{ custom_values.deal_size }} is already used by custom value 'Deal Size' (" +
                id + "); pick a name that differs in letters or digits");
  EXPECT_EQ(Body(clash)["meta"]["customValueId"], id);

  // An update may not take another value's key, nor an empty one; keeping its own is fine.
  auto other = Call("POST", base, {{"name", "Region"}, {"value", "west"}});
  std::string other_id = Body(other)["customValue"]["id"];
  EXPECT_EQ(Call("PUT", base + "/" + other_id, {{"name", "Deal  size"}, {"value", "y"}}).status,
            400);
  EXPECT_EQ(Call("PUT", base + "/" + other_id, {{"name", "?"}, {"value", "y"}}).status, 422);
  EXPECT_EQ(Call("PUT", base + "/" + id, {{"name", "DEAL SIZE"}, {"value", "small"}}).status, 200);
}

// Finding 17: an empty task title names the field and the fix, once.
TEST_F(ListRulesTest, AnEmptyTaskTitleSaysWhatToWrite) {
  std::string contact = FirstContact()["id"];
  auto r = Call("POST", "/contacts/" + contact + "/tasks",
                {{"title", ""}, {"dueDate", "2025-03-04T10:00:00Z"}, {"completed", false}});
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Body(r)["message"],
            json::array({"title should not be empty: give the task a title, e.g. \"Call back\""}));
  auto blank = Call("POST", "/contacts/" + contact + "/tasks",
                    {{"title", "   "}, {"dueDate", "2025-03-04T10:00:00Z"}, {"completed", false}});
  EXPECT_EQ(blank.status, 422) << "a title of spaces is empty too";
}

}  // namespace
}  // namespace ghl::sandbox::testing
