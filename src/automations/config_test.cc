#include "ghl/automations/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace ghl::automations {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::string DataFile(const std::string& name) {
  const char* src = std::getenv("GHL_SOURCE_DIR");
  return std::string(src ? src : GHL_TEST_SOURCE_DIR) + "/tests/data/automations/" + name;
}

std::vector<std::string> Errors(std::string_view text) {
  auto r = ParseConfig(text, "t.toml");
  EXPECT_FALSE(r.ok()) << "expected errors for:\n" << text;
  return r.ok() ? std::vector<std::string>{} : r.error().messages;
}

TEST(ConfigTest, DemoFileParsesWithEveryRecipe) {
  auto c = LoadConfig(DataFile("demo.toml"));
  ASSERT_TRUE(c.ok()) << c.error().Describe();
  EXPECT_EQ(c->location_id, "sbxLoc7Qm2Xk9PzDemo1");
  EXPECT_THAT(c->EnabledRecipes(),
              ElementsAre("dedup_tagging", "lead_scoring", "form_to_opportunity", "booking",
                          "pipeline_advance", "message_classification"));
  EXPECT_EQ(c->form_to_opportunity.pipeline.text, "Sales Pipeline");
  EXPECT_GT(c->form_to_opportunity.pipeline.line, 0);
  EXPECT_EQ(c->form_to_opportunity.monetary_value, 500);
  EXPECT_EQ(c->booking.calendar.text, "Discovery Call");
  EXPECT_EQ(c->booking.min_notice, std::chrono::minutes(60));
  EXPECT_EQ(c->lead_scoring.rules.size(), 5u);
  EXPECT_EQ(c->lead_scoring.rules[4].kind, RuleKind::kCustomField);
  EXPECT_EQ(c->lead_scoring.rules[4].equals.value_or(""), "complete");
  EXPECT_EQ(c->worker.lease, std::chrono::seconds(60));
  EXPECT_EQ(c->message_classification.replies[3], "");
  EXPECT_EQ(c->message_classification.classifier.kind, "local");
}

TEST(ConfigTest, ObjectsFileParsesTheFormToObjectRecipe) {
  auto c = LoadConfig(DataFile("objects.toml"));
  ASSERT_TRUE(c.ok()) << c.error().Describe();
  EXPECT_THAT(c->EnabledRecipes(), ElementsAre("form_to_object"));
  const auto& f = c->form_to_object;
  EXPECT_EQ(f.object, "custom_objects.application");
  EXPECT_EQ(f.association, "application_opportunity");
  EXPECT_EQ(f.match_property, "opportunity_id");
  ASSERT_EQ(f.properties.size(), 3u);
  EXPECT_THAT(f.properties, ::testing::Contains(std::pair<std::string, std::string>{
                                "title", "{name} - application"}));
}

TEST(ConfigTest, FormToObjectNamesWhatIsMissingAndBadPlaceholders) {
  auto errors = Errors(
      "[recipes.form_to_object]\n"
      "pipeline = \"Sales Pipeline\"\n"
      "stage = \"New Lead\"\n"
      "[recipes.form_to_object.properties]\n"
      "title = \"{nmae}\"\n"
      "size = 3\n");
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("'object' is missing; add object = ")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("'association' is missing")));
  EXPECT_THAT(errors, ::testing::Contains(HasSubstr("t.toml:5: 'title' in "
                                                    "[recipes.form_to_object.properties] uses "
                                                    "unknown placeholder {nmae}")));
  EXPECT_THAT(errors,
              ::testing::Contains(HasSubstr("t.toml:6: 'size' in "
                                            "[recipes.form_to_object.properties] must be")));
}

