#include "cli_checks.h"

#include <cctype>
#include <charconv>

#include "ghl/core/text.h"

namespace ghl::cli {

namespace {

std::string Shown(const std::string& text) {
  std::string shown = TerminalSafeLine(text.substr(0, 40));
  if (text.size() > 40) shown += "…";
  return shown;
}

// "60", "0.05", "1e3" → "1000": the shortest text for a bound.
std::string Bound(double v) {
  std::string s = std::to_string(v);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

}  // namespace

CLI::Validator DecimalNumber(const std::string& flag, double min, double max) {
  std::string range = Bound(min) + " to " + Bound(max);
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        bool plain = !text.empty();
        int dots = 0;
        int digits = 0;
        for (size_t i = 0; i < text.size() && plain; ++i) {
          char c = text[i];
          if (c == '-' && i == 0) continue;
          if (c == '.') {
            plain = ++dots == 1;
          } else if (std::isdigit(static_cast<unsigned char>(c))) {
            ++digits;
          } else {
            plain = false;
          }
        }
        if (plain && digits > 0 && digits <= 30) {
          double value = 0;
          const char* end = text.data() + text.size();
          auto [ptr, ec] = std::from_chars(text.data(), end, value);
          if (ec == std::errc() && ptr == end && value >= min && value <= max) return {};
        }
        // CLI11 puts "FLAG: " in front.
        return "expected a number from " + range + ", got '" + Shown(text) + "'";
      },
      "NUMBER in " + range, "number " + flag);
}

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
        // CLI11 puts "FLAG: " in front.
        return "expected a whole number from " + range + ", got '" + Shown(text) + "'";
      },
      "INT in " + range, "whole number " + flag);
}

}  // namespace ghl::cli
