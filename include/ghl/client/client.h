/// \file
/// `ghl::client::Client`: the GHL API v2 client. Every call gets the right `Version` header for
/// its endpoint (from the catalog), `Authorization: Bearer <token>`, JSON headers, the default
/// location filled in where the endpoint takes one, client-side pacing per location (so a
/// well-behaved program never sees 429), and retries with backoff. Non-2xx answers come back
/// as `ghl::Error` values carrying GHL's messages, the `traceId`, the endpoint id and a fix
/// hint (ghl/client/error_mapping.h).
///
/// \code
///   ghl::client::ClientOptions options;
///   options.token = token;                       // from GHL_TOKEN, say
///   options.default_location_id = location_id;   // fills locationId / location_id
///   ghl::client::Client client(options);
///   auto found = client.Post("/contacts/search", R"({"pageLimit":20})");
///   if (!found.ok()) std::cerr << found.error().Describe() << "\n";
///   for (const auto& page : client.Paginate({.method = "POST", .path = "/contacts/search",
///                                            .body = R"({"pageLimit":100})"})) { ... }
/// \endcode
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>

#include "ghl/client/connection.h"
#include "ghl/client/options.h"
#include "ghl/client/paginator.h"
#include "ghl/client/request.h"
#include "ghl/core/result.h"

namespace ghl::client {

/// Thin, copyable handle over a shared `Connection`. Thread-safe. Share one per program so all
/// calls for a location are paced together.
class Client {
 public:
  /// A client over `MakeConnection(options)`.
  explicit Client(ClientOptions options);
  /// A client over any Connection (a decorator, a mock).
  explicit Client(std::shared_ptr<Connection> connection);

  /// Sends `request`. A 2xx answer is a value; any other status is a kApi `Error` built by
  /// `ErrorFromResponse` (status, GHL messages, traceId, endpoint id, hint). Also kUsage,
  /// kRateLimit (daily quota spent, nothing sent) and kNetwork errors.
  Result<ApiResponse> Send(const ApiRequest& request) const;

  /// Like Send but returns the answer for every HTTP status (no error mapping).
  Result<ApiResponse> Execute(const ApiRequest& request) const;

  /// Send, then parse the body as JSON (an empty body is null).
  Result<nlohmann::json> Call(const ApiRequest& request) const;

  /// GET `path` with `query` (raw values; encoded here). Returns the parsed JSON body.
  Result<nlohmann::json> Get(std::string path, QueryParams query = {}) const;
  /// POST `path` with the raw JSON `body` ("" = no body). Not retried on 5xx (opt in with
  /// Call + `retry_non_idempotent`).
  Result<nlohmann::json> Post(std::string path, std::string body) const;
  /// PUT `path` with the raw JSON `body`.
  Result<nlohmann::json> Put(std::string path, std::string body) const;
  /// PATCH `path` with the raw JSON `body`.
  Result<nlohmann::json> Patch(std::string path, std::string body) const;
  /// DELETE `path` with `query`.
  Result<nlohmann::json> Delete(std::string path, QueryParams query = {}) const;

  /// The exact HTTP request `request` would become (for dry runs); nothing is sent.
  Result<PreparedRequest> Prepare(const ApiRequest& request) const;

  /// A range over the pages of `request`, in the endpoint's paging style (see paginator.h).
  Paginator Paginate(ApiRequest request, PageOptions options = {}) const;

  /// The underlying connection.
  Connection& connection() const { return *connection_; }

 private:
  std::shared_ptr<Connection> connection_;
};

}  // namespace ghl::client
