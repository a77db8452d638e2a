// Body rules of the two appointment writes (calendars spec, Version 2021-04-15): the settings
// both accept, plus the fields each one names (create requires calendarId, locationId,
// contactId and startTime; edit requires nothing and refuses locationId and contactId).
#pragma once

#include <span>

#include "handler.h"

namespace ghl::sandbox {

/// Which appointment write a body is for.
enum class AppointmentWrite {
  kCreate,  ///< POST /calendars/events/appointments
  kEdit,    ///< PUT /calendars/events/appointments/{eventId}
};

/// The ValidateBody rules of `write`: the shared settings (title, meetingLocationType,
/// appointmentStatus, …) first, then the write's own fields, so messages keep that order.
std::span<const FieldRule> AppointmentBodyRules(AppointmentWrite write);

}  // namespace ghl::sandbox
