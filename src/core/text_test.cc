#include "ghl/core/text.h"

#include <gtest/gtest.h>

namespace ghl {
namespace {

TEST(EditDistanceTest, CountsInsertionsDeletionsAndSubstitutions) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("pipeline", "pipeline"), 0u);
  EXPECT_EQ(EditDistance("pipline", "pipeline"), 1u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("", "abc"), 3u);
  EXPECT_EQ(EditDistance("contact", "Contact"), 1u) << "case counts";
}

}  // namespace
}  // namespace ghl
