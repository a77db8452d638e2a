// ParseInput checks the whole input file before any GHL call: types, emails, phones, time
// zones, custom field dataTypes and field keys two entries would share.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "ghl/onboard/onboard.h"

namespace ghl::onboard {
namespace {

using json = nlohmann::json;

json Good() {
  return json::parse(R"({
    "business": {"name": "Acme Dental", "country": "US", "timezone": "America/Chicago"},
    "owner": {"firstName": "Ana", "email": "ana@acme.example", "phone": "+15125550100"},
    "customFields": [{"name": "Lead Source"}, {"name": "Plan", "dataType": "NUMERICAL"}],
    "welcomeSms": {"text": "Welcome!"}
  })");
}

// The usage error of `in`, all its messages and hint in one text.
std::string Refusal(const json& in) {
  auto r = ParseInput(in);
  EXPECT_FALSE(r.ok()) << in.dump();
  if (r.ok()) return "";
  EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
  return r.error().Describe();
}

TEST(OnboardInputCheck, AGoodFileParses) {
  auto r = ParseInput(Good());
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_EQ(r->custom_fields.size(), 2u);
  EXPECT_EQ(r->custom_fields[1].data_type, "NUMERICAL");
  EXPECT_EQ(r->sms_to, "+15125550100");
}

TEST(OnboardInputCheck, UnknownDataTypeIsNamedWithGhlsValues) {
  json in = Good();
  in["customFields"][0]["dataType"] = "NOPE";
  std::string text = Refusal(in);
  EXPECT_NE(text.find("customFields[0].dataType is 'NOPE'"), std::string::npos) << text;
  EXPECT_NE(text.find("LARGE_TEXT"), std::string::npos) << text;
}

TEST(OnboardInputCheck, EmailsPhonesAndTimeZonesAreChecked) {
  json in = Good();
  in["owner"]["email"] = "ana@nowhere";
  in["owner"]["phone"] = "5550100";
  in["business"]["timezone"] = "Mars/Olympus";
  std::string text = Refusal(in);
  EXPECT_NE(text.find("owner.email is 'ana@nowhere'"), std::string::npos) << text;
  EXPECT_NE(text.find("owner.phone is '5550100', not an E.164"), std::string::npos) << text;
  EXPECT_NE(text.find("business.timezone is 'Mars/Olympus', not an IANA"), std::string::npos)
      << text;
}

TEST(OnboardInputCheck, AWrongTypeIsNotCalledMissing) {
  json in = Good();
  in["business"]["name"] = 5;
  std::string text = Refusal(in);
  EXPECT_NE(text.find("business.name must be a string (got number 5)"), std::string::npos) << text;
  EXPECT_EQ(text.find("missing"), std::string::npos) << text;
}

TEST(OnboardInputCheck, CustomFieldsMakingTheSameKeyAreNamedTogether) {
  json in = Good();
  in["customFields"] =
      json::parse(R"([{"name":"X"},{"name":"x"},{"name":"X ","dataType":"BOGUS"}])");
  std::string text = Refusal(in);
  EXPECT_NE(text.find("customFields[1] and customFields[0] both make field key contact.x"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("customFields[2] and customFields[0] both make field key contact.x"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("customFields[2].dataType is 'BOGUS'"), std::string::npos) << text;
  // The same name on another model is another key.
  in["customFields"] = json::parse(R"([{"name":"X"},{"name":"X","model":"opportunity"}])");
  EXPECT_TRUE(ParseInput(in).ok());
}

}  // namespace
}  // namespace ghl::onboard
