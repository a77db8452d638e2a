// What `ghl serve --automations FILE` calls (defined in cmd_automations.cc), so the serve
// command runs the automations engine in-process on its own event store.
//
//   // 1. Before opening the store (the config's [worker] sets the store's retry policy):
//   std::optional<automations::Config> automations_config;
//   if (!args.automations.empty()) {
//     automations_config = LoadAutomationsConfig(args.automations, exit_code);
//     if (!automations_config) return;                       // errors printed, exit code 2
//   }
//   store::StoreOptions so;
//   if (automations_config) so.retry = automations::StoreRetryPolicy(*automations_config);
//   auto opened = store::OpenEventStore(location, so);
//   // 2. After the sandbox (if any) and the server are up:
//   client::ClientOptions co;          // embedded sandbox: its base_url, token, location_id;
//   co.base_url = ...; co.token = ...; // else --upstream / GHL_BASE_URL, GHL_TOKEN, location
//   co.default_location_id = ...;
//   std::unique_ptr<automations::Engine> engine;
//   if (automations_config) {
//     engine = StartAutomationsEngine(std::move(*automations_config), client::Client(co),
//                                     *store, location, /*verbose=*/false, &exit_code);
//     if (!engine) return exit_code;
//   }
//   server.Wait(true);
//   if (engine) engine->Stop();        // before the store and the sandbox go away
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ghl/automations/engine.h"

namespace ghl::cli {

/// Loads and validates an automations config; on error prints every "FILE:LINE: …" message to
/// stderr, sets `*exit_code` (2 for config errors) and returns nullopt.
std::optional<automations::Config> LoadAutomationsConfig(const std::string& path, int* exit_code);

/// Resolves the config's secrets from the environment, opens the effects ledger beside the
/// store (`events_location`: the string the store was opened from), resolves ids through
/// `client` and starts the workers (logging warnings and errors to stderr; every event when
/// `verbose`). On error prints it, sets `*exit_code` (2 config/usage, 1 API) and returns null.
std::unique_ptr<automations::Engine> StartAutomationsEngine(automations::Config config,
                                                            const client::Client& client,
                                                            store::EventStore& store,
                                                            const std::string& events_location,
                                                            bool verbose, int* exit_code);

}  // namespace ghl::cli
