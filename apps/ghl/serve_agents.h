// `ghl serve`'s voice-agent endpoints (POST /agents/vapi, POST /agents/retell/{function}):
// their flags, the secrets read from files, and the start lines. Thin over
// ghl::agents::AgentEndpoints (include/ghl/agents/endpoints.h).
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "credentials.h"
#include "ghl/agents/endpoints.h"
#include "ghl/client/options.h"

namespace ghl::cli {

/// The agent flags of `ghl serve`.
struct AgentArgs {
  std::string vapi_secret_file;                ///< --vapi-secret-file
  std::string retell_key_file;                 ///< --retell-key-file
  std::string calendar;                        ///< --agent-calendar
  std::string outcome_field = "call_outcome";  ///< --agent-outcome-field
  int deadline_ms = 12000;                     ///< --agent-deadline-ms
  std::vector<std::string> locations;          ///< --agent-location ID=LOCATION (repeatable)
};

/// Adds --vapi-secret-file, --retell-key-file, --agent-calendar, --agent-outcome-field,
/// --agent-deadline-ms and --agent-location to `cmd`.
void AddAgentOptions(CLI::App* cmd, AgentArgs* args);

/// Reads the secret files and builds the endpoints over a client made from `client_options`
/// and the server's `credentials` (`UseGhlCredentials`: the embedded sandbox's token,
/// GHL_TOKEN, else the token store). With no secret file given the endpoints exist and refuse
/// every request (503, fail closed). Default location: `client_options`' (--location /
/// GHL_LOCATION_ID), else the token store's only location (none when it holds several: each
/// request then names its own through metadata or --agent-location). A request's location is
/// checked before any GHL call: with the store, that the store can serve it
/// (`CheckStoreLocation`); with a fixed token, that it is the token's location. Refusals are
/// printed on stderr. Prints the reason and returns null, with `*exit_code` 2, when a file is
/// unreadable or empty, an --agent-location is not ID=LOCATION, or a secret is given but there
/// are no credentials, or the store holds no location.
std::unique_ptr<agents::AgentEndpoints> StartAgents(const AgentArgs& args,
                                                    client::ClientOptions client_options,
                                                    const Result<GhlCredentials>& credentials,
                                                    int* exit_code);

/// The start lines: each URL and whether it is on, or the flag that turns it on.
void PrintAgentLines(const agents::AgentEndpoints& agents, const std::string& base_url);

}  // namespace ghl::cli
