// Private: the four agent functions over ghl::ops. Each answers a text for the agent to use
// (speech-friendly, possibly several lines; the endpoints make it one line).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ghl/agents/endpoints.h"
#include "ghl/ops/context.h"

namespace ghl::agents::internal {

/// What a function answered.
struct Outcome {
  bool ok = false;
  std::string text;
};

/// Runs `call` (lookup_caller, check_availability, book_appointment, log_call_outcome).
/// Unknown names, bad arguments and GHL errors are `ok == false` with a text saying why.
Outcome RunFunction(const ops::Context& ctx, const AgentOptions& options, int64_t now_ms,
                    const FunctionCall& call);

/// "a", "a <last> b", "a, b <last> c" (last: "and", "or").
std::string JoinWords(const std::vector<std::string>& items, std::string_view last);

/// True for the functions that write to GHL (their answers are kept for retries).
bool IsWrite(const std::string& name);

}  // namespace ghl::agents::internal
