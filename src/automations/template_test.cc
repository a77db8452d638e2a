#include "template.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace ghl::automations {
namespace {

TEST(TemplateTest, RendersKnownPlaceholdersAndKeepsOthers) {
  EXPECT_EQ(Render("Hi {first_name}, {calendar} on {start}. {x} {",
                   {{"first_name", "Ava"}, {"calendar", "Call"}, {"start", "Mon"}}),
            "Hi Ava, Call on Mon. {x} {");
  EXPECT_EQ(Render("{a}{a}", {{"a", "1"}}), "11");
}

TEST(TemplateTest, ListsUnknownPlaceholders) {
  EXPECT_THAT(UnknownPlaceholders("{name} {frist_name} {} {x y}", {"name", "first_name"}),
              ::testing::ElementsAre("frist_name"));
}

}  // namespace
}  // namespace ghl::automations
