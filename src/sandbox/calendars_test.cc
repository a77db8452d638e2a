// Calendars: recipe 2.3 (free slots → appointment) and events.
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

constexpr int64_t kMon = 1741003200000;  // 2025-03-03T12:00:00Z (07:00 New York, EST)
constexpr int64_t kDay = 86400000;

class CalendarsTest : public SandboxFixture {
 protected:
  std::string Calendar() { return Get("/calendars/?locationId=" + Loc())["calendars"][0]["id"]; }
  std::string Slots(int64_t from, int64_t to, const std::string& tz = "") {
    return "/calendars/" + Calendar() + "/free-slots?startDate=" + std::to_string(from) +
           "&endDate=" + std::to_string(to) + (tz.empty() ? "" : "&timezone=" + tz);
  }
};

TEST_F(CalendarsTest, ListCalendarsWithWorkingHours) {
  auto cals = Get("/calendars/?locationId=" + Loc())["calendars"];
  ASSERT_EQ(cals.size(), 1u);
  EXPECT_EQ(cals[0]["slotDuration"], 30);
  EXPECT_EQ(cals[0]["openHours"][0]["daysOfTheWeek"], json({1, 2, 3, 4, 5}));
}

TEST_F(CalendarsTest, FreeSlotsMapDatesToSlotsAndCarryTraceId) {
  auto r = Call("GET", Slots(kMon, kMon + 2 * kDay));
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = Body(r);
  EXPECT_TRUE(b["traceId"].is_string());
  // Monday 09:00–17:00 New York = 16 half-hour slots; "now" is 07:00 there so all are future.
  ASSERT_TRUE(b.contains("2025-03-03"));
  auto mon = b["2025-03-03"]["slots"];
  ASSERT_EQ(mon.size(), 16u);
  EXPECT_EQ(mon[0], "2025-03-03T09:00:00-05:00");
  EXPECT_EQ(mon[15], "2025-03-03T16:30:00-05:00");
  EXPECT_EQ(b["2025-03-04"]["slots"].size(), 16u);
  // In UTC the same instants.
  auto utc = Get(Slots(kMon, kMon + kDay, "UTC"));
  EXPECT_EQ(utc["2025-03-03"]["slots"][0], "2025-03-03T14:00:00+00:00");
  // Past slots are not offered.
  now_ += std::chrono::hours(4);  // 11:00 New York
  EXPECT_EQ(Get(Slots(kMon, kMon + kDay))["2025-03-03"]["slots"][0], "2025-03-03T11:00:00-05:00");
}

TEST_F(CalendarsTest, WeekendHasNoSlotsAndDstShiftsOffsets) {
  auto sat = Get(Slots(kMon + 5 * kDay, kMon + 6 * kDay));
  EXPECT_FALSE(sat.contains("2025-03-08"));
  // 2025-03-10 is after the US DST change (Mar 9): 09:00 is -04:00.
  auto mon2 = Get(Slots(kMon + 7 * kDay - 6 * 3600000, kMon + 8 * kDay));
  EXPECT_EQ(mon2["2025-03-10"]["slots"][0], "2025-03-10T09:00:00-04:00");
}

TEST_F(CalendarsTest, RangeOver31DaysIs422) {
  auto r = Call("GET", Slots(kMon, kMon + 32 * kDay));
  EXPECT_EQ(r.status, 422);
  EXPECT_TRUE(Body(r)["message"].is_array());
  EXPECT_EQ(Call("GET", Slots(kMon, kMon + 31 * kDay)).status, 200);
  EXPECT_EQ(Call("GET", "/calendars/" + Calendar() + "/free-slots?startDate=" +
                            std::to_string(kMon)).status,
            422);
  EXPECT_EQ(Call("GET", Slots(kMon, kMon + kDay, "Mars/Olympus")).status, 422);
}