TEST(ConfigTest, TyposFileReportsEveryErrorWithLineFieldAndFix) {
  auto c = LoadConfig(DataFile("typos.toml"));
  ASSERT_FALSE(c.ok());
  const std::string f = DataFile("typos.toml");
  EXPECT_THAT(
      c.error().messages,
      ElementsAre(f + ":5: unknown key 'concurency' in [worker]; did you mean 'concurrency'?",
                  f + ":7: [recipes.form_to_opportunity] is enabled but 'pipeline' is missing; "
                      "add pipeline = \"<pipeline id or name>\"",
                  f + ":8: unknown key 'pipline' in [recipes.form_to_opportunity]; did you "
                      "mean 'pipeline'?",
                  f + ":10: 'monetary_value' in [recipes.form_to_opportunity] must be a number, "
                      "got a string; write monetary_value = 500 (a number from 0 to "
                      "1000000000000, without quotes)",
                  f + ":12: [recipes.booking] is enabled but 'calendar' is missing; add "
                      "calendar = \"<calendar id or name>\"",
                  f + ":13: 'timezone' in [recipes.booking] must be an IANA time zone name "
                      "such as \"America/New_York\" or \"UTC\"",
                  f + ":14: 'sms_template' in [recipes.booking] uses unknown placeholder "
                      "{frist_name}; known placeholders: {first_name} {name} {calendar} {start}",
                  f + ":16: [recipes.message_classification.classifier] has kind = \"openai\" "
                      "but no 'api_key_env'; add api_key_env = \"...\"",
                  f + ":20: 'api_key' is not allowed in [recipes.message_classification."
                      "classifier]: secrets never go in the file; put the key in an environment "
                      "variable and name it with api_key_env = \"OPENAI_API_KEY\""));
  // The secret itself is never echoed.
  EXPECT_THAT(c.error().Describe(), ::testing::Not(HasSubstr("sk-secret")));
  EXPECT_THAT(c.error().Describe(), HasSubstr("hint: fix the config file"));
}

TEST(ConfigTest, SyntaxErrorNamesTheLine) {
  auto e = Errors("[worker]\nconcurrency = 2\nlease_seconds = = 3\n");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_THAT(e[0], HasSubstr("t.toml:3: not valid TOML"));
}

TEST(ConfigTest, UnknownRecipeAndTopLevelKeys) {
  auto e =
      Errors("locaton_id = \"x\"\n[recipes.dedup_taging]\n[recipes.booking]\ncalendar = \"c\"\n");
  EXPECT_THAT(e, ElementsAre(HasSubstr("t.toml:1: unknown key 'locaton_id' in [top level]; did "
                                       "you mean 'location_id'?"),
                             HasSubstr("t.toml:2: unknown key 'dedup_taging' in [recipes]; did "
                                       "you mean 'dedup_tagging'?")));
}

TEST(ConfigTest, RangesAndTypes) {
  auto e = Errors(
      "[worker]\nconcurrency = 0\nmax_attempts = 2.5\n"
      "[recipes.booking]\ncalendar = \"c\"\nsearch_days = 40\nremove_trigger_tag = \"yes\"\n");
  EXPECT_THAT(e, ElementsAre(HasSubstr(":2: 'concurrency' in [worker] is 0; it must be between 1 "
                                       "and 64"),
                             HasSubstr(":3: 'max_attempts' in [worker] must be a whole number, "
                                       "got a number; write max_attempts = a "
                                       "whole number from 1 to"),
                             HasSubstr(":6: 'search_days' in [recipes.booking] is 40; it must be "
                                       "between 1 and 31"),
                             HasSubstr(":7: 'remove_trigger_tag' in [recipes.booking] must be "
                                       "true or false")));
}

TEST(ConfigTest, ScoringRulesNeedOneConditionAndPoints) {
  auto e = Errors(R"([recipes.lead_scoring]
score_field = "contact.lead_score"
warm_threshold = 60
hot_threshold = 50
hot_stage = "Qualified"

[[recipes.lead_scoring.rules]]
has = "email"
tag = "vip"
points = 5

[[recipes.lead_scoring.rules]]
has = "fax"

[[recipes.lead_scoring.rules]]
tag = "vip"
equals = "x"
points = 1
)");
  EXPECT_THAT(e, ElementsAre(HasSubstr(":1: [recipes.lead_scoring] has hot_stage but no "
                                       "'pipeline'"),
                             HasSubstr(":3: warm_threshold (60) is above hot_threshold (50)"),
                             HasSubstr(":7: a rule in [[recipes.lead_scoring.rules]] needs "
                                       "exactly one of has, source, tag, custom_field (found 2)"),
                             HasSubstr(":12: a rule in [[recipes.lead_scoring.rules]] has no "
                                       "'points'; add points = 10"),
                             HasSubstr(":13: 'has' in [[recipes.lead_scoring.rules]] is \"fax\""),
                             HasSubstr(":17: 'equals' in [[recipes.lead_scoring.rules]] only "
                                       "goes with custom_field")));
}

