/// \file
/// Calendars, free slots and appointments (spec: shared/ghl-openapi/apps/calendars.json,
/// Version 2021-04-15). Free slots: GHL takes the range as epoch milliseconds, answers
/// {"2025-01-07":{"slots":["2025-01-07T09:00:00-05:00",…]},…,"traceId":"…"} in the zone
/// asked for (else the calendar's location zone), and refuses ranges over 31 days.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// "2025-01-07T09:00:00-05:00", "…Z", "…T09:00" (UTC), fractions allowed → epoch ms; nullopt
/// when malformed or naming a day or time that does not exist (`ghl::ParseIsoDateTimeMs`).
std::optional<int64_t> ParseIsoMs(std::string_view text);

/// True when the ISO 8601 date-time `time` names its UTC offset ("Z", "+05:30", "-0500") after
/// the date; a time without one would be read as UTC.
bool HasUtcOffset(std::string_view time);

/// GET /calendars/?locationId → the calendars array.
Result<nlohmann::json> ListCalendars(const Context& ctx);

/// A free-slot query.
struct FreeSlotsQuery {
  std::string calendar_id;
  int64_t start_ms = 0;  ///< Range start, epoch ms (UTC).
  int64_t end_ms = 0;    ///< Range end, epoch ms (UTC).
  std::string timezone;  ///< IANA zone the slots are written in; empty = the calendar's.
};

/// One free slot.
struct Slot {
  std::string start;     ///< As GHL writes it: "2025-01-07T09:00:00-05:00".
  int64_t start_ms = 0;  ///< The same instant, epoch ms.
  std::string date;      ///< The local date GHL filed it under, "2025-01-07".
};

/// The free slots in [start_ms, end_ms], sorted, each once. Ranges over 31 days are split into
/// 31-day calls; non-day keys of the answer (`traceId`) are skipped. kUsage error for an
/// empty calendar id, end before start, or a range over 93 days (three calls).
Result<std::vector<Slot>> FreeSlots(const Context& ctx, const FreeSlotsQuery& query);

/// GET /calendars/events?locationId&calendarId&startTime&endTime (epoch ms) → events array.
Result<nlohmann::json> ListEvents(const Context& ctx, const std::string& calendar_id,
                                  int64_t start_ms, int64_t end_ms);

/// An appointment to book.
struct AppointmentWrite {
  std::string calendar_id;
  std::string contact_id;
  std::string start_time;            ///< ISO 8601 with offset, e.g. a Slot::start.
  std::string end_time;              ///< Optional; GHL uses the calendar's slot length.
  std::string title;                 ///< Optional.
  std::string status = "confirmed";  ///< appointmentStatus.
};

/// POST /calendars/events/appointments → the appointment (with its id). kUsage error without
/// calendar, contact or start, or for a start without its UTC offset (HasUtcOffset); kInternal
/// when GHL answers without an id.
Result<nlohmann::json> BookAppointment(const Context& ctx, const AppointmentWrite& write);

/// GET /calendars/events/appointments/{id} → the appointment.
Result<nlohmann::json> GetAppointment(const Context& ctx, const std::string& id);

/// GET /contacts/{contactId}/appointments (spec: apps/contacts.json, Version 2021-07-28) → the
/// contact's appointments ("events" array), every calendar, cancelled ones included.
Result<nlohmann::json> ListContactAppointments(const Context& ctx, const std::string& contact_id);

/// What `BookAppointmentOnce` did.
struct BookingOutcome {
  nlohmann::json appointment;  ///< The appointment booked now, or the one already there.
  bool created = false;        ///< A new appointment was booked (else it existed).
};

/// Books like `BookAppointment` unless the contact already has a live (not cancelled)
/// appointment on the same calendar starting at the same instant (compared in epoch ms, so
/// "…T09:00:00-05:00" and "…T14:00:00Z" are one slot): then that appointment is returned and
/// nothing is written. For callers that retry (voice agents): a retried booking books once.
/// One lookup (ListContactAppointments) before the write. Errors as BookAppointment's.
Result<BookingOutcome> BookAppointmentOnce(const Context& ctx, const AppointmentWrite& write);

}  // namespace ghl::ops
