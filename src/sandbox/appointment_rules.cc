#include "appointment_rules.h"

#include <array>
#include <cstddef>
#include <string_view>

namespace ghl::sandbox {
namespace {

constexpr std::string_view kAppointmentStatuses[] = {"new",    "confirmed", "cancelled",
                                                     "showed", "noshow",    "invalid"};
constexpr std::string_view kMeetingTypes[] = {"custom",  "zoom",     "gmeet", "phone",
                                              "address", "ms_teams", "google"};

// Optional settings accepted by both create and edit.
constexpr FieldRule kSharedSettings[] = {
    {"title", FieldType::kString},
    {"meetingLocationType", FieldType::kString, false, kMeetingTypes},
    {"meetingLocationId", FieldType::kString},
    {"overrideLocationConfig", FieldType::kBoolean},
    {"appointmentStatus", FieldType::kString, false, kAppointmentStatuses},
    {"assignedUserId", FieldType::kString},
    {"address", FieldType::kString},
    {"ignoreDateRange", FieldType::kBoolean},
    {"toNotify", FieldType::kBoolean},
    {"ignoreFreeSlotValidation", FieldType::kBoolean},
    {"rrule", FieldType::kString},
};
constexpr std::size_t kShared = std::size(kSharedSettings);

// kSharedSettings followed by `own`.
template <std::size_t N>
constexpr std::array<FieldRule, kShared + N> SharedSettingsAnd(const FieldRule (&own)[N]) {
  std::array<FieldRule, kShared + N> out{};
  for (std::size_t i = 0; i < kShared; ++i) out[i] = kSharedSettings[i];
  for (std::size_t i = 0; i < N; ++i) out[kShared + i] = own[i];
  return out;
}

constexpr FieldRule kCreateFields[] = {
    {"calendarId", FieldType::kString, true}, {"locationId", FieldType::kString, true},
    {"contactId", FieldType::kString, true},  {"startTime", FieldType::kString, true},
    {"endTime", FieldType::kString},
};
constexpr FieldRule kEditFields[] = {
    {"calendarId", FieldType::kString},
    {"startTime", FieldType::kString},
    {"endTime", FieldType::kString},
};

constexpr auto kCreateRules = SharedSettingsAnd(kCreateFields);
constexpr auto kEditRules = SharedSettingsAnd(kEditFields);

}  // namespace

std::span<const FieldRule> AppointmentBodyRules(AppointmentWrite write) {
  if (write == AppointmentWrite::kCreate) return kCreateRules;
  return kEditRules;
}

}  // namespace ghl::sandbox
