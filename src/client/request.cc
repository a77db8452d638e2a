#include "ghl/client/request.h"

#include <nlohmann/json.hpp>

namespace ghl::client {

Result<nlohmann::json> ApiResponse::Json() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json();
  auto doc = nlohmann::json::parse(body, nullptr, false);
  if (doc.is_discarded()) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.http_status = status;
    e.messages.push_back("the answer is not JSON: " + body.substr(0, 120));
    if (endpoint != nullptr) e.endpoint_id = std::string(endpoint->id);
    e.hint = "Check the base URL points at the GHL API (or the sandbox), not a web page.";
    e.body = body;
    return e;
  }
  return doc;
}

}  // namespace ghl::client
