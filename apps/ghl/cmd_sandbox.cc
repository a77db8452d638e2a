// `ghl sandbox` (placeholder until its module lands).
#include "commands.h"

namespace ghl::cli {

void AddSandboxCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("sandbox", "(not built yet)");
  cmd->callback([exit_code] { *exit_code = kExitUsage; });
}

}  // namespace ghl::cli
