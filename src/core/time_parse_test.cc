// Days that do not exist are refused everywhere a date is read (break-it finding: a voice
// agent spoke "Monday February 30", `ghl kpi --period 2026-02-31..` answered zeros).
#include "ghl/core/time_parse.h"

#include <gtest/gtest.h>

namespace ghl {
namespace {

TEST(TimeParseTest, DaysThatDoNotExistAreRefused) {
  for (const char* bad : {"2026-02-29", "2026-02-30", "2026-04-31", "2026-12-32", "2026-13-01",
                          "2026-00-10", "2026-01-00", "2026-1-01", "26-01-01", "2026-01-01x"}) {
    EXPECT_FALSE(ParseIsoDayMs(bad)) << bad;
    EXPECT_FALSE(ParseIsoDateTimeMs(std::string(bad) + "T10:00:00Z")) << bad;
  }
  EXPECT_EQ(ParseIsoDayMs("2028-02-29"), 1835395200000);  // a leap year
  EXPECT_EQ(ParseIsoDayMs("1970-01-01"), 0);
  EXPECT_FALSE(IsCalendarDay(2100, 2, 29));
  EXPECT_TRUE(IsCalendarDay(2000, 2, 29));
}

TEST(TimeParseTest, DateTimesWithZonesAndFractions) {
  EXPECT_EQ(ParseIsoDateTimeMs("2025-01-07T09:00:00-05:00"), 1736258400000);
  EXPECT_EQ(ParseIsoDateTimeMs("2025-01-07T14:00:00Z"), 1736258400000);
  EXPECT_EQ(ParseIsoDateTimeMs("2025-01-07T14:00"), 1736258400000);  // no zone = UTC
  EXPECT_EQ(ParseIsoDateTimeMs("2025-01-07 14:00:00.5Z"), 1736258400500);
  EXPECT_EQ(ParseIsoDateTimeMs("2025-01-07T19:30:00+0530"), 1736258400000);
  EXPECT_EQ(ParseIsoDateTimeMs("2025-01-07T14:00:00.123456Z"), 1736258400123);
}

TEST(TimeParseTest, OutOfRangeClockAndTrailingTextAreRefused) {
  for (const char* bad :
       {"2025-01-07T24:00:00Z", "2025-01-07T10:60:00Z", "2025-01-07T10:00:61Z",
        "2025-01-07T10:00:00+24:00", "2025-01-07T10:00:00+05:60", "2025-01-07T10:00:00Zjunk",
        "2025-01-07T10:00:00.Z", "2025-01-07", "2025-01-07T", "2025-01-07T9:00"}) {
    EXPECT_FALSE(ParseIsoDateTimeMs(bad)) << bad;
  }
}

}  // namespace
}  // namespace ghl
