#include "ghl/automations/classifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ghl/client/testing.h"

namespace ghl::automations {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

Classification Local(std::string_view text, LocalClassifier c = LocalClassifier()) {
  auto r = c.Classify(text);
  EXPECT_TRUE(r.ok());
  return r.ok() ? *r : Classification{};
}

struct Sample {
  const char* text;
  Category category;
  bool confident;  // at the default threshold 0.7
};

TEST(LocalClassifierTest, SampleMessages) {
  const Sample samples[] = {
      {"can I book a call tomorrow?", Category::kBookingRequest, true},
      {"Hi, can I book a cleaning next week?", Category::kBookingRequest, true},
      {"Do you have availability Tuesday at 3pm? I'd like an appointment",
       Category::kBookingRequest, true},
      {"What are your prices for whitening?", Category::kInquiry, true},
      {"How much does a consultation cost?", Category::kInquiry, true},
      {"I was charged twice for my visit.", Category::kComplaint, true},
      {"Terrible service, the staff was rude. I want a refund!", Category::kComplaint, true},
      {"CONGRATULATIONS! You won a $500 gift card, click http://win.example to claim your prize",
       Category::kSpam, true},
      {"Boost your SEO, rank your website #1 guaranteed", Category::kSpam, true},
      {"ok", Category::kInquiry, false},
      {"call me", Category::kBookingRequest, false},
  };
  for (const auto& s : samples) {
    Classification c = Local(s.text);
    EXPECT_EQ(c.category, s.category) << s.text << " → " << ToString(c.category) << " " << c.reason;
    EXPECT_EQ(c.confidence >= 0.7, s.confident)
        << s.text << " confidence " << c.confidence << " " << c.reason;
  }
}

TEST(LocalClassifierTest, ConfidenceFormulaAndDeterminism) {
  Classification c = Local("can I book a call tomorrow?");
  // booking: book 3 + tomorrow 2 + call 1 + "can i" 1 = 7; inquiry: '?' 1 → 7 / (7 + 1 + 1).
  EXPECT_DOUBLE_EQ(c.confidence, 7.0 / 9.0);
  EXPECT_THAT(c.reason, HasSubstr("book(3)"));
  Classification again = Local("can I book a call tomorrow?");
  EXPECT_EQ(again.confidence, c.confidence);
  Classification none = Local("");
  EXPECT_EQ(none.category, Category::kInquiry);
  EXPECT_EQ(none.confidence, 0);
}

TEST(LocalClassifierTest, ExtraKeywordsAreWholeWordsWithWeightTwo) {
  std::array<std::vector<std::string>, kCategoryCount> extra;
  extra[static_cast<int>(Category::kComplaint)] = {"Toothache"};
  LocalClassifier c(extra);
  Classification r = Local("I have a toothache", c);
  EXPECT_EQ(r.category, Category::kComplaint);
  EXPECT_DOUBLE_EQ(r.confidence, 2.0 / 3.0);
  EXPECT_EQ(Local("toothaches", c).confidence, 0);  // whole words only
}

TEST(OpenAiClassifierTest, SendsChatCompletionAndReadsJsonAnswer) {
  auto transport = std::make_shared<client::testing::FakeTransport>();
  transport->PushResponse(
      200,
      json{{"choices",
            {{{"message",
               {{"role", "assistant"},
                {"content", "```json\n{\"category\":\"complaint\",\"confidence\":0.93}\n```"}}}}}}}
          .dump());
  ClassifierConfig cfg;
  cfg.kind = "openai";
  cfg.url = "http://127.0.0.1:9/v1/chat/completions";
  cfg.model = "tiny";
  cfg.api_key = "sk-test-key";
  cfg.api_key_env = "LLM_KEY";
  OpenAiClassifier c(cfg, transport);
  auto r = c.Classify("you double charged me");
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_EQ(r->category, Category::kComplaint);
  EXPECT_DOUBLE_EQ(r->confidence, 0.93);
  auto sent = transport->requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].method, "POST");
  EXPECT_EQ(sent[0].target, cfg.url);
  EXPECT_EQ(sent[0].headers.GetOr("Authorization", ""), "Bearer sk-test-key");
  json body = json::parse(sent[0].body);
  EXPECT_EQ(body["model"], "tiny");
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["messages"][1]["content"], "you double charged me");
}

TEST(OpenAiClassifierTest, ErrorsNeverCarryTheKeyAndFallBackToLocal) {
  auto transport = std::make_shared<client::testing::FakeTransport>();
  transport->PushResponse(401, R"({"error":{"message":"Incorrect API key provided"}})");
  transport->PushResponse(200, R"({"choices":[{"message":{"content":"not json"}}]})");
  transport->PushResponse(200, R"({"choices":[{"message":{"content":"{\"category\":\"x\"}"}}]})");
  MessageClassificationConfig cfg;
  cfg.classifier.kind = "openai";
  cfg.classifier.url = "http://127.0.0.1:9/v1/chat/completions";
  cfg.classifier.model = "tiny";
  cfg.classifier.api_key = "sk-very-secret";
  cfg.classifier.api_key_env = "LLM_KEY";
  cfg.classifier.on_error = "fail";
  auto strict = MakeClassifier(cfg, transport);
  auto a = strict->Classify("hello");
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.error().http_status, 401);
  EXPECT_THAT(a.error().Describe(), HasSubstr("Incorrect API key provided"));
  EXPECT_THAT(a.error().Describe(), HasSubstr("$LLM_KEY"));
  EXPECT_THAT(a.error().Describe(), ::testing::Not(HasSubstr("sk-very-secret")));
  auto b = strict->Classify("hello");
  ASSERT_FALSE(b.ok());
  EXPECT_THAT(b.error().Summary(), HasSubstr("no JSON"));
  auto c = strict->Classify("hello");
  ASSERT_FALSE(c.ok());
  EXPECT_THAT(c.error().Summary(), HasSubstr("unknown category 'x'"));

  transport->PushNetworkError("Connection refused");
  cfg.classifier.on_error = "local";
  auto lenient = MakeClassifier(cfg, transport);
  auto d = lenient->Classify("can I book a call tomorrow?");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->category, Category::kBookingRequest);
  EXPECT_THAT(d->reason, HasSubstr("fallback"));
}

}  // namespace
}  // namespace ghl::automations
