/// \file
/// The durable webhook event store and work queue: one interface, two backends (SQLite WAL,
/// the embedded default; PostgreSQL, for several receivers and workers on several machines).
///
/// Life of an event: the receiver `Append`s the verified raw body (insert is idempotent on the
/// dedup key) and answers GHL 200 only after `Append` returned, which is after the commit.
/// A worker `Claim`s due events with a lease; it `Ack`s each one done, or `Fail`s it, which
/// schedules a retry with exponential backoff, or moves it to the dead-letter state after
/// `RetryPolicy::max_attempts` attempts. A worker that dies leaves its events `processing`
/// until the lease runs out; then any worker can claim them again. `Retry` and `Replay`
/// re-drive dead or done events (handlers are idempotent, so re-driving never acts twice).
///
/// States: pending → processing → done | pending (retry) | dead.
///
/// Times are UTC instants with millisecond resolution (`UtcTime`), stored as epoch ms. Every
/// operation reads "now" from the injected clock (`StoreOptions::clock`), so lease and backoff
/// tests run in zero time. All methods are thread-safe. Errors are values: kUsage for a bad
/// argument, an unknown id or an operation the event's state forbids; kBusy when SQLite's write
/// lock is held by another process past `SqliteOptions::busy_timeout`, kNetwork when PostgreSQL
/// cannot be reached, kInternal for other database failures (a receiver answers 429 for each,
/// so GHL retries).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/core/result.h"

namespace ghl::store {

/// A UTC instant with millisecond resolution (what the store keeps).
using UtcTime = std::chrono::sys_time<std::chrono::milliseconds>;

/// Returns "now". Injected so tests control leases and backoff.
using Clock = std::function<UtcTime()>;

/// The system clock, floored to milliseconds.
UtcTime SystemNow();

/// Where an event is in its life.
enum class EventState {
  kPending,     ///< Waiting to be claimed once `next_attempt_at` has passed.
  kProcessing,  ///< Leased to `lease_owner` until `lease_until`.
  kDone,        ///< Handled (acked); `processed_at` is set.
  kDead,        ///< Dead-lettered after too many failures; `last_error` says why.
};

/// "pending", "processing", "done", "dead".
std::string_view ToString(EventState state);
/// Inverse of ToString; nullopt for anything else.
std::optional<EventState> ParseEventState(std::string_view text);

/// Type stored for events whose body names no type (shown as unrouted, never dropped).
inline constexpr std::string_view kUnknownType = "unknown";

/// Header names (lower case) that the store keeps; every other header is dropped on Append,
/// so a secret (Authorization, Cookie, API keys) can never be stored.
const std::vector<std::string>& StoredHeaderAllowList();

/// One received event, as the receiver hands it over.
struct NewEvent {
  /// Idempotency key: `ghl::webhooks::DedupKey` (webhookId, else type + entity + body hash).
  /// Must not be empty.
  std::string dedup_key;
  /// Event type from the body ("ContactCreate"), or kUnknownType. Empty is stored as unknown.
  std::string type;
  /// `locationId` from the body, or empty.
  std::string location_id;
  /// The raw body bytes exactly as received (may hold any bytes, including NUL).
  std::string body;
  /// Request headers (name, value); filtered through `StoredHeaderAllowList()` on Append.
  std::vector<std::pair<std::string, std::string>> headers;
  /// When the receiver got the request (UTC). Default (epoch 0) means "use the store clock".
  UtcTime received_at{};
};

/// A stored event with its queue state.
struct Event {
  int64_t id = 0;  ///< Store-assigned, increasing in insertion order.
  std::string dedup_key;
  std::string type;
  std::string location_id;
  std::string body;  ///< Exact bytes.
  std::vector<std::pair<std::string, std::string>> headers;  ///< Allow-listed, names lower case.
  UtcTime received_at{};
  EventState state = EventState::kPending;
  /// Claims so far (a claim counts as an attempt, so a handler that crashes its worker still
  /// reaches the dead-letter state).
  int attempts = 0;
  /// Pending: earliest claim time. Processing: equals `lease_until`.
  UtcTime next_attempt_at{};
  std::string lease_owner;                ///< Worker id while processing, else empty.
  std::optional<UtcTime> lease_until;     ///< Set while processing.
  std::string last_error;                 ///< Error of the last failed attempt, or empty.
  std::optional<UtcTime> processed_at;    ///< Set when done.
};

/// What Append did with one event.
struct AppendResult {
  int64_t id = 0;          ///< The new event's id, or the existing event's id for a duplicate.
  bool duplicate = false;  ///< True when the dedup key was already stored (nothing new stored).
};

/// Filter for List. Results are newest first (descending id).
struct ListFilter {
  std::optional<EventState> state;
  std::optional<std::string> type;
  std::optional<std::string> location_id;
  /// Only events with id < before_id (paging: pass the last id of the previous page).
  std::optional<int64_t> before_id;
  /// At most this many (1..10000).
  int limit = 100;
};

/// Counts per state.
struct StateCounts {
  int64_t pending = 0;
  int64_t processing = 0;
  int64_t done = 0;
  int64_t dead = 0;
  int64_t total() const { return pending + processing + done + dead; }
};

/// Queue statistics (for `ghl events stats`, `/api/events/stats` and `/metrics`).
struct Stats {
  StateCounts by_state;
  /// Per event type (kUnknownType for unrouted events).
  std::map<std::string, StateCounts> by_type;
  /// now - received_at of the oldest pending event; nullopt when none is pending.
  std::optional<std::chrono::milliseconds> oldest_pending_age;
};

/// Whether a failed attempt is worth retrying.
enum class FailureKind {
  kTransient,  ///< Network, 429, 5xx, a lock held elsewhere: retried with backoff.
  kPermanent,  ///< The same attempt would fail the same way (e.g. GHL 400/404/422): dead now.
};

/// Retry schedule: attempt n (1-based) that fails is retried after
/// min(initial_backoff * 2^(n-1), max_backoff); the `max_attempts`-th failure dead-letters.
struct RetryPolicy {
  int max_attempts = 8;
  std::chrono::milliseconds initial_backoff = std::chrono::seconds(10);
  std::chrono::milliseconds max_backoff = std::chrono::hours(1);

