#include "ghl/ops/calendars.h"

#include <algorithm>
#include <optional>

#include "call.h"
#include "ghl/core/time_parse.h"

namespace ghl::ops {

using namespace internal;

namespace {

// GHL refuses free-slot ranges longer than 31 days.
constexpr int64_t kMaxRangeMs = int64_t{31} * 24 * 3600 * 1000;
// Longer ranges are split into 31-day calls; past three of them a query is a mistake (a
// ten-year range fetched every slot for ten seconds), not a booking question.
constexpr int64_t kMaxQueryMs = 3 * kMaxRangeMs;

}  // namespace

std::optional<int64_t> ParseIsoMs(std::string_view s) { return ParseIsoDateTimeMs(s); }

bool HasUtcOffset(std::string_view time) {
  return time.size() > 10 && time.substr(10).find_first_of("Zz+-") != std::string_view::npos;
}

Result<json> ListCalendars(const Context& ctx) {
  auto r = Read(
      ctx, {.method = "GET", .path = "/calendars/", .query = {{"locationId", LocationOf(ctx)}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "calendars");
}

Result<std::vector<Slot>> FreeSlots(const Context& ctx, const FreeSlotsQuery& query) {
  if (query.calendar_id.empty()) return UsageError("calendarId is empty");
  if (query.end_ms < query.start_ms) {
    return UsageError("the free-slot range ends before it starts", "give an end after the start");
  }
  if (query.end_ms - query.start_ms > kMaxQueryMs) {
    return UsageError("the free-slot range spans " +
                          std::to_string((query.end_ms - query.start_ms) / 86400000) +
                          " days; at most 93 are searched at once",
                      "ask for a shorter range (GHL answers 31 days per call)");
  }
  std::vector<Slot> slots;
  for (int64_t from = query.start_ms; from <= query.end_ms; from += kMaxRangeMs + 1) {
    int64_t to = std::min(query.end_ms, from + kMaxRangeMs);
    client::QueryParams q = {{"startDate", std::to_string(from)}, {"endDate", std::to_string(to)}};
    if (!query.timezone.empty()) q.emplace_back("timezone", query.timezone);
    auto r = Read(ctx, {.method = "GET",
                        .path = "/calendars/{calendarId}/free-slots",
                        .query = q,
                        .path_params = {{"calendarId", query.calendar_id}}});
    if (!r.ok()) return r.error();
    if (!r->is_object()) continue;
    // {"2025-01-07":{"slots":[…]}, …, "traceId":"…"}: only the day objects carry slots.
    for (const auto& [day, v] : r->items()) {
      if (!v.is_object()) continue;
      for (const auto& s : v.value("slots", json::array())) {
        if (!s.is_string()) continue;
        auto ms = ParseIsoMs(s.get<std::string>());
        if (!ms || *ms < query.start_ms || *ms > query.end_ms) continue;
        slots.push_back({s.get<std::string>(), *ms, day});
      }
    }
  }
  std::sort(slots.begin(), slots.end(),
            [](const Slot& a, const Slot& b) { return a.start_ms < b.start_ms; });
  slots.erase(std::unique(slots.begin(), slots.end(),
                          [](const Slot& a, const Slot& b) { return a.start_ms == b.start_ms; }),
              slots.end());
  return slots;
}

Result<json> ListEvents(const Context& ctx, const std::string& calendar_id, int64_t start_ms,
                        int64_t end_ms) {
  if (calendar_id.empty()) return UsageError("calendarId is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/calendars/events",
                      .query = {{"locationId", LocationOf(ctx)},
                                {"calendarId", calendar_id},
                                {"startTime", std::to_string(start_ms)},
                                {"endTime", std::to_string(end_ms)}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "events");
}

Result<json> BookAppointment(const Context& ctx, const AppointmentWrite& write) {
  if (write.calendar_id.empty()) return UsageError("calendarId is empty");
  if (write.contact_id.empty()) return UsageError("contactId is empty");
  if (write.start_time.empty()) return UsageError("startTime is empty");
  if (!ParseIsoMs(write.start_time)) {
    return UsageError("startTime '" + write.start_time + "' is not an ISO 8601 time",
                      "use a slot from the free slots, e.g. 2025-01-07T09:00:00-05:00");
  }
  // Without its offset the time is read as UTC: "…T16:00" meant as 4 PM in Chicago would book
  // 10 AM there, a free slot, without a word.
  if (!HasUtcOffset(write.start_time)) {
    return UsageError("startTime '" + write.start_time + "' has no UTC offset",
                      "pass a start from the free slots as it is written, e.g. " +
                          write.start_time.substr(0, 16) + ":00-05:00");
  }
  json body = {{"calendarId", write.calendar_id},
               {"locationId", LocationOf(ctx)},
               {"contactId", write.contact_id},
               {"startTime", write.start_time},
               {"appointmentStatus", write.status.empty() ? "confirmed" : write.status}};
  if (!write.end_time.empty()) body["endTime"] = write.end_time;
  if (!write.title.empty()) body["title"] = write.title;
  return WriteCreated(
      ctx, {.method = "POST", .path = "/calendars/events/appointments", .body = body.dump()},
      "appointment", "an appointment id");
}

Result<json> GetAppointment(const Context& ctx, const std::string& id) {
  if (id.empty()) return UsageError("appointment id is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/calendars/events/appointments/{eventId}",
                      .path_params = {{"eventId", id}}});
  if (!r.ok()) return r.error();
  if (r->is_object() && r->contains("event")) return Unwrap(*r, "event");
  return Unwrap(*r, "appointment");
}

Result<json> ListContactAppointments(const Context& ctx, const std::string& contact_id) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/contacts/{contactId}/appointments",
                      .path_params = {{"contactId", contact_id}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "events");
}

Result<BookingOutcome> BookAppointmentOnce(const Context& ctx, const AppointmentWrite& write) {
  auto start_ms = ParseIsoMs(write.start_time);
  if (write.calendar_id.empty() || write.contact_id.empty() || !start_ms ||
      !HasUtcOffset(write.start_time)) {
    auto r = BookAppointment(ctx, write);  // the same usage errors, nothing sent
    if (!r.ok()) return r.error();
    return BookingOutcome{*r, true};
  }
  auto existing = ListContactAppointments(ctx, write.contact_id);
  if (!existing.ok()) return existing.error();
  for (const auto& a : *existing) {
    if (Str(a, "calendarId") != write.calendar_id) continue;
    // GHL spells the status field both ways ("appoinmentStatus" in the events list).
    std::string status = Str(a, "appointmentStatus");
    if (status.empty()) status = Str(a, "appoinmentStatus");
    if (status == "cancelled" || status == "invalid") continue;
    if (ParseIsoMs(Str(a, "startTime")) == start_ms) return BookingOutcome{a, false};
  }
  auto r = BookAppointment(ctx, write);
  if (!r.ok()) return r.error();
  return BookingOutcome{*r, true};
}

}  // namespace ghl::ops
