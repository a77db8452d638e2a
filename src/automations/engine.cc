// The worker: claim → route → recipes under a per-contact lock → ack / fail.
#include "ghl/automations/engine.h"

#include <unistd.h>

#include <cstdio>
#include <functional>

#include "ghl/core/json_depth.h"
#include "util.h"

namespace ghl::automations {

std::string_view ToString(Disposition d) {
  switch (d) {
    case Disposition::kDone:
      return "done";
    case Disposition::kUnrouted:
      return "unrouted";
    case Disposition::kSkipped:
      return "skipped";
    case Disposition::kRetry:
      return "retry";
    case Disposition::kDead:
      return "dead";
    case Disposition::kLost:
      return "lost";
  }
  return "done";
}

LogSink StderrLog(bool verbose) {
  return [verbose](LogLevel level, std::string_view line) {
    if (level == LogLevel::kInfo && !verbose) return;
    const char* tag = level == LogLevel::kError     ? "error: "
                      : level == LogLevel::kWarning ? "warning: "
                                                    : "";
    std::fprintf(stderr, "ghl automations: %s%.*s\n", tag, static_cast<int>(line.size()),
                 line.data());
  };
}

store::RetryPolicy StoreRetryPolicy(const Config& config) {
  store::RetryPolicy p;
  p.max_attempts = config.worker.max_attempts;
  p.initial_backoff = config.worker.initial_backoff;
  p.max_backoff = config.worker.max_backoff;
  return p;
}

namespace {

std::string DefaultWorkerPrefix() {
  static std::atomic<int> counter{0};
  char host[256] = "host";
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "host");
  host[sizeof host - 1] = '\0';
  return "automations-" + std::string(host) + "-" + std::to_string(getpid()) + "-" +
         std::to_string(counter.fetch_add(1));
}

}  // namespace

Engine::Engine(client::Client client, store::EventStore& store,
               std::shared_ptr<EffectLedger> ledger, Config config, EngineOptions options)
    : client_(std::move(client)),
      store_(store),
      ledger_(std::move(ledger)),
      config_(std::move(config)),
      options_(std::move(options)),
      router_(Router::FromConfig(config_)) {
  if (!options_.log) options_.log = StderrLog();
  if (!options_.now) options_.now = [] { return std::chrono::system_clock::now(); };
  worker_prefix_ =
      options_.worker_id_prefix.empty() ? DefaultWorkerPrefix() : options_.worker_id_prefix;
  for (auto& r : options_.extra_recipes) router_.Add(r);
  classifier_ = options_.classifier;
  if (!classifier_ && config_.message_classification.enabled) {
    classifier_ = MakeClassifier(config_.message_classification, options_.classifier_transport);
  }
}

Result<std::unique_ptr<Engine>> Engine::Create(client::Client client, store::EventStore& store,
                                               std::shared_ptr<EffectLedger> ledger, Config config,
                                               EngineOptions options) {
  if (!ledger) return UsageError("the automations engine needs an effects ledger");
  std::shared_ptr<const ResolvedIds> ids = options.resolved;
  if (!ids) {
    auto resolved = ResolveIds(config, client);
    if (!resolved.ok()) return resolved.error();
    ids = std::make_shared<const ResolvedIds>(std::move(*resolved));
  }
  std::unique_ptr<Engine> engine(new Engine(std::move(client), store, std::move(ledger),
                                            std::move(config), std::move(options)));
  engine->ids_ = std::move(ids);
  return engine;
}

Engine::~Engine() { Stop(); }

Status Engine::Start() {
  if (running_.exchange(true)) return UsageError("the automations engine is already running");
  stopping_ = false;
  for (int i = 0; i < config_.worker.concurrency; ++i) {
    workers_.emplace_back(&Engine::WorkerLoop, this, worker_prefix_ + "-" + std::to_string(i));
  }
  Log(LogLevel::kInfo, "started " + std::to_string(config_.worker.concurrency) + " workers (" +
                           worker_prefix_ + ")");
  return Ok{};
}

