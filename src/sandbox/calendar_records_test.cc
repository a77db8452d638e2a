// A calendar by id (get, update, delete), deleting an event, taking a contact out of a
// workflow, and opportunity followers.
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

constexpr int64_t kMon = 1741003200000;  // 2025-03-03T12:00:00Z
constexpr int64_t kDay = 86400000;

class CalendarRecordsTest : public SandboxFixture {
 protected:
  std::string Calendar() { return Get("/calendars/?locationId=" + Loc())["calendars"][0]["id"]; }
  json Slots() {
    return Get("/calendars/" + Calendar() + "/free-slots?startDate=" + std::to_string(kMon) +
               "&endDate=" + std::to_string(kMon + kDay))["2025-03-03"]["slots"];
  }
};

TEST_F(CalendarRecordsTest, GetUpdateDeleteACalendar) {
  std::string id = Calendar();
  auto got = Call("GET", "/calendars/" + id);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got)["calendar"]["id"], id);
  EXPECT_EQ(Slots().size(), 16u);

  auto bad = Call("PUT", "/calendars/" + id, {{"slotDuration", 0}, {"nmae", "x"}});
  EXPECT_EQ(Body(bad)["message"], json::array({"property nmae should not exist",
                                               "slotDuration must not be less than 1"}));
  auto updated = Call("PUT", "/calendars/" + id,
                      {{"name", "Consult"}, {"slotDuration", 60}, {"slotInterval", 60}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["calendar"]["name"], "Consult");
  EXPECT_EQ(Slots().size(), 8u) << "the free slots follow the new duration";

  auto deleted = Call("DELETE", "/calendars/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Body(deleted), (json{{"success", true}}));
  EXPECT_EQ(Call("GET", "/calendars/" + id).status, 404);
}

TEST_F(CalendarRecordsTest, DeletingAnEventFreesTheSlotAndSendsAppointmentDelete) {
  std::vector<std::string> types;
  Options o;
  o.webhook_sink = [&](std::string_view type, std::string_view) { types.emplace_back(type); };
  Make(std::move(o));
  std::string start = Slots()[0];
  auto booked = Call("POST", "/calendars/events/appointments",
                     {{"calendarId", Calendar()},
                      {"locationId", Loc()},
                      {"contactId", FirstContact()["id"]},
                      {"startTime", start}});
  ASSERT_EQ(booked.status, 200) << booked.body;
  EXPECT_EQ(Slots().size(), 15u);
  std::string event = Body(booked)["id"];
  auto deleted = Call("DELETE", "/calendars/events/" + event);
  ASSERT_EQ(deleted.status, 201) << deleted.body;
  EXPECT_EQ(Body(deleted), (json{{"succeeded", true}}));
  EXPECT_EQ(types.back(), "AppointmentDelete");
  EXPECT_EQ(Slots().size(), 16u);
  EXPECT_EQ(Call("GET", "/calendars/events/appointments/" + event).status, 404);
  EXPECT_EQ(Call("DELETE", "/calendars/events/" + event).status, 404);
}

TEST_F(CalendarRecordsTest, AContactLeavesAWorkflow) {
  std::string contact = FirstContact()["id"];
  std::string workflow = Get("/workflows/?locationId=" + Loc())["workflows"][0]["id"];
  std::string path = "/contacts/" + contact + "/workflow/" + workflow;
  ASSERT_EQ(Call("POST", path, json::object()).status, 200);
  auto left = Call("DELETE", path, json::object());
  ASSERT_EQ(left.status, 200) << left.body;
  EXPECT_EQ(Body(left)["succeded"], true);
  EXPECT_EQ(
      Call("DELETE", "/contacts/" + contact + "/workflow/noSuchWorkflow", json::object()).status,
      404);
}

// Opportunity followers, with the same shapes as the contact's (one implementation).
TEST_F(CalendarRecordsTest, OpportunityFollowersAreAddedAndRemoved) {
  std::string opp = Get("/opportunities/search?location_id=" + Loc())["opportunities"][0]["id"];
  std::string path = "/opportunities/" + opp + "/followers";
  auto added = Call("POST", path, {{"followers", {"u1", "u2"}}});
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Body(added)["followersAdded"], json::array({"u1", "u2"}));
  auto again = Call("POST", path, {{"followers", {"u2", "u3"}}});
  EXPECT_EQ(Body(again)["followersAdded"], json::array({"u3"}));
  auto removed = Call("DELETE", path, {{"followers", {"u1"}}});
  ASSERT_EQ(removed.status, 200) << removed.body;
  EXPECT_EQ(Body(removed)["followers"], json::array({"u2", "u3"}));
  EXPECT_EQ(Body(removed)["followersRemoved"], json::array({"u1"}));
  EXPECT_EQ(Call("POST", path, {{"followers", {1}}}).status, 422);
  EXPECT_EQ(
      Call("POST", "/opportunities/noSuchOpportunity000/followers", {{"followers", {"u1"}}}).status,
      404);
}

}  // namespace
}  // namespace ghl::sandbox::testing
