#include "ghl/client/client.h"

#include <nlohmann/json.hpp>

#include "ghl/client/error_mapping.h"

namespace ghl::client {

Client::Client(ClientOptions options) : connection_(MakeConnection(std::move(options))) {}

Client::Client(std::shared_ptr<Connection> connection) : connection_(std::move(connection)) {}

Result<ApiResponse> Client::Execute(const ApiRequest& request) const {
  return connection_->Execute(request);
}

Result<ApiResponse> Client::Send(const ApiRequest& request) const {
  auto response = connection_->Execute(request);
  if (!response.ok()) return response;
  if (!response->ok()) return ErrorFromResponse(response.value());
  return response;
}

Result<nlohmann::json> Client::Call(const ApiRequest& request) const {
  auto response = Send(request);
  if (!response.ok()) return response.error();
  return response->Json();
}

namespace {
ApiRequest MakeRequest(std::string method, std::string path, QueryParams query, std::string body) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.query = std::move(query);
  r.body = std::move(body);
  return r;
}
}  // namespace

Result<nlohmann::json> Client::Get(std::string path, QueryParams query) const {
  return Call(MakeRequest("GET", std::move(path), std::move(query), {}));
}

Result<nlohmann::json> Client::Post(std::string path, std::string body) const {
  return Call(MakeRequest("POST", std::move(path), {}, std::move(body)));
}

Result<nlohmann::json> Client::Put(std::string path, std::string body) const {
  return Call(MakeRequest("PUT", std::move(path), {}, std::move(body)));
}

Result<nlohmann::json> Client::Patch(std::string path, std::string body) const {
  return Call(MakeRequest("PATCH", std::move(path), {}, std::move(body)));
}

Result<nlohmann::json> Client::Delete(std::string path, QueryParams query) const {
  return Call(MakeRequest("DELETE", std::move(path), std::move(query), {}));
}

Result<PreparedRequest> Client::Prepare(const ApiRequest& request) const {
  return connection_->Prepare(request);
}

Paginator Client::Paginate(ApiRequest request, PageOptions options) const {
  return Paginator(connection_, std::move(request), std::move(options));
}

}  // namespace ghl::client
