// Subcommand registration for the `ghl` CLI: one file per subcommand, each a thin layer over
// the library. A command stores its process exit code in `*exit_code`:
// 0 ok, 1 API error (the server answered non-2xx, or the network failed), 2 usage error.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

namespace ghl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitApiError = 1;
inline constexpr int kExitUsage = 2;

void AddEndpointsCommand(CLI::App& app, int* exit_code);    // cmd_endpoints.cc
void AddApiCommand(CLI::App& app, int* exit_code);          // cmd_api.cc
void AddSandboxCommand(CLI::App& app, int* exit_code);      // cmd_sandbox.cc
void AddServeCommand(CLI::App& app, int* exit_code);        // cmd_serve.cc
void AddEventsCommand(CLI::App& app, int* exit_code);       // cmd_events.cc
void AddAutomationsCommand(CLI::App& app, int* exit_code);  // cmd_automations.cc
void AddTriggerCommand(CLI::App& app, int* exit_code);      // cmd_trigger.cc
void AddCompletionCommand(CLI::App& app, int* exit_code);   // cmd_completion.cc
void AddMcpCommand(CLI::App& app, int* exit_code);          // cmd_mcp.cc
void AddCarrierSimCommand(CLI::App& app, int* exit_code);   // cmd_carrier_sim.cc
void AddAuthCommand(CLI::App& app, int* exit_code);         // cmd_auth.cc
void AddTokensCommand(CLI::App& app, int* exit_code);       // cmd_tokens.cc
void AddSyncCommand(CLI::App& app, int* exit_code);         // cmd_sync.cc
void AddKpiCommand(CLI::App& app, int* exit_code);          // cmd_kpi.cc
void AddEnrichCommand(CLI::App& app, int* exit_code);       // cmd_enrich.cc
void AddOnboardCommand(CLI::App& app, int* exit_code);      // cmd_onboard.cc

/// Default webhook event store of `ghl serve` and `ghl events`: this SQLite file in the
/// current directory (overridden by --events-db, then by $GHL_EVENTS_DB).
inline constexpr std::string_view kDefaultEventsDb = "ghl-events.db";
/// `flag` if set, else $GHL_EVENTS_DB, else kDefaultEventsDb (cmd_events.cc).
std::string ResolveEventsDb(const std::string& flag);
/// True for postgres:// and postgresql:// locations.
bool IsPostgresLocation(std::string_view location);
/// For messages: the absolute SQLite path, or the URL with its password masked.
std::string DescribeEventsDb(const std::string& location);

}  // namespace ghl::cli
