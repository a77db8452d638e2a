#include "ghl/enrich/rules.h"

#include <gtest/gtest.h>

namespace ghl::enrich {
namespace {

// Expected values are libphonenumber's (8.12.57, Debian 12); ghl::phone's own tests hold more.
struct Case {
  const char* in;
  const char* e164;
  const char* calling_code;
  const char* region;
  const char* extension = "";
};

TEST(ParsePhone, UsAndCanadaShareOneRegionComesFromTheAreaCode) {
  for (const Case& c : {Case{"(512) 555-0123", "+15125550123", "1", "US"},
                        Case{"+1 416 555 0199", "+14165550199", "1", "CA"},
                        Case{"1-787-555-0100", "+17875550100", "1", "PR"}}) {
    auto p = ParsePhone(c.in);
    ASSERT_TRUE(p.ok()) << c.in << ": " << p.error().Describe();
    EXPECT_EQ(p->e164, c.e164) << c.in;
    EXPECT_EQ(p->calling_code, c.calling_code) << c.in;
    EXPECT_EQ(p->region, c.region) << c.in;
  }
}

TEST(ParsePhone, UkGermanyAustraliaIrelandExtensionsAndLetters) {
  for (const Case& c : {Case{"+44 20 7946 0958", "+442079460958", "44", "GB"},
                        Case{"+44 (0)20 7946 0958", "+442079460958", "44", "GB"},
                        Case{"0049 30 1234567", "+49301234567", "49", "DE"},
                        Case{"+61 412 345 678", "+61412345678", "61", "AU"},
                        Case{"+353 1 555 0100", "+35315550100", "353", "IE"},
                        Case{"+1 512 555 0123 ext. 45", "+15125550123", "1", "US", "45"},
                        Case{"1-800-FLOWERS", "+18003569377", "1", "US"}}) {
    auto p = ParsePhone(c.in);
    ASSERT_TRUE(p.ok()) << c.in << ": " << p.error().Describe();
    EXPECT_EQ(p->e164, c.e164) << c.in;
    EXPECT_EQ(p->calling_code, c.calling_code) << c.in;
    EXPECT_EQ(p->region, c.region) << c.in;
    EXPECT_EQ(p->extension, c.extension) << c.in;
  }
}

TEST(ParsePhone, InvalidAndTooShortNumbersAreUsageErrorsNamingThePhone) {
  // Not a number, no such country code, too long, too short, local only; and numbers of a
  // possible length that no numbering plan assigns (area code 1xx; the UK's drama range).
  for (const char* bad : {"call me", "+999 1234 5678", "+1 512 555 01234", "+4412", "555-0123",
                          "+1 123 456 7890", "+44 7700 900123"}) {
    auto p = ParsePhone(bad);
    ASSERT_FALSE(p.ok()) << bad << " → " << p->e164;
    EXPECT_EQ(p.error().kind, ErrorKind::kUsage) << bad;
    EXPECT_NE(p.error().Summary().find(bad), std::string::npos) << p.error().Summary();
  }
  EXPECT_NE(ParsePhone("+1 123 456 7890").error().Summary().find("numbering plan"),
            std::string::npos);
}

TEST(CompanyFromEmail, DomainBecomesCompanyFreeMailSkipped) {
  EXPECT_EQ(CompanyFromEmail("jane@acme-widgets.com"), "Acme Widgets");
  EXPECT_EQ(CompanyFromEmail("bob@mail.initech.co.uk"), "Initech");
  EXPECT_EQ(CompanyFromEmail("ann@globex.com.au"), "Globex");
  EXPECT_EQ(CompanyFromEmail("x@GMAIL.com"), "");
  EXPECT_EQ(CompanyFromEmail("x@yahoo.fr"), "");
  EXPECT_EQ(CompanyFromEmail("x@hotmail.co.uk"), "");
  EXPECT_EQ(CompanyFromEmail("not an email"), "");
  EXPECT_EQ(CompanyFromEmail("x@localhost"), "");
}

}  // namespace
}  // namespace ghl::enrich
