// The token store conformance suite on a real SQLite file; plus the key's parsing.
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "ghl/tokens/key.h"
#include "token_store_conformance.h"

namespace ghl::tokens::testing {
namespace {

namespace fs = std::filesystem;

class SqliteInstance : public TokenBackendInstance {
 public:
  SqliteInstance() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("ghl_tokens_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  ~SqliteInstance() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  Result<std::unique_ptr<TokenStore>> Open(const TokenKey& key, StoreOptions options) override {
    return OpenSqliteTokenStore({.path = (dir_ / "tokens.db").string()}, key, std::move(options));
  }
  std::string path() const { return (dir_ / "tokens.db").string(); }
  // The database file and its WAL, byte for byte.
  std::string Snapshot() override {
    std::string all;
    for (const char* name : {"tokens.db", "tokens.db-wal"}) {
      std::ifstream in(dir_ / name, std::ios::binary);
      std::stringstream s;
      s << in.rdbuf();
      all += s.str();
    }
    return all;
  }
  void Exec(const std::string& sql) override {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open((dir_ / "tokens.db").c_str(), &db), SQLITE_OK);
    char* err = nullptr;
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK) << (err ? err : "");
    sqlite3_free(err);
    sqlite3_close(db);
  }

 private:
  fs::path dir_;
};

}  // namespace

TokenBackendFactory TokenBackend() {
  return {"sqlite", [](std::string&) -> std::unique_ptr<TokenBackendInstance> {
            return std::make_unique<SqliteInstance>();
          }};
}

namespace {

TEST(TokenKeyTest, ParsesHexAndBase64AndRefusesOtherLengths) {
  std::string hex(64, 'a');
  auto k = ParseTokenKey(hex, "GHL_TOKEN_KEY");
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(k->bytes()[0], 0xaa);
  EXPECT_EQ(k->id().size(), 8u);
  auto b64 = ParseTokenKey("qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqo=\n", "GHL_TOKEN_KEY");
  ASSERT_TRUE(b64.ok()) << b64.error().Describe();
  EXPECT_EQ(b64->bytes(), k->bytes());
  auto short_key = ParseTokenKey("abcd", "GHL_TOKEN_KEY");
  ASSERT_FALSE(short_key.ok());
  EXPECT_EQ(short_key.error().kind, ErrorKind::kUsage);
  EXPECT_NE(short_key.error().Describe().find("openssl rand -hex 32"), std::string::npos);
  EXPECT_EQ(short_key.error().Describe().find("abcd"), std::string::npos);  // never quoted
  auto none = LoadTokenKey("", "");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().Summary().find("no token key"), std::string::npos);
}

TEST(TokenKeyTest, KeyFileMustBeOwnerOnly) {
  fs::path file = fs::temp_directory_path() / ("ghl_key_" + std::to_string(::getpid()));
  {
    std::ofstream out(file);
    out << GenerateTokenKeyHex() << "\n";
  }
  ::chmod(file.c_str(), 0644);
  auto loose = ReadTokenKeyFile(file.string());
  ASSERT_FALSE(loose.ok());
  EXPECT_NE(loose.error().Describe().find("chmod 600"), std::string::npos);
  ::chmod(file.c_str(), 0600);
  EXPECT_TRUE(ReadTokenKeyFile(file.string()).ok());
  EXPECT_TRUE(LoadTokenKey("", file.string()).ok());
  fs::remove(file);
}

}  // namespace
}  // namespace ghl::tokens::testing

namespace ghl::tokens::testing {
namespace {

TEST(SqliteTokenStoreTest, TruncatedFileIsNamedDamagedWithWhatToDo) {
  SqliteInstance instance;
  TokenKey key = ParseTokenKey(std::string(64, 'a'), "GHL_TOKEN_KEY").value();
  {
    auto store = instance.Open(key, {}).value();
    for (int i = 0; i < 50; ++i) {
      NewToken t;
      t.id = "loc-" + std::to_string(i);
      t.pair = {std::string(200, 'x'), std::string(200, 'y'), UtcTime{}, "s"};
      ASSERT_TRUE(store->Put(t).ok());
    }
  }
  std::string path = instance.path();
  fs::resize_file(path, fs::file_size(path) / 2);
  Result<std::vector<TokenRecord>> rows = Error{};
  auto store = instance.Open(key, {});
  if (store.ok()) rows = (*store)->List();
  const Error& e = store.ok() ? rows.error() : store.error();
  ASSERT_FALSE(store.ok() && rows.ok());
  EXPECT_EQ(e.kind, ErrorKind::kUsage) << e.Describe();
  EXPECT_NE(e.Summary().find(path), std::string::npos) << e.Describe();
  EXPECT_NE(e.Summary().find("damaged"), std::string::npos) << e.Describe();
  EXPECT_NE(e.hint.find("backup"), std::string::npos) << e.Describe();
}

}  // namespace
}  // namespace ghl::tokens::testing
