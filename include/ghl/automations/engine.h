/// \file
/// The automations engine: worker threads that claim webhook events from the `EventStore`
/// with a lease, route them by type to the recipes, and Ack each one handled or Fail it with
/// the error (the store retries with backoff and dead-letters after N attempts).
///
/// One event is handled at a time per worker, under a per-contact lock (in-process mutex, then
/// the ledger's lease lock "contact:<location>:<id>"), so duplicates and out-of-order events
/// for one contact never race; one-time effects are recorded in the `EffectLedger`
/// (doc/adr/0005-automations-config-and-idempotency.md). A worker that dies leaves its event
/// leased; after the lease any worker claims it again, and its contact lock expires likewise.
///
/// Run it in-process (`ghl serve --automations FILE`, see `StartAutomations`) or alone
/// (`ghl automations run`). Several engines (threads, processes, machines with PostgreSQL)
/// may share one store and ledger.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "ghl/automations/classifier.h"
#include "ghl/automations/config.h"
#include "ghl/automations/ledger.h"
#include "ghl/automations/recipe.h"
#include "ghl/automations/resolver.h"
#include "ghl/client/client.h"
#include "ghl/core/result.h"
#include "ghl/store/event_store.h"

namespace ghl::automations {

/// Severity of a log line.
enum class LogLevel { kInfo, kWarning, kError };

/// Receives one log line (no trailing newline; never a token or API key). Thread-safe.
using LogSink = std::function<void(LogLevel, std::string_view)>;

/// A LogSink printing "ghl automations: <line>" to stderr (info lines only when `verbose`).
LogSink StderrLog(bool verbose = false);

/// Engine settings besides the Config.
struct EngineOptions {
  /// Worker ids are "<worker_id_prefix>-<n>"; empty = "automations-<host>-<pid>-<k>".
  std::string worker_id_prefix;
  /// Log lines; null = StderrLog().
  LogSink log;
  /// UTC "now" for the recipes (free-slot windows, note times); null = system clock.
  std::function<std::chrono::system_clock::time_point()> now;
  /// The message classifier; null = MakeClassifier(config) (with `classifier_transport`).
  std::shared_ptr<Classifier> classifier;
  /// Transport of the OpenAI-compatible classifier; null = libcurl.
  std::shared_ptr<http::Transport> classifier_transport;
  /// Recipes added after the configured ones (your own automations, tests).
  std::vector<std::shared_ptr<Recipe>> extra_recipes;
  /// Ids already resolved (skip the API look-ups at Create); null = resolve.
  std::shared_ptr<const ResolvedIds> resolved;
};

/// What happened to one event.
enum class Disposition {
  kDone,      ///< Every routed recipe succeeded; acked.
  kUnrouted,  ///< No recipe handles the type; acked (listed as unrouted by `ghl events`).
  kSkipped,   ///< Not for this engine (another location, unreadable body); acked.
  kRetry,     ///< A recipe failed; Fail() scheduled a retry.
  kDead,      ///< A recipe failed on the last attempt, or every failing recipe got a
              ///< permanent answer from GHL (see EventReport::permanent); dead-lettered.
  kLost,      ///< Ack/Fail refused: the lease was taken over by another worker.
};

/// "done", "unrouted", "skipped", "retry", "dead", "lost".
std::string_view ToString(Disposition d);

/// The result of handling one event.
struct EventReport {
  int64_t event_id = 0;
  std::string type;
  Disposition disposition = Disposition::kDone;
  std::vector<std::string> actions;  ///< What each recipe did or skipped.
  std::string error;                 ///< Failure text given to the store (Describe()).
  /// Retrying cannot help: every failing recipe got a GHL 4xx other than 401 (the token may be
  /// rotated), 408, 409, 425 or 429, e.g. 400 "Contact does not have a phone number" or 422.
  /// The event is dead-lettered at once; `ghl events retry` re-drives it once fixed.
  bool permanent = false;
};

/// Counters since Start/Create.
struct EngineStats {
  int64_t claimed = 0;
  int64_t done = 0;
  int64_t unrouted = 0;
  int64_t skipped = 0;
  int64_t retried = 0;
  int64_t dead = 0;
  int64_t lost = 0;
};

/// Claims, routes and handles events. Thread-safe; Start/Stop from one thread.
class Engine {
 public:
  /// Builds the router and classifier and resolves the config's ids through `client` (unless
  /// `options.resolved`). `store` must outlive the engine. Errors: resolution errors
  /// (line-numbered kUsage, or the API error with its hint).
  static Result<std::unique_ptr<Engine>> Create(client::Client client, store::EventStore& store,
                                                std::shared_ptr<EffectLedger> ledger, Config config,
                                                EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  /// Starts `config.worker.concurrency` worker threads. kUsage error when already running.
  Status Start();
  /// Graceful stop: no new claims; each worker finishes its current event (ack/fail), then
  /// joins. Idempotent; also called by the destructor.
  void Stop();
  /// True between Start and Stop.
  bool running() const { return running_.load(); }

  /// Claims and handles due events on the calling thread until none is due (or `max_events`
  /// were handled); returns the reports. For `ghl automations run --once`, cron jobs and tests.
  Result<std::vector<EventReport>> Drain(int max_events = 1000000);

  /// Handles one event already claimed by `worker_id` (Ack/Fail included).
  EventReport Process(const store::Event& event, std::string_view worker_id);

  /// Counters so far.
  EngineStats stats() const;
  /// The resolved ids in use.
  const ResolvedIds& ids() const { return *ids_; }
  const Config& config() const { return config_; }
  const Router& router() const { return router_; }

 private:
  Engine(client::Client client, store::EventStore& store, std::shared_ptr<EffectLedger> ledger,
         Config config, EngineOptions options);
  void WorkerLoop(std::string worker_id);
  Status RunRecipes(const IncomingEvent& event, const std::string& worker_id, EventReport& report);
  std::mutex& ContactMutex(const std::string& key);
  void Log(LogLevel level, const std::string& line) const;

  client::Client client_;
  store::EventStore& store_;
  std::shared_ptr<EffectLedger> ledger_;
  Config config_;
  EngineOptions options_;
  Router router_;
  std::shared_ptr<Classifier> classifier_;
  std::shared_ptr<const ResolvedIds> ids_;
  std::string worker_prefix_;

  std::atomic<bool> running_{false};
  std::atomic<bool> stopping_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_;
  std::vector<std::thread> workers_;
  std::array<std::mutex, 64> contact_mutexes_;

  mutable std::mutex stats_mu_;
  EngineStats stats_;
};

/// The event store retry policy the config's [worker] section asks for (max_attempts,
/// initial/max backoff): pass it as `StoreOptions::retry` when opening the store.
store::RetryPolicy StoreRetryPolicy(const Config& config);

/// Everything `ghl serve --automations FILE` needs in one call: resolves the config's secrets
/// from `env`, opens the effects ledger beside the store (`events_location`: the same string
/// the store was opened from; null ledger location "" = in-memory ledger, one process only),
/// resolves ids through `client`, and starts the workers. Call `Stop()` (or destroy the
/// engine) before the store goes away. Errors: config secrets, ledger, resolution.
Result<std::unique_ptr<Engine>> StartAutomations(Config config, const client::Client& client,
                                                 store::EventStore& store,
                                                 std::string_view events_location,
                                                 const EnvLookup& env, LogSink log = {});

}  // namespace ghl::automations
