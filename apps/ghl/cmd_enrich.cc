// `ghl enrich`: the nightly enrichment batch (ghl/enrich/enrich.h) with a progress bar on a
// terminal, plain lines otherwise, and a summary (text or --json). Credentials: GHL_TOKEN, else
// the token store (credentials.h).
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include "commands.h"
#include "credentials.h"
#include "ghl/automations/config.h"
#include "ghl/client/client.h"
#include "ghl/enrich/enrich.h"
#include "ghl/sync/budget.h"

namespace ghl::cli {
namespace {

std::atomic<int> g_signal{0};
extern "C" void OnEnrichSignal(int sig) { g_signal.store(sig); }

struct EnrichArgs {
  std::string location;
  int limit = 0;
  std::string rules;
  std::string enricher_url;
  int enricher_timeout_ms = 10000;
  bool dry_run = false;
  int64_t max_calls = 0;
  double max_daily_share = 1.0;
  bool json = false;
  std::string base_url;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

int Fail(const Error& e) {
  std::fprintf(stderr, "ghl enrich: %s\n", e.Describe().c_str());
  return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
}

// A bar over the candidates on a terminal; otherwise a line per failure and every 50 contacts.
void PrintProgress(bool tty, const enrich::EnrichProgress& p) {
  if (tty) {
    static constexpr int kWidth = 30;
    int filled = p.total > 0 ? static_cast<int>(p.processed * kWidth / p.total) : kWidth;
    std::fprintf(stderr, "\r\x1b[2Kenrich [%s%s] %lld/%lld%s",
                 std::string(static_cast<size_t>(filled), '#').c_str(),
                 std::string(static_cast<size_t>(kWidth - filled), ' ').c_str(),
                 static_cast<long long>(p.processed), static_cast<long long>(p.total),
                 p.processed == p.total ? "\n" : "");
  } else {
    if (p.last && p.last->status == "failed") {
      std::fprintf(stderr, "enrich: contact %s failed: %s\n", p.last->id.c_str(),
                   p.last->error.c_str());
    }
    if (p.processed % 50 == 0 || p.processed == p.total) {
      std::fprintf(stderr, "enrich: %lld/%lld contacts\n", static_cast<long long>(p.processed),
                   static_cast<long long>(p.total));
    }
  }
  std::fflush(stderr);
}

int RunEnrichCommand(const EnrichArgs& args) {
  enrich::EnrichOptions o;
  if (!args.rules.empty()) {
    auto cfg = automations::LoadConfig(args.rules);
    if (!cfg.ok()) return Fail(cfg.error());
    if (cfg->lead_scoring.rules.empty()) {
      return Fail(UsageError("--rules " + args.rules + " has no [[recipes.lead_scoring.rules]]",
                             "add rules such as: [[recipes.lead_scoring.rules]] has = \"email\" "
                             "points = 10 (same format as the automations config)"));
    }
    o.scoring = cfg->lead_scoring;
  }
  if (args.enricher_timeout_ms < 1) return Fail(UsageError("--enricher-timeout-ms must be >= 1"));
  if (!(args.max_daily_share > 0 && args.max_daily_share <= 1)) {
    return Fail(UsageError(
        "--max-daily-share " + std::to_string(args.max_daily_share) + " is outside (0, 1]",
        "give the share of the daily quota the batch may use, e.g. 0.5"));
  }
  client::ClientOptions options;
  std::string base = !args.base_url.empty() ? args.base_url : Env("GHL_BASE_URL");
  if (!base.empty()) options.base_url = base;
  options.default_location_id = args.location.empty() ? Env("GHL_LOCATION_ID") : args.location;
  // GHL_TOKEN, else the token store (`ghl auth login`): the location's own token.
  auto credentials = UseGhlCredentials(options);
  if (!credentials.ok()) return Fail(credentials.error());
  if (credentials->store) {
    auto location =
        OneStoreLocation(*credentials->store, options.default_location_id, "--location");
    if (!location.ok()) return Fail(location.error());
    options.default_location_id = *location;
    if (auto st = CheckStoreLocation(*credentials->store, *location); !st.ok())
      return Fail(st.error());
  }
  // --max-daily-share (1 = no cap beyond GHL's) leaves headroom for real-time work; the
  // counters give the calls used.
  auto counters = std::make_shared<sync::BudgetCounters>();
  client::Client client(
      sync::WithDailyShare(client::MakeConnection(options), args.max_daily_share, counters));

  o.location_id = options.default_location_id;
  o.limit = args.limit;
  o.enricher_url = args.enricher_url;
  o.enricher_timeout = std::chrono::milliseconds(args.enricher_timeout_ms);
  o.dry_run = args.dry_run;
  o.max_calls = args.max_calls;
  o.calls_used = [counters] { return counters->sent; };
  o.cancelled = [] { return g_signal.load() != 0; };
  std::signal(SIGINT, OnEnrichSignal);
  std::signal(SIGTERM, OnEnrichSignal);

  bool tty = !args.json && isatty(fileno(stderr)) != 0;
  auto report = enrich::RunEnrichment(
      client, o, [tty](const enrich::EnrichProgress& p) { PrintProgress(tty, p); });
  if (!report.ok()) return Fail(report.error());
  if (args.json) {
    std::printf("%s\n", report->ToJson().dump(2).c_str());
  } else {
    // A dry run tags nothing: its failures are only counted.
    std::string failed_note =
        report->dry_run ? "would be tagged " + std::string(enrich::kFailedTag)
                        : "tagged " + std::string(enrich::kFailedTag);
    std::printf(
        "%senriched %lld contacts: %lld done, %lld failed (%s), %lld skipped; %lld API calls\n",
        report->dry_run ? "dry run (nothing written): " : "",
        static_cast<long long>(report->candidates), static_cast<long long>(report->done),
        static_cast<long long>(report->failed), failed_note.c_str(),
        static_cast<long long>(report->skipped), static_cast<long long>(report->calls_used));
  }
  std::fflush(stdout);
  return g_signal.load() ? 128 + g_signal.load() : kExitOk;
}

}  // namespace

void AddEnrichCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EnrichArgs>();
  auto* cmd = app.add_subcommand(
      "enrich",
      "Nightly enrichment batch (cookbook 3.x): contacts whose enrichment_status is not "
      "complete get E.164 phone + region, company from the email domain, a lead score, "
      "optional HTTP enricher fields; failures are tagged enrichment-failed; reruns resume");
  cmd->add_option("--location", args->location,
                  "Location id (default GHL_LOCATION_ID; with the token store and no location: "
                  "its only location)");
  cmd->add_option("--limit", args->limit, "At most N contacts this run (0 = all)")
      ->capture_default_str();
  cmd->add_option("--rules", args->rules,
                  "TOML file with [recipes.lead_scoring] (score_field, rules), the automations "
                  "config format; without it no score is written");
  cmd->add_option("--enricher-url", args->enricher_url,
                  "POST {\"contact\":…} here; a JSON object answer = custom fields to write");
  cmd->add_option("--enricher-timeout-ms", args->enricher_timeout_ms, "Enricher timeout")
      ->capture_default_str();
  cmd->add_flag("--dry-run", args->dry_run,
                "Compute and print what would be written; write nothing, create no field");
  cmd->add_option("--max-calls", args->max_calls,
                  "Stop before the contact that could take the run past N GHL API calls "
                  "(0 = no cap); the rest are skipped and done by the next run")
      ->capture_default_str();
  cmd->add_option("--max-daily-share", args->max_daily_share,
                  "Share of the daily API quota the batch may use, in (0, 1]; when it is spent "
                  "the run stops, the rest is skipped and done by the next run")
      ->capture_default_str();
  cmd->add_flag("--json", args->json, "Print the summary (with every contact) as JSON");
  cmd->add_option("--base-url", args->base_url, "API base URL (env GHL_BASE_URL)");
  cmd->callback([args, exit_code] { *exit_code = RunEnrichCommand(*args); });
}

}  // namespace ghl::cli
