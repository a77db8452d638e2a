#include "header_checks.h"

#include <gtest/gtest.h>

namespace ghl::client {
namespace {

std::string Message(const Status& s) { return s.ok() ? "" : s.error().messages.at(0); }

TEST(HeaderChecksTest, TokenWithTrailingNewlineIsRefusedAndExplained) {
  Status s = CheckToken("pit-abc\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(Message(s),
            "the token contains a line break (LF) at character 8 — was it read from a file with "
            "a trailing newline?");
  EXPECT_EQ(Message(CheckToken("pit-abc\r\nX-Injected: 1")),
            "the token contains a carriage return (CR) at character 8");
}

TEST(HeaderChecksTest, BearerPrefixAndSpacesAreExplainedNeverQuotingTheToken) {
  Status s = CheckToken("Bearer pit-secret");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(Message(s), "the token starts with 'Bearer '");
  EXPECT_NE(s.error().hint.find("adds 'Authorization: Bearer '"), std::string::npos);
  EXPECT_EQ(s.error().Describe().find("pit-secret"), std::string::npos);
  EXPECT_EQ(Message(CheckToken("pit secret")), "the token contains a space");
  EXPECT_TRUE(CheckToken("pit-0123-abcd").ok());
}

TEST(HeaderChecksTest, EveryHeaderValueAndNameIsChecked) {
  http::Headers h;
  h.Set("Version", "2021-07-28\r\nX-Injected: 1");
  EXPECT_EQ(Message(CheckHeaders(h)),
            "the Version value contains a carriage return (CR) at character 11");
  http::Headers name;
  name.Set("X-B\r\nX-Injected", "v");
  EXPECT_EQ(Message(CheckHeaders(name)), "header 'X-B\\r\\nX-Injected' has an invalid name");
  http::Headers auth;
  auth.Set("Authorization", "Bearer tok\n");
  EXPECT_NE(Message(CheckHeaders(auth)).find("the token contains a line break"), std::string::npos);
  http::Headers fine;
  fine.Set("Authorization", "Bearer tok");
  fine.Set("Version", "2021-04-15");
  fine.Set("X-Request-Id", "42");
  EXPECT_TRUE(CheckHeaders(fine).ok());
}

}  // namespace
}  // namespace ghl::client
