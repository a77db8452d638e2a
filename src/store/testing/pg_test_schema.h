// Test helper shared by every PostgreSQL test (store, tokens, webhooks): the server named by
// GHL_PG_URL (a throwaway one from scripts/start-postgres) and a fresh schema per test,
// dropped with everything in it when the helper goes.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <pqxx/pqxx>
#include <string>
#include <string_view>

namespace ghl::testing {

/// Why a PostgreSQL test is skipped when GHL_PG_URL is not set.
inline constexpr const char* kPgUrlMissing =
    "GHL_PG_URL is not set: start a throwaway server with `export \"$(scripts/start-postgres)\"` "
    "(it prints GHL_PG_URL=...)";

/// GHL_PG_URL, or "" when it is not set.
inline std::string PgUrl() {
  const char* url = std::getenv("GHL_PG_URL");
  return url ? url : "";
}

/// A schema named `<prefix>_<pid>_<n>` (unique in this process and across processes sharing
/// the server); dropped (CASCADE) by the destructor. Creating it is left to the code under test.
class PgTestSchema {
 public:
  PgTestSchema(std::string url, std::string_view prefix) : url_(std::move(url)) {
    static std::atomic<int> counter{0};
    name_ =
        std::string(prefix) + "_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  }
  ~PgTestSchema() {
    if (url_.empty()) return;
    try {
      pqxx::connection c(url_);
      pqxx::work w(c);
      w.exec("DROP SCHEMA IF EXISTS " + c.quote_name(name_) + " CASCADE");
      w.commit();
    } catch (const std::exception&) {
      // The server went away; the schema dies with the throwaway cluster.
    }
  }
  PgTestSchema(const PgTestSchema&) = delete;
  PgTestSchema& operator=(const PgTestSchema&) = delete;

  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string url_;
  std::string name_;
};

}  // namespace ghl::testing
