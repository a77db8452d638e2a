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

#include "ghl/client/connection.h"
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
  std::vector<client::FilePart> files;  ///< Uploads for multipart/form-data operations.
  std::string token;                    ///< May be empty.
  std::optional<std::string> version;   ///< Explicit `Version`, if any.
};

/// Parses and checks the JSON the page posts; a Refusal says what is wrong.
std::variant<SendInput, Refusal> ParseSendInput(std::string_view json);

/// What the forwarder needs to know.
struct ForwarderConfig {
  std::string upstream;  ///< Base URL, no trailing '/'.
  std::chrono::milliseconds timeout{30000};
  /// libghl connection to `upstream`: no token of its own (each call brings one), one
  /// attempt (no retries: the page shows exactly what the upstream answered), no location fill.
  std::shared_ptr<client::Connection> connection;
};

/// The connection the forwarder uses (see ForwarderConfig::connection); `cancel` (may be null)
/// ends its calls in flight.
std::shared_ptr<client::Connection> MakeForwarderConnection(
    const std::string& upstream, std::chrono::milliseconds timeout, size_t max_response_bytes,
    std::shared_ptr<http::Transport> transport,
    std::shared_ptr<client::CancelToken> cancel = nullptr);

/// Sends `input` upstream through libghl and returns the full `/api/send` answer (200 with the
/// upstream's status inside, or 400/429/502/504 with an error when nothing was answered).
http::Response Forward(const SendInput& input, const ForwarderConfig& config);

/// A curl command equivalent to the call, the token replaced by `$GHL_TOKEN` (double-quoted
/// so the command runs as is with the variable set). `url` is absolute; `headers` and `body`
/// are as sent (JSON or form text). A multipart body is shown as curl `--form-string` /
/// `-F field=@file` arguments built from `fields_json` and `files` (curl then makes its own
/// boundary, so the Content-Type header is left out). Every other occurrence of `token`
/// (6 characters or more: as is, percent-encoded or JSON-escaped, e.g. pasted into a query field
/// or the body) becomes `'"$GHL_TOKEN"'` inside the single-quoted parts.
std::string MaskedCurl(std::string_view method, std::string_view url, const http::Headers& headers,
                       const std::string& body, const std::string& fields_json,
                       const std::vector<client::FilePart>& files, std::string_view token);

/// The refusal as the JSON answer the page shows.
http::Response RefusalResponse(const Refusal& refusal);

}  // namespace ghl::playground
