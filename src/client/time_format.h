// Private helper: UTC ISO-8601 formatting for messages.
#pragma once

#include <chrono>
#include <string>

namespace ghl::client {

/// "2024-05-02T00:00:00Z" for `t` (UTC, whole seconds).
std::string FormatUtcIso(std::chrono::system_clock::time_point t);

}  // namespace ghl::client
