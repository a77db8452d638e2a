// The contact list (GET /contacts/), tasks, notes by id, followers and a contact's appointments.
#include <set>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

class ContactRecordsTest : public SandboxFixture {
 protected:
  std::string AnyContactId() { return FirstContact()["id"]; }
  std::string Base() { return "/contacts/" + AnyContactId(); }
};

TEST_F(ContactRecordsTest, ContactListPagesWithStartAfterCursorsAndMeta) {
  std::set<std::string> seen;
  std::string target = "/contacts/?locationId=" + Loc() + "&limit=20";
  int pages = 0;
  while (true) {
    auto r = Call("GET", target);
    ASSERT_EQ(r.status, 200) << r.body;
    json b = Body(r);
    ++pages;
    for (const auto& c : b["contacts"]) EXPECT_TRUE(seen.insert(c["id"]).second) << c["id"];
    EXPECT_EQ(b["meta"]["total"], 50);
    EXPECT_EQ(b["count"], b["contacts"].size());
    if (b["meta"]["nextPageUrl"].is_null()) break;
    ASSERT_LT(pages, 10);
    target = "/contacts/?locationId=" + Loc() +
             "&limit=20&startAfter=" + std::to_string(b["meta"]["startAfter"].get<int64_t>()) +
             "&startAfterId=" + b["meta"]["startAfterId"].get<std::string>();
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 50u);
  auto over = Call("GET", "/contacts/?locationId=" + Loc() + "&limit=101");
  EXPECT_EQ(over.status, 422);
  EXPECT_EQ(Body(over)["message"], json({"limit must not be greater than 100"}));
  auto missing = Call("GET", "/contacts/");
  EXPECT_EQ(missing.status, 422);
}

TEST_F(ContactRecordsTest, TasksCreateListCompleteDeleteWithTheirWebhooks) {
  std::vector<std::string> types;
  Options o;
  o.webhook_sink = [&](std::string_view type, std::string_view) { types.emplace_back(type); };
  Make(std::move(o));
  std::string base = Base();
  auto bad = Call("POST", base + "/tasks", {{"title", "Call back"}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(Body(bad)["message"], json({"dueDate should not be empty", "dueDate must be a string",
                                        "completed should not be empty"}));
  auto created = Call("POST", base + "/tasks",
                      {{"title", "Call back"},
                       {"dueDate", "2025-03-04T10:00:00Z"},
                       {"completed", false},
                       {"body", "about the quote"}});
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = Body(created)["task"]["id"];
  EXPECT_EQ(Body(Call("GET", base + "/tasks"))["tasks"].size(), 1u);
  EXPECT_EQ(Body(Call("GET", base + "/tasks/" + id))["task"]["title"], "Call back");
  auto done = Call("PUT", base + "/tasks/" + id + "/completed", {{"completed", true}});
  ASSERT_EQ(done.status, 200) << done.body;
  EXPECT_EQ(Body(done)["task"]["completed"], true);
  auto renamed = Call("PUT", base + "/tasks/" + id, {{"title", "Call back Monday"}});
  EXPECT_EQ(Body(renamed)["task"]["title"], "Call back Monday");
  EXPECT_EQ(Call("DELETE", base + "/tasks/" + id).status, 200);
  EXPECT_EQ(Call("GET", base + "/tasks/" + id).status, 404);
  EXPECT_EQ(types, (std::vector<std::string>{"TaskCreate", "TaskComplete", "TaskDelete"}));
}

TEST_F(ContactRecordsTest, NotesByIdAndFollowers) {
  std::string base = Base();
  auto note = Call("POST", base + "/notes", {{"body", "first"}});
  ASSERT_EQ(note.status, 201);
  std::string id = Body(note)["note"]["id"];
  EXPECT_EQ(Body(Call("GET", base + "/notes/" + id))["note"]["body"], "first");
  EXPECT_EQ(Body(Call("PUT", base + "/notes/" + id, {{"body", "second"}}))["note"]["body"],
            "second");
  EXPECT_EQ(Call("DELETE", base + "/notes/" + id).status, 200);
  EXPECT_EQ(Call("GET", base + "/notes/" + id).status, 404);

  auto added = Call("POST", base + "/followers", {{"followers", {"u1", "u2"}}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Body(added)["followersAdded"], json({"u1", "u2"}));
  auto again = Call("POST", base + "/followers", {{"followers", {"u2", "u3"}}});
  EXPECT_EQ(Body(again)["followersAdded"], json({"u3"}));
  auto removed = Call("DELETE", base + "/followers", {{"followers", {"u1"}}});
  EXPECT_EQ(Body(removed)["followers"], json({"u2", "u3"}));
}

TEST_F(ContactRecordsTest, AnotherLocationsContactIs403AndUnknownIs404) {
  EXPECT_EQ(Call("GET", "/contacts/nope/tasks").status, 404);
  EXPECT_EQ(Call("GET", "/contacts/nope/appointments").status, 404);
  auto events = Call("GET", Base() + "/appointments");
  EXPECT_EQ(events.status, 200);
  EXPECT_TRUE(Body(events)["events"].is_array());
}

}  // namespace
}  // namespace ghl::sandbox::testing
