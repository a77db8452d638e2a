// `ghl serve`: the browser playground (web/playground.html) and its forwarder, on 127.0.0.1 by
// default; `--sandbox` runs the offline GHL sandbox in this process and points the playground
// at it. Also the webhook receiver (`POST /webhooks/ghl` → signature check → durable event
// store) and its observability pages (`GET /api/events/stats`, `GET /metrics`), routed before
// the playground because GHL's deliveries carry a foreign Host header the playground refuses.
// Thin over ghl::playground::Playground, ghl::webhooks::WebhookReceiver and
// ghl::server::HttpServer.
//
// Exposing the receiver: `ghl serve` listens on 127.0.0.1 only. To receive GHL's webhooks, run
// a TLS reverse proxy (nginx, Caddy, a tunnel) that forwards only
// https://YOUR-HOST/webhooks/ghl to http://127.0.0.1:PORT/webhooks/ghl; or `--host 0.0.0.0`
// behind such a proxy or firewall. Never expose the playground itself (its forwarder can call
// the API with the tokens pasted into it).
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "automations_wiring.h"
#include "carrier_wiring.h"
#include "cli_checks.h"
#include "commands.h"
#include "credentials.h"
#include "ghl/client/client.h"
#include "ghl/dashboard/dashboard.h"
#include "ghl/playground/playground.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/server/blocking_pool.h"
#include "ghl/server/http_server.h"
#include "ghl/server/listen_address.h"
#include "ghl/store/event_store.h"
#include "ghl/sync/database.h"
#include "ghl/webhooks/metrics.h"
#include "ghl/webhooks/receiver.h"
#include "serve_agents.h"
#include "serve_mcp.h"
#include "serve_sync.h"
#include "serve_tokens.h"
#include "server_text.h"
#include "sync_common.h"

namespace ghl::cli {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string upstream;
  bool sandbox = false;
  int sandbox_port = 0;
  std::string location;
  int timeout_ms = 30000;
  int threads = 0;  // 0: one per core (at least 2)
  int forward_threads = 16;
  std::string events_db;
  std::vector<std::string> webhook_keys;
  std::string rsa_cutoff;
  bool insecure_accept_unsigned = false;
  std::string automations;  // config file; empty = no automations engine
  AgentArgs agents;         // voice-agent endpoints (serve_agents.h)
  ServeMcpArgs mcp;         // --mcp*: the MCP endpoint at /mcp (serve_mcp.cc)
  CarrierArgs carrier;      // --carrier …: the SMS conversation provider bridge
  std::string sync_db;      // --sync-db: what /dashboard and /api/kpi read
  ServeTokensArgs tokens;   // --tokens-db, --tokens: OAuth installs and refresher
  ServeSyncArgs sync;       // --sync-watch: the change feed into --sync-db (serve_sync.cc)
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

// One --webhook-public-key value → keys. A PEM is one key; otherwise a comma-separated list of
// base64 SPKI keys; a value naming an existing file is replaced by the file's contents.
Result<std::vector<std::string>> ExpandKeyArg(const std::string& value) {
  std::vector<std::string> out;
  std::error_code ec;
  if (value.find("-----BEGIN") == std::string::npos &&
      std::filesystem::is_regular_file(value, ec)) {
    std::ifstream in(value, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (!in.good() && !in.eof()) {
      return UsageError("cannot read webhook public key file " + value);
    }
    out.push_back(ss.str());
    return out;
  }
  if (value.find("-----BEGIN") != std::string::npos) {
    out.push_back(value);
    return out;
  }
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    std::string part =
        value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.back()))) part.pop_back();
    while (!part.empty() && std::isspace(static_cast<unsigned char>(part.front()))) {
      part.erase(part.begin());
    }
    if (!part.empty()) out.push_back(part);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

