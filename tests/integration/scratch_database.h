// A fresh PostgreSQL database on the server of GHL_PG_URL for one test, dropped by the
// destructor (tests share the throwaway server of scripts/start-postgres).
#pragma once

#include <unistd.h>

#include <pqxx/pqxx>
#include <string>

namespace ghl::testing {

class ScratchDatabase {
 public:
  /// `prefix` + the process id names the database.
  explicit ScratchDatabase(const std::string& base_url, const std::string& prefix = "ghl_crash_")
      : base_url_(base_url) {
    name_ = prefix + std::to_string(::getpid());
    pqxx::connection c(base_url_);
    pqxx::nontransaction n(c);
    n.exec("DROP DATABASE IF EXISTS " + name_);
    n.exec("CREATE DATABASE " + name_);
    // postgresql://user@host:port/DB?params -> the same with our database.
    auto query = base_url_.find('?');
    std::string head = base_url_.substr(0, query);
    std::string tail = query == std::string::npos ? "" : base_url_.substr(query);
    auto authority = head.find("://") + 3;
    auto slash = head.find('/', authority);
    url_ = head.substr(0, slash) + "/" + name_ + tail;
  }
  ~ScratchDatabase() {
    try {
      pqxx::connection c(base_url_);
      pqxx::nontransaction n(c);
      n.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
      // The throwaway cluster went away; the database went with it.
    }
  }
  ScratchDatabase(const ScratchDatabase&) = delete;
  ScratchDatabase& operator=(const ScratchDatabase&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string base_url_;
  std::string name_;
  std::string url_;
};

}  // namespace ghl::testing
