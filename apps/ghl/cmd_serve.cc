// `ghl serve`: the browser playground (web/playground.html) and its forwarder, on 127.0.0.1 by
// default; `--sandbox` runs the offline GHL sandbox in this process and points the playground
// at it. Thin over ghl::playground::Playground and ghl::server::HttpServer.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

#include "commands.h"
#include "ghl/playground/playground.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/server/http_server.h"

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
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

bool IsWildcard(const std::string& host) { return host == "0.0.0.0" || host == "::"; }

int RunServe(const ServeArgs& args) {
  playground::PlaygroundOptions options;
  options.listen_host = args.host;
  options.timeout = std::chrono::milliseconds(args.timeout_ms);
  options.default_location_id = args.location.empty() ? Env("GHL_LOCATION_ID") : args.location;

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
    options.upstream = !args.upstream.empty() ? args.upstream
                       : !Env("GHL_BASE_URL").empty() ? Env("GHL_BASE_URL")
                                                      : std::string(playground::kDefaultUpstream);
  }
  if (options.upstream.rfind("http://", 0) != 0 && options.upstream.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "ghl serve: --upstream must be an http(s) URL, got '%s'\n",
                 options.upstream.c_str());
    return kExitUsage;
  }

  playground::Playground playground(options);
  server::ServerOptions server_options;
  server_options.host = args.host;
  server_options.port = static_cast<uint16_t>(args.port);
  server_options.threads = 4;  // the forwarder blocks while the upstream answers
  server_options.max_body_bytes = options.max_request_bytes;
  server::HttpServer server(server_options, playground.AsHandler());
  uint16_t port = 0;
  try {
    port = server.Start();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ghl serve: %s\n", e.what());
    return kExitUsage;
  }
  playground.SetPort(port);
  std::string shown_host = IsWildcard(args.host) ? "127.0.0.1" : args.host;
  if (shown_host.find(':') != std::string::npos) shown_host = "[" + shown_host + "]";
  std::printf("Playground: http://%s:%u/\n", shown_host.c_str(), static_cast<unsigned>(port));
  std::printf("Upstream:   %s%s\n", playground.options().upstream.c_str(),
              embedded ? " (embedded sandbox)" : "");
  if (embedded) {
    // The sandbox's own demo token: paste it into the page (it is not a real credential).
    std::printf("Sandbox:    %s\n", embedded->EnvLine().c_str());
    std::printf("Paste the GHL_TOKEN value into the playground's Token box.\n");
  }
  std::printf("Press Ctrl+C to stop.\n");
  std::fflush(stdout);
  server.Wait(/*handle_signals=*/true);
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
      ->check(CLI::Range(0, 65535))
      ->capture_default_str();
  auto* upstream = cmd->add_option(
      "--upstream", args->upstream,
      "API base URL calls are forwarded to (default: $GHL_BASE_URL, else " +
          std::string(playground::kDefaultUpstream) + ")");
  auto* sandbox_flag = cmd->add_flag(
      "--sandbox", args->sandbox, "Run the offline GHL sandbox in this process and forward to it");
  cmd->add_option("--sandbox-port", args->sandbox_port,
                  "Port of the embedded sandbox (0 = a free one)")
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--location", args->location,
                  "Location id pre-filled in the page (default: $GHL_LOCATION_ID)");
  cmd->add_option("--timeout-ms", args->timeout_ms, "Upstream call timeout, milliseconds")
      ->check(CLI::Range(100, 600000))
      ->capture_default_str();
  sandbox_flag->excludes(upstream);
  cmd->callback([args, exit_code] { *exit_code = RunServe(*args); });
}

}  // namespace ghl::cli
