#include "ghl/core/time_format.h"

#include <cstdio>
#include <ctime>

namespace ghl {

std::string FormatUtcIso(std::chrono::system_clock::time_point t, IsoPrecision precision) {
  auto ms = std::chrono::floor<std::chrono::milliseconds>(t).time_since_epoch().count();
  auto secs = static_cast<std::time_t>(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
  int frac = static_cast<int>(ms - static_cast<long long>(secs) * 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  if (precision == IsoPrecision::kMilliseconds) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  }
  return buf;
}

std::string UtcIsoNow(IsoPrecision precision) {
  return FormatUtcIso(std::chrono::system_clock::now(), precision);
}

}  // namespace ghl
