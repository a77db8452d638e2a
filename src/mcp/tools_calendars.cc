// Toolset "calendars": calendars, free slots (dates or times, any IANA zone), booking, events.
#include <cstdio>

#include "ghl/core/time_parse.h"
#include "ghl/ops/calendars.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
// The widest UTC offset (+14:00 / -12:00): a local date lies within ±14 h of its UTC date.
constexpr int64_t kMaxOffsetMs = 14LL * 3600 * 1000;

bool IsDate(const std::string& s) { return ParseIsoDayMs(s).has_value(); }

// A time must say its offset ("Z" or ±HH:MM): ISO 8601 reads "2027-01-04T09:00" as UTC, and
// a model that meant the calendar's 9 AM got "no free slots" (or a booking five hours off)
// without a word. Dates and text that is no time at all are left to the callers' own checks.
Status RequireOffset(const std::string& name, const std::string& text) {
  if (text.size() <= 10 || IsDate(text) || !ops::ParseIsoMs(text)) return Ok{};
  if (ops::HasUtcOffset(text)) return Ok{};
  return UsageError("argument '" + name + "' ('" + text + "') has no UTC offset",
                    "add the offset the time is in, e.g. " + text.substr(0, 16) +
                        ":00-05:00 (or Z for UTC), or pass a local date YYYY-MM-DD");
}

// A time argument: "YYYY-MM-DD" (a local date) or ISO 8601 with offset.
Result<int64_t> ReadTime(const std::string& name, const std::string& text) {
  if (auto st = RequireOffset(name, text); !st.ok()) return st.error();
  std::string iso = IsDate(text) ? text + "T00:00:00Z" : text;
  auto ms = ops::ParseIsoMs(iso);
  if (!ms) {
    return UsageError("argument '" + name + "' is not a date or time: '" + text + "'",
                      "use YYYY-MM-DD or ISO 8601 with offset, e.g. 2025-01-07T09:00:00-05:00");
  }
  return *ms;
}

// The from/to arguments as an epoch-ms range. Local dates are widened by `date_pad_ms` on each
// side and the end date is inclusive (its whole day).
Result<std::pair<int64_t, int64_t>> ReadRange(const json& args, int64_t date_pad_ms) {
  std::string from = ArgStr(args, "from"), to = ArgStr(args, "to");
  auto start = ReadTime("from", from);
  if (!start.ok()) return start.error();
  auto end = ReadTime("to", to);
  if (!end.ok()) return end.error();
  return std::pair<int64_t, int64_t>{IsDate(from) ? *start - date_pad_ms : *start,
                                     IsDate(to) ? *end + kDayMs - 1 + date_pad_ms : *end};
}

}  // namespace

