#include "time_util.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>

#include "ghl/core/time_format.h"
#include "ghl/core/time_parse.h"

namespace ghl::sandbox {
namespace {

using namespace std::chrono;

struct Civil {
  int y;
  unsigned m, d;
  int hh, mm, ss, ms;
};

Civil ToCivil(int64_t epoch_ms) {
  int64_t nd = FloorDiv(epoch_ms, 86400000);
  int64_t rem = epoch_ms - nd * 86400000;
  year_month_day ymd{sys_days{days{static_cast<int>(nd)}}};
  return {static_cast<int>(ymd.year()),       static_cast<unsigned>(ymd.month()),
          static_cast<unsigned>(ymd.day()),   static_cast<int>(rem / 3600000),
          static_cast<int>(rem / 60000 % 60), static_cast<int>(rem / 1000 % 60),
          static_cast<int>(rem % 1000)};
}

uint32_t Be32(const std::string& d, size_t p) {
  return (static_cast<uint32_t>(static_cast<unsigned char>(d[p])) << 24) |
         (static_cast<uint32_t>(static_cast<unsigned char>(d[p + 1])) << 16) |
         (static_cast<uint32_t>(static_cast<unsigned char>(d[p + 2])) << 8) |
         static_cast<uint32_t>(static_cast<unsigned char>(d[p + 3]));
}

int64_t Be64(const std::string& d, size_t p) {
  return static_cast<int64_t>((static_cast<uint64_t>(Be32(d, p)) << 32) | Be32(d, p + 4));
}

bool ValidZoneName(std::string_view n) {
  if (n.empty() || n.size() > 64 || n.front() == '/' || n.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : n) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '-' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string IsoUtcMs(int64_t epoch_ms) {
  return FormatUtcIso(std::chrono::system_clock::time_point(std::chrono::milliseconds(epoch_ms)),
                      IsoPrecision::kMilliseconds);
}

std::string IsoWithOffset(int64_t epoch_ms, int offset_seconds) {
  Civil c = ToCivil(epoch_ms + int64_t{offset_seconds} * 1000);
  int off = offset_seconds < 0 ? -offset_seconds : offset_seconds;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d%c%02d:%02d", c.y, c.m, c.d, c.hh,
                c.mm, c.ss, offset_seconds < 0 ? '-' : '+', off / 3600, off / 60 % 60);
  return buf;
}

std::optional<int64_t> ParseIso(std::string_view s) {
  return s.size() == 10 ? ParseIsoDayMs(s) : ParseIsoDateTimeMs(s);
}

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
  return v;
}

std::string LocalDate(int64_t local_seconds) {
  Civil c = ToCivil(local_seconds * 1000);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", c.y, c.m, c.d);
  return buf;
}

int Weekday(int64_t local_seconds) {
  int64_t nd = FloorDiv(local_seconds, 86400);
  return static_cast<int>(((nd % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
}

std::shared_ptr<const TimeZone> TimeZone::Load(std::string_view name) {
  static std::mutex mu;
  static std::map<std::string, std::shared_ptr<const TimeZone>, std::less<>> cache;
  std::lock_guard lock(mu);
  if (auto it = cache.find(name); it != cache.end()) return it->second;
  if (!ValidZoneName(name)) return nullptr;
  auto tz = std::make_shared<TimeZone>();
  tz->name_ = std::string(name);
  if (name != "UTC" && name != "Etc/UTC" && name != "GMT") {
    std::ifstream in("/usr/share/zoneinfo/" + std::string(name), std::ios::binary);
    if (!in) return nullptr;
    std::string d((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (d.size() < 44 || d.compare(0, 4, "TZif") != 0) return nullptr;
    auto counts = [&](size_t h, uint32_t* c) {
      for (int i = 0; i < 6; ++i) c[i] = Be32(d, h + 20 + 4 * i);
    };
    uint32_t c[6];  // isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt
    counts(0, c);
    size_t p = 44;
    int tsize = 4;
    if (d[4] >= '2') {
      p += c[3] * 5 + c[4] * 6 + c[5] + c[2] * 8 + c[1] + c[0];
      if (d.size() < p + 44) return nullptr;
      counts(p, c);
      p += 44;
      tsize = 8;
    }
    size_t need = c[3] * (tsize + 1) + c[4] * 6;
    if (d.size() < p + need || c[4] == 0) return nullptr;
    size_t idx = p + c[3] * tsize;
    size_t types = idx + c[3];
    auto type_offset = [&](size_t t) {
      return static_cast<int>(static_cast<int32_t>(Be32(d, types + 6 * t)));
    };
    tz->initial_offset_ = type_offset(0);
    for (uint32_t i = 0; i < c[3]; ++i) {
      int64_t t = tsize == 8 ? Be64(d, p + 8 * i)
                             : static_cast<int64_t>(static_cast<int32_t>(Be32(d, p + 4 * i)));
      size_t ti = static_cast<unsigned char>(d[idx + i]);
      if (ti >= c[4]) return nullptr;
      tz->transitions_.push_back(t);
      tz->offsets_.push_back(type_offset(ti));
    }
  }
  cache.emplace(std::string(name), tz);
  return tz;
}

int TimeZone::OffsetAt(int64_t utc_seconds) const {
  auto it = std::upper_bound(transitions_.begin(), transitions_.end(), utc_seconds);
  if (it == transitions_.begin()) return initial_offset_;
  return offsets_[static_cast<size_t>(it - transitions_.begin()) - 1];
}

int64_t TimeZone::LocalToUtc(int64_t local_seconds) const {
  int64_t guess = local_seconds - OffsetAt(local_seconds);
  int64_t utc = local_seconds - OffsetAt(guess);
  if (OffsetAt(utc) + utc != local_seconds) {
    // Gap (spring forward): use the offset valid before the transition.
    utc = local_seconds - OffsetAt(guess - 86400);
  }
  return utc;
}

}  // namespace ghl::sandbox
