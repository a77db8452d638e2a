// `ghl sandbox`: runs the offline, stateful GHL-compatible API (libghl's sandbox module) on
// loopback. Prints one `GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=… GHL_WEBHOOK_PUBLIC_KEY=…`
// line on stdout (for `eval`), logs to stderr, stops on SIGINT/SIGTERM. With `--webhook-url` it
// POSTs every state change as a GHL webhook signed with its own Ed25519 key (`--webhook-key`).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/server/http_server.h"
#include "ghl/server/listen_address.h"

namespace ghl::cli {
namespace {

struct SandboxArgs {
  int port = 0;
  std::string host = "127.0.0.1";
  std::string seed = "demo";
  int seed_contacts = 0;
  std::string db;
  std::string rate_limit = "100/10s";
  int daily_limit = 200000;
  bool strict = false;
  int threads = 2;
  std::string webhook_url;
  std::string webhook_key;
  std::string provider_url;
  int provider_status_delay_ms = 5000;
  int provider_delivery_copies = 1;
  int token_ttl = 86399;
  std::vector<std::string> redirect_uris;
  std::string client_id;
  std::string client_secret;
  std::vector<std::string> inactive_locations;
};

int RunSandbox(const SandboxArgs& args) {
  sandbox::Options options;
  options.seed = args.seed;
  options.seed_contacts = args.seed_contacts;
  options.db_path = args.db;
  options.strict = args.strict;
  auto limit = sandbox::ParseRateLimit(args.rate_limit);
  if (!limit.ok()) {
    std::fprintf(stderr, "ghl sandbox: %s\n", limit.error().Describe().c_str());
    return kExitUsage;
  }
  options.rate_limit = *limit;
  options.rate_limit.daily_max = args.daily_limit;
  options.webhook_delivery.url = args.webhook_url;
  options.webhook_delivery.key_file = args.webhook_key;
  options.provider_status_delay = std::chrono::milliseconds(args.provider_status_delay_ms);
  options.provider_delivery_copies = args.provider_delivery_copies;
  if (!args.provider_url.empty()) {
    sandbox::ConversationProvider provider;
    provider.delivery_url = args.provider_url;
    provider.id = "sbxProviderSmsDemo01";  // stable, so scripts and a restarted --db agree
    options.conversation_providers.push_back(provider);
  }
  options.oauth.access_token_ttl = std::chrono::seconds(args.token_ttl);
  options.oauth.redirect_uris = args.redirect_uris;
  options.oauth.client_id = args.client_id;
  options.oauth.client_secret = args.client_secret;
  options.oauth.inactive_locations = args.inactive_locations;

  if (!args.db.empty()) {
    // SQLite creates the file, not its directory: say so before the sandbox tries.
    std::error_code ec;
    auto dir = std::filesystem::path(args.db).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec)) {
      std::fprintf(stderr,
                   "ghl sandbox: --db %s: directory '%s' does not exist (the file is created if "
                   "missing, its directory is not)\n",
                   args.db.c_str(), dir.string().c_str());
      return kExitUsage;
    }
  }

  server::ServerOptions server;
  server.host = args.host;
  server.port = static_cast<uint16_t>(args.port);
  server.threads = args.threads;
  auto running = sandbox::RunningSandbox::Start(std::move(options), std::move(server));
  if (!running.ok()) {
    bool db_error =
        !args.db.empty() && running.error().Summary().find("sandbox database") != std::string::npos;
    std::fprintf(stderr, "ghl sandbox: %s%s\n", db_error ? "--db: " : "",
                 running.error().Describe().c_str());
    return running.error().kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
  }
  auto& sb = **running;

  // Beyond loopback, every address it answers on (GHL_BASE_URL above stays the loopback one).
  std::string listening = server::IsLoopbackHost(args.host)
                              ? sb.base_url()
                              : server::DescribeListenAddress(args.host, sb.port());
  std::fprintf(
      stderr, "ghl sandbox: listening on %s (seed %s%s, %s, rate limit %s + %d/day%s)\n",
      listening.c_str(), args.seed.c_str(),
      args.seed_contacts ? (" + " + std::to_string(args.seed_contacts) + " contacts").c_str() : "",
      args.db.empty() ? "in memory" : ("state in " + args.db).c_str(), args.rate_limit.c_str(),
      args.daily_limit, args.strict ? ", strict Version" : "");
  std::fprintf(
      stderr, "ghl sandbox: other test tokens: %s (contacts.readonly only), %s (agency token)\n",
      std::string(sandbox::kReadOnlyToken).c_str(), std::string(sandbox::kAgencyToken).c_str());
  std::fprintf(stderr,
               "ghl sandbox: OAuth app %s (client id and secret on the env line; consent page "
               "%s/oauth/chooselocation?response_type=code&client_id=…&redirect_uri=…), access "
               "tokens live %d s\n",
               sb.sandbox().oauth_app_id().c_str(), sb.base_url().c_str(), args.token_ttl);
  if (!args.webhook_url.empty()) {
    std::fprintf(stderr,
                 "ghl sandbox: sending signed webhooks to %s (Ed25519 key %s; public key also at "
                 "%s%s)\n",
                 args.webhook_url.c_str(),
                 args.webhook_key.empty() ? "generated for this run"
                                          : ("kept in " + args.webhook_key).c_str(),
                 sb.base_url().c_str(), std::string(sandbox::kWebhookPublicKeyPath).c_str());
  }
  if (!args.provider_url.empty()) {
    std::fprintf(stderr,
                 "ghl sandbox: SMS goes through conversation provider sbxProviderSmsDemo01: each "
                 "message is POSTed (signed X-GHL-Signature) to %s; status updates answer 403 "
                 "for %d ms after the hand-off\n",
                 args.provider_url.c_str(), args.provider_status_delay_ms);
  }
  if (!server::IsLoopbackHost(args.host)) {
    // Said out loud: the tokens are printed above and in the README, so they guard nothing.
    std::fprintf(stderr,
                 "ghl sandbox: WARNING: --host %s listens beyond loopback. Anyone who can reach "
                 "this machine's port %u can use the sandbox's well-known tokens (%s, %s, %s) to "
                 "read and change all its data%s. Use --host 127.0.0.1 unless another machine "
                 "must reach it, and then only on a network you trust.\n",
                 args.host.c_str(), static_cast<unsigned>(sb.port()), sb.token().c_str(),
                 std::string(sandbox::kReadOnlyToken).c_str(),
                 std::string(sandbox::kAgencyToken).c_str(),
                 args.db.empty() ? "" : (" (kept in " + args.db + ")").c_str());
  }
  // The env line last: scripts (and tests) read it as "ready", so everything above is written
  // by the time they act on it.
  std::printf("%s\n", sb.EnvLine().c_str());
  std::fflush(stdout);
  std::fprintf(stderr, "ghl sandbox: Ctrl+C to stop\n");
  sb.Wait(/*handle_signals=*/true);
  sb.Stop();
  std::fprintf(stderr, "ghl sandbox: stopped\n");
  return kExitOk;
}

}  // namespace

void AddSandboxCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<SandboxArgs>();
  auto* cmd = app.add_subcommand(
      "sandbox",
      "Run a local, stateful, GHL-compatible API (prints GHL_BASE_URL, GHL_TOKEN, "
      "GHL_LOCATION_ID for eval)");
  cmd->add_option("--port", args->port, "TCP port (0 = a free one)")
      ->check(WholeNumber("--port", 0, 65535))
      ->capture_default_str();
  cmd->add_option("--host", args->host, "Address to bind")->capture_default_str();
  cmd->add_option("--seed", args->seed, "Initial data: demo or empty")
      ->check(CLI::IsMember({"demo", "empty"}))
      ->capture_default_str();
  cmd->add_option("--seed-contacts", args->seed_contacts,
                  "Also generate this many contacts (load and pagination tests)")
      ->check(WholeNumber("--seed-contacts", 0, 1000000));
  cmd->add_option("--db", args->db,
                  "SQLite file to keep state in (loaded on start, written on every change; "
                  "locked while this sandbox runs: one sandbox per file); default: in memory");
  cmd->add_option("--rate-limit", args->rate_limit,
                  "Burst limit per location as COUNT/DURATION, e.g. 100/10s, 20/1s")
      ->capture_default_str();
  cmd->add_option("--daily-limit", args->daily_limit, "Requests per location per UTC day")
      ->check(WholeNumber("--daily-limit", 1, 1000000000))
      ->capture_default_str();
  cmd->add_flag("--strict", args->strict,
                "Refuse a Version header other than the one the spec declares for the endpoint");
  cmd->add_option("--threads", args->threads, "Server I/O threads")
      ->check(WholeNumber("--threads", 1, 64))
      ->capture_default_str();
  cmd->add_option("--webhook-url", args->webhook_url,
                  "POST every state change as a signed GHL webhook to this URL, e.g. "
                  "http://127.0.0.1:8080/webhooks/ghl (retried only on 429 and network errors)");
  cmd->add_option("--webhook-key", args->webhook_key,
                  "Ed25519 private key (PEM) that signs the webhooks; created (mode 0600) when "
                  "missing, so restarts keep the same public key. Default: a new key each run");
  cmd->add_option("--conversation-provider", args->provider_url,
                  "Register an SMS conversation provider (id sbxProviderSmsDemo01) that replaces "
                  "the demo location's SMS channel: every SMS send is stored `pending` and POSTed "
                  "to this Delivery URL, e.g. http://127.0.0.1:8080/providers/ghl/outbound");
  cmd->add_option("--provider-status-delay-ms", args->provider_status_delay_ms,
                  "For this long after a hand-off, PUT /conversations/messages/{id}/status "
                  "answers 403 \"No conversation provider found for this message\" (GHL: 5-10 s)")
      ->check(WholeNumber("--provider-status-delay-ms", 0, 600000))
      ->capture_default_str();
  cmd->add_option("--provider-delivery-copies", args->provider_delivery_copies,
                  "POST each hand-off this many times (2 = as a retrying GHL would)")
      ->check(WholeNumber("--provider-delivery-copies", 1, 5))
      ->capture_default_str();
  cmd->add_option("--redirect-uri", args->redirect_uris,
                  "A redirect URI registered for the OAuth app (repeatable; loopback URIs such as "
                  "http://127.0.0.1:PORT/callback are always accepted, others are refused as GHL "
                  "refuses unregistered ones)");
  cmd->add_option("--token-ttl", args->token_ttl,
                  "Lifetime of the access tokens POST /oauth/token issues, seconds (GHL: 86399; "
                  "a few seconds to test expiry and refresh)")
      ->check(WholeNumber("--token-ttl", 1, 31536000))
      ->capture_default_str();
  cmd->add_option("--client-id", args->client_id,
                  "The OAuth app's client id (default: the one kept in --db, else generated)");
  cmd->add_option("--client-secret", args->client_secret,
                  "The OAuth app's client secret (default: kept in --db, else generated)");
  cmd->add_option("--inactive-location", args->inactive_locations,
                  "Start with this location not active: refreshing its token answers 400 "
                  "\"Location is not active\" (repeatable; also POST "
                  "/sandbox/locations/ID/deactivate)");
  cmd->callback([args, exit_code] { *exit_code = RunSandbox(*args); });
}

}  // namespace ghl::cli
