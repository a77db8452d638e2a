// The SQLite backend's statement handling: `$N` rewritten to `?N` (outside quotes), statements
// kept prepared and reused, and a failed statement leaving the cache usable.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "database_internal.h"
#include "ghl/sync/database.h"

namespace ghl::sync {
namespace {

class SqliteDatabaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("ghl-sqlite-db-test-" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path_);
    auto db = OpenDatabase({path_.string(), "public"});
    ASSERT_TRUE(db.ok()) << db.error().Describe();
    db_ = std::move(*db);
  }
  void TearDown() override {
    db_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::filesystem::remove(path_.string() + suffix);
    }
  }
  std::filesystem::path path_;
  std::unique_ptr<Database> db_;
};

TEST(PositionalParametersTest, RewritesPlaceholdersOutsideQuotesOnly) {
  EXPECT_EQ(internal::PositionalParameters("SELECT $1, $12 WHERE a = $2"),
            "SELECT ?1, ?12 WHERE a = ?2");
  EXPECT_EQ(internal::PositionalParameters("SELECT '$1', \"$2\", $3, 'it''s $4'"),
            "SELECT '$1', \"$2\", ?3, 'it''s $4'");
  EXPECT_EQ(internal::PositionalParameters("SELECT $a, $"), "SELECT $a, $");
}

TEST_F(SqliteDatabaseTest, BindsByNumberWhateverTheOrderAndSkipsUnusedParameters) {
  auto rows = db_->Query("SELECT $2, $1, $2, '$1'", {std::string("one"), int64_t{2}});
  ASSERT_TRUE(rows.ok()) << rows.error().Describe();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0][0].value_or(""), "2");
  EXPECT_EQ((*rows)[0][1].value_or(""), "one");
  EXPECT_EQ((*rows)[0][2].value_or(""), "2");
  EXPECT_EQ((*rows)[0][3].value_or(""), "$1");
  // $1 unused: the extra parameter is ignored, as before.
  auto second = db_->Query("SELECT $2", {std::string("unused"), std::string("used")});
  ASSERT_TRUE(second.ok()) << second.error().Describe();
  EXPECT_EQ((*second)[0][0].value_or(""), "used");
}

TEST_F(SqliteDatabaseTest, ReusedStatementsSeeNewBindingsAndSurviveErrorsAndSchemaChanges) {
  ASSERT_TRUE(db_->ExecScript("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER NOT NULL)").ok());
  const std::string insert = "INSERT INTO t (id, v) VALUES ($1, $2)";
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(db_->Exec(insert, {"k" + std::to_string(i), int64_t{i}}).ok());
  }
  // The same text fails (duplicate key, NULL into NOT NULL), then works again.
  EXPECT_FALSE(db_->Exec(insert, {std::string("k1"), int64_t{1}}).ok());
  EXPECT_FALSE(db_->Exec(insert, {std::string("x"), nullptr}).ok());
  EXPECT_TRUE(db_->Exec(insert, {std::string("k200"), int64_t{200}}).ok());
  auto n = QueryInt(*db_, "SELECT COUNT(*) FROM t WHERE v >= $1", {int64_t{0}});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 201);
  // A cached read does not hold the database: another connection writes meanwhile.
  auto other = OpenDatabase({path_.string(), "public"});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE((*other)->Exec(insert, {std::string("k201"), int64_t{201}}).ok());
  n = QueryInt(*db_, "SELECT COUNT(*) FROM t WHERE v >= $1", {int64_t{0}});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 202);
  // A schema change under a cached statement (SQLite prepares it again).
  ASSERT_TRUE(db_->ExecScript("ALTER TABLE t ADD COLUMN w TEXT").ok());
  EXPECT_TRUE(db_->Exec(insert, {std::string("k202"), int64_t{202}}).ok());
  // More distinct statements than the cache holds: every one still runs.
  for (int i = 0; i < 150; ++i) {
    auto v = QueryInt(*db_, "SELECT v + " + std::to_string(i) + " FROM t WHERE id = $1",
                      {std::string("k5")});
    ASSERT_TRUE(v.ok()) << v.error().Describe();
    EXPECT_EQ(*v, 5 + i);
  }
  // A rolled-back transaction leaves cached statements usable.
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(db_->Exec(insert, {std::string("gone"), int64_t{1}}).ok());
  db_->Rollback();
  n = QueryInt(*db_, "SELECT COUNT(*) FROM t WHERE id = $1", {std::string("gone")});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0);
}

}  // namespace
}  // namespace ghl::sync
