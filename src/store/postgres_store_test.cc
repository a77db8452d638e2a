// PostgreSQL backend: the conformance suite against the server named by GHL_PG_URL (start one
// with scripts/start-postgres), each test in a fresh schema that is dropped afterwards.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>

#include "store_conformance.h"

namespace ghl::store::testing {
namespace {

class PostgresInstance : public BackendInstance {
 public:
  explicit PostgresInstance(std::string url) : url_(std::move(url)) {
    static std::atomic<int> counter{0};
    schema_ = "ghl_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  }
  ~PostgresInstance() override {
    try {
      pqxx::connection c(url_);
      pqxx::work w(c);
      w.exec("DROP SCHEMA IF EXISTS " + c.quote_name(schema_) + " CASCADE");
      w.commit();
    } catch (const std::exception&) {
      // The server went away; the schema dies with the throwaway cluster.
    }
  }
  Result<std::unique_ptr<EventStore>> Open(StoreOptions options) override {
    PostgresOptions pg;
    pg.url = url_;
    pg.schema = schema_;
    return OpenPostgresStore(pg, std::move(options));
  }

 private:
  std::string url_;
  std::string schema_;
};

}  // namespace

BackendFactory ConformanceBackend() {
  return {"postgres", [](std::string& skip) -> std::unique_ptr<BackendInstance> {
            const char* url = std::getenv("GHL_PG_URL");
            if (url == nullptr || *url == '\0') {
              skip = "GHL_PG_URL is not set: start a throwaway server with "
                     "`export \"$(scripts/start-postgres)\"` (it prints GHL_PG_URL=...)";
              return nullptr;
            }
            return std::make_unique<PostgresInstance>(url);
          }};
}

namespace {

TEST(PostgresStoreTest, UnreachableServerIsANetworkErrorWithoutThePassword) {
  PostgresOptions pg;
  pg.url = "postgresql://ghl:hunter2@127.0.0.1:1/none?connect_timeout=2";
  auto store = OpenPostgresStore(pg);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kNetwork);
  std::string text = store.error().Describe();
  EXPECT_EQ(text.find("hunter2"), std::string::npos) << text;
  EXPECT_NE(text.find("127.0.0.1"), std::string::npos) << text;
}

}  // namespace
}  // namespace ghl::store::testing
