#include "time_util.h"

#include <gtest/gtest.h>

namespace ghl::sandbox {
namespace {

TEST(TimeUtil, IsoRoundTrips) {
  EXPECT_EQ(IsoUtcMs(1741003200123), "2025-03-03T12:00:00.123Z");
  EXPECT_EQ(ParseIso("2025-03-03T12:00:00.123Z"), 1741003200123);
  EXPECT_EQ(ParseIso("2025-03-03T07:00:00-05:00"), 1741003200000);
  EXPECT_EQ(ParseIso("2025-03-03T17:30:00+0530"), 1741003200000);
  EXPECT_EQ(ParseIso("2025-03-03"), 1740960000000);
  EXPECT_EQ(IsoWithOffset(1741003200000, -5 * 3600), "2025-03-03T07:00:00-05:00");
  EXPECT_EQ(IsoWithOffset(1741003200000, 0), "2025-03-03T12:00:00+00:00");
  EXPECT_FALSE(ParseIso("03/03/2025").has_value());
  EXPECT_FALSE(ParseIso("2025-02-30").has_value());
  EXPECT_EQ(Weekday(1741003200), 1);  // Monday
  EXPECT_EQ(LocalDate(1741003200 - 13 * 3600), "2025-03-02");
}

TEST(TimeUtil, ZonesFromTheSystemDatabase) {
  auto ny = TimeZone::Load("America/New_York");
  ASSERT_NE(ny, nullptr);
  EXPECT_EQ(ny->OffsetAt(1741003200), -5 * 3600);           // March 3: EST
  EXPECT_EQ(ny->OffsetAt(1741003200 + 7 * 86400), -4 * 3600);  // March 10: EDT
  // 2025-03-10 09:00 local → 13:00Z.
  EXPECT_EQ(ny->LocalToUtc(1741597200), 1741597200 + 4 * 3600);
  auto kolkata = TimeZone::Load("Asia/Kolkata");
  ASSERT_NE(kolkata, nullptr);
  EXPECT_EQ(kolkata->OffsetAt(1741003200), 5 * 3600 + 1800);
  EXPECT_EQ(TimeZone::Load("UTC")->OffsetAt(0), 0);
  EXPECT_EQ(TimeZone::Load("Nowhere/Special"), nullptr);
  EXPECT_EQ(TimeZone::Load("../../etc/passwd"), nullptr);
}

}  // namespace
}  // namespace ghl::sandbox
