// PostgreSQL backend: the conformance suite against the server named by GHL_PG_URL (start one
// with scripts/start-postgres), each test in a fresh schema that is dropped afterwards.
#include "pg_test_schema.h"
#include "store_conformance.h"

namespace ghl::store::testing {
namespace {

class PostgresInstance : public BackendInstance {
 public:
  explicit PostgresInstance(std::string url) : schema_(std::move(url), "ghl_test") {}
  Result<std::unique_ptr<EventStore>> Open(StoreOptions options) override {
    PostgresOptions pg;
    pg.url = schema_.url();
    pg.schema = schema_.name();
    return OpenPostgresStore(pg, std::move(options));
  }

 private:
  ghl::testing::PgTestSchema schema_;
};

}  // namespace

BackendFactory ConformanceBackend() {
  return {"postgres", [](std::string& skip) -> std::unique_ptr<BackendInstance> {
            std::string url = ghl::testing::PgUrl();
            if (url.empty()) {
              skip = ghl::testing::kPgUrlMissing;
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