void AddCalendarTools(std::vector<ToolDef>& out) {
  out.push_back({.name = "list_calendars",
                 .toolset = "calendars",
                 .title = "List calendars",
                 .description = "Calendars of the location (ids, names, slot settings).",
                 .input_schema = Object(json::object()),
                 .output_schema = Output({{"calendars", {{"type", "array"}}}}, {"calendars"}),
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::ListCalendars(c.ctx);
                   if (!r.ok()) return r.error();
                   return Members("calendars", std::move(*r));
                 }});
  out.push_back(
      {.name = "get_free_slots",
       .toolset = "calendars",
       .title = "Get free slots",
       .description =
           "Bookable start times of a calendar. from/to are local dates (YYYY-MM-DD, inclusive, "
           "in the zone given or the calendar's) or ISO 8601 times with offset. Ranges up to 93 "
           "days. Slots are ISO 8601 with offset; pass one as startTime to book_appointment.",
       .input_schema = Object({{"calendarId", Str("Calendar id.")},
                               {"from", Str("Start date or time.")},
                               {"to", Str("End date (inclusive) or time.")},
                               {"timezone", Str("IANA zone for the slots, e.g. America/Chicago.")},
                               {"limit", Int("At most this many slots (default 50).", 1, 500)}},
                              {"calendarId", "from", "to"}),
       .output_schema = Output({{"slots", {{"type", "array"}}}, {"count", {{"type", "integer"}}}},
                               {"slots", "count"}),
       .owned = {{"calendarId", Owned::kCalendar}},
       .run = [](const ToolCall& c) -> Result<json> {
         std::string from = ArgStr(c.args, "from"), to = ArgStr(c.args, "to");
         // Local dates: ask ±14 h around the UTC dates, keep the slots GHL files under the
         // wanted local dates (its day keys are in the zone of the answer): DST-safe.
         auto range = ReadRange(c.args, kMaxOffsetMs);
         if (!range.ok()) return range.error();
         auto [q_start, q_end] = *range;
         auto slots = ops::FreeSlots(c.ctx, {.calendar_id = ArgStr(c.args, "calendarId"),
                                             .start_ms = q_start,
                                             .end_ms = q_end,
                                             .timezone = ArgStr(c.args, "timezone")});
         if (!slots.ok()) return slots.error();
         json list = json::array();
         size_t limit = static_cast<size_t>(ArgInt(c.args, "limit", 50));
         size_t total = 0;
         for (const auto& s : *slots) {
           if (IsDate(from) && s.date < from) continue;
           if (IsDate(to) && s.date > to) continue;
           ++total;
           if (list.size() < limit) list.push_back({{"start", s.start}, {"date", s.date}});
         }
         return Members("slots", std::move(list), "count", total);
       }});
  out.push_back(
      {.name = "book_appointment",
       .toolset = "calendars",
       .title = "Book appointment",
       .description = "Books a contact into a free slot (startTime from get_free_slots). Safe to "
                      "retry: when the contact already holds this slot on this calendar, that "
                      "appointment comes back with alreadyBooked=true and nothing is booked.",
       .input_schema = Object({{"calendarId", Str("Calendar id.")},
                               {"contactId", Str("Contact id.")},
                               {"startTime", Str("Slot start, ISO 8601 with offset.")},
                               {"endTime", Str("Optional end; default slot length.")},
                               {"title", Str("Title.")}},
                              {"calendarId", "contactId", "startTime"}),
       .output_schema =
           Output({{"appointment", {{"type", "object"}}}, {"alreadyBooked", {{"type", "boolean"}}}},
                  {"appointment", "alreadyBooked"}),
       .read_only = false,
       .owned = {{"calendarId", Owned::kCalendar}, {"contactId", Owned::kContact}},
       .run = [](const ToolCall& c) -> Result<json> {
         std::string start = ArgStr(c.args, "startTime");
         if (auto st = RequireOffset("startTime", start); !st.ok()) return st.error();
         // Once per contact + slot: a client that retries (a lost answer, a timeout)
         // learns the booking it already made instead of GHL's "slot no longer
         // available", which reads as a failed booking.
         auto r = ops::BookAppointmentOnce(c.ctx, {.calendar_id = ArgStr(c.args, "calendarId"),
                                                   .contact_id = ArgStr(c.args, "contactId"),
                                                   .start_time = start,
                                                   .end_time = ArgStr(c.args, "endTime"),
                                                   .title = ArgStr(c.args, "title")});
         if (!r.ok()) return r.error();
         return Members("appointment", std::move(r->appointment), "alreadyBooked", !r->created);
       }});
  out.push_back(
      {.name = "list_calendar_events",
       .toolset = "calendars",
       .title = "List calendar events",
       .description = "Appointments of a calendar from/to local dates (YYYY-MM-DD, inclusive, "
                      "in the calendar's zone) or ISO 8601 times with offset.",
       .input_schema = Object({{"calendarId", Str("Calendar id.")},
                               {"from", Str("Start date or time.")},
                               {"to", Str("End date (inclusive) or time.")}},
                              {"calendarId", "from", "to"}),
       .output_schema = Output({{"events", {{"type", "array"}}}}, {"events"}),
       .owned = {{"calendarId", Owned::kCalendar}},
       .run = [](const ToolCall& c) -> Result<json> {
         // Dates are the calendar's local days (as for free slots): ask ±14 h around the UTC
         // dates, keep the events whose start (written in the calendar's zone) is on them.
         // Read as UTC days, an evening appointment in Los Angeles fell on the next day.
         std::string from = ArgStr(c.args, "from"), to = ArgStr(c.args, "to");
         auto range = ReadRange(c.args, kMaxOffsetMs);
         if (!range.ok()) return range.error();
         auto r = ops::ListEvents(c.ctx, ArgStr(c.args, "calendarId"), range->first, range->second);
         if (!r.ok()) return r.error();
         json events = json::array();
         for (auto& e : *r) {
           std::string day = ArgStr(e, "startTime").substr(0, 10);
           if (IsDate(day) && IsDate(from) && day < from) continue;
           if (IsDate(day) && IsDate(to) && day > to) continue;
           events.push_back(std::move(e));
         }
         return Members("events", std::move(events));
       }});
}

}  // namespace ghl::mcp
