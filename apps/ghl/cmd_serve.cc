// `ghl serve` (placeholder until its module lands).
#include "commands.h"

namespace ghl::cli {

void AddServeCommand(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("serve", "(not built yet)");
  cmd->callback([exit_code] { *exit_code = kExitUsage; });
}

}  // namespace ghl::cli
