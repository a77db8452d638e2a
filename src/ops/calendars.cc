#include "ghl/ops/calendars.h"

#include <algorithm>
#include <optional>

#include "call.h"

namespace ghl::ops {

using namespace internal;

namespace {

// GHL refuses free-slot ranges longer than 31 days.
constexpr int64_t kMaxRangeMs = int64_t{31} * 24 * 3600 * 1000;

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

}  // namespace

std::optional<int64_t> ParseIsoMs(std::string_view s) {
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    if (pos + len > s.size()) return std::nullopt;
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') return std::nullopt;
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  auto y = num(0, 4), mo = num(5, 2), d = num(8, 2), h = num(11, 2), mi = num(14, 2);
  if (!y || !mo || !d || !h || !mi || s.size() < 16 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
      s[13] != ':') {
    return std::nullopt;
  }
  size_t i = 16;
  int sec = 0, ms = 0;
  if (i < s.size() && s[i] == ':') {
    auto ss = num(i + 1, 2);
    if (!ss) return std::nullopt;
    sec = *ss;
    i += 3;
    if (i < s.size() && s[i] == '.') {
      ++i;
      int digits = 0;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (digits < 3) ms = ms * 10 + (s[i] - '0');
        ++digits;
        ++i;
      }
      for (; digits < 3; ++digits) ms *= 10;
    }
  }
  int offset_min = 0;
  if (i < s.size()) {
    if (s[i] == 'Z') {
      ++i;
    } else if (s[i] == '+' || s[i] == '-') {
      auto oh = num(i + 1, 2);
      size_t mpos = i + 3 < s.size() && s[i + 3] == ':' ? i + 4 : i + 3;
      auto om = num(mpos, 2);
      if (!oh || !om) return std::nullopt;
      offset_min = (*oh * 60 + *om) * (s[i] == '-' ? -1 : 1);
      i = mpos + 2;
    }
  }
  if (i != s.size()) return std::nullopt;
  int64_t days = DaysFromCivil(*y, static_cast<unsigned>(*mo), static_cast<unsigned>(*d));
  int64_t secs = days * 86400 + *h * 3600 + *mi * 60 + sec - int64_t{offset_min} * 60;
  return secs * 1000 + ms;
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
  if (write.calendar_id.empty() || write.contact_id.empty() || !start_ms) {
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
