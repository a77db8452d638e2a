// Subcommand registration for the `ghl` CLI: one file per subcommand, each a thin layer over
// the library. A command stores its process exit code in `*exit_code`:
// 0 ok, 1 API error (the server answered non-2xx, or the network failed), 2 usage error.
#pragma once

#include <CLI/CLI.hpp>

namespace ghl::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitApiError = 1;
inline constexpr int kExitUsage = 2;

void AddEndpointsCommand(CLI::App& app, int* exit_code);  // cmd_endpoints.cc
void AddApiCommand(CLI::App& app, int* exit_code);        // cmd_api.cc
void AddSandboxCommand(CLI::App& app, int* exit_code);    // cmd_sandbox.cc
void AddServeCommand(CLI::App& app, int* exit_code);      // cmd_serve.cc

}  // namespace ghl::cli
