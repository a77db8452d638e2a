#include "ghl/core/time_parse.h"

#include <chrono>

namespace ghl {
namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "YYYY-MM-DD" at the start of `s` → UTC midnight, when that day exists.
std::optional<int64_t> DayPrefixMs(std::string_view s) {
  int y, mo, d;
  if (!Digits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) ||
      !IsCalendarDay(y, static_cast<unsigned>(mo), static_cast<unsigned>(d))) {
    return std::nullopt;
  }
  using namespace std::chrono;
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  return int64_t{sys_days{ymd}.time_since_epoch().count()} * 86400000;
}

}  // namespace

bool IsCalendarDay(int y, unsigned m, unsigned d) {
  using namespace std::chrono;
  return year_month_day{year{y}, month{m}, day{d}}.ok();
}

std::optional<int64_t> ParseIsoDayMs(std::string_view s) {
  if (s.size() != 10) return std::nullopt;
  return DayPrefixMs(s);
}

std::optional<int64_t> ParseIsoDateTimeMs(std::string_view s) {
  auto day = DayPrefixMs(s);
  if (!day) return std::nullopt;
  size_t p = 10;
  if (p >= s.size() || (s[p] != 'T' && s[p] != 't' && s[p] != ' ')) return std::nullopt;
  int hh, mi, ss = 0, frac = 0;
  if (!Digits(s, p + 1, 2, &hh) || p + 3 >= s.size() || s[p + 3] != ':' ||
      !Digits(s, p + 4, 2, &mi)) {
    return std::nullopt;
  }
  p += 6;
  if (p < s.size() && s[p] == ':') {
    if (!Digits(s, p + 1, 2, &ss)) return std::nullopt;
    p += 3;
    if (p < s.size() && (s[p] == '.' || s[p] == ',')) {
      size_t start = ++p;
      int n = 0;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        if (n < 3) frac = frac * 10 + (s[p] - '0');
        ++n;
        ++p;
      }
      if (p == start) return std::nullopt;
      for (; n < 3; ++n) frac *= 10;
    }
  }
  if (hh > 23 || mi > 59 || ss > 60) return std::nullopt;
  int64_t ms = *day + ((hh * 60 + mi) * 60 + ss) * int64_t{1000} + frac;
  if (p == s.size() || ((s[p] == 'Z' || s[p] == 'z') && p + 1 == s.size())) return ms;
  if (s[p] != '+' && s[p] != '-') return std::nullopt;
  int sign = s[p] == '-' ? -1 : 1;
  int oh, om = 0;
  if (!Digits(s, p + 1, 2, &oh)) return std::nullopt;
  size_t q = p + 3;
  if (q < s.size() && s[q] == ':') ++q;
  if (q < s.size()) {
    if (!Digits(s, q, 2, &om)) return std::nullopt;
    q += 2;
  }
  if (q != s.size() || oh > 23 || om > 59) return std::nullopt;
  return ms - sign * (oh * 60 + om) * int64_t{60000};
}

}  // namespace ghl
