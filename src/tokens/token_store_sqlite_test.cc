// The token store conformance suite on a real SQLite file; plus the key's parsing.
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
