// `ghl automations check CONFIG` and `ghl automations run --config FILE --events-db URL|FILE`:
// the cookbook's automations (webhook events → recipes) as a worker, thin over
// ghl::automations. Also the two helpers `ghl serve --automations FILE` calls.
#include <pthread.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>

#include "automations_wiring.h"
#include "commands.h"
#include "credentials.h"
#include "ghl/automations/engine.h"
#include "ghl/core/text.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/store/event_store.h"
#include "server_text.h"
#include "token_wiring.h"

namespace ghl::cli {
namespace {

namespace au = ghl::automations;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

au::EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

// Prints every message of a config / resolution error on its own line, then the hint.
// Messages and traceIds may come from GHL: escaped (TerminalSafe) so they cannot drive the
// terminal.
void PrintErrors(const char* prefix, const Error& e) {
  if (e.kind == ErrorKind::kUsage && e.messages.size() > 1) {
    for (const auto& m : e.messages) std::fprintf(stderr, "%s\n", TerminalSafe(m).c_str());
  } else {
    std::fprintf(stderr, "%s: %s\n", prefix, TerminalSafe(e.Summary()).c_str());
  }
  if (!e.hint.empty()) {
    std::fprintf(stderr, "hint: %s\n", TerminalSafe(CliWording(e.hint)).c_str());
  }
  if (!e.trace_id.empty()) {
    std::fprintf(stderr, "traceId: %s\n", TerminalSafe(e.trace_id).c_str());
  }
}

int ExitFor(const Error& e) { return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError; }

struct ClientArgs {
  std::string token;
  std::string base_url;
  std::string location;
};

client::ClientOptions ClientOptionsFrom(const ClientArgs& a) {
  client::ClientOptions o;
  o.token = !a.token.empty() ? a.token : Env("GHL_TOKEN");
  std::string base = !a.base_url.empty() ? a.base_url : Env("GHL_BASE_URL");
  if (!base.empty()) o.base_url = base;
  o.default_location_id = !a.location.empty() ? a.location : Env("GHL_LOCATION_ID");
  return o;
}

struct CheckArgs {
  std::string config;
  bool sandbox = false;
  ClientArgs client;
};

int RunCheck(const CheckArgs& args) {
  auto config = au::LoadConfig(args.config);
  if (!config.ok()) {
    PrintErrors("ghl automations check", config.error());
    return ExitFor(config.error());
  }
  std::printf("%s", au::DescribeConfig(*config).c_str());
  if (auto st = au::ResolveSecrets(*config, ProcessEnv()); !st.ok()) {
    std::fprintf(stderr, "ghl automations check: warning: %s\n", st.error().Summary().c_str());
  }
  std::unique_ptr<sandbox::RunningSandbox> embedded;
  client::ClientOptions options = ClientOptionsFrom(args.client);
  if (args.sandbox) {
    auto started = sandbox::RunningSandbox::Start(sandbox::Options{});
    if (!started.ok()) {
      PrintErrors("ghl automations check: sandbox", started.error());
      return kExitUsage;
    }
    embedded = std::move(*started);
    options.base_url = embedded->base_url();
    options.token = embedded->token();
    if (options.default_location_id.empty() || args.client.location.empty()) {
      options.default_location_id = embedded->location_id();
    }
  }
  if (options.token.empty()) {
    std::printf(
        "ids not resolved: no token (set GHL_TOKEN, or pass --sandbox to check against "
        "the demo sandbox)\n");
    return kExitOk;
  }
  client::Client client(options);
  auto ids = au::ResolveIds(*config, client);
  if (embedded) embedded->Stop();
  if (!ids.ok()) {
    PrintErrors("ghl automations check", ids.error());
    return ExitFor(ids.error());
  }
  // Names resolved from GHL (pipelines, stages, calendars): server text.
  std::printf("%s", TerminalSafe(au::DescribeResolved(*config, *ids)).c_str());
  std::printf("ok\n");
  return kExitOk;
}

struct RunArgs {
  std::string config;
  std::string events_db;
  bool once = false;
  bool verbose = false;
  ClientArgs client;
};

int RunWorker(const RunArgs& args) {
  int exit_code = kExitOk;
  auto config = LoadAutomationsConfig(args.config, &exit_code);
  if (!config) return exit_code;
  std::string location = ResolveEventsDb(args.events_db);
  store::StoreOptions so;
  so.retry = au::StoreRetryPolicy(*config);
  auto opened = store::OpenEventStore(location, so);
  if (!opened.ok()) {
    PrintErrors("ghl automations run: event store", opened.error());
    return ExitFor(opened.error());
  }
  std::unique_ptr<store::EventStore> store = std::move(*opened);
  client::ClientOptions options = ClientOptionsFrom(args.client);
  // --token / GHL_TOKEN, else the token store (`ghl auth login`): credentials.h.
  if (auto c = UseGhlCredentials(options); !c.ok()) {
    PrintErrors("ghl automations run", c.error());
    return kExitUsage;
  }
  // Ctrl+C ends pacing and backoff waits at once (events in hand are retried next start).
  auto cancel = std::make_shared<client::CancelToken>();
  options.cancel = cancel;
  client::Client client(options);

  if (args.once) {
    if (auto st = au::ResolveSecrets(*config, ProcessEnv()); !st.ok()) {
      PrintErrors("ghl automations run", st.error());
      return kExitUsage;
    }
    auto ledger = au::OpenEffectLedger(location);
    if (!ledger.ok()) {
      PrintErrors("ghl automations run", ledger.error());
      return ExitFor(ledger.error());
    }
    au::EngineOptions eo;
    eo.log = au::StderrLog(args.verbose);
    auto engine =
        au::Engine::Create(client, *store, std::move(*ledger), std::move(*config), std::move(eo));
    if (!engine.ok()) {
      PrintErrors("ghl automations run", engine.error());
      return ExitFor(engine.error());
    }
    auto reports = (*engine)->Drain();
    if (!reports.ok()) {
      PrintErrors("ghl automations run", reports.error());
      return ExitFor(reports.error());
    }
    au::EngineStats s = (*engine)->stats();
    std::printf(
        "handled %lld events: %lld done, %lld unrouted, %lld skipped, %lld to retry, "
        "%lld dead-lettered\n",
        static_cast<long long>(s.claimed), static_cast<long long>(s.done),
        static_cast<long long>(s.unrouted), static_cast<long long>(s.skipped),
        static_cast<long long>(s.retried), static_cast<long long>(s.dead));
    return s.dead > 0 || s.retried > 0 ? kExitApiError : kExitOk;
  }

  // Block SIGINT/SIGTERM before the workers start (they inherit the mask); wait for them here.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto engine = StartAutomationsEngine(std::move(*config), client, *store, location, args.verbose,
                                       &exit_code);
  if (!engine) return exit_code;
  std::printf("ghl automations: %d workers on %s; recipes:", engine->config().worker.concurrency,
              DescribeEventsDb(location).c_str());
  for (const auto& r : engine->config().EnabledRecipes()) std::printf(" %s", r.c_str());
  std::printf("\nPress Ctrl+C to stop.\n");
  std::fflush(stdout);
  int sig = 0;
  sigwait(&signals, &sig);
  cancel->Cancel();
  engine->Stop();
  au::EngineStats s = engine->stats();
  std::printf("stopped: %lld done, %lld unrouted, %lld skipped, %lld retried, %lld dead\n",
              static_cast<long long>(s.done), static_cast<long long>(s.unrouted),
              static_cast<long long>(s.skipped), static_cast<long long>(s.retried),
              static_cast<long long>(s.dead));
  return kExitOk;
}

}  // namespace