void Engine::Stop() {
  if (!running_.load()) return;
  {
    std::lock_guard lock(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
  running_ = false;
  Log(LogLevel::kInfo, "stopped");
}

void Engine::WorkerLoop(std::string worker_id) {
  while (!stopping_.load()) {
    auto claimed = store_.Claim(worker_id, config_.worker.lease, 1);
    if (!claimed.ok()) {
      Log(LogLevel::kError, "claim failed: " + claimed.error().Summary());
    } else if (!claimed->empty()) {
      for (const auto& e : *claimed) Process(e, worker_id);
      continue;
    }
    std::unique_lock lock(wake_mu_);
    wake_.wait_for(lock, config_.worker.poll_interval, [&] { return stopping_.load(); });
  }
}

Result<std::vector<EventReport>> Engine::Drain(int max_events) {
  std::vector<EventReport> reports;
  std::string worker_id = worker_prefix_ + "-drain";
  while (static_cast<int>(reports.size()) < max_events) {
    auto claimed = store_.Claim(worker_id, config_.worker.lease, 1);
    if (!claimed.ok()) return claimed.error();
    if (claimed->empty()) break;
    for (const auto& e : *claimed) reports.push_back(Process(e, worker_id));
  }
  return reports;
}

std::mutex& Engine::ContactMutex(const std::string& key) {
  return contact_mutexes_[std::hash<std::string>{}(key) % contact_mutexes_.size()];
}

void Engine::Log(LogLevel level, const std::string& line) const {
  if (options_.log) options_.log(level, line);
}

EngineStats Engine::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

Status Engine::RunRecipes(const IncomingEvent& event, const std::string& worker_id,
                          EventReport& report) {
  auto recipes = router_.Route(event.type);
  std::string contact = event.ContactId();
  std::string lock_key = contact.empty() ? "" : "contact:" + ids_->location_id + ":" + contact;

  // Per-contact serialisation: an in-process mutex first (no polling between our own
  // threads), then the ledger's lease lock (other engines and processes).
  std::unique_lock<std::mutex> local;
  if (!lock_key.empty()) {
    local = std::unique_lock<std::mutex>(ContactMutex(lock_key));
    auto deadline = std::chrono::steady_clock::now() + config_.worker.lock_wait;
    auto pause = std::chrono::milliseconds(10);
    while (true) {
      auto got = ledger_->TryLock(lock_key, worker_id, config_.worker.lease);
      if (!got.ok()) return Context(got.error(), "contact lock");
      if (*got) break;
      if (std::chrono::steady_clock::now() >= deadline || stopping_.load()) {
        return UsageError("contact " + contact + " is locked by another worker",
                          "retried later; a worker that died releases its lock after the lease");
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(200));
    }
  }
  RecipeContext ctx{.client = client_,
                    .config = config_,
                    .ids = *ids_,
                    .ledger = *ledger_,
                    .classifier = classifier_.get(),
                    .check_lock = nullptr,
                    .now = options_.now(),
                    .actions = &report.actions};
  if (!lock_key.empty()) {
    ctx.check_lock = [this, lock_key, worker_id, contact]() -> Status {
      auto still = ledger_->TryLock(lock_key, worker_id, config_.worker.lease);
      if (!still.ok()) return Context(still.error(), "contact lock");
      if (!*still) {
        return UsageError("lost the lock of contact " + contact +
                          " (lease expired and another worker took it); nothing more was done");
      }
      return Ok{};
    };
  }
  std::string errors;
  bool all_permanent = true;
  for (Recipe* r : recipes) {
    Status st = r->Run(event, ctx);
    if (!st.ok()) {
      if (!errors.empty()) errors += "\n";
      errors += "recipe " + std::string(r->name()) + ": " + st.error().Describe();
      all_permanent = all_permanent && IsPermanentFailure(st.error());
    }
  }
  report.permanent = !errors.empty() && all_permanent;
  if (!lock_key.empty()) {
    if (auto st = ledger_->Unlock(lock_key, worker_id); !st.ok()) {
      Log(LogLevel::kWarning, "unlock " + lock_key + ": " + st.error().Summary());
    }
  }
  if (!errors.empty()) {
    // Each line already names its recipe and its own kind ("network error", "HTTP 400 …"):
    // that is the failure text, not an "internal error" around it.
    report.error = errors;
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back(errors);
    return e;
  }
  return Ok{};
}

EventReport Engine::Process(const store::Event& stored, std::string_view worker_id) {
  EventReport report;
  report.event_id = stored.id;
  report.type = stored.type;
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.claimed;
  }
  IncomingEvent event;
  event.id = stored.id;
  event.type = stored.type;
  event.location_id = stored.location_id;
  event.dedup_key = stored.dedup_key;
  event.body = ghl::ParseJsonBounded<json>(stored.body);

  auto finish = [&](Disposition d) {
    report.disposition = d;
    // What `ghl events show` lists for this event: each recipe's action, then the outcome.
    std::vector<std::string> lines = report.actions;
    std::string outcome = "outcome: " + std::string(ToString(d));
    if (!report.error.empty() && (d == Disposition::kRetry || d == Disposition::kDead)) {
      outcome += ": " + report.error;
    }
    lines.push_back(std::move(outcome));
    if (auto st = ledger_->RecordEventActions(stored.id, lines); !st.ok()) {
      Log(LogLevel::kWarning, "event " + std::to_string(stored.id) +
                                  ": cannot record its actions: " + st.error().Summary());
    }
    std::lock_guard lock(stats_mu_);
    switch (d) {
      case Disposition::kDone:
        ++stats_.done;
        break;
      case Disposition::kUnrouted:
        ++stats_.unrouted;
        break;
      case Disposition::kSkipped:
        ++stats_.skipped;
        break;
      case Disposition::kRetry:
        ++stats_.retried;
        break;
      case Disposition::kDead:
        ++stats_.dead;
        break;
      case Disposition::kLost:
        ++stats_.lost;
        break;
    }
  };
  auto ack = [&](Disposition d) {
    if (auto st = store_.Ack(stored.id, worker_id); !st.ok()) {
      Log(LogLevel::kWarning,
          "event " + std::to_string(stored.id) + ": ack refused: " + st.error().Summary());
      finish(Disposition::kLost);
      return;
    }
    finish(d);
  };

  if (!event.body.is_object()) {
    report.actions.push_back("body is not a JSON object; skipped");
    ack(Disposition::kSkipped);
    return report;
  }
  if (event.location_id.empty()) event.location_id = Str(event.body, "locationId");
  auto recipes = router_.Route(event.type);
  if (recipes.empty()) {
    ack(Disposition::kUnrouted);
    return report;
  }
  if (!event.location_id.empty() && event.location_id != ids_->location_id) {
    report.actions.push_back("event for location " + event.location_id + ", engine serves " +
                             ids_->location_id + "; skipped");
    Log(LogLevel::kWarning, "event " + std::to_string(stored.id) + " is for location " +
                                event.location_id + "; this engine serves " + ids_->location_id +
                                ": skipped");
    ack(Disposition::kSkipped);
    return report;
  }
  std::string worker(worker_id);
  Status st = RunRecipes(event, worker, report);
  if (st.ok()) {
    ack(Disposition::kDone);
    std::string line = "event " + std::to_string(stored.id) + " " + stored.type + ": done";
    for (const auto& a : report.actions) line += "; " + a;
    Log(LogLevel::kInfo, line);
    return report;
  }
  if (report.error.empty()) report.error = st.error().Describe();
  auto failed = store_.Fail(
      stored.id, worker_id, report.error,
      report.permanent ? store::FailureKind::kPermanent : store::FailureKind::kTransient);
  if (!failed.ok()) {
    Log(LogLevel::kWarning,
        "event " + std::to_string(stored.id) + ": fail refused: " + failed.error().Summary());
    finish(Disposition::kLost);
    return report;
  }
  bool dead = *failed == store::EventState::kDead;
  finish(dead ? Disposition::kDead : Disposition::kRetry);
  Log(dead ? LogLevel::kError : LogLevel::kWarning,
      "event " + std::to_string(stored.id) + " " + stored.type + " attempt " +
          std::to_string(stored.attempts) +
          (!dead              ? " will be retried: "
           : report.permanent ? " dead-lettered (GHL refused it; retrying cannot help until the "
                                "cause is fixed, then `ghl events retry " +
                                    std::to_string(stored.id) + "`): "
                              : " dead-lettered: ") +
          report.error);
  return report;
}

Result<std::unique_ptr<Engine>> StartAutomations(Config config, const client::Client& client,
                                                 store::EventStore& store,
                                                 std::string_view events_location,
                                                 const EnvLookup& env, LogSink log) {
  if (auto st = ResolveSecrets(config, env); !st.ok()) return st.error();
  std::shared_ptr<EffectLedger> ledger;
  if (events_location.empty()) {
    ledger = MakeMemoryLedger();
  } else {
    auto opened = OpenEffectLedger(events_location);
    if (!opened.ok()) return opened.error();
    ledger = std::move(*opened);
  }
  EngineOptions options;
  options.log = std::move(log);
  auto engine =
      Engine::Create(client, store, std::move(ledger), std::move(config), std::move(options));
  if (!engine.ok()) return engine.error();
  if (auto st = (*engine)->Start(); !st.ok()) return st.error();
  return engine;
}

}  // namespace ghl::automations
