// RunningSandbox: the sandbox behind server::HttpServer in this process, sending its events as
// signed webhooks and publishing the public key at GET /sandbox/webhook-public-key.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "ghl/sandbox/sandbox.h"

namespace ghl::sandbox {

Result<std::unique_ptr<RunningSandbox>> RunningSandbox::Start(Options options,
                                                              server::ServerOptions server) {
  auto key = LoadOrCreateWebhookKey(options.webhook_delivery.key_file);
  if (!key.ok()) return key.error();
  WebhookDeliveryOptions provider_options = options.webhook_delivery;
  provider_options.url.clear();
  auto provider_delivery = WebhookDelivery::Start(std::move(provider_options), key.value());
  if (!provider_delivery.ok()) return provider_delivery.error();
  auto delivery = WebhookDelivery::Start(options.webhook_delivery, std::move(key.value()));
  if (!delivery.ok()) return delivery.error();
  std::unique_ptr<RunningSandbox> r(new RunningSandbox());
  r->delivery_ = std::move(delivery.value());
  r->provider_delivery_ = std::move(provider_delivery.value());
  WebhookDelivery* hand_offs = r->provider_delivery_.get();
  options.provider_sink = [hand_offs, user = std::move(options.provider_sink)](
                              std::string_view url, std::string_view json) {
    if (user) user(url, json);
    hand_offs->EnqueueTo(std::string(url), "ProviderOutboundMessage", json);
  };
  WebhookDelivery* sink = r->delivery_.get();
  options.webhook_sink = [sink, user = std::move(options.webhook_sink)](std::string_view type,
                                                                        std::string_view json) {
    if (user) user(type, json);
    sink->Enqueue(type, json);
  };
  // The sandbox answers 413 itself (GHL shape, X-RateLimit-* headers); the server's cut-off
  // only guards memory against far larger bodies.
  server.max_body_bytes = std::max(server.max_body_bytes, options.max_body_bytes * 4);
  auto sb = Sandbox::Create(std::move(options));
  if (!sb.ok()) return sb.error();
  r->sandbox_ = std::move(sb.value());
  Sandbox* raw = r->sandbox_.get();
  std::string key_body = nlohmann::json{{"ed25519", sink->public_key_base64()}}.dump();
  std::string host = server.host;
  r->server_ = std::make_unique<server::HttpServer>(
      std::move(server), [raw, key_body](const http::Request& req) {
        if (req.Path() == kWebhookPublicKeyPath) {
          if (req.method != "GET" && req.method != "HEAD") {
            http::Response res = server::JsonResponse(
                405, R"({"statusCode":405,"message":"use GET","error":"Method Not Allowed"})");
            res.headers.Set("Allow", "GET, HEAD");
            return res;
          }
          return server::JsonResponse(200, key_body);
        }
        return raw->Handle(req);
      });
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
         " GHL_LOCATION_ID=" + sandbox_->location_id() +
         " GHL_WEBHOOK_PUBLIC_KEY=" + delivery_->public_key_base64() +
         " GHL_CLIENT_ID=" + sandbox_->oauth_client_id() +
         " GHL_CLIENT_SECRET=" + sandbox_->oauth_client_secret() +
         " GHL_APP_ID=" + sandbox_->oauth_app_id() +
         " GHL_COMPANY_ID=" + std::string(kDemoCompanyId) +
         " GHL_AGENCY_TOKEN=" + std::string(kAgencyToken);
}

void RunningSandbox::Wait(bool handle_signals) {
  if (server_) server_->Wait(handle_signals);
}

void RunningSandbox::Stop() {
  if (server_) server_->Stop();
  if (delivery_) delivery_->Stop();
  if (provider_delivery_) provider_delivery_->Stop();
}

}  // namespace ghl::sandbox