std::optional<automations::Config> LoadAutomationsConfig(const std::string& path, int* exit_code) {
  auto config = au::LoadConfig(path);
  if (!config.ok()) {
    PrintErrors("ghl: automations config", config.error());
    *exit_code = ExitFor(config.error());
    return std::nullopt;
  }
  // Test hook of the form_to_onboarding recipe, as for `ghl onboard` (never from the file).
  config->form_to_onboarding.crash_after = FlagOrEnv("", "GHL_ONBOARD_CRASH_AFTER");
  return std::move(*config);
}

std::unique_ptr<automations::Engine> StartAutomationsEngine(automations::Config config,
                                                            const client::Client& client,
                                                            store::EventStore& store,
                                                            const std::string& events_location,
                                                            bool verbose, int* exit_code) {
  auto engine = au::StartAutomations(std::move(config), client, store, events_location,
                                     ProcessEnv(), au::StderrLog(verbose));
  if (!engine.ok()) {
    PrintErrors("ghl: automations", engine.error());
    *exit_code = ExitFor(engine.error());
    return nullptr;
  }
  return std::move(*engine);
}

void AddAutomationsCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand(
      "automations",
      "The cookbook's automations on webhook events: check a config, run the worker");
  cmd->require_subcommand(1);
  auto add_client = [](CLI::App* c, ClientArgs* a) {
    c->add_option("--token", a->token, "Bearer token (env GHL_TOKEN)");
    c->add_option("--base-url", a->base_url, "API base URL (env GHL_BASE_URL)");
    c->add_option("--location", a->location, "Location id (env GHL_LOCATION_ID)");
  };

  auto check_args = std::make_shared<CheckArgs>();
  auto* check = cmd->add_subcommand(
      "check", "Validate a config (errors name line, field and fix) and print the resolved ids");
  check->add_option("config", check_args->config, "The TOML config (doc/automations.md)")
      ->required();
  check->add_flag("--sandbox", check_args->sandbox,
                  "Resolve names against an in-process demo sandbox (offline)");
  add_client(check, &check_args->client);
  check->callback([check_args, exit_code] { *exit_code = RunCheck(*check_args); });

  auto run_args = std::make_shared<RunArgs>();
  auto* run = cmd->add_subcommand(
      "run", "Run the worker: claim events from the store, run the recipes (Ctrl+C stops)");
  run->add_option("--config", run_args->config, "The TOML config (doc/automations.md)")->required();
  run->add_option("--events-db", run_args->events_db,
                  "Event store: postgresql://… URL or SQLite file (default: $GHL_EVENTS_DB, "
                  "else ./ghl-events.db)");
  run->add_flag("--once", run_args->once,
                "Handle the events due now, print a summary and exit (1 if any failed)");
  run->add_flag("-v,--verbose", run_args->verbose, "Log every event handled");
  add_client(run, &run_args->client);
  run->callback([run_args, exit_code] { *exit_code = RunWorker(*run_args); });
}

}  // namespace ghl::cli
