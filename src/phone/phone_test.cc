// ghl::phone::Parse on numbers of several countries; each expected value is what
// libphonenumber 8.12.57 (Debian 12) gives.
#include "ghl/phone/phone.h"

#include <gtest/gtest.h>

namespace ghl::phone {
namespace {

struct Case {
  const char* text;
  const char* e164;
  const char* region;
  bool valid;
  const char* extension = "";
};

void ExpectParsed(const Case& c) {
  auto p = Parse(c.text);
  ASSERT_TRUE(p.ok()) << c.text << ": " << p.error().Describe();
  EXPECT_EQ(p->e164, c.e164) << c.text;
  EXPECT_EQ(p->region, c.region) << c.text;
  EXPECT_EQ(p->valid, c.valid) << c.text;
  EXPECT_EQ(p->extension, c.extension) << c.text;
}

TEST(PhoneParse, UsAndCanadaShareOneButGetTheirOwnRegion) {
  for (const Case& c : {Case{"(512) 555-0123", "+15125550123", "US", true},
                        Case{"512.555.0123", "+15125550123", "US", true},
                        Case{"1-512-555-0123", "+15125550123", "US", true},
                        Case{"+1 416 555 0199", "+14165550199", "CA", true},
                        Case{"+1 204 555 0100", "+12045550100", "CA", true},
                        Case{"1-787-555-0100", "+17875550100", "PR", true}}) {
    ExpectParsed(c);
  }
  auto us = Parse("+1 512 555 0123");
  ASSERT_TRUE(us.ok());
  EXPECT_EQ(us->calling_code, "1");
}

TEST(PhoneParse, UkGermanyAustraliaAndIrelandFromTheirCountryCodes) {
  for (const Case& c : {Case{"+44 20 7946 0958", "+442079460958", "GB", true},
                        Case{"+44 (0)20 7946 0958", "+442079460958", "GB", true},  // "(0)" dropped
                        Case{"0044 20 7946 0958", "+442079460958", "GB", true},
                        Case{"+49 30 1234567", "+49301234567", "DE", true},
                        Case{"0049 30 1234567", "+49301234567", "DE", true},
                        Case{"+61 2 9876 5432", "+61298765432", "AU", true},
                        Case{"+61 412 345 678", "+61412345678", "AU", true},
                        Case{"+353 1 555 0100", "+35315550100", "IE", true}}) {
    ExpectParsed(c);
  }
  auto gb = Parse("+44 20 7946 0958");
  ASSERT_TRUE(gb.ok());
  EXPECT_EQ(gb->calling_code, "44");
}

TEST(PhoneParse, NationalNumbersAreReadInTheDefaultRegion) {
  auto au = Parse("0412 345 678", "AU");
  ASSERT_TRUE(au.ok()) << au.error().Describe();
  EXPECT_EQ(au->e164, "+61412345678");
  EXPECT_TRUE(au->valid);
  auto gb = Parse("020 7946 0958", "GB");
  ASSERT_TRUE(gb.ok());
  EXPECT_EQ(gb->e164, "+442079460958");
  auto de = Parse("030 1234567", "DE");
  ASSERT_TRUE(de.ok());
  EXPECT_EQ(de->e164, "+49301234567");
  // The same UK national number read as a US one has too many digits.
  EXPECT_FALSE(Parse("020 7946 0958").ok());
  EXPECT_EQ(Parse("1", "XX").error().kind, ErrorKind::kUsage);  // unknown default region
}

TEST(PhoneParse, ExtensionsAreKeptApartFromE164) {
  for (const Case& c : {Case{"+1 512 555 0123 ext. 45", "+15125550123", "US", true, "45"},
                        Case{"+1 512 555 0123 x45", "+15125550123", "US", true, "45"},
                        Case{"5125550123 ext 7", "+15125550123", "US", true, "7"},
                        Case{"+49 30 1234567;ext=9", "+49301234567", "DE", true, "9"}}) {
    ExpectParsed(c);
  }
}

TEST(PhoneParse, VanityLettersBecomeTheirDigits) {
  ExpectParsed({"1-800-FLOWERS", "+18003569377", "US", true});
  ExpectParsed({"1 (800) GOT-JUNK", "+18004685865", "US", true});
}

TEST(PhoneParse, PossibleButUnassignedNumbersAreNotValid) {
  // No NANP area code starts with 1; 07700 900xxx is the UK regulator's drama range.
  ExpectParsed({"+1 123 456 7890", "+11234567890", "ZZ", false});
  ExpectParsed({"+44 7700 900123", "+447700900123", "ZZ", false});
  ExpectParsed({"+7 727 555 0100", "+77275550100", "KZ", false});
}

TEST(PhoneParse, WhatCannotBeANumberIsAUsageErrorNamingIt) {
  struct Bad {
    const char* text;
    const char* why;
  };
  for (const Bad& b :
       {Bad{"call me", "is not a phone number"}, Bad{"", "is not a phone number"},
        Bad{"+12", "is not a phone number"},
        Bad{"+999 1234 5678", "country code that does not exist"},
        Bad{"+1 512 555 01234", "too long"}, Bad{"+4412", "too short"},
        Bad{"12345678", "too short"}, Bad{"555-0123", "local number without its area code"},
        Bad{"07700 900123", "too long"}}) {
    auto p = Parse(b.text);
    ASSERT_FALSE(p.ok()) << b.text << " → " << p->e164;
    EXPECT_EQ(p.error().kind, ErrorKind::kUsage) << b.text;
    std::string summary = p.error().Summary();
    EXPECT_NE(summary.find("'" + std::string(b.text) + "'"), std::string::npos) << summary;
    EXPECT_NE(summary.find(b.why), std::string::npos) << b.text << ": " << summary;
  }
}

}  // namespace
}  // namespace ghl::phone
