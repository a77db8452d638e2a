// RunningSandbox: the sandbox behind server::HttpServer in this process.
#include <stdexcept>

#include "ghl/sandbox/sandbox.h"

namespace ghl::sandbox {

Result<std::unique_ptr<RunningSandbox>> RunningSandbox::Start(Options options,
                                                              server::ServerOptions server) {
  auto sb = Sandbox::Create(std::move(options));
  if (!sb.ok()) return sb.error();
  std::unique_ptr<RunningSandbox> r(new RunningSandbox());
  r->sandbox_ = std::move(sb.value());
  Sandbox* raw = r->sandbox_.get();
  std::string host = server.host;
  r->server_ = std::make_unique<server::HttpServer>(
      std::move(server), [raw](const http::Request& req) { return raw->Handle(req); });
  try {
    r->port_ = r->server_->Start();
  } catch (const std::exception& e) {
    return UsageError(e.what(), "pick another --port, or 0 for a free one");
  }
  std::string shown = host == "0.0.0.0" || host.empty() ? "127.0.0.1" : host;
  if (shown.find(':') != std::string::npos) shown = "[" + shown + "]";
  r->base_url_ = "http://" + shown + ":" + std::to_string(r->port_);
  return r;
}

RunningSandbox::~RunningSandbox() { Stop(); }

std::string RunningSandbox::EnvLine() const {
  return "GHL_BASE_URL=" + base_url_ + " GHL_TOKEN=" + sandbox_->token() +
         " GHL_LOCATION_ID=" + sandbox_->location_id();
}

void RunningSandbox::Wait(bool handle_signals) {
  if (server_) server_->Wait(handle_signals);
}

void RunningSandbox::Stop() {
  if (server_) server_->Stop();
}

}  // namespace ghl::sandbox
