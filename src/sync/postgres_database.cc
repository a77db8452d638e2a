// PostgreSQL backend of the sync database, on libpq: text parameters ($1 …), text results.
#include <libpq-fe.h>

#include <cctype>
#include <cstdio>
#include <string>

#include "database_internal.h"
#include "ghl/core/db_location.h"

namespace ghl::sync::internal {
namespace {

std::string ToText(const SqlValue& v) {
  if (auto* n = std::get_if<int64_t>(&v)) return std::to_string(*n);
  if (auto* d = std::get_if<double>(&v)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  return std::get<std::string>(v);
}

class PostgresDatabase final : public Database {
 public:
  PostgresDatabase(PGconn* conn, std::string description)
      : conn_(conn), description_(std::move(description)) {}
  ~PostgresDatabase() override { PQfinish(conn_); }

  Status Exec(std::string_view sql, const std::vector<SqlValue>& params) override {
    auto r = Run(sql, params);
    if (!r.ok()) return r.error();
    return Ok{};
  }
  Status ExecScript(std::string_view sql) override {
    std::string text(sql);
    PGresult* res = PQexec(conn_, text.c_str());
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Failure(sql);
    return Ok{};
  }
  Result<std::vector<SqlRow>> Query(std::string_view sql,
                                    const std::vector<SqlValue>& params) override {
    return Run(sql, params);
  }
  Status Begin() override { return ExecScript("BEGIN"); }
  Status Commit() override { return ExecScript("COMMIT"); }
  void Rollback() override {
    if (PQtransactionStatus(conn_) != PQTRANS_IDLE) PQclear(PQexec(conn_, "ROLLBACK"));
  }
  Backend backend() const override { return Backend::kPostgres; }
  const std::string& description() const override { return description_; }

 private:
  Error Failure(std::string_view sql) {
    if (PQstatus(conn_) != CONNECTION_OK) {
      Error e;
      e.kind = ErrorKind::kNetwork;
      e.messages.push_back("PostgreSQL connection lost (" + description_ +
                           "): " + PQerrorMessage(conn_));
      return e;
    }
    return DbError("postgresql " + description_, sql, PQerrorMessage(conn_));
  }

  Result<std::vector<SqlRow>> Run(std::string_view sql, const std::vector<SqlValue>& params) {
    std::vector<std::string> texts;
    texts.reserve(params.size());
    std::vector<const char*> values;
    for (const auto& p : params) {
      if (std::holds_alternative<std::nullptr_t>(p)) {
        texts.emplace_back();
        values.push_back(nullptr);
      } else {
        texts.push_back(ToText(p));
        values.push_back(texts.back().c_str());
      }
    }
    std::string text(sql);
    PGresult* res = PQexecParams(conn_, text.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    std::unique_ptr<PGresult, void (*)(PGresult*)> guard(res, PQclear);
    auto st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) return Failure(sql);
    std::vector<SqlRow> rows;
    int n = PQntuples(res), cols = PQnfields(res);
    rows.reserve(static_cast<size_t>(n));
    for (int r = 0; r < n; ++r) {
      SqlRow row;
      for (int c = 0; c < cols; ++c) {
        if (PQgetisnull(res, r, c)) {
          row.emplace_back(std::nullopt);
        } else {
          row.emplace_back(
              std::string(PQgetvalue(res, r, c), static_cast<size_t>(PQgetlength(res, r, c))));
        }
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  PGconn* conn_;
  std::string description_;
};

bool ValidSchema(const std::string& s) {
  if (s.empty() || s.size() > 63) return false;
  for (char c : s) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
  }
  return !std::isdigit(static_cast<unsigned char>(s[0]));
}

}  // namespace

Result<std::unique_ptr<Database>> OpenPostgres(const DatabaseOptions& options) {
  std::string where = MaskLocation(options.location);
  if (auto st = CheckDbLocation(options.location, "--db"); !st.ok()) return st.error();
  if (!ValidSchema(options.schema)) {
    return UsageError("schema '" + options.schema + "' is not a plain SQL name",
                      "use letters, digits and _ (not starting with a digit)");
  }
  PGconn* conn = PQconnectdb(options.location.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = ScrubLocationSecret(PQerrorMessage(conn), options.location);
    PQfinish(conn);
    Error e;
    e.kind = ErrorKind::kNetwork;
    e.messages.push_back("cannot connect to the sync database " + where + ": " + msg);
    e.hint = "check the URL, and that PostgreSQL is running and accepts the user";
    return e;
  }
  PQclear(PQexec(conn, "SET client_min_messages = warning"));
  // Like SQLite's synchronous=NORMAL: a commit returns before its WAL is flushed (a server crash
  // may lose the last ~0.6 s of commits, each whole: rows, checkpoint and feed position
  // together, so the next run reads them again). A sync commits a page at a time; waiting for
  // each flush put the disk's fdatasync stalls on the sync's critical path.
  PQclear(PQexec(conn, "SET synchronous_commit = off"));
  auto db = std::make_unique<PostgresDatabase>(conn, where + " schema " + options.schema);
  // Two processes opening a new schema at once race in CREATE SCHEMA IF NOT EXISTS (one gets a
  // unique violation): the loser finds the schema there and goes on.
  if (auto st = db->ExecScript("CREATE SCHEMA IF NOT EXISTS " + options.schema); !st.ok()) {
    auto there = db->Query("SELECT 1 FROM pg_namespace WHERE nspname = $1", {options.schema});
    if (!there.ok() || there->empty()) return st.error();
  }
  if (auto st = db->ExecScript("SET search_path TO " + options.schema); !st.ok()) {
    return st.error();
  }
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace ghl::sync::internal
