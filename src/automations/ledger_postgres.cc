// PostgreSQL effects ledger: two tables beside ghl_events, one connection guarded by a mutex
// (each call is one short statement); a broken connection is reopened on the next call.
#include <mutex>
#include <pqxx/pqxx>
#include <vector>

#include "ghl/core/db_location.h"
#include "ledger_internal.h"

namespace ghl::automations::internal {
namespace {

class PostgresLedger final : public EffectLedger {
 public:
  PostgresLedger(std::string url, std::string schema, store::Clock clock)
      : url_(std::move(url)), schema_(std::move(schema)), clock_(std::move(clock)) {}

  Status Open() {
    return Run<Ok>("open", [&](pqxx::connection&) { return Result<Ok>(Ok{}); });
  }

  Result<bool> TryLock(std::string_view key, std::string_view owner,
                       std::chrono::milliseconds lease) override {
    return Run<bool>("lock", [&](pqxx::connection& c) {
      pqxx::work w(c);
      int64_t now = ToMs(clock_());
      auto rows = w.exec_params(
          "INSERT INTO ghl_automation_locks AS l (key, owner, lease_until) VALUES ($1, $2, $3) "
          "ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, "
          "lease_until = excluded.lease_until "
          "WHERE l.owner = excluded.owner OR l.lease_until <= $4 RETURNING l.owner",
          std::string(key), std::string(owner), now + lease.count(), now);
      w.commit();
      return Result<bool>(!rows.empty());
    });
  }

  Status Unlock(std::string_view key, std::string_view owner) override {
    return Run<Ok>("unlock", [&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params("DELETE FROM ghl_automation_locks WHERE key = $1 AND owner = $2",
                    std::string(key), std::string(owner));
      w.commit();
      return Result<Ok>(Ok{});
    });
  }

  Result<std::optional<EffectRecord>> GetEffect(std::string_view key) override {
    return Run<std::optional<EffectRecord>>("read effect", [&](pqxx::connection& c) {
      pqxx::read_transaction r(c);
      auto rows = r.exec_params(
          "SELECT state, result, updated_at FROM ghl_automation_effects WHERE key = $1",
          std::string(key));
      if (rows.empty()) return Result<std::optional<EffectRecord>>(std::nullopt);
      EffectRecord rec{ParseState(rows[0][0].as<std::string>()), rows[0][1].as<std::string>(),
                       FromMs(rows[0][2].as<int64_t>())};
      return Result<std::optional<EffectRecord>>(std::move(rec));
    });
  }

  Status PutEffect(std::string_view key, EffectState state, std::string_view result) override {
    return Run<Ok>("write effect", [&](pqxx::connection& c) {
      pqxx::work w(c);
      w.exec_params(
          "INSERT INTO ghl_automation_effects (key, state, result, updated_at) "
          "VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET state = excluded.state, "
          "result = excluded.result, updated_at = excluded.updated_at",
          std::string(key), std::string(StateText(state)), std::string(result), ToMs(clock_()));
      w.commit();
      return Result<Ok>(Ok{});
    });
  }

  Status RecordEventActions(int64_t event_id, const std::vector<std::string>& lines) override {
    return Run<Ok>("record actions", [&](pqxx::connection& c) {
      pqxx::work w(c);
      for (const std::string& line : lines) {
        w.exec_params(
            "INSERT INTO ghl_automation_event_actions (event_id, seq, at, text) "
            "SELECT $1, COALESCE(MAX(seq), 0) + 1, $2, $3 FROM ghl_automation_event_actions "
            "WHERE event_id = $1",
            event_id, ToMs(clock_()), line);
      }
      w.commit();
      return Result<Ok>(Ok{});
    });
  }

  Result<std::vector<EventAction>> EventActions(int64_t event_id) override {
    return Run<std::vector<EventAction>>("read actions", [&](pqxx::connection& c) {
      pqxx::read_transaction r(c);
      auto rows = r.exec_params(
          "SELECT seq, at, text FROM ghl_automation_event_actions WHERE event_id = $1 "
          "ORDER BY seq",
          event_id);
      std::vector<EventAction> out;
      for (const auto& row : rows) {
        out.push_back(
            {event_id, row[0].as<int>(), row[2].as<std::string>(), FromMs(row[1].as<int64_t>())});
      }
      return Result<std::vector<EventAction>>(std::move(out));
    });
  }

 private:
  std::unique_ptr<pqxx::connection> Connect() {
    auto c = std::make_unique<pqxx::connection>(url_);
    std::string schema = c->quote_name(schema_);
    pqxx::work w(*c);
    // Serialise table creation between processes starting together.
    w.exec("SELECT pg_advisory_xact_lock(7311202503)");
    w.exec("CREATE SCHEMA IF NOT EXISTS " + schema);
    w.exec("CREATE TABLE IF NOT EXISTS " + schema +
           ".ghl_automation_locks (key TEXT PRIMARY KEY, owner TEXT NOT NULL, "
           "lease_until BIGINT NOT NULL)");
    w.exec("CREATE TABLE IF NOT EXISTS " + schema +
           ".ghl_automation_effects (key TEXT PRIMARY KEY, state TEXT NOT NULL, "
           "result TEXT NOT NULL DEFAULT '', updated_at BIGINT NOT NULL)");
    w.exec("CREATE TABLE IF NOT EXISTS " + schema +
           ".ghl_automation_event_actions (event_id BIGINT NOT NULL, seq INTEGER NOT NULL, "
           "at BIGINT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (event_id, seq))");
    w.commit();
    pqxx::nontransaction n(*c);
    n.exec("SET search_path TO " + schema);
    return c;
  }

  template <typename T, typename F>
  Result<T> Run(std::string_view what, F&& f) {
    std::lock_guard lock(mu_);
    try {
      if (!conn_ || !conn_->is_open()) conn_ = Connect();
      return f(*conn_);
    } catch (const std::exception& ex) {
      bool broken = dynamic_cast<const pqxx::broken_connection*>(&ex) != nullptr;
      if (broken) conn_.reset();
      Error e;
      e.kind = broken ? ErrorKind::kNetwork : ErrorKind::kInternal;
      e.messages.push_back("effects ledger (" + MaskLocation(url_) + ", schema " + schema_ + "): " +
                           std::string(what) + ": " + (broken ? "cannot reach PostgreSQL: " : "") +
                           ScrubLocationSecret(ex.what(), url_));
      return e;
    }
  }

  std::string url_;
  std::string schema_;
  store::Clock clock_;
  std::mutex mu_;
  std::unique_ptr<pqxx::connection> conn_;
};

}  // namespace

Result<std::unique_ptr<EffectLedger>> OpenPostgresLedger(const std::string& url,
                                                         const std::string& schema,
                                                         store::Clock clock) {
  if (schema.empty()) return UsageError("PostgreSQL schema is empty");
  auto ledger = std::make_unique<PostgresLedger>(url, schema, std::move(clock));
  if (auto st = ledger->Open(); !st.ok()) return st.error();
  return std::unique_ptr<EffectLedger>(std::move(ledger));
}

}  // namespace ghl::automations::internal