  /// The delay before the retry after failed attempt number `attempt` (1-based).
  std::chrono::milliseconds BackoffAfter(int attempt) const;
};

/// Settings shared by both backends.
struct StoreOptions {
  Clock clock = SystemNow;
  RetryPolicy retry;
  /// Group commit: most events written in one transaction.
  size_t max_batch_events = 512;
  /// Group commit under a steady stream of Appends (some arrived while the previous commit
  /// ran): the next commit starts no sooner than this after the previous one started, or once
  /// `max_batch_events` are queued, so one fsync covers more events (less CPU per event). An
  /// Append that finds the store idle is committed at once, so a lone caller never waits for
  /// it; under a stream it adds at most this much to an event's wait. 0: commit whatever is
  /// queued as soon as the previous commit ends.
  std::chrono::microseconds commit_interval{1000};
};

/// Receives what `Append` would return; see `EventStore::AppendAsync`.
using AppendDone = std::function<void(Result<std::vector<AppendResult>> result)>;

/// The store and queue. Thread-safe; one instance per process is enough (it groups concurrent
/// Append calls into shared transactions).
class EventStore {
 public:
  virtual ~EventStore() = default;

  /// Stores `events` durably, as one atomic group: returns only after the transaction that
  /// holds them is committed (fsynced), or with an error and nothing stored. Concurrent calls
  /// from many threads share commits (group commit). Idempotent per dedup key: a duplicate
  /// (already stored, or earlier in the same call) is reported and stores nothing new.
  /// Results are in input order. kUsage error for an empty dedup key.
  virtual Result<std::vector<AppendResult>> Append(std::vector<NewEvent> events) = 0;

  /// `Append` without waiting: returns at once and calls `done` exactly once with what `Append`
  /// would have returned, after the commit (SQLite, PostgreSQL: on the store's committer thread,
  /// so `done` must be quick and must not call the store; validation errors: inline, before
  /// returning). Lets a server answer many requests from one commit without a thread each.
  /// Default: calls `Append` and then `done`, inline.
  virtual void AppendAsync(std::vector<NewEvent> events, AppendDone done);

