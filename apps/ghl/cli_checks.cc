#include "cli_checks.h"

#include <cctype>
#include <charconv>

#include "ghl/core/text.h"

namespace ghl::cli {

CLI::Validator WholeNumber(const std::string& flag, long long min, long long max) {
  std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [flag, min, max, range](std::string& text) -> std::string {
        long long value = 0;
        const char* end = text.data() + text.size();
        auto [ptr, ec] = std::from_chars(text.data(), end, value);
        if (ec == std::errc() && ptr == end && !text.empty() && value >= min && value <= max) {
          return {};
        }
        std::string shown = TerminalSafeLine(text.substr(0, 40));
        if (text.size() > 40) shown += "…";
        // CLI11 puts "FLAG: " in front.
        return "expected a whole number from " + range + ", got '" + shown + "'";
      },
      "INT in " + range, "whole number " + flag);
}

}  // namespace ghl::cli
