// Time helpers for the sandbox: ISO 8601 formatting/parsing (UTC and fixed offsets) and IANA
// time zones read from the system tz database (/usr/share/zoneinfo, TZif files).
//
// Zones: offsets come from the TZif transition table (Debian ships "fat" files with
// transitions up to 2037); after the last transition the last offset is kept (the POSIX rule
// in the file footer is not evaluated). "UTC" and "Etc/UTC" need no file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ghl::sandbox {

/// "2021-07-02T05:18:26.704Z" (UTC, milliseconds).
std::string IsoUtcMs(int64_t epoch_ms);
/// "2024-10-28T10:00:00-05:00" for `epoch_ms` shown at `offset_seconds` east of UTC
/// ("+00:00" for UTC; seconds only).
std::string IsoWithOffset(int64_t epoch_ms, int offset_seconds);
/// Parses "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z", "+HH:MM", "-HHMM" or
/// nothing (then UTC). nullopt when malformed.
std::optional<int64_t> ParseIso(std::string_view text);
/// Parses a decimal integer (epoch ms in query strings); nullopt when not one.
std::optional<int64_t> ParseInt(std::string_view text);
/// "YYYY-MM-DD" of the local date at `local_seconds` (seconds since epoch, wall clock).
std::string LocalDate(int64_t local_seconds);
/// Day of week (0 = Sunday) of the local date at `local_seconds`.
int Weekday(int64_t local_seconds);
/// Floors to a multiple of `d` (also for negative values).
inline int64_t FloorDiv(int64_t a, int64_t d) { return a >= 0 ? a / d : -((-a + d - 1) / d); }

/// An IANA time zone.
class TimeZone {
 public:
  /// Loads "America/New_York", "UTC", …; nullptr for an unknown or malformed name. Cached.
  static std::shared_ptr<const TimeZone> Load(std::string_view name);

  const std::string& name() const { return name_; }
  /// Offset east of UTC, seconds, at UTC instant `utc_seconds`.
  int OffsetAt(int64_t utc_seconds) const;
  /// The UTC instant of local wall time `local_seconds` (in a gap or overlap: the instant using
  /// the offset valid just before).
  int64_t LocalToUtc(int64_t local_seconds) const;

 private:
  std::string name_;
  std::vector<int64_t> transitions_;  // UTC seconds, ascending
  std::vector<int> offsets_;          // offset after each transition
  int initial_offset_ = 0;
};

}  // namespace ghl::sandbox