  /// Leases up to `max_events` due events to `worker_id` for `lease` and returns them (oldest
  /// due first, body included). Due: pending with next_attempt_at <= now, or processing with an
  /// expired lease (its worker died). Each claim counts as an attempt; an expired lease whose
  /// event already used every attempt goes to dead instead. Never returns an event leased to
  /// another worker whose lease is still running (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
  virtual Result<std::vector<Event>> Claim(std::string_view worker_id,
                                           std::chrono::milliseconds lease, int max_events) = 0;

  /// Marks a claimed event done. kUsage error unless it is processing and leased to
  /// `worker_id` (a worker whose lease was taken over must not ack).
  virtual Status Ack(int64_t id, std::string_view worker_id) = 0;

  /// Records a failed attempt of a claimed event: back to pending at now + backoff, or dead
  /// (with `error` as last_error) when it used `max_attempts` or `kind` is kPermanent (retrying
  /// cannot help, e.g. GHL answered 422: dead now, `ghl events retry` once the cause is fixed).
  /// Returns the new state. Same lease rule as Ack.
  virtual Result<EventState> Fail(int64_t id, std::string_view worker_id, std::string_view error,
                                  FailureKind kind = FailureKind::kTransient) = 0;

  /// Re-drives a dead (or backing-off pending) event now: pending, due now, attempts reset to 0.
  /// kUsage error for done or processing events (use Replay for done ones).
  virtual Status Retry(int64_t id) = 0;

  /// Processes an event again: any state but processing → pending, due now, attempts 0.
  virtual Status Replay(int64_t id) = 0;

  /// One event by id; kUsage error "no event with id N" when absent.
  virtual Result<Event> Get(int64_t id) = 0;

  /// Events matching `filter`, newest first.
  virtual Result<std::vector<Event>> List(const ListFilter& filter) = 0;

  /// Counts by state and type, oldest pending age.
  virtual Result<Stats> GetStats() = 0;
};

/// SQLite backend settings.
struct SqliteOptions {
  /// Database file; created with its directory's permissions when missing.
  std::string path;
  /// `synchronous=FULL` (default): each commit is fsynced, durable across power loss.
  /// false → `synchronous=NORMAL`: durable across process crashes (kill -9) only.
  bool fsync_each_commit = true;
  /// How long a writer waits for another process holding the write lock.
  std::chrono::milliseconds busy_timeout = std::chrono::seconds(10);
};

/// Opens (creating when needed) an SQLite store in WAL mode. kUsage error naming the path when
/// the file cannot be opened or is not a ghlkit event store.
Result<std::unique_ptr<EventStore>> OpenSqliteStore(const SqliteOptions& sqlite,
                                                    StoreOptions options = {});

/// PostgreSQL backend settings.
struct PostgresOptions {
  /// libpq connection URI, e.g. "postgresql://ghl@127.0.0.1:5433/ghl_test". May hold a
  /// password: it never appears in errors or logs.
  std::string url;
  /// Schema holding the table (created when missing); lets tests use a fresh one per run.
  std::string schema = "public";
  /// Connections kept for Claim/Ack/reads (the group committer has its own).
  int pool_size = 4;
};

/// Connects to PostgreSQL and creates the schema/table when missing. kNetwork error (URL with
/// the password masked) when the server cannot be reached.
Result<std::unique_ptr<EventStore>> OpenPostgresStore(const PostgresOptions& postgres,
                                                      StoreOptions options = {});

/// Opens a store from one string (CLI `--store`, config): "postgres://…" or "postgresql://…" →
/// PostgreSQL (schema "public"); "sqlite:PATH" or a plain path → SQLite.
Result<std::unique_ptr<EventStore>> OpenEventStore(std::string_view location,
                                                   StoreOptions options = {});

/// `url` with any password replaced by "***" (for messages).
std::string MaskUrlPassword(std::string_view url);

}  // namespace ghl::store
