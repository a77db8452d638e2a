/// \file
/// Strict ISO 8601 / RFC 3339 parsing, written once for every input that carries a date: tool
/// and agent arguments, `--period`, sandbox query values, synced timestamps. A date that does
/// not exist (2026-02-30, 2026-12-32, month 13, hour 24) is refused, never rolled over into
/// the next month.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace ghl {

/// True when year `y`, month `m` (1–12) and day `d` name a day of the proleptic Gregorian
/// calendar (February 29 only in leap years).
bool IsCalendarDay(int y, unsigned m, unsigned d);

/// "YYYY-MM-DD" exactly (a day that exists) → that day's UTC midnight as epoch milliseconds;
/// nullopt for anything else.
std::optional<int64_t> ParseIsoDayMs(std::string_view text);

/// A date-time "YYYY-MM-DDTHH:MM[:SS[.fff…]][Z|±HH[:]MM]" (a space may stand for the 'T'; no
/// zone means UTC; fractions beyond milliseconds are truncated) → epoch milliseconds (UTC).
/// nullopt when malformed or out of range: a day that does not exist, hour > 23, minute > 59,
/// second > 60 (a leap second reads as :60), an offset beyond ±23:59, trailing text.
std::optional<int64_t> ParseIsoDateTimeMs(std::string_view text);

}  // namespace ghl
