// `ghl`: the ghlkit command line. Wires the subcommands; each lives in its own file.
#include <cstdio>
#include <exception>

#include "commands.h"

int main(int argc, char** argv) {
  CLI::App app{
      "ghl — GoHighLevel API toolkit: call any endpoint, run the offline sandbox, "
      "serve the playground"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "ghl 0.1.0");
  int exit_code = ghl::cli::kExitOk;
  ghl::cli::AddEndpointsCommand(app, &exit_code);
  ghl::cli::AddApiCommand(app, &exit_code);
  ghl::cli::AddSandboxCommand(app, &exit_code);
  ghl::cli::AddServeCommand(app, &exit_code);
  ghl::cli::AddEventsCommand(app, &exit_code);
  ghl::cli::AddAutomationsCommand(app, &exit_code);
  ghl::cli::AddTriggerCommand(app, &exit_code);
  ghl::cli::AddCompletionCommand(app, &exit_code);
  ghl::cli::AddMcpCommand(app, &exit_code);
  ghl::cli::AddCarrierSimCommand(app, &exit_code);
  ghl::cli::AddAuthCommand(app, &exit_code);
  ghl::cli::AddTokensCommand(app, &exit_code);
  ghl::cli::AddSyncCommand(app, &exit_code);
  ghl::cli::AddKpiCommand(app, &exit_code);
  ghl::cli::AddEnrichCommand(app, &exit_code);
  ghl::cli::AddOnboardCommand(app, &exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : ghl::cli::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ghl: %s\n", e.what());
    return ghl::cli::kExitApiError;
  }
  return exit_code;
}
