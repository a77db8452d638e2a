// `ghl carrier-sim`: the local carrier (Telnyx's send API and signed Telnyx-shaped webhooks) for
// trying `ghl serve --carrier telnyx` offline. Prints one `CARRIER_API_BASE=…
// TELNYX_PUBLIC_KEY=…` line on stdout (for `eval`), logs to stderr, stops on SIGINT/SIGTERM.
#include <cstdio>
#include <memory>
#include <string>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/carriers/simulator.h"

namespace ghl::cli {
namespace {

int RunCarrierSim(const carriers::SimulatorOptions& options) {
  auto sim = carriers::CarrierSimulator::Start(options);
  if (!sim.ok()) {
    std::fprintf(stderr, "ghl carrier-sim: %s\n", sim.error().Describe().c_str());
    return kExitUsage;
  }
  auto& s = **sim;
  std::fprintf(stderr,
               "ghl carrier-sim: Telnyx-shaped carrier on %s (POST /v2/messages); webhooks to "
               "%s, signed Ed25519 over timestamp|body; a handset reply: POST %s/sim/inbound "
               "{\"from\":\"+15125550123\",\"text\":\"hi\"}\n",
               s.base_url().c_str(),
               options.webhook_url.empty() ? "(none: --webhook-url)" : options.webhook_url.c_str(),
               s.base_url().c_str());
  std::printf("CARRIER_API_BASE=%s TELNYX_PUBLIC_KEY=%s\n", s.base_url().c_str(),
              s.public_key().c_str());
  std::fflush(stdout);
  s.Wait(/*handle_signals=*/true);
  s.Stop();
  return kExitOk;
}

}  // namespace

void AddCarrierSimCommand(CLI::App& app, int* exit_code) {
  auto o = std::make_shared<carriers::SimulatorOptions>();
  auto* cmd = app.add_subcommand(
      "carrier-sim",
      "Run a local SMS carrier (Telnyx's API and signed webhooks) for `ghl serve --carrier`");
  cmd->add_option("--port", o->port, "TCP port (0 = a free one)")
      ->check(WholeNumber("--port", 0, 65535));
  cmd->add_option("--host", o->host, "Address to bind")->capture_default_str();
  cmd->add_option("--webhook-url", o->webhook_url,
                  "Where its webhooks go, e.g. http://127.0.0.1:8080/providers/carrier/telnyx");
  cmd->add_option("--key", o->key_file,
                  "Ed25519 private key (PEM) signing the webhooks; created when missing");
  cmd->add_option("--api-key", o->api_key, "Bearer token it requires (default: any)");
  cmd->add_option("--final-status", o->final_status,
                  "to[0].status of message.finalized: delivered, delivery_failed, "
                  "sending_failed or expired")
      ->capture_default_str();
  cmd->add_option("--auto-reply", o->auto_reply, "Each recipient replies with this text (once)");
  cmd->add_option("--copies", o->copies, "Send every webhook this many times (carrier retries)")
      ->check(WholeNumber("--copies", 1, 5))
      ->capture_default_str();
  cmd->add_option("--webhook-attempts", o->webhook_attempts,
                  "Sends of one webhook on failures before it is dropped (Telnyx: 3)")
      ->check(WholeNumber("--webhook-attempts", 1, 1000))
      ->capture_default_str();
  auto answer_delay_ms = std::make_shared<int>(0);
  cmd->add_option("--answer-delay-ms", *answer_delay_ms,
                  "Answer each send this late (after the message is accepted): a slow carrier")
      ->check(WholeNumber("--answer-delay-ms", 0, 60000));
  cmd->callback([o, answer_delay_ms, exit_code] {
    o->answer_delay = std::chrono::milliseconds(*answer_delay_ms);
    *exit_code = RunCarrierSim(*o);
  });
}

}  // namespace ghl::cli
