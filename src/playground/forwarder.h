// The playground's forwarder (`POST /api/send`): parses the page's JSON, checks it, sends the
// call to the configured upstream only, and turns the upstream's answer into the page's JSON.
// Shapes are documented in ghl/playground/playground.h.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "ghl/http/message.h"
#include "ghl/http/transport.h"
#include "guard.h"

namespace ghl::playground {

/// A parsed, checked `/api/send` request.
struct SendInput {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;  ///< Sorted by name (JSON object order).
  http::Headers headers;                                   ///< Extra fields, checked.
  std::optional<std::string> body;                         ///< Serialized JSON, or none.
  std::string token;                                       ///< May be empty.
  std::optional<std::string> version;                      ///< Explicit `Version`, if any.
};

/// Parses and checks the JSON the page posts; a Refusal says what is wrong.
std::variant<SendInput, Refusal> ParseSendInput(std::string_view json);

/// What the forwarder needs to know.
struct ForwarderConfig {
  std::string upstream;  ///< Base URL, no trailing '/'.
  size_t max_response_bytes = 8u << 20;
  std::chrono::milliseconds timeout{30000};
  std::shared_ptr<http::Transport> transport;
};

/// Sends `input` upstream and returns the full `/api/send` answer (200 with the upstream's
/// status inside, or 502/504 with an error when the upstream could not be reached).
http::Response Forward(const SendInput& input, const ForwarderConfig& config);

/// A curl command equivalent to the call, the token replaced by `$GHL_TOKEN` (double-quoted
/// so the command runs as is with the variable set). `url` is absolute.
std::string MaskedCurl(std::string_view method, std::string_view url, const http::Headers& headers,
                       const std::optional<std::string>& body);

/// The refusal as the JSON answer the page shows.
http::Response RefusalResponse(const Refusal& refusal);

}  // namespace ghl::playground
