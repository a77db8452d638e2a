#include "ghl/core/json_depth.h"

#include <gtest/gtest.h>

namespace ghl {
namespace {

std::string Nested(size_t levels, std::string_view open = "[", std::string_view close = "]") {
  std::string s;
  for (size_t i = 0; i < levels; ++i) s += open;
  for (size_t i = 0; i < levels; ++i) s += close;
  return s;
}

TEST(JsonDepthTest, AcceptsUpToTheLimitAndRefusesOneLevelMore) {
  EXPECT_FALSE(FindJsonTooDeep(Nested(64), 64));
  auto deep = FindJsonTooDeep(Nested(65), 64);
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->offset, 64u);
  EXPECT_EQ(deep->max_depth, 64u);
}

TEST(JsonDepthTest, HundredThousandLevelsAreRefusedWithoutParsing) {
  std::string text = Nested(100000);
  ASSERT_TRUE(FindJsonTooDeep(text));
  EXPECT_TRUE(ParseJsonBounded(text).is_discarded());
  // Ordinary documents parse as before.
  auto ok = ParseJsonBounded(R"({"a":[1,{"b":"c"}]})");
  ASSERT_FALSE(ok.is_discarded());
  EXPECT_EQ(ok["a"][1]["b"], "c");
  EXPECT_TRUE(ParseJsonBounded("{nope").is_discarded());
}

TEST(JsonDepthTest, BracketsInsideStringsDoNotCount) {
  std::string text = R"({"a":"[[[[[[[[[[ \" [[[[[[[[", "b":"\\"})";
  EXPECT_FALSE(FindJsonTooDeep(text, 1));
  EXPECT_TRUE(FindJsonTooDeep(R"({"a":"\\",  "b":[1]})", 1));
}

TEST(JsonDepthTest, PathNamesKeysAndIndexesDownToTheTooDeepContainer) {
  auto deep = FindJsonTooDeep(R"({"filters":[{"group":"AND","filters":[1,2,{"x":[]}]}]})", 4);
  ASSERT_TRUE(deep);
  EXPECT_EQ(deep->path, "filters[0].filters[2]");
  EXPECT_EQ(deep->Describe(), "nested deeper than 4 levels at filters[0].filters[2]");
  auto root = FindJsonTooDeep("[[1]]", 0);
  ASSERT_TRUE(root);
  EXPECT_EQ(root->path, "");
  EXPECT_EQ(root->Describe(), "nested deeper than 0 levels");
}

TEST(JsonDepthTest, LongPathsKeepHeadAndTail) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += R"({"filters":[)";
  auto deep = FindJsonTooDeep(text, 64);
  ASSERT_TRUE(deep);
  EXPECT_LE(deep->path.size(), 220u);
  EXPECT_EQ(deep->path.rfind("filters[0]", 0), 0u);
  EXPECT_NE(deep->path.find("more levels"), std::string::npos);
  EXPECT_EQ(deep->path.substr(deep->path.size() - 10), "filters[0]");
}

}  // namespace
}  // namespace ghl
