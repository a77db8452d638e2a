#include "ghl/enrich/rules.h"

#include <gtest/gtest.h>

namespace ghl::enrich {
namespace {

TEST(ParsePhone, NanpNumbersGetE164AndCountryFromTheAreaCode) {
  auto us = ParsePhone("(512) 555-0123");
  ASSERT_TRUE(us.ok()) << us.error().Describe();
  EXPECT_EQ(us->e164, "+15125550123");
  EXPECT_EQ(us->calling_code, "1");
  EXPECT_EQ(us->region, "US");
  auto ca = ParsePhone("+1 416 555 0199");
  ASSERT_TRUE(ca.ok());
  EXPECT_EQ(ca->region, "CA");
  auto pr = ParsePhone("1-787-555-0100");
  ASSERT_TRUE(pr.ok());
  EXPECT_EQ(pr->region, "PR");
}

TEST(ParsePhone, OtherCountriesFromTheCallingCode) {
  struct Case {
    const char* in;
    const char* e164;
    const char* region;
  };
  for (const Case& c : {Case{"+44 20 7946 0958", "+442079460958", "GB"},
                        Case{"0049 30 1234567", "+49301234567", "DE"},
                        Case{"+353 1 555 0100", "+35315550100", "IE"},
                        Case{"+7 727 555 0100", "+77275550100", "KZ"},
                        Case{"+7 495 555 0100", "+74955550100", "RU"}}) {
    auto p = ParsePhone(c.in);
    ASSERT_TRUE(p.ok()) << c.in << ": " << p.error().Describe();
    EXPECT_EQ(p->e164, c.e164) << c.in;
    EXPECT_EQ(p->region, c.region) << c.in;
  }
}

TEST(ParsePhone, InvalidNumbersAreUsageErrorsNamingThePhone) {
  for (const char* bad : {"call me", "+1 123 456 7890", "+1 512 555 01234", "+999 1234 5678"}) {
    auto p = ParsePhone(bad);
    ASSERT_FALSE(p.ok()) << bad << " → " << p->e164;
    EXPECT_EQ(p.error().kind, ErrorKind::kUsage);
  }
  EXPECT_NE(ParsePhone("+1 123 456 7890").error().Summary().find("+1 123 456 7890"),
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
