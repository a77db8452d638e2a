// Private to the MCP module: asking the user to confirm a write the server's mode would refuse
// (no --allow-writes) through MCP elicitation (elicitation/create), for clients that declared it.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "ghl/core/result.h"
#include "ghl/mcp/protocol.h"

namespace ghl::mcp {

/// Asks the client's user, through `call` (MethodCall::Ask, elicitation/create), whether `tool`
/// may run `action` (e.g. "update_contact", or "PUT /contacts/{contactId} (update-contact)")
/// with `args` (shown with secrets masked). Ok only when the user accepts (a form answer of
/// confirm: false counts as no). Otherwise a kUsage error saying what happened (declined,
/// cancelled, no answer within `timeout`, the client cannot be asked) with the fix (restart
/// with --allow-writes).
Status ConfirmWrite(const MethodCall& call, const std::string& tool, const std::string& action,
                    const nlohmann::json& args, std::chrono::milliseconds timeout);

}  // namespace ghl::mcp