struct Webhooks {
  std::shared_ptr<store::EventStore> store;
  std::shared_ptr<const webhooks::WebhookReceiver> receiver;
  std::shared_ptr<const webhooks::EventsHttpApi> api;
  std::string store_description;
  std::string location;  // what the store was opened from (the effects ledger sits beside it)
  size_t added_keys = 0;
};

// Opens the event store and builds the receiver; prints why on failure and returns nullopt.
// `extra_keys` (the embedded sandbox's) are trusted besides GHL's and --webhook-public-key's.
std::optional<Webhooks> StartWebhooks(const ServeArgs& args,
                                      const std::vector<std::string>& extra_keys,
                                      const automations::Config* automations_config,
                                      int* exit_code) {
  Webhooks w;
  webhooks::ReceiverOptions options;
  std::vector<std::string> added = extra_keys;
  for (const auto& value : args.webhook_keys) {
    auto keys = ExpandKeyArg(value);
    if (!keys.ok()) {
      std::fprintf(stderr, "ghl serve: %s\n", keys.error().Describe().c_str());
      *exit_code = kExitUsage;
      return std::nullopt;
    }
    added.insert(added.end(), keys->begin(), keys->end());
  }
  w.added_keys = added.size() - extra_keys.size();
  // Added keys first (the receiver then tries the key that verified the last delivery first).
  added.insert(added.end(), options.public_keys.begin(), options.public_keys.end());
  options.public_keys = std::move(added);
  if (!args.rsa_cutoff.empty()) {
    auto cutoff = webhooks::ParseRsaCutoff(args.rsa_cutoff);
    if (!cutoff.ok()) {
      std::fprintf(stderr, "ghl serve: --rsa-cutoff: %s\n", cutoff.error().Describe().c_str());
      *exit_code = kExitUsage;
      return std::nullopt;
    }
    options.rsa_cutoff_utc = *cutoff;
  }
  options.insecure_accept_unsigned = args.insecure_accept_unsigned;

  std::string location = ResolveEventsDb(args.events_db);
  w.store_description = DescribeEventsDb(location);
  w.location = location;
  store::StoreOptions store_options;
  // The automations config's [worker] section sets how failed events are retried.
  if (automations_config) store_options.retry = automations::StoreRetryPolicy(*automations_config);
  auto opened = store::OpenEventStore(location, store_options);
  if (!opened.ok()) {
    std::fprintf(stderr, "ghl serve: cannot open the webhook event store %s: %s\n",
                 w.store_description.c_str(), opened.error().Describe().c_str());
    *exit_code = opened.error().kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
    return std::nullopt;
  }
  w.store = std::shared_ptr<store::EventStore>(std::move(opened.value()));
  auto receiver = webhooks::WebhookReceiver::Create(std::move(options), w.store);
  if (!receiver.ok()) {
    std::fprintf(stderr, "ghl serve: %s\n", receiver.error().Describe().c_str());
    *exit_code = kExitUsage;
    return std::nullopt;
  }
  w.receiver = std::shared_ptr<const webhooks::WebhookReceiver>(std::move(receiver.value()));
  w.api = std::make_shared<webhooks::EventsHttpApi>(w.store, w.receiver);
  return w;
}

// --host beyond loopback: the real addresses (stdout) and what they expose (stderr).
// `sandbox_token`: the embedded sandbox's well-known token, or empty.
void WarnBeyondLoopback(const std::string& host, uint16_t port, const std::string& upstream,
                        const std::string& sandbox_token,
                        const webhooks::ReceiverOptions& receiver) {
  std::printf("Listening:  %s\n", server::DescribeListenAddress(host, port).c_str());
  std::string forwarder = sandbox_token.empty()
                              ? "a proxy to " + upstream + " with whatever API token they send"
                              : "a proxy to the embedded sandbox, whose well-known token " +
                                    sandbox_token + " reads and changes all its data";
  std::string hooks = receiver.insecure_accept_unsigned
                          ? "UNSIGNED ones too: --insecure-accept-unsigned is on, anyone can "
                            "forge events"
                          : "signed ones only";
  std::fprintf(stderr,
               "ghl serve: WARNING: --host %s listens beyond loopback. Anyone who can reach "
               "this machine's port %u can use the playground's forwarder (%s), post webhooks "
               "to %s (%s) and read /metrics and /api/events/stats. Keep it behind a firewall, "
               "or use --host 127.0.0.1 and a TLS reverse proxy that forwards only %s.\n",
               host.c_str(), static_cast<unsigned>(port), forwarder.c_str(), receiver.path.c_str(),
               hooks.c_str(), receiver.path.c_str());
}

