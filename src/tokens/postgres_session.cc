// The PostgreSQL driver of the token store (libpqxx 6): one connection, tables in the given
// schema; a broken connection is reopened on the next statement.
#include <pqxx/pqxx>

#include "ghl/core/db_location.h"
#include "sql_session.h"

namespace ghl::tokens::internal {
namespace {

// The first line of a libpq/libpqxx message, without the location's password (libpq quotes
// the parts of a URL it cannot parse).
std::string Detail(const std::string& url, const std::exception& e) {
  std::string what = e.what();
  return ScrubLocationSecret(what.substr(0, what.find('\n')), url);
}

Error NetworkError(const std::string& url, const std::exception& e) {
  Error err;
  err.kind = ErrorKind::kNetwork;
  err.messages.push_back("PostgreSQL " + MaskLocation(url) + ": " + Detail(url, e));
  err.hint =
      "Check that the server runs and the URL is right (scripts/start-postgres starts a "
      "throwaway one for tests).";
  return err;
}

class PostgresSession final : public SqlSession {
 public:
  PostgresSession(std::string url, std::string schema)
      : url_(std::move(url)), schema_(std::move(schema)) {}

  Status Connect() {
    try {
      conn_ = std::make_unique<pqxx::connection>(url_);
      pqxx::nontransaction n(*conn_);
      n.exec("SET search_path TO " + conn_->quote_name(schema_));
      return Ok{};
    } catch (const pqxx::broken_connection& e) {
      conn_.reset();
      return NetworkError(url_, e);
    } catch (const std::exception& e) {
      conn_.reset();
      Error err;
      err.kind = ErrorKind::kInternal;
      err.messages.push_back("PostgreSQL: " + Detail(url_, e));
      return err;
    }
  }

  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    const std::vector<SqlParam>& params) override {
    if (!conn_ && !txn_) {
      if (auto st = Connect(); !st.ok()) return st.error();
    }
    std::vector<std::string> values;
    values.reserve(params.size());
    for (const auto& p : params) {
      if (const auto* n = std::get_if<int64_t>(&p)) {
        values.push_back(std::to_string(*n));
      } else {
        values.push_back(std::get<std::string>(p));
      }
    }
    try {
      pqxx::result r;
      if (txn_) {
        r = txn_->exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(values));
      } else {
        pqxx::work w(*conn_);
        r = w.exec_params(std::string(sql), pqxx::prepare::make_dynamic_params(values));
        w.commit();
      }
      changes_ = r.affected_rows();
      std::vector<SqlRow> rows;
      for (const auto& row : r) {
        SqlRow out;
        for (const auto& field : row) out.push_back(field.is_null() ? "" : field.c_str());
        rows.push_back(std::move(out));
      }
      return rows;
    } catch (const pqxx::broken_connection& e) {
      txn_.reset();
      conn_.reset();
      return NetworkError(url_, e);
    } catch (const std::exception& e) {
      Error err;
      err.kind = ErrorKind::kInternal;
      err.messages.push_back("PostgreSQL: " + Detail(url_, e));
      return err;
    }
  }

  int64_t Changes() const override { return changes_; }

  Status Begin() override {
    if (!conn_) {
      if (auto st = Connect(); !st.ok()) return st;
    }
    try {
      txn_ = std::make_unique<pqxx::work>(*conn_);
      return Ok{};
    } catch (const std::exception& e) {
      conn_.reset();
      return NetworkError(url_, e);
    }
  }
  Status Commit() override {
    try {
      if (txn_) txn_->commit();
      txn_.reset();
      return Ok{};
    } catch (const std::exception& e) {
      txn_.reset();
      Error err;
      err.kind = ErrorKind::kInternal;
      err.messages.push_back("PostgreSQL commit: " + Detail(url_, e));
      return err;
    }
  }
  void Rollback() override {
    try {
      if (txn_) txn_->abort();
    } catch (const std::exception&) {
    }
    txn_.reset();
  }

 private:
  std::string url_;
  std::string schema_;
  std::unique_ptr<pqxx::connection> conn_;
  std::unique_ptr<pqxx::work> txn_;
  int64_t changes_ = 0;
};

}  // namespace

Result<std::unique_ptr<SqlSession>> OpenPostgresSession(const std::string& url,
                                                        const std::string& schema) {
  auto session = std::make_unique<PostgresSession>(url, schema);
  // Schema and tables once per open; two processes creating them at once may collide on the
  // catalog's unique index, so that one race is retried.
  for (int attempt = 0;; ++attempt) {
    try {
      pqxx::connection c(url);
      pqxx::work w(c);
      w.exec("CREATE SCHEMA IF NOT EXISTS " + c.quote_name(schema));
      w.exec("SET LOCAL search_path TO " + c.quote_name(schema));
      w.exec(std::string(kTokenSchema));
      w.commit();
      break;
    } catch (const pqxx::broken_connection& e) {
      return NetworkError(url, e);
    } catch (const std::exception& e) {
      if (attempt < 5) continue;
      Error err;
      err.kind = ErrorKind::kInternal;
      err.messages.push_back("PostgreSQL schema: " + Detail(url, e));
      return err;
    }
  }
  if (auto st = session->Connect(); !st.ok()) return st.error();
  return std::unique_ptr<SqlSession>(std::move(session));
}

}  // namespace ghl::tokens::internal
