// The pending-request table of one MCP session (server→client requests).
#include "ghl/mcp/pending.h"

namespace ghl::mcp {

using nlohmann::json;

std::optional<json> PendingRequests::Open() {
  std::lock_guard lock(mu_);
  if (closed_) return std::nullopt;
  std::string id = "ghl-" + std::to_string(next_++);
  waiting_.emplace(id, std::nullopt);
  return json(id);
}

ClientReply PendingRequests::Wait(const json& id, std::chrono::milliseconds timeout) {
  if (!id.is_string()) return RpcError{kConnectionClosed, "no request waits under this id", {}};
  const std::string key = id.get<std::string>();
  std::unique_lock lock(mu_);
  auto it = waiting_.find(key);
  if (it == waiting_.end()) return RpcError{kConnectionClosed, "no request waits under " + key, {}};
  bool answered = cv_.wait_for(lock, timeout, [&] { return it->second.has_value() || closed_; });
  ClientReply out;
  if (it->second) {
    out = std::move(*it->second);
  } else if (closed_) {
    out = RpcError{kConnectionClosed, close_reason_, {}};
  } else {
    (void)answered;
    out = RpcError{kRequestTimeout,
                   "the client did not answer within " + std::to_string(timeout.count()) + " ms",
                   {}};
  }
  waiting_.erase(it);
  return out;
}

bool PendingRequests::Resolve(const json& response) {
  if (!response.is_object() || !response.contains("id") || !response["id"].is_string()) {
    return false;
  }
  const std::string& key = response["id"].get_ref<const std::string&>();
  std::lock_guard lock(mu_);
  auto it = waiting_.find(key);
  if (it == waiting_.end() || it->second) return false;
  if (auto r = response.find("result"); r != response.end()) {
    it->second = ClientReply(*r);
  } else if (auto e = response.find("error"); e != response.end() && e->is_object() &&
                                              e->contains("code") &&
                                              (*e)["code"].is_number_integer()) {
    std::string message = e->value("message", json()).is_string()
                              ? (*e)["message"].get<std::string>()
                              : std::string("(no message)");
    it->second = ClientReply(
        RpcError{(*e)["code"].get<int>(), std::move(message), e->value("data", json())});
  } else {
    it->second = ClientReply(RpcError{
        -32600, "the client's response has neither a result nor an error {code, message}", {}});
  }
  cv_.notify_all();
  return true;
}

void PendingRequests::Close(const std::string& reason) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  close_reason_ = reason;
  cv_.notify_all();
}

size_t PendingRequests::size() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

}  // namespace ghl::mcp
