// Secrets `ghl serve` reads from files (--mcp-key-file, --vapi-secret-file, --retell-key-file):
// one reader, and a warning when the file is open to other users.
#pragma once

#include <string>

#include "ghl/core/result.h"

namespace ghl::cli {

/// The secret in `path` (given as `flag`): the file's text, surrounding whitespace (a trailing
/// newline) trimmed. kUsage naming the flag and the path when it cannot be read or is empty.
/// When group or others may read or write the file, `*warning` is set to a line saying so and
/// the `chmod 600` that fixes it (the secret is still used: refusing would stop a setup that
/// ran yesterday), else cleared.
Result<std::string> ReadSecretFile(const std::string& path, const std::string& flag,
                                   std::string* warning);

}  // namespace ghl::cli
