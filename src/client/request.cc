#include "ghl/client/request.h"

#include <nlohmann/json.hpp>

#include "ghl/core/json_depth.h"

namespace ghl::client {

Result<nlohmann::json> ApiResponse::Json() const {
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json();
  auto doc = ghl::ParseJsonBounded(body);
  if (doc.is_discarded()) {
    Error e;
    e.kind = ErrorKind::kInternal;
    e.http_status = status;
    if (endpoint != nullptr) e.endpoint_id = std::string(endpoint->id);
    if (auto deep = FindJsonTooDeep(body)) {
      e.messages.push_back("the answer is " + deep->Describe() + "; it was not read");
      e.hint = "GHL's answers nest a few levels at most: check what the base URL points at.";
      e.body = body;
      return e;
    }
    e.messages.push_back("the answer is not JSON: " + body.substr(0, 120));
    e.hint = "Check the base URL points at the GHL API (or the sandbox), not a web page.";
    e.body = body;
    return e;
  }
  return doc;
}

}  // namespace ghl::client