TEST_F(CalendarsTest, BookFirstSlotThenItIsTakenAndGone) {
  auto slots = Get(Slots(kMon, kMon + kDay));
  std::string start = slots["2025-03-03"]["slots"][0];
  std::string contact = FirstContact()["id"];
  json body = {{"calendarId", Calendar()}, {"locationId", Loc()}, {"contactId", contact},
               {"startTime", start}};
  auto r = Call("POST", "/calendars/events/appointments", body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto a = Body(r);
  EXPECT_EQ(a["startTime"], "2025-03-03T09:00:00-05:00");
  EXPECT_EQ(a["endTime"], "2025-03-03T09:30:00-05:00");
  EXPECT_EQ(a["appointmentStatus"], "confirmed");
  std::string id = a["id"];

  auto again = Call("POST", "/calendars/events/appointments", body);
  EXPECT_EQ(again.status, 422);
  EXPECT_EQ(Body(again)["message"], "The slot you have selected is no longer available.");
  auto after = Get(Slots(kMon, kMon + kDay));
  EXPECT_EQ(after["2025-03-03"]["slots"][0], "2025-03-03T09:30:00-05:00");
  // A time outside working hours is refused unless ignoreFreeSlotValidation.
  body["startTime"] = "2025-03-03T20:00:00-05:00";
  EXPECT_EQ(Call("POST", "/calendars/events/appointments", body).status, 422);
  body["ignoreFreeSlotValidation"] = true;
  EXPECT_EQ(Call("POST", "/calendars/events/appointments", body).status, 200);

  // Mark showed (recipe 2.4's trigger), reschedule.
  auto u = Call("PUT", "/calendars/events/appointments/" + id, {{"appointmentStatus", "showed"}});
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(Body(u)["appointmentStatus"], "showed");
  u = Call("PUT", "/calendars/events/appointments/" + id,
           {{"startTime", "2025-03-04T10:00:00-05:00"}});
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(Body(u)["endTime"], "2025-03-04T10:30:00-05:00");
  EXPECT_EQ(Get(Slots(kMon, kMon + kDay))["2025-03-03"]["slots"][0], "2025-03-03T09:00:00-05:00");

  auto events = Get("/calendars/events?locationId=" + Loc() + "&calendarId=" + Calendar() +
                    "&startTime=" + std::to_string(kMon) + "&endTime=" +
                    std::to_string(kMon + 2 * kDay));
  ASSERT_EQ(events["events"].size(), 2u);
  EXPECT_EQ(events["events"][1]["id"], id);  // moved to Tuesday, after the 20:00 booking
  EXPECT_EQ(events["events"][1]["startTime"], "2025-03-04T10:00:00-05:00");
  EXPECT_EQ(Get("/calendars/events/appointments/" + id)["event"]["id"], id);
}

TEST_F(CalendarsTest, AppointmentValidation) {
  auto r = Call("POST", "/calendars/events/appointments", {{"calendarId", Calendar()}});
  EXPECT_EQ(r.status, 422);
  r = Call("POST", "/calendars/events/appointments",
           {{"calendarId", "nope"}, {"locationId", Loc()}, {"contactId", "x"},
            {"startTime", "2025-03-03T09:00:00-05:00"}});
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r)["message"], "Calendar not found");
}

// Create and edit share their optional settings (appointment_rules.cc) but not their own
// fields: create requires calendarId/locationId/contactId/startTime, edit refuses locationId.
TEST_F(CalendarsTest, AppointmentCreateAndEditValidateTheirOwnFields) {
  auto r = Call("POST", "/calendars/events/appointments",
                {{"calendarId", Calendar()}, {"title", 5}, {"meetingLocationType", "skype"},
                 {"colour", "red"}});
  ASSERT_EQ(r.status, 422);
  EXPECT_EQ(Body(r)["message"],
            json({"title must be a string",
                  "meetingLocationType must be one of the following values: custom, zoom, "
                  "gmeet, phone, address, ms_teams, google",
                  "locationId should not be empty", "locationId must be a string",
                  "contactId should not be empty", "contactId must be a string",
                  "startTime should not be empty", "startTime must be a string",
                  "property colour should not exist"}))
      << r.body;

  std::string start = Get(Slots(kMon, kMon + kDay))["2025-03-03"]["slots"][0];
  json body = {{"calendarId", Calendar()}, {"locationId", Loc()},
               {"contactId", FirstContact()["id"]}, {"startTime", start}};
  auto created = Call("POST", "/calendars/events/appointments", body);
  ASSERT_EQ(created.status, 200) << created.body;
  std::string id = Body(created)["id"];
  auto u = Call("PUT", "/calendars/events/appointments/" + id,
                {{"appointmentStatus", "late"}, {"contactId", "x"}, {"startTime", 1}});
  ASSERT_EQ(u.status, 422);
  EXPECT_EQ(Body(u)["message"],
            json({"appointmentStatus must be one of the following values: new, confirmed, "
                  "cancelled, showed, noshow, invalid",
                  "startTime must be a string", "property contactId should not exist"}))
      << u.body;
  EXPECT_EQ(Call("PUT", "/calendars/events/appointments/" + id, {{"title", "Call"}}).status, 200);
}

}  // namespace
}  // namespace ghl::sandbox::testing
