// The token store conformance suite on PostgreSQL (GHL_PG_URL; scripts/start-postgres), each
// test in a fresh schema dropped afterwards.
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>

#include "token_store_conformance.h"

namespace ghl::tokens::testing {
namespace {

class PostgresInstance : public TokenBackendInstance {
 public:
  explicit PostgresInstance(std::string url) : url_(std::move(url)) {
    static std::atomic<int> counter{0};
    schema_ = "ghl_tokens_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  }
  ~PostgresInstance() override {
    try {
      pqxx::connection c(url_);
      pqxx::work w(c);
      w.exec("DROP SCHEMA IF EXISTS " + c.quote_name(schema_) + " CASCADE");
      w.commit();
    } catch (const std::exception&) {
    }
  }
  Result<std::unique_ptr<TokenStore>> Open(const TokenKey& key, StoreOptions options) override {
    return OpenPostgresTokenStore({.url = url_, .schema = schema_}, key, std::move(options));
  }
  // Every row of both tables as text, in a stable order.
  std::string Snapshot() override {
    pqxx::connection c(url_);
    pqxx::work w(c);
    std::string all;
    for (const char* table : {"ghl_tokens", "ghl_token_meta"}) {
      auto r =
          w.exec("SELECT t::text FROM " + c.quote_name(schema_) + "." + table + " t ORDER BY 1");
      for (const auto& row : r) all += row[0].c_str() + std::string("\n");
    }
    return all;
  }
  void Exec(const std::string& sql) override {
    pqxx::connection c(url_);
    pqxx::work w(c);
    w.exec("SET LOCAL search_path TO " + c.quote_name(schema_));
    w.exec(sql);
    w.commit();
  }

 private:
  std::string url_;
  std::string schema_;
};

}  // namespace

TokenBackendFactory TokenBackend() {
  return {"postgres", [](std::string& skip) -> std::unique_ptr<TokenBackendInstance> {
            const char* url = std::getenv("GHL_PG_URL");
            if (url == nullptr || *url == '\0') {
              skip = "GHL_PG_URL is not set: `export \"$(scripts/start-postgres)\"`";
              return nullptr;
            }
            return std::make_unique<PostgresInstance>(url);
          }};
}

}  // namespace ghl::tokens::testing
