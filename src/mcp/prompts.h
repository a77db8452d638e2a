// The MCP prompts: the cookbook's stale-deal audit and conversation digest.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ghl/core/result.h"

namespace ghl::mcp {

/// The prompts/list result's `prompts` array.
nlohmann::json PromptList();

/// The prompts/get result ({description, messages}) for `name` with string `arguments`.
/// kUsage error (→ JSON-RPC -32602) for an unknown prompt or a bad argument.
Result<nlohmann::json> GetPrompt(const std::string& name, const nlohmann::json& arguments);

}  // namespace ghl::mcp