TEST(ConfigTest, EnabledFalseTurnsARecipeOffAndNothingOnIsAnError) {
  auto e = Errors("[recipes.booking]\nenabled = false\n");
  EXPECT_THAT(e, ElementsAre(HasSubstr(":1: no recipe is enabled")));
  auto ok = ParseConfig("[recipes.booking]\nenabled = false\n[recipes.dedup_tagging]\n");
  ASSERT_TRUE(ok.ok()) << ok.error().Describe();
  EXPECT_FALSE(ok->booking.enabled);
  EXPECT_TRUE(ok->dedup_tagging.enabled);
}

TEST(ConfigTest, ApiKeyComesFromTheNamedVariableOnly) {
  auto c = ParseConfig(R"([recipes.message_classification.classifier]
kind = "openai"
url = "http://127.0.0.1:9/v1/chat/completions"
model = "m"
api_key_env = "MY_LLM_KEY"
)");
  ASSERT_TRUE(c.ok()) << c.error().Describe();
  auto missing = ResolveSecrets(*c, [](std::string_view) { return std::nullopt; });
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.error().Describe(), HasSubstr("MY_LLM_KEY is not set"));
  ASSERT_TRUE(ResolveSecrets(*c, [](std::string_view name) -> std::optional<std::string> {
                if (name == "MY_LLM_KEY") return "sk-test-123";
                return std::nullopt;
              }).ok());
  EXPECT_EQ(c->message_classification.classifier.api_key, "sk-test-123");
  EXPECT_THAT(DescribeConfig(*c), ::testing::Not(HasSubstr("sk-test-123")));
  EXPECT_THAT(DescribeConfig(*c), HasSubstr("$MY_LLM_KEY"));
  auto bad = Errors(
      "[recipes.message_classification.classifier]\nkind = \"openai\"\n"
      "url = \"u\"\nmodel = \"m\"\napi_key_env = \"sk-abc\"\n");
  EXPECT_THAT(bad, ElementsAre(HasSubstr(":3: 'url' in"),
                               HasSubstr(":5: 'api_key_env' in [recipes.message_classification."
                                         "classifier] must be the NAME of an environment "
                                         "variable")));
}

TEST(ConfigTest, FormToOnboardingMappingErrorsNameTheFieldAndTheFix) {
  auto errors = Errors(R"([recipes.form_to_onboarding]
journal = "j.db"

[recipes.form_to_onboarding.fields]
"business.nmae" = "companyName"
"owner.email" = "emial"
"business.city" = "contact.city_field"
)");
  ASSERT_EQ(errors.size(), 3u) << ::testing::PrintToString(errors);
  EXPECT_THAT(errors[0], HasSubstr("t.toml:1: [recipes.form_to_onboarding] is enabled but "
                                   "'company_id' is missing"));
  EXPECT_THAT(errors[1], HasSubstr("t.toml:5: unknown onboarding field 'business.nmae'"));
  EXPECT_THAT(errors[1], HasSubstr("did you mean 'business.name'?"));
  EXPECT_THAT(errors[2], HasSubstr("t.toml:6: 'owner.email' in "
                                   "[recipes.form_to_onboarding.fields] reads 'emial', which is "
                                   "not a contact field; did you mean 'email'?"));
  auto ok = ParseConfig(R"([recipes.form_to_onboarding]
company_id = "cmp1"
[recipes.form_to_onboarding.fields]
"business.city" = "contact.city_field"
"owner.email" = "email"
)",
                        "t.toml");
  ASSERT_TRUE(ok.ok()) << ok.error().Describe();
  EXPECT_EQ(ok->form_to_onboarding.SourceOf("business.city"), "contact.city_field");
  EXPECT_EQ(ok->form_to_onboarding.SourceOf("business.name"), "companyName");  // default
  EXPECT_THAT(ok->EnabledRecipes(), ElementsAre("form_to_onboarding"));
  // The agency token comes from the named variable only.
  auto st = ResolveSecrets(*ok, [](std::string_view) { return std::nullopt; });
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.error().Describe(), HasSubstr("GHL_AGENCY_TOKEN is not set"));
}

TEST(ConfigTest, MissingFileIsAUsageErrorNamingThePath) {
  auto c = LoadConfig("/nonexistent/automations.toml");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().kind, ErrorKind::kUsage);
  EXPECT_THAT(c.error().Summary(), HasSubstr("/nonexistent/automations.toml"));
}

}  // namespace
}  // namespace ghl::automations
