// Calendars: list, free slots (working hours in the location's time zone, shown in the
// requested `timezone`), appointments create/update/get, events list
// (spec: shared/ghl-openapi/apps/calendars.json; Version 2021-04-15).
#include <algorithm>
#include <map>

#include "appointment_rules.h"
#include "handler.h"

namespace ghl::sandbox {
namespace {

constexpr int64_t kDayMs = 86400000;
constexpr int64_t kMaxRangeMs = 31 * kDayMs;

int64_t UnitMs(const json& cal, std::string_view value_key, std::string_view unit_key,
               int64_t def_minutes) {
  double v = cal.value(std::string(value_key), static_cast<double>(def_minutes));
  std::string unit = cal.value(std::string(unit_key), "mins");
  return static_cast<int64_t>(v * (unit == "hours" ? 3600000 : 60000));
}

std::shared_ptr<const TimeZone> LocationZone(const Store& store, const std::string& location) {
  std::string name(kLocationTimezone);
  if (const Doc* loc = store.Get(Coll::kLocations, location)) {
    if (auto tz = Str(loc->value, "timezone"); !tz.empty()) name = tz;
  }
  auto zone = TimeZone::Load(name);
  return zone ? zone : TimeZone::Load("UTC");
}

struct Busy {
  int64_t start, end;
  std::string id;
};

std::vector<Busy> BusyTimes(const Store& store, const std::string& calendar_id) {
  std::vector<Busy> out;
  for (const auto& [id, a] : store.All(Coll::kAppointments)) {
    if (Str(a.value, "calendarId") != calendar_id) continue;
    if (Str(a.value, "appointmentStatus") == "cancelled") continue;
    auto s = ParseIso(Str(a.value, "startTime"));
    auto e = ParseIso(Str(a.value, "endTime"));
    if (s && e) out.push_back({*s, *e, id});
  }
  return out;
}

/// Free slot starts (epoch ms) of `cal` in [from_ms, to_ms], not before `now_ms`, skipping
/// appointment `ignore_id`.
std::vector<int64_t> FreeSlots(const Store& store, const json& cal, int64_t from_ms,
                               int64_t to_ms, int64_t now_ms, const std::string& ignore_id) {
  auto zone = LocationZone(store, Str(cal, "locationId"));
  int64_t duration = UnitMs(cal, "slotDuration", "slotDurationUnit", 30);
  int64_t interval = UnitMs(cal, "slotInterval", "slotIntervalUnit", 30);
  int64_t buffer = UnitMs(cal, "slotBuffer", "slotBufferUnit", 0);
  if (interval <= 0) interval = duration > 0 ? duration : 1800000;
  auto busy = BusyTimes(store, Str(cal, "id"));
  std::vector<int64_t> out;
  int64_t first_day = FloorDiv(from_ms / 1000 + zone->OffsetAt(from_ms / 1000), 86400) - 1;
  int64_t last_day = FloorDiv(to_ms / 1000 + zone->OffsetAt(to_ms / 1000), 86400) + 1;
  for (int64_t day = first_day; day <= last_day; ++day) {
    int64_t local_midnight = day * 86400;
    int wd = Weekday(local_midnight);
    for (const auto& oh : cal.value("openHours", json::array())) {
      const auto& days = oh.value("daysOfTheWeek", json::array());
      if (std::find(days.begin(), days.end(), json(wd)) == days.end()) continue;
      for (const auto& h : oh.value("hours", json::array())) {
        int64_t open = local_midnight + h.value("openHour", 0) * 3600 + h.value("openMinute", 0) * 60;
        int64_t close =
            local_midnight + h.value("closeHour", 0) * 3600 + h.value("closeMinute", 0) * 60;
        for (int64_t t = open; (t * 1000) + duration <= close * 1000; t += interval / 1000) {
          int64_t start = zone->LocalToUtc(t) * 1000;
          if (start < from_ms || start > to_ms || start < now_ms) continue;
          int64_t end = start + duration;
          bool free = true;
          for (const auto& b : busy) {
            if (b.id == ignore_id) continue;
            if (start < b.end + buffer && b.start < end + buffer) free = false;
          }
          if (free) out.push_back(start);
        }
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::optional<http::Response> LoadCalendar(const Ctx& ctx, const std::string& id,
                                           const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kCalendars, id);
  if (!d) return NotFound("Calendar not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  *out = d;
  return std::nullopt;
}

http::Response ListCalendars(Ctx& ctx) {
  std::string loc = ctx.LocationId();
  std::string group = ctx.Query("groupId").value_or("");
  std::string body = "{\"calendars\":[";
  bool first = true;
  for (const auto& [id, c] : ctx.store.All(Coll::kCalendars)) {
    if (Str(c.value, "locationId") != loc) continue;
    if (!group.empty() && Str(c.value, "groupId") != group) continue;
    if (!first) body += ',';
    first = false;
    body += c.text;
  }
  body += "]}";
  return JsonText(200, std::move(body));
}

http::Response GetFreeSlots(Ctx& ctx) {
  const Doc* cal = nullptr;
  if (auto err = LoadCalendar(ctx, ctx.Path("calendarId"), &cal)) return *err;
  std::vector<std::string> msgs;
  auto start = ParseInt(ctx.Query("startDate").value_or(""));
  auto end = ParseInt(ctx.Query("endDate").value_or(""));
  if (!start) msgs.push_back("startDate must be a number conforming to the specified constraints");
  if (!end) msgs.push_back("endDate must be a number conforming to the specified constraints");
  std::shared_ptr<const TimeZone> out_zone = LocationZone(ctx.store, ctx.LocationId());
  if (auto tz = ctx.Query("timezone"); tz && !tz->empty()) {
    out_zone = TimeZone::Load(*tz);
    if (!out_zone) msgs.push_back("timezone must be a valid IANA time zone name");
  }
  if (msgs.empty() && *end < *start) msgs.push_back("endDate must not be before startDate");
  if (msgs.empty() && *end - *start > kMaxRangeMs) {
    msgs.push_back("The date range between startDate and endDate must not exceed 31 days");
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::map<std::string, json> days;
  for (int64_t s : FreeSlots(ctx.store, cal->value, *start, *end, ctx.now_ms, "")) {
    int off = out_zone->OffsetAt(s / 1000);
    auto& day = days[LocalDate(s / 1000 + off)];
    if (day.is_null()) day = {{"slots", json::array()}};
    day["slots"].push_back(IsoWithOffset(s, off));
  }
  json out = json::object();
  for (auto& [k, v] : days) out[k] = std::move(v);
  out["traceId"] = NewTraceId();
  return Json(200, out);
}

json EventView(const json& a) {
  json e = a;
  e.erase("toNotify");
  return e;
}

// Checks that [start, end) is one of the calendar's free slots (GHL refuses other times unless
// ignoreFreeSlotValidation is true).
bool SlotIsFree(const Ctx& ctx, const json& cal, int64_t start, const std::string& ignore_id) {
  auto slots = FreeSlots(ctx.store, cal, start - kDayMs, start + kDayMs, ctx.now_ms, ignore_id);
  return std::binary_search(slots.begin(), slots.end(), start);
}

json AppointmentEvent(std::string_view type, const json& a) {
  return {{"type", type}, {"locationId", a["locationId"]}, {"appointment", EventView(a)}};
}

http::Response CreateAppointment(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, AppointmentBodyRules(AppointmentWrite::kCreate));
  const json& b = ctx.body;
  std::optional<int64_t> start, end;
  if (msgs.empty()) {
    start = ParseIso(Str(b, "startTime"));
    if (!start) msgs.push_back("startTime must be a valid ISO 8601 date string");
    if (b.contains("endTime") && !b["endTime"].is_null()) {
      end = ParseIso(Str(b, "endTime"));
      if (!end) msgs.push_back("endTime must be a valid ISO 8601 date string");
    }
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const Doc* cal = nullptr;
  if (auto err = LoadCalendar(ctx, Str(b, "calendarId"), &cal)) return *err;
  const Doc* contact = ctx.store.Get(Coll::kContacts, Str(b, "contactId"));
  if (!contact || !SameLocation(ctx, contact->value)) return NotFound("Contact not found");
  int64_t duration = UnitMs(cal->value, "slotDuration", "slotDurationUnit", 30);
  if (!end) end = *start + duration;
  if (*end <= *start) return Unprocessable({"endTime must be after startTime"});
  if (!b.value("ignoreFreeSlotValidation", false) && !SlotIsFree(ctx, cal->value, *start, "")) {
    return ErrorResponse(422, "The slot you have selected is no longer available.");
  }
  auto zone = LocationZone(ctx.store, ctx.LocationId());
  std::string now = IsoUtcMs(ctx.now_ms);
  std::string contact_name = Str(contact->value, "firstName");
  if (auto last = Str(contact->value, "lastName"); !last.empty()) contact_name += " " + last;
  json a = {{"id", ctx.store.NewId()},
            {"calendarId", b["calendarId"]},
            {"locationId", b["locationId"]},
            {"contactId", b["contactId"]},
            {"groupId", Str(cal->value, "groupId")},
            {"title", b.contains("title") ? Str(b, "title") : "Appointment with " + contact_name},
            {"appointmentStatus", b.contains("appointmentStatus") ? Str(b, "appointmentStatus")
                                                                   : "confirmed"},
            {"assignedUserId", Str(b, "assignedUserId")},
            {"users", json::array()},
            {"address", Str(b, "address")},
            {"meetingLocationType", b.contains("meetingLocationType")
                                        ? Str(b, "meetingLocationType")
                                        : "default"},
            {"isRecurring", false},
            {"notes", ""},
            {"source", "third_party"},
            {"startTime", IsoWithOffset(*start, zone->OffsetAt(*start / 1000))},
            {"endTime", IsoWithOffset(*end, zone->OffsetAt(*end / 1000))},
            {"dateAdded", now},
            {"dateUpdated", now}};
  if (b.contains("rrule")) a["rrule"] = b["rrule"];
  const Doc& d = ctx.store.Put(Coll::kAppointments, std::move(a));
  ctx.events.push_back({"AppointmentCreate", AppointmentEvent("AppointmentCreate", d.value)});
  return Json(200, EventView(d.value));
}

http::Response EditAppointment(Ctx& ctx) {
  const Doc* d = ctx.store.Get(Coll::kAppointments, ctx.Path("eventId"));
  if (!d) return NotFound("Appointment not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  auto msgs = ValidateBody(ctx.body, AppointmentBodyRules(AppointmentWrite::kEdit));
  const json& b = ctx.body.is_object() ? ctx.body : json::object();
  std::optional<int64_t> start = ParseIso(Str(d->value, "startTime"));
  std::optional<int64_t> end = ParseIso(Str(d->value, "endTime"));
  bool moved = false;
  if (msgs.empty() && b.contains("startTime")) {
    auto s = ParseIso(Str(b, "startTime"));
    if (!s) msgs.push_back("startTime must be a valid ISO 8601 date string");
    else if (*s != *start) {
      *end = *s + (*end - *start);
      start = s;
      moved = true;
    }
  }
  if (msgs.empty() && b.contains("endTime")) {
    auto e = ParseIso(Str(b, "endTime"));
    if (!e) msgs.push_back("endTime must be a valid ISO 8601 date string");
    else end = e;
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string calendar_id = b.contains("calendarId") ? Str(b, "calendarId")
                                                     : Str(d->value, "calendarId");
  const Doc* cal = nullptr;
  if (auto err = LoadCalendar(ctx, calendar_id, &cal)) return *err;
  moved = moved || calendar_id != Str(d->value, "calendarId");
  if (*end <= *start) return Unprocessable({"endTime must be after startTime"});
  if (moved && !b.value("ignoreFreeSlotValidation", false) &&
      !SlotIsFree(ctx, cal->value, *start, Str(d->value, "id"))) {
    return ErrorResponse(422, "The slot you have selected is no longer available.");
  }
  auto zone = LocationZone(ctx.store, ctx.LocationId());
  json a = d->value;
  for (auto k : {"title", "appointmentStatus", "assignedUserId", "address", "meetingLocationType",
                 "rrule"}) {
    if (b.contains(k) && !b[k].is_null()) a[k] = b[k];
  }
  a["calendarId"] = calendar_id;
  a["startTime"] = IsoWithOffset(*start, zone->OffsetAt(*start / 1000));
  a["endTime"] = IsoWithOffset(*end, zone->OffsetAt(*end / 1000));
  a["dateUpdated"] = IsoUtcMs(ctx.now_ms);
  const Doc& nd = ctx.store.Put(Coll::kAppointments, std::move(a));
  ctx.events.push_back({"AppointmentUpdate", AppointmentEvent("AppointmentUpdate", nd.value)});
  return Json(200, EventView(nd.value));
}

http::Response GetAppointment(Ctx& ctx) {
  const Doc* d = ctx.store.Get(Coll::kAppointments, ctx.Path("eventId"));
  if (!d) return NotFound("Appointment not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  return Json(200, {{"event", EventView(d->value)}});
}

http::Response ListEvents(Ctx& ctx) {
  std::vector<std::string> msgs;
  auto from = ParseInt(ctx.Query("startTime").value_or(""));
  auto to = ParseInt(ctx.Query("endTime").value_or(""));
  if (!from) msgs.push_back("startTime must be a number string (epoch milliseconds)");
  if (!to) msgs.push_back("endTime must be a number string (epoch milliseconds)");
  std::string calendar = ctx.Query("calendarId").value_or("");
  std::string user = ctx.Query("userId").value_or("");
  std::string group = ctx.Query("groupId").value_or("");
  if (calendar.empty() && user.empty() && group.empty()) {
    msgs.push_back("calendarId, userId or groupId should not be empty");
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = ctx.LocationId();
  std::vector<std::pair<int64_t, const Doc*>> found;
  for (const auto& [id, a] : ctx.store.All(Coll::kAppointments)) {
    const json& v = a.value;
    if (Str(v, "locationId") != loc) continue;
    if (!calendar.empty() && Str(v, "calendarId") != calendar) continue;
    if (!user.empty() && Str(v, "assignedUserId") != user) continue;
    if (!group.empty() && Str(v, "groupId") != group) continue;
    int64_t s = ParseIso(Str(v, "startTime")).value_or(0);
    if (s < *from || s > *to) continue;
    found.emplace_back(s, &a);
  }
  std::sort(found.begin(), found.end(),
            [](const auto& x, const auto& y) { return x.first < y.first; });
  json events = json::array();
  for (const auto& [s, a] : found) events.push_back(EventView(a->value));
  return Json(200, {{"events", events}, {"traceId", NewTraceId()}});
}

constexpr RouteDef kRoutes[] = {
    {"calendars.get-calendars", ListCalendars, false},
    {"calendars.get-slots", GetFreeSlots, false},
    {"calendars.create-appointment", CreateAppointment, true},
    {"calendars.edit-appointment", EditAppointment, true},
    {"calendars.get-appointment", GetAppointment, false},
    {"calendars.get-calendar-events", ListEvents, false},
};

}  // namespace

std::span<const RouteDef> CalendarRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
