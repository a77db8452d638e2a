// The token store conformance suite on PostgreSQL (GHL_PG_URL; scripts/start-postgres), each
// test in a fresh schema dropped afterwards.
#include <pqxx/pqxx>

#include "pg_test_schema.h"
#include "token_store_conformance.h"

namespace ghl::tokens::testing {
namespace {

class PostgresInstance : public TokenBackendInstance {
 public:
  explicit PostgresInstance(std::string url) : schema_(std::move(url), "ghl_tokens_test") {}
  Result<std::unique_ptr<TokenStore>> Open(const TokenKey& key, StoreOptions options) override {
    return OpenPostgresTokenStore({.url = schema_.url(), .schema = schema_.name()}, key,
                                  std::move(options));
  }
  // Every row of both tables as text, in a stable order.
  std::string Snapshot() override {
    pqxx::connection c(schema_.url());
    pqxx::work w(c);
    std::string all;
    for (const char* table : {"ghl_tokens", "ghl_token_meta"}) {
      auto r = w.exec("SELECT t::text FROM " + c.quote_name(schema_.name()) + "." + table +
                      " t ORDER BY 1");
      for (const auto& row : r) all += row[0].c_str() + std::string("\n");
    }
    return all;
  }
  void Exec(const std::string& sql) override {
    pqxx::connection c(schema_.url());
    pqxx::work w(c);
    w.exec("SET LOCAL search_path TO " + c.quote_name(schema_.name()));
    w.exec(sql);
    w.commit();
  }

 private:
  ghl::testing::PgTestSchema schema_;
};

}  // namespace

TokenBackendFactory TokenBackend() {
  return {"postgres", [](std::string& skip) -> std::unique_ptr<TokenBackendInstance> {
            std::string url = ghl::testing::PgUrl();
            if (url.empty()) {
              skip = ghl::testing::kPgUrlMissing;
              return nullptr;
            }
            return std::make_unique<PostgresInstance>(url);
          }};
}

}  // namespace ghl::tokens::testing
