/// \file
/// UTC ISO 8601 / RFC 3339 formatting, written once for messages, notes, webhook bodies and tests.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace ghl {

/// How many fractional digits `FormatUtcIso` writes.
enum class IsoPrecision {
  kSeconds,      ///< "2024-05-02T09:30:00Z"
  kMilliseconds  ///< "2024-05-02T09:30:00.123Z" (truncated, not rounded; as GHL writes them)
};

/// `t` in UTC as ISO 8601 with a "Z" suffix. Instants before 1970 are floored correctly
/// (1969-12-31T23:59:59.999Z for -1 ms).
std::string FormatUtcIso(std::chrono::system_clock::time_point t,
                         IsoPrecision precision = IsoPrecision::kSeconds);

/// `FormatUtcIso(system_clock::now(), precision)`.
std::string UtcIsoNow(IsoPrecision precision = IsoPrecision::kSeconds);

/// Whether `name` is an IANA time zone ("America/Chicago", "UTC", "Asia/Kolkata") of the tz
/// database installed at `zoneinfo_dir`: a file there in TZif format. Names are
/// case-sensitive; "Mars/Olympus", "", "../etc/passwd", "/UTC" and directories ("America") are
/// not zones. GHL stores a location's `timezone` as such a name.
bool IsIanaTimeZone(std::string_view name, std::string_view zoneinfo_dir = "/usr/share/zoneinfo");

}  // namespace ghl
