// PostgreSQL backend of the event store (libpqxx 6): several receivers and workers on several
// machines share one table; claims use `FOR UPDATE SKIP LOCKED`, so two workers never lease
// the same event and never wait for each other. The group committer has its own connection;
// queue operations and reads use a small pool. A group is written in one statement.
#include <pqxx/pqxx>

#include <algorithm>
#include <condition_variable>
#include <limits>
#include <mutex>

#include "ghl/core/db_location.h"
#include "ghl/store/event_store.h"
#include "group_committed_store.h"
#include "postgres_batch_insert.h"
#include "store_internal.h"

namespace ghl::store {
namespace {

using internal::FromMs;
using internal::OptionalFromMs;
using internal::ToMs;
using ConnPtr = std::unique_ptr<pqxx::connection>;

std::string Prefixed(std::string_view prefix) {
  std::string out;
  std::string_view cols = internal::kEventColumns;
  size_t start = 0;
  while (start < cols.size()) {
    size_t comma = cols.find(',', start);
    std::string_view col = cols.substr(start, comma == std::string_view::npos ? cols.npos
                                                                              : comma - start);
    while (!col.empty() && col.front() == ' ') col.remove_prefix(1);
    if (!out.empty()) out += ", ";
    out += std::string(prefix) + std::string(col);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

Event ReadEvent(const pqxx::row& r) {
  Event e;
  e.id = r[0].as<int64_t>();
  e.dedup_key = r[1].as<std::string>();
  e.type = r[2].as<std::string>();
  e.location_id = r[3].as<std::string>();
  e.body = pqxx::binarystring(r[4]).str();
  e.headers = internal::DecodeHeaders(r[5].as<std::string>());
  e.received_at = FromMs(r[6].as<int64_t>());
  e.state = ParseEventState(r[7].as<std::string>()).value_or(EventState::kPending);
  e.attempts = r[8].as<int>();
  e.next_attempt_at = FromMs(r[9].as<int64_t>());
  e.lease_owner = r[10].as<std::string>();
  e.lease_until = OptionalFromMs(r[11].as<int64_t>());
  e.last_error = r[12].as<std::string>();
  e.processed_at = OptionalFromMs(r[13].as<int64_t>());
  return e;
}

class PostgresStore final : public internal::GroupCommittedStore {
 public:
  PostgresStore(PostgresOptions pg, StoreOptions options)
      : GroupCommittedStore(std::move(options)), pg_(std::move(pg)) {}

  ~PostgresStore() override { StopCommitter(); }  // Drain Appends before the connections go.

  Status Open() {
    try {
      auto conn = Connect(/*create_schema=*/true);
      pool_.push_back(std::move(conn));
      ++open_;
    } catch (const std::exception& ex) {
      return Translate(ex, "connect");
    }
    StartCommitter([this](const std::vector<NewEvent>& events) { return CommitBatch(events); });
    return Ok{};
  }

  Result<std::vector<Event>> Claim(std::string_view worker_id, std::chrono::milliseconds lease,
                                   int max_events) override {
    if (auto st = internal::ValidateClaim(worker_id, lease, max_events); !st.ok()) {
      return st.error();
    }
    std::string worker = internal::SanitizeText(worker_id);
    return WithConnection<std::vector<Event>>("claim", [&](pqxx::connection& c) {
      pqxx::work w(c);
      int64_t now = ToMs(options_.clock());
      int64_t until = now + lease.count();
      auto doomed = w.exec_params(
          "SELECT id, lease_owner, attempts FROM ghl_events WHERE state = 'processing' "
          "AND next_attempt_at <= $1 AND attempts >= $2 FOR UPDATE SKIP LOCKED",
          now, options_.retry.max_attempts);
      for (const auto& row : doomed) {
        w.exec_params(
            "UPDATE ghl_events SET state = 'dead', last_error = $1, lease_owner = '', "
            "lease_until = 0 WHERE id = $2",
            internal::LeaseExpiredError(row[1].as<std::string>(), row[2].as<int>()),
            row[0].as<int64_t>());
      }
      auto rows = w.exec_params(
          "WITH c AS (SELECT id, next_attempt_at AS due FROM ghl_events "
          "  WHERE state IN ('pending', 'processing') AND next_attempt_at <= $1 "
          "  ORDER BY next_attempt_at, id LIMIT $2 FOR UPDATE SKIP LOCKED) "
          "UPDATE ghl_events e SET state = 'processing', lease_owner = $3, lease_until = $4, "
          "  next_attempt_at = $4, attempts = e.attempts + 1 FROM c WHERE e.id = c.id "
          "RETURNING " + Prefixed("e.") + ", c.due",
          now, max_events, worker, until);
      std::vector<std::pair<std::pair<int64_t, int64_t>, Event>> sorted;
      for (const auto& row : rows) {
        sorted.push_back({{row[14].as<int64_t>(), row[0].as<int64_t>()}, ReadEvent(row)});
      }
      w.commit();
      std::sort(sorted.begin(), sorted.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      std::vector<Event> out;
      for (auto& [key, e] : sorted) out.push_back(std::move(e));
      return Result<std::vector<Event>>(std::move(out));
    });
  }

  Status Ack(int64_t id, std::string_view worker_id) override {
    return WithConnection<Ok>("ack", [&](pqxx::connection& c) -> Result<Ok> {
      pqxx::work w(c);
      auto cur = Current(w, id);
      if (!cur.ok()) return cur.error();
      if (cur->state != EventState::kProcessing || cur->lease_owner != worker_id) {
        return internal::NotLeased(id, worker_id, cur->state, cur->lease_owner);
      }
      w.exec_params(
          "UPDATE ghl_events SET state = 'done', processed_at = $1, lease_owner = '', "
          "lease_until = 0 WHERE id = $2",
          ToMs(options_.clock()), id);
      w.commit();
      return Ok{};
    });
  }

  Result<EventState> Fail(int64_t id, std::string_view worker_id, std::string_view error,
                          FailureKind kind) override {
    return WithConnection<EventState>("fail", [&](pqxx::connection& c) -> Result<EventState> {
      pqxx::work w(c);
      auto cur = Current(w, id);
      if (!cur.ok()) return cur.error();
      if (cur->state != EventState::kProcessing || cur->lease_owner != worker_id) {
        return internal::NotLeased(id, worker_id, cur->state, cur->lease_owner);
      }
      int64_t now = ToMs(options_.clock());
      EventState next = internal::StateAfterFailure(cur->attempts, options_.retry, kind);
      int64_t due = now + options_.retry.BackoffAfter(cur->attempts).count();
      w.exec_params(
          "UPDATE ghl_events SET state = $1, next_attempt_at = $2, last_error = $3, "
          "lease_owner = '', lease_until = 0 WHERE id = $4",
          std::string(ToString(next)), next == EventState::kDead ? now : due,
          internal::SanitizeText(error), id);
      w.commit();
      return next;
    });
  }

  Status Retry(int64_t id) override {
    return Redrive(id, "retry", {EventState::kDead, EventState::kPending});
  }

  Status Replay(int64_t id) override {
    return Redrive(id, "replay", {EventState::kDead, EventState::kPending, EventState::kDone});
  }

  Result<Event> Get(int64_t id) override {
    return WithConnection<Event>("get", [&](pqxx::connection& c) -> Result<Event> {
      pqxx::read_transaction r(c);
      auto rows = r.exec_params(
          "SELECT " + std::string(internal::kEventColumns) + " FROM ghl_events WHERE id = $1",
          id);
      if (rows.empty()) return internal::NotFound(id);
      return ReadEvent(rows[0]);
    });
  }

  Result<std::vector<Event>> List(const ListFilter& filter) override {
    if (auto st = internal::ValidateFilter(filter); !st.ok()) return st.error();
    return WithConnection<std::vector<Event>>("list", [&](pqxx::connection& c) {
      pqxx::read_transaction r(c);
      // Unused filters compare with NULL-safe "match anything" values.
      auto rows = r.exec_params(
          "SELECT " + std::string(internal::kEventColumns) +
              " FROM ghl_events WHERE ($1 = '' OR state = $1) AND ($2 = 0 OR type = $3) "
              "AND ($4 = 0 OR location_id = $5) AND id < $6 ORDER BY id DESC LIMIT $7",
          filter.state ? std::string(ToString(*filter.state)) : std::string(),
          filter.type ? 1 : 0, filter.type.value_or(""), filter.location_id ? 1 : 0,
          filter.location_id.value_or(""),
          filter.before_id.value_or(std::numeric_limits<int64_t>::max()), filter.limit);
      std::vector<Event> out;
      for (const auto& row : rows) out.push_back(ReadEvent(row));
      return Result<std::vector<Event>>(std::move(out));
    });
  }

  Result<Stats> GetStats() override {
    return WithConnection<Stats>("stats", [&](pqxx::connection& c) {
      pqxx::transaction<pqxx::repeatable_read, pqxx::read_only> r(c);
      Stats stats;
      for (const auto& row :
           r.exec("SELECT type, state, count(*) FROM ghl_events GROUP BY type, state")) {
        auto state = ParseEventState(row[1].as<std::string>());
        if (!state) continue;
        int64_t n = row[2].as<int64_t>();
        for (StateCounts* sc : {&stats.by_state, &stats.by_type[row[0].as<std::string>()]}) {
          switch (*state) {
            case EventState::kPending: sc->pending += n; break;
            case EventState::kProcessing: sc->processing += n; break;
            case EventState::kDone: sc->done += n; break;
            case EventState::kDead: sc->dead += n; break;
          }
        }
      }
      auto oldest = r.exec("SELECT min(received_at) FROM ghl_events WHERE state = 'pending'");
      if (!oldest.empty() && !oldest[0][0].is_null()) {
        stats.oldest_pending_age = std::chrono::milliseconds(
            std::max<int64_t>(0, ToMs(options_.clock()) - oldest[0][0].as<int64_t>()));
      }
      r.commit();
      return Result<Stats>(std::move(stats));
    });
  }

 private:
  ConnPtr Connect(bool create_schema) {
    auto c = std::make_unique<pqxx::connection>(pg_.url);
    std::string schema = c->quote_name(pg_.schema);
    if (create_schema) {
      pqxx::work w(*c);
      // Serialise schema creation between processes starting at the same time.
      w.exec("SELECT pg_advisory_xact_lock(7305736206458711)");
      w.exec("CREATE SCHEMA IF NOT EXISTS " + schema);
      w.exec("CREATE TABLE IF NOT EXISTS " + schema + R"sql(.ghl_events (
  id BIGSERIAL PRIMARY KEY,
  dedup_key TEXT NOT NULL UNIQUE,
  type TEXT NOT NULL,
  location_id TEXT NOT NULL DEFAULT '',
  body BYTEA NOT NULL,
  headers TEXT NOT NULL DEFAULT '[]',
  received_at BIGINT NOT NULL,
  state TEXT NOT NULL DEFAULT 'pending',
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  processed_at BIGINT NOT NULL DEFAULT 0))sql");
      w.exec("CREATE INDEX IF NOT EXISTS ghl_events_due ON " + schema +
             ".ghl_events (next_attempt_at, id) WHERE state IN ('pending', 'processing')");
      w.exec("CREATE INDEX IF NOT EXISTS ghl_events_state_received ON " + schema +
             ".ghl_events (state, received_at)");
      w.commit();
    }
    {
      pqxx::nontransaction n(*c);
      n.exec("SET search_path TO " + schema);
    }
    return c;
  }

  Error Translate(const std::exception& ex, std::string_view what) {
    std::string where = " (" + MaskUrlPassword(pg_.url) + ", schema " + pg_.schema + ")";
    std::string detail = ScrubLocationSecret(ex.what(), pg_.url);
    if (dynamic_cast<const pqxx::broken_connection*>(&ex) != nullptr) {
      return internal::StoreError(ErrorKind::kNetwork, std::string(what) +
                                                           ": cannot reach PostgreSQL" + where +
                                                           ": " + detail);
    }
    return internal::StoreError(ErrorKind::kInternal, std::string(what) + where + ": " + detail);
  }

  // Runs `f` with a pooled connection; a broken connection is dropped (the next call makes a
  // new one) and every libpqxx exception becomes an Error.
  template <typename T, typename F>
  Result<T> WithConnection(std::string_view what, F&& f) {
    ConnPtr conn;
    {
      std::unique_lock lock(pool_mu_);
      pool_cv_.wait(lock, [&] { return !pool_.empty() || open_ < std::max(1, pg_.pool_size); });
      if (!pool_.empty()) {
        conn = std::move(pool_.back());
        pool_.pop_back();
      } else {
        ++open_;
      }
    }
    Result<T> result = Error{};
    bool keep = true;
    try {
      if (!conn) conn = Connect(/*create_schema=*/false);
      result = f(*conn);
    } catch (const std::exception& ex) {
      result = Translate(ex, what);
      keep = conn && conn->is_open() &&
             dynamic_cast<const pqxx::broken_connection*>(&ex) == nullptr;
    }
    {
      std::lock_guard lock(pool_mu_);
      if (keep && conn) {
        pool_.push_back(std::move(conn));
      } else {
        --open_;
      }
    }
    pool_cv_.notify_one();
    return result;
  }

  Result<Event> Current(pqxx::work& w, int64_t id) {
    auto rows = w.exec_params("SELECT " + std::string(internal::kEventColumns) +
                                  " FROM ghl_events WHERE id = $1 FOR UPDATE",
                              id);
    if (rows.empty()) return internal::NotFound(id);
    return ReadEvent(rows[0]);
  }

  Status Redrive(int64_t id, std::string_view operation, std::initializer_list<EventState> from) {
    return WithConnection<Ok>(operation, [&](pqxx::connection& c) -> Result<Ok> {
      pqxx::work w(c);
      auto cur = Current(w, id);
      if (!cur.ok()) return cur.error();
      if (std::find(from.begin(), from.end(), cur->state) == from.end()) {
        return internal::WrongState(id, operation, cur->state);
      }
      w.exec_params(
          "UPDATE ghl_events SET state = 'pending', attempts = 0, next_attempt_at = $1, "
          "lease_owner = '', lease_until = 0, processed_at = 0 WHERE id = $2",
          ToMs(options_.clock()), id);
      w.commit();
      return Ok{};
    });
  }

  // Called on the committer thread only, with its own connection: the whole group in one
  // statement, one round trip (postgres_batch_insert.h).
  Result<std::vector<AppendResult>> CommitBatch(const std::vector<NewEvent>& events) {
    return batch_insert_.Insert(events, ToMs(options_.clock()));
  }

  PostgresOptions pg_;
  std::mutex pool_mu_;
  std::condition_variable pool_cv_;
  std::vector<ConnPtr> pool_;
  int open_ = 0;
  internal::PostgresBatchInsert batch_insert_{pg_.url, pg_.schema};
};

}  // namespace

Result<std::unique_ptr<EventStore>> OpenPostgresStore(const PostgresOptions& postgres,
                                                      StoreOptions options) {
  if (postgres.url.empty()) return UsageError("PostgreSQL URL is empty");
  if (postgres.schema.empty()) return UsageError("PostgreSQL schema is empty");
  auto store = std::make_unique<PostgresStore>(postgres, std::move(options));
  if (auto st = store->Open(); !st.ok()) return st.error();
  return std::unique_ptr<EventStore>(std::move(store));
}

}  // namespace ghl::store
