// Checks for numeric flags that say what is wrong in the flag's own terms ("--max-pages:
// expected a whole number from 0 to 2147483647, got '-1'"), instead of CLI11's generic conversion
// messages (which, for a 300-digit number, did not say that it was out of range).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace ghl::cli {

/// A CLI11 check run on the text as given: a whole number (decimal digits, an optional '-')
/// from `min` to `max`, else the usage error "FLAG: expected a whole number from MIN to MAX,
/// got 'TEXT'" (CLI11 adds "FLAG: "; TEXT cut at 40 characters, control characters escaped).
/// `max` must fit the option's type; `flag` names the check.
CLI::Validator WholeNumber(const std::string& flag, long long min, long long max);

/// The same for a decimal number (seconds): "FLAG: expected a number from MIN to MAX, got
/// 'TEXT'" for text that is not a plain decimal ("1.5", "-2", "60"; no exponent, inf or nan)
/// or is out of range.
CLI::Validator DecimalNumber(const std::string& flag, double min, double max);

}  // namespace ghl::cli
