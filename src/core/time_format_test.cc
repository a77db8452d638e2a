#include "ghl/core/time_format.h"

#include <gtest/gtest.h>

namespace ghl {
namespace {

using namespace std::chrono;

TEST(TimeFormatTest, FormatsUtcWithSecondsOrMilliseconds) {
  system_clock::time_point t = sys_days{year{2024} / 5 / 2} + 9h + 30min + 7s + 123ms;
  EXPECT_EQ(FormatUtcIso(t), "2024-05-02T09:30:07Z");
  EXPECT_EQ(FormatUtcIso(t, IsoPrecision::kMilliseconds), "2024-05-02T09:30:07.123Z");
  EXPECT_EQ(FormatUtcIso(t + 999us, IsoPrecision::kMilliseconds), "2024-05-02T09:30:07.123Z")
      << "truncated, not rounded";
}

TEST(TimeFormatTest, InstantsBefore1970AreFloored) {
  system_clock::time_point t = system_clock::time_point{} - 1ms;
  EXPECT_EQ(FormatUtcIso(t, IsoPrecision::kMilliseconds), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatUtcIso(t), "1969-12-31T23:59:59Z");
}

TEST(TimeFormatTest, NowHasTheMillisecondShape) {
  std::string now = UtcIsoNow(IsoPrecision::kMilliseconds);
  ASSERT_EQ(now.size(), 24u);
  EXPECT_EQ(now[10], 'T');
  EXPECT_EQ(now[19], '.');
  EXPECT_EQ(now.back(), 'Z');
  EXPECT_EQ(now.substr(0, 2), "20");
}

TEST(IsIanaTimeZoneTest, KnowsTheTzDatabaseAndNothingElse) {
  EXPECT_TRUE(IsIanaTimeZone("America/Chicago"));
  EXPECT_TRUE(IsIanaTimeZone("UTC"));
  EXPECT_TRUE(IsIanaTimeZone("America/Argentina/Buenos_Aires"));
  EXPECT_FALSE(IsIanaTimeZone("Mars/Olympus"));
  EXPECT_FALSE(IsIanaTimeZone("america/chicago"));
  EXPECT_FALSE(IsIanaTimeZone("America"));
  EXPECT_FALSE(IsIanaTimeZone(""));
  EXPECT_FALSE(IsIanaTimeZone("../../etc/passwd"));
  EXPECT_FALSE(IsIanaTimeZone("/UTC"));
  EXPECT_FALSE(IsIanaTimeZone("UTC", "/nonexistent-zoneinfo"));
}

}  // namespace
}  // namespace ghl