int RunServe(const ServeArgs& args) {
  playground::PlaygroundOptions options;
  options.listen_host = args.host;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  options.default_location_id = args.location.empty() ? Env("GHL_LOCATION_ID") : args.location;

  // Validate the automations config before anything starts: its errors name the line and field.
  std::optional<automations::Config> automations_config;
  if (!args.automations.empty()) {
    int config_exit = kExitOk;
    automations_config = LoadAutomationsConfig(args.automations, &config_exit);
    if (!automations_config) return config_exit;
  }

  std::unique_ptr<sandbox::RunningSandbox> embedded;
  if (args.sandbox) {
    server::ServerOptions sandbox_server;
    sandbox_server.port = static_cast<uint16_t>(args.sandbox_port);
    auto started = sandbox::RunningSandbox::Start(sandbox::Options{}, sandbox_server);
    if (!started.ok()) {
      std::fprintf(stderr, "ghl serve: cannot start the sandbox: %s\n",
                   started.error().Describe().c_str());
      return kExitUsage;
    }
    embedded = std::move(started.value());
    options.upstream = embedded->base_url();
    options.upstream_is_sandbox = true;
    if (args.location.empty()) options.default_location_id = embedded->location_id();
  } else {
    options.upstream = !args.upstream.empty()         ? args.upstream
                       : !Env("GHL_BASE_URL").empty() ? Env("GHL_BASE_URL")
                                                      : std::string(playground::kDefaultUpstream);
  }
  if (options.upstream.rfind("http://", 0) != 0 && options.upstream.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "ghl serve: --upstream must be an http(s) URL, got '%s'\n",
                 options.upstream.c_str());
    return kExitUsage;
  }

  // The embedded sandbox signs its webhooks with its own key: trust it, and (below, once the
  // port is known) point its deliveries at this receiver, so the chain runs offline.
  std::vector<std::string> sandbox_keys;
  if (embedded) sandbox_keys.push_back(embedded->webhook_public_key());
  int webhook_exit = kExitOk;
  auto hooks = StartWebhooks(args, sandbox_keys,
                             automations_config ? &*automations_config : nullptr, &webhook_exit);
  if (!hooks) {
    if (embedded) embedded->Stop();
    return webhook_exit;
  }

  // --tokens-db / --tokens: INSTALL/UNINSTALL webhooks → token store, the refresher, /api/tokens.
  int tokens_exit = kExitOk;
  std::unique_ptr<ServeTokens> fleet =
      StartServeTokens(args.tokens, embedded ? embedded->base_url() : options.upstream,
                       embedded.get(), *hooks->store, &tokens_exit);
  if (tokens_exit != kExitOk) {
    if (embedded) embedded->Stop();
    return tokens_exit;
  }

  // Voice-agent endpoints, --mcp, --sync-watch and the automations call GHL with this server's credentials,
  // never a client's: the embedded sandbox's token, GHL_TOKEN, else the token store
  // (credentials.h).
  client::ClientOptions crm_client;
  crm_client.base_url = embedded ? embedded->base_url() : options.upstream;
  crm_client.token = embedded ? embedded->token() : Env("GHL_TOKEN");
  crm_client.default_location_id =
      embedded && args.location.empty() ? embedded->location_id() : options.default_location_id;
  bool calls_ghl = args.mcp.enabled || automations_config || args.sync.watch ||
                   !args.agents.vapi_secret_file.empty() ||
                   !args.agents.retell_key_file.empty();  // else no store is opened
  auto crm_credentials =
      calls_ghl ? UseGhlCredentials(crm_client, fleet ? fleet->manager() : nullptr, true)
                : Result<GhlCredentials>(GhlCredentials{});
  int agents_exit = kExitOk;
  auto agents = StartAgents(args.agents, crm_client, crm_credentials, &agents_exit);
  if (!agents) {
    if (embedded) embedded->Stop();
    return agents_exit;
  }

  std::optional<ServeMcp> mcp;
  if (args.mcp.enabled) {
    int mcp_exit = kExitOk;
    mcp = StartServeMcp(args.mcp, args.host, crm_client, crm_credentials, &mcp_exit);
    if (!mcp) {
      if (embedded) embedded->Stop();
      return mcp_exit;
    }
  }

  // --carrier: the conversation-provider bridge (its routes are mounted below).
  int carrier_exit = kExitOk;
  std::unique_ptr<CarrierRuntime> carrier =
      PrepareCarrier(args.carrier, hooks->location, options.upstream, options.default_location_id,
                     embedded.get(), hooks->receiver->options().public_keys, &carrier_exit);
  if (carrier_exit != kExitOk) {
    if (embedded) embedded->Stop();
    return carrier_exit;
  }
  carriers::ProviderBridge* bridge = carrier ? carrier->bridge.get() : nullptr;

  auto forward_cancel = std::make_shared<client::CancelToken>();
  options.cancel = forward_cancel;
  playground::Playground playground(options);
  server::ServerOptions server_options;
  server_options.host = args.host;
  server_options.port = static_cast<uint16_t>(args.port);
  // I/O threads never block: webhooks are answered from the store's committer once the group
  // commit is durable (concurrent deliveries share commits); what may wait runs on the pools
  // below. So a slow upstream cannot keep a webhook from being read.
  server_options.threads = args.threads > 0
                               ? args.threads
                               : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  server_options.max_body_bytes =
      std::max(options.max_request_bytes, hooks->receiver->options().max_body_bytes);
  // A webhook still owed an answer when the server stops must get 429, the only status GHL
  // retries (503 or a closed connection would lose the event).
  server_options.stopping_answer =
      server::JsonResponse(429, R"({"statusCode":429,"message":"server is stopping; retry"})");
  server_options.stopping_answer.headers.Set("Retry-After", "1");
  // Upstream calls (waiting for GHL) and event-store pages (reads; PostgreSQL may be remote)
  // may wait, each on their own threads, so hanging calls starve neither webhooks nor
  // /metrics; the rest of the playground (page, catalog, config, health) never waits.
  server::Handler playground_handler = playground.AsHandler();
  server::Handler event_pages = [api = hooks->api](const http::Request& request) {
    auto answer = api->Handle(request);
    return answer ? std::move(*answer) : server::JsonResponse(404, R"({"statusCode":404})");
  };
  server::BlockingPool forwards(args.forward_threads);  // both outlive the server
  server::BlockingPool page_reads(2);
  server::BlockingPool agent_calls(8);  // each waits for GHL up to --agent-deadline-ms
  auto agent_handler = [a = agents.get()](const http::Request& r,
                                          std::chrono::steady_clock::time_point received) {
    return a->Handle(r, received);
  };
  server::BlockingPool mcp_calls(8);  // MCP tool calls wait for GHL
  server_options.on_stopping = [&] {
    // Calls not started are refused (never sent upstream after their caller was told to
    // retry); calls in flight are cancelled, so the process exits at once.
    http::Response busy = server::JsonResponse(
        503, R"({"statusCode":503,"message":"ghl serve is stopping; the call was not sent"})");
    forwards.Close(busy);
    page_reads.Close(busy);
    agent_calls.Close(busy);
    mcp_calls.Close(busy);
    if (mcp) mcp->transport->CloseAll();  // calls waiting for an MCP client's answer end
    forward_cancel->Cancel();
  };
  dashboard::Dashboard dash(
      {ResolveSyncDb(args.sync_db), args.sync.schema, options.default_location_id, args.host});
  server::Handler dashboard_handler = [&dash](const http::Request& r) { return dash.Handle(r); };
  server::AsyncHandler mcp_handler;
  if (mcp) {
    mcp_handler = [t = mcp->transport.get()](http::Request r, server::Responder respond) {
      t->Serve(r, respond);  // may stream (a tool call asking the client)
    };
  }
  server::Handler tokens_page = [f = fleet.get()](const http::Request&) {
    return f ? f->HandleApi() : TokensNotConfigured();
  };
  server::AsyncHandler handler = [receiver = hooks->receiver, playground_handler, event_pages,
                                  &forwards, &page_reads, &agent_calls, agent_handler, &mcp,
                                  &mcp_calls, &mcp_handler, bridge, &dashboard_handler,
                                  tokens_page](http::Request request, server::Responder respond) {
    if (receiver->Matches(request)) return receiver->HandleAsync(request, respond);
    if (bridge && bridge->Matches(request)) return bridge->HandleAsync(request, respond);
    if (request.Path().rfind(carriers::kCarrierWebhookPrefix, 0) == 0) {  // no --carrier
      return respond(carriers::UnknownCarrierAnswer(request.Path(), ""));
    }
    if (agents::AgentEndpoints::Matches(request)) {
      // The agent's deadline runs from here, not from when a pool thread frees up.
      auto received = std::chrono::steady_clock::now();
      return agent_calls.Run(
          [agent_handler, received](const http::Request& r) { return agent_handler(r, received); },
          std::move(request), std::move(respond));
    }
    if (mcp && mcp->transport->Matches(request)) {
      return mcp_calls.RunAsync(mcp_handler, std::move(request), std::move(respond));
    }
    if (request.Path() == playground::kSendPath) {
      return forwards.Run(playground_handler, std::move(request), std::move(respond));
    }
    if (dashboard::Dashboard::Matches(request)) {  // reads the sync database
      return page_reads.Run(dashboard_handler, std::move(request), std::move(respond));
    }
    if (request.Path() == webhooks::kDefaultStatsPath ||
        request.Path() == webhooks::kDefaultMetricsPath) {
      return page_reads.Run(event_pages, std::move(request), std::move(respond));
    }
    if (IsTokensApi(request)) {
      return page_reads.Run(tokens_page, std::move(request), std::move(respond));
    }
    respond(playground_handler(request));
  };
  server::HttpServer server(server_options, handler);
  uint16_t port = 0;
  try {
    port = server.Start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ghl serve: %s\n", e.what());
    return kExitUsage;
  }
  playground.SetPort(port);
  std::string shown_host = server::IsWildcardHost(args.host) ? "127.0.0.1" : args.host;
  if (shown_host.find(':') != std::string::npos) shown_host = "[" + shown_host + "]";
  std::printf("Playground: http://%s:%u/\n", shown_host.c_str(), static_cast<unsigned>(port));
  std::printf("Upstream:   %s%s\n", playground.options().upstream.c_str(),
              embedded ? " (embedded sandbox)" : "");
  if (embedded) {
    // The sandbox's own demo token: paste it into the page (it is not a real credential).
    std::printf("Sandbox:    %s\n", embedded->EnvLine().c_str());
    std::printf("Paste the GHL_TOKEN value into the playground's Token box.\n");
  }
  const auto& ropts = hooks->receiver->options();
  std::string base = "http://" + shown_host + ":" + std::to_string(port);
  std::printf("Webhooks:   POST %s%s → events in %s\n", base.c_str(), ropts.path.c_str(),
              hooks->store_description.c_str());
  std::printf(
      "            trusting GHL's Ed25519 and RSA keys%s; RSA-only %s%s\n",
      hooks->added_keys ? (" + " + std::to_string(hooks->added_keys) + " added").c_str() : "",
      ropts.rsa_cutoff_utc ? "refused after the cutoff" : "accepted (cutoff: never)",
      ropts.insecure_accept_unsigned ? "; UNSIGNED ACCEPTED (insecure)" : "");
  if (embedded) {
    std::string hook_url = base + ropts.path;
    auto set = embedded->SetWebhookUrl(hook_url);
    if (set.ok()) {
      std::printf(
          "            the embedded sandbox sends its signed webhooks here (key trusted)\n");
    } else {
      std::fprintf(stderr, "ghl serve: the sandbox cannot send webhooks to %s: %s\n",
                   hook_url.c_str(), set.error().Summary().c_str());
    }
  }
  if (mcp) {
    mcp->transport->SetPort(port);
    PrintServeMcp(*mcp, base);
  }
  std::printf("Events:     %s/api/events/stats  %s/metrics  (ghl events list)\n", base.c_str(),
              base.c_str());
  std::printf("Dashboard:  %s/dashboard  (KPIs of the sync database %s; ghl kpi --json)\n",
              base.c_str(),
              sync::IsPostgresUrl(dash.options().db) ? "(PostgreSQL)" : dash.options().db.c_str());
  PrintAgentLines(*agents, base);
  if (fleet) {
    std::printf("Tokens:     %s%s: INSTALL/UNINSTALL webhooks applied%s\n", base.c_str(),
                std::string(kTokensApiPath).c_str(),
                args.tokens.refresher ? "; background refresher running" : "");
  }
  if (carrier && !StartCarrier(*carrier, args.carrier, base, embedded.get())) {
    server.Stop();
    if (embedded) embedded->Stop();
    return kExitApiError;
  }
  if (server::IsLoopbackHost(args.host)) {
    std::printf(
        "            loopback only: to receive GHL's webhooks, forward "
        "https://YOUR-HOST%s to this port with a TLS reverse proxy\n",
        ropts.path.c_str());
  }
  // The automations engine works the same store the receiver fills, calling the upstream API
  // (the embedded sandbox, or GHL with GHL_TOKEN).
  std::unique_ptr<automations::Engine> engine;
  // Ctrl+C must not wait out the engine's pacing (a full rate-limit window): cancel its waits;
  // the events in hand fail and are retried on the next start.
  auto cancel = std::make_shared<client::CancelToken>();
  if (automations_config) {
    if (!crm_credentials.ok()) {
      PrintError("ghl serve: --automations", crm_credentials.error());
      server.Stop();
      if (embedded) embedded->Stop();
      return kExitUsage;
    }
    client::ClientOptions client_options = crm_client;
    client_options.cancel = cancel;
    int engine_exit = kExitOk;
    engine =
        StartAutomationsEngine(std::move(*automations_config), client::Client(client_options),
                               *hooks->store, hooks->location, /*verbose=*/false, &engine_exit);
    if (!engine) {
      server.Stop();
      if (embedded) embedded->Stop();
      return engine_exit;
    }
    std::printf("Automations: %s (worker running on the event store)\n", args.automations.c_str());
  }
  if (!server::IsLoopbackHost(args.host)) {
    WarnBeyondLoopback(args.host, port, playground.options().upstream,
                       embedded ? embedded->token() : std::string(), ropts);
  }
  int sync_exit = kExitOk;  // --sync-watch: the sync follows the store into --sync-db
  auto following =
      StartServeSync(args.sync, dash.options().db, crm_client, *hooks->store, &sync_exit);
  if (sync_exit != kExitOk) {
    server.Stop();
    if (embedded) embedded->Stop();
    return sync_exit;
  }
  std::printf("Press Ctrl+C to stop.\n");
  std::fflush(stdout);
  server.Wait(/*handle_signals=*/true);
  cancel->Cancel();
  if (following) following->Stop();
  if (engine) engine->Stop();  // before the store and the sandbox go away
  if (fleet) fleet->Stop();
  if (carrier) carrier->Stop();
  if (embedded) embedded->Stop();
  return kExitOk;
}

}  // namespace

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* cmd = app.add_subcommand(
      "serve", "Serve the browser playground: call any GHL endpoint from a web page");
  cmd->add_option("--host", args->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", args->port, "Port to listen on (0 = a free one)")
      ->check(WholeNumber("--port", 0, 65535))
      ->capture_default_str();
  auto* upstream =
      cmd->add_option("--upstream", args->upstream,
                      "API base URL calls are forwarded to (default: $GHL_BASE_URL, else " +
                          std::string(playground::kDefaultUpstream) + ")");
  auto* sandbox_flag = cmd->add_flag(
      "--sandbox", args->sandbox, "Run the offline GHL sandbox in this process and forward to it");
  cmd->add_option("--sandbox-port", args->sandbox_port,
                  "Port of the embedded sandbox (0 = a free one)")
      ->check(WholeNumber("--sandbox-port", 0, 65535));
  cmd->add_option("--location", args->location,
                  "Location id pre-filled in the page (default: $GHL_LOCATION_ID)");
  cmd->add_option("--timeout-ms", args->timeout_ms, "Upstream call timeout, milliseconds")
      ->check(WholeNumber("--timeout-ms", 100, 600000))
      ->capture_default_str();
  cmd->add_option("--threads", args->threads,
                  "Server I/O threads (default: one per core, at least 2); they never wait: "
                  "webhooks are answered after the shared commit, playground calls run on the "
                  "--forward-threads")
      ->check(WholeNumber("--threads", 1, 512));
  cmd->add_option("--forward-threads", args->forward_threads,
                  "Playground calls to the upstream running at once; more wait in a queue "
                  "(refused, never sent, once the server stops)")
      ->check(WholeNumber("--forward-threads", 1, 512))
      ->capture_default_str();
  cmd->add_option("--events-db", args->events_db,
                  "Webhook event store: postgresql://… URL or SQLite file (default: "
                  "$GHL_EVENTS_DB, else ./ghl-events.db)");
  cmd->add_option("--webhook-public-key", args->webhook_keys,
                  "Also trust this Ed25519 or RSA public key for webhook signatures, besides "
                  "GHL's (PEM, base64 SPKI, a comma list of base64 keys, or a key file); "
                  "repeatable")
      ->allow_extra_args(false)
      ->take_all();
  cmd->add_option("--rsa-cutoff", args->rsa_cutoff,
                  "Refuse deliveries signed only with the legacy RSA x-wh-signature after this "
                  "date (YYYY-MM-DD or RFC 3339, UTC) or 'never' (default 2026-07-01)");
  cmd->add_flag("--insecure-accept-unsigned", args->insecure_accept_unsigned,
                "LOCAL EXPERIMENTS ONLY: store webhooks without a valid signature (logged "
                "loudly; answers carry X-Ghlkit-Insecure)");
  cmd->add_option("--automations", args->automations,
                  "Run the cookbook's automations on received webhooks, as configured in this "
                  "TOML file (see doc/automations.md; `ghl automations check FILE` validates it)");
  cmd->add_option("--sync-db", args->sync_db,
                  "Sync database /dashboard and /api/kpi read: a SQLite file or a "
                  "postgresql:// URL (default $GHL_SYNC_DB, else ./ghl-sync.db, as ghl sync)");
  AddAgentOptions(cmd, &args->agents);
  AddServeMcpOptions(cmd, args->mcp);
  AddCarrierOptions(cmd, &args->carrier);
  AddServeTokenOptions(cmd, args->tokens);
  AddServeSyncOptions(cmd, &args->sync);
  sandbox_flag->excludes(upstream);
  cmd->callback([args, exit_code] { *exit_code = RunServe(*args); });
}

}  // namespace ghl::cli
