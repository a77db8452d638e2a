#include "ghl/core/db_location.h"

#include <gtest/gtest.h>

namespace ghl {
namespace {

TEST(DbLocationTest, TellsPostgresFromSqlite) {
  EXPECT_TRUE(IsPostgresLocation("postgresql://ghl:pw@127.0.0.1:5433/db"));
  EXPECT_TRUE(IsPostgresLocation("postgres://127.0.0.1/db"));
  EXPECT_TRUE(IsPostgresLocation("host=127.0.0.1 port=5433 user=ghl password=S3cretPW42 dbname=x"));
  EXPECT_TRUE(IsPostgresLocation("dbname = 'my db' host=localhost"));
  EXPECT_FALSE(IsPostgresLocation("ghl-tokens.db"));
  EXPECT_FALSE(IsPostgresLocation("./data/a=b.db"));
  EXPECT_FALSE(IsPostgresLocation("color=blue"));
  EXPECT_FALSE(IsPostgresLocation(""));
}

TEST(DbLocationTest, MasksEveryFormOfPassword) {
  EXPECT_EQ(MaskLocation("postgresql://ghl:Rep34tPW@127.0.0.1:5433/b"),
            "postgresql://ghl:***@127.0.0.1:5433/b");
  EXPECT_EQ(MaskLocation("postgresql://ghl:p@ss@h/b"), "postgresql://ghl:***@h/b");
  EXPECT_EQ(MaskLocation("postgresql://ghl@h/b?sslmode=require&password=Sec"),
            "postgresql://ghl@h/b?sslmode=require&password=***");
  EXPECT_EQ(MaskLocation("host=h user=ghl password=S3cretPW42 dbname=x"),
            "host=h user=ghl password=*** dbname=x");
  EXPECT_EQ(MaskLocation("host=h password = 'a b\\' c' dbname=x"),
            "host=h password = *** dbname=x");
  EXPECT_EQ(MaskLocation("postgresql://127.0.0.1/db"), "postgresql://127.0.0.1/db");
  EXPECT_EQ(MaskLocation("t1.db"), "t1.db");
}

TEST(DbLocationTest, ScrubsThePasswordFromDriverMessages) {
  EXPECT_EQ(ScrubLocationSecret("invalid percent-encoded token: \"Rep34t%PW\"",
                                "postgresql://ghl:Rep34t%PW@127.0.0.1:5433/b"),
            "invalid percent-encoded token: \"***\"");
  EXPECT_EQ(
      ScrubLocationSecret("bad: p@ss/w and p%40ss%2Fw", "postgresql://ghl:p%40ss%2Fw@127.0.0.1/b"),
      "bad: *** and ***");
  EXPECT_EQ(ScrubLocationSecret("x 'a b' a b", "host=h password='a b'"), "x *** ***");
  EXPECT_EQ(ScrubLocationSecret("nothing", "t1.db"), "nothing");
}

TEST(DbLocationTest, RefusesABrokenPercentEscapeWithoutQuotingThePassword) {
  auto st = CheckDbLocation("postgresql://ghl:Rep34t%PW@127.0.0.1:5433/b", "--tokens-db");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().kind, ErrorKind::kUsage);
  std::string text = st.error().Describe();
  EXPECT_NE(text.find("--tokens-db postgresql://ghl:***@127.0.0.1:5433/b"), std::string::npos)
      << text;
  EXPECT_EQ(text.find("Rep34t"), std::string::npos) << text;
  EXPECT_NE(text.find("%25"), std::string::npos) << text;
  EXPECT_TRUE(CheckDbLocation("postgresql://ghl:a%25b@h/b", "--db").ok());
  EXPECT_TRUE(CheckDbLocation("100%.db", "--db").ok());
}

}  // namespace
}  // namespace ghl
