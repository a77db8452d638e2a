/// \file
/// The sandbox: a local, stateful, GHL-compatible API (`ghl sandbox`, `ghl serve --sandbox`).
///
/// `Sandbox::Handle` is a pure function from `http::Request` to `http::Response` (thread-safe),
/// so tests call it without sockets; `RunningSandbox` puts it behind `server::HttpServer`.
/// It answers with GHL's real paths (from the catalog, `shared/ghl-openapi/apps/*.json`), shapes
/// and quirks, and enforces what GHL enforces, in this order:
///   1. path not in the catalog → 404 {"statusCode":404,"message":"Cannot GET /x",
///      "error":"Not Found","nearest":["GET /contacts/{contactId}",...]};
///   2. `Authorization: Bearer <token>` missing → 401 "Invalid JWT"; unknown → 401
///      "Invalid token: access token is invalid"; a token issued by `POST /oauth/token` or
///      `/oauth/locationToken` past its lifetime (`OAuthOptions::access_token_ttl`) → 401
///      "Invalid JWT" (operations that declare no security, the token exchange, need none);
///   3. rate limit per location (fixed windows, see `RateLimit`) → 429 {"statusCode":429,
///      "message":"Too Many Requests"} + `Retry-After` (seconds);
///   4. `Version` header missing → 401 "version header was not found."; not a version GHL
///      publishes → 401 "version header is invalid"; a published version other than the spec's
///      passes with an `X-Ghl-Sandbox-Warning` header, or 401 "version header is invalid" in
///      strict mode;
///   5. catalog operation the sandbox does not emulate → 501 {"statusCode":501,"message":...,
///      "endpointId":...} (never fake data);
///   6. token kind the operation does not accept → 401 "Token's user type mismatch!";
///   7. token lacks every scope the operation lists → 401 "The token is not authorized for this
///      scope.";
///   8. a `locationId` / `location_id` (path, query or body) that is not the token's → 403
///      "The token does not have access to this location.";
///   9. the handler: 400 bad JSON, 422 {"statusCode":422,"message":[...],"error":
///      "Unprocessable Entity"} for missing/mistyped/unknown fields, 404 "Contact not found" etc.
/// Every response carries `X-RateLimit-Max`, `X-RateLimit-Remaining`,
/// `X-RateLimit-Interval-Milliseconds`, `X-RateLimit-Limit-Daily`, `X-RateLimit-Daily-Remaining`;
/// every JSON error carries a `traceId`.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/http/message.h"
#include "ghl/sandbox/webhook_delivery.h"
#include "ghl/server/http_server.h"

namespace ghl::sandbox {

/// Id of the demo location (sub-account) the default tokens belong to.
inline constexpr std::string_view kDemoLocationId = "sbxLoc7Qm2Xk9PzDemo1";
/// Id of the agency (company) that owns the demo location.
inline constexpr std::string_view kDemoCompanyId = "sbxCmp4Rt8Vn2LxDemo1";
/// Default location token: every scope the sandbox emulates (see `EmulatedScopes`).
inline constexpr std::string_view kDefaultToken = "pit-sandbox-location-all-scopes";
/// Built-in narrow location token: only `contacts.readonly` (for 401 scope tests).
inline constexpr std::string_view kReadOnlyToken = "pit-sandbox-contacts-readonly";
/// Built-in agency (company) token for the demo company: every emulated scope, plus
/// `locations.readonly`; refused with "Token's user type mismatch!" on location-only routes.
inline constexpr std::string_view kAgencyToken = "sandbox-agency-token";

/// A bearer token the sandbox accepts.
struct Token {
  std::string value;                ///< The bearer string.
  bool agency = false;              ///< Agency (company) token; else a location token.
  std::string location_id;          ///< Location tokens: the one location they may touch.
  std::string company_id;           ///< Agency tokens: the company; owns `kDemoLocationId`.
  std::vector<std::string> scopes;  ///< e.g. "contacts.readonly", "conversations/message.write".
};

/// Scopes the default token carries: every scope an emulated route requires.
std::vector<std::string> EmulatedScopes();

/// Catalog ids of every operation the sandbox emulates, sorted (e.g.
/// "contacts.search-contacts-advanced"); every other catalog operation answers 501 with
/// {"notEmulated":true,"endpointId":…,"emulatedInService":["METHOD /path",…]}.
std::vector<std::string> EmulatedOperationIds();

/// Per-location rate limits (GHL's defaults: 100 requests per 10 s burst window and 200,000 per
/// day). Burst windows are fixed: a window opens at the first request after the previous one
/// closed and lasts `interval`; the daily count resets at 00:00 UTC. Every authenticated
/// request counts (also those answered 401 version / 501 / 4xx).
struct RateLimit {
  int burst_max = 100;
  std::chrono::milliseconds interval{10000};
  int daily_max = 200000;
};

/// Parses "100/10s", "20/1s", "500/1m", "5/250ms", "1000/1h" into a `RateLimit` with the
/// default daily limit. kUsage error naming the accepted form otherwise.
Result<RateLimit> ParseRateLimit(std::string_view text);

/// Wall clock (UTC). Injected by tests for rate-limit windows and free-slot times.
using Clock = std::function<std::chrono::system_clock::time_point()>;

/// Called once per state change with GHL's webhook event type ("ContactCreate",
/// "ContactUpdate", "ContactDelete", "ContactTagUpdate", "NoteCreate", "OpportunityCreate",
/// "OpportunityUpdate", "OpportunityStageUpdate", "OpportunityStatusUpdate",
/// "OpportunityMonetaryValueUpdate", "OpportunityDelete", "AppointmentCreate",
/// "AppointmentUpdate", "InboundMessage", "OutboundMessage", "UserCreate", "LocationCreate",
/// "INSTALL", "UNINSTALL") and the event body as compact JSON
/// in the shape of `shared/ghl-openapi/webhooks/<type>.example.json` (INSTALL / UNINSTALL:
/// `AppInstall.example*.json` / `AppUninstall.example*.json`), plus `webhookId` and
/// `timestamp` (ISO 8601 UTC). Called on the request's thread after the change is stored and
/// after every sandbox lock is released (it may call `Handle` again); must be thread-safe.
using WebhookSink = std::function<void(std::string_view event_type, std::string_view json)>;

/// A conversation provider: the module of a Marketplace app that carries a location's messages
/// (GHL docs, "Conversation Providers"). GHL POSTs each outbound message sent on its channel to
/// its Delivery URL (the flat `ProviderOutboundMessage` body, shared/ghl-openapi/webhooks/
/// ProviderOutboundMessage.example.json), signed `X-GHL-Signature`; the provider then reports
/// the outcome with `PUT /conversations/messages/{messageId}/status` and logs replies with
/// `POST /conversations/messages/inbound`. In GHL a provider is created in the developer portal
/// (there is no API for it); in the sandbox, with `Sandbox::RegisterConversationProvider`,
/// `POST /sandbox/conversation-providers` or `ghl sandbox --conversation-provider URL`.
struct ConversationProvider {
  std::string id;           ///< The `conversationProviderId`; generated when empty.
  std::string location_id;  ///< Location it is installed on; empty = the demo location.
  std::string name = "Custom SMS provider";
  std::string type = "SMS";  ///< "SMS" or "Email".
  /// Where each outbound message is POSTed (absolute http(s) URL), e.g.
  /// "http://127.0.0.1:8080/providers/ghl/outbound".
  std::string delivery_url;
  /// GHL's "Is this a Custom Conversation Provider" box: true adds a channel beside the default
  /// one (only sends naming its `conversationProviderId` use it); false (the default) replaces
  /// the location's SMS (or Email) channel, so every send of that type goes to the provider.
  bool custom = false;
};

/// Called once per message handed to a conversation provider: the provider's Delivery URL and
/// the flat JSON body to POST there (signed like a webhook). Called after the state lock is
/// released; must be thread-safe.
using ProviderSink = std::function<void(std::string_view delivery_url, std::string_view json)>;

/// Path of the sandbox's conversation-provider registry (outside GHL's API paths; needs a
/// location token of the sandbox): `POST` {"deliveryUrl","name"?,"type"?,"custom"?} → 201
/// {"provider":{…}}; `GET` → {"providers":[…]} of the token's location.
inline constexpr std::string_view kConversationProvidersPath = "/sandbox/conversation-providers";

/// The sandbox's OAuth (marketplace) app and token settings; plain struct with defaults.
/// The sandbox emulates GHL's OAuth: the consent page `GET /oauth/chooselocation`, the code
/// and refresh grants of `POST /oauth/token` (single-use rotating refresh tokens),
/// `POST /oauth/locationToken` and `GET /oauth/installedLocations` (see doc/adr/0003-sandbox.md).
struct OAuthOptions {
  /// The app's client id. Empty: the app kept in `Options::db_path` (a restart keeps its
  /// credentials), else a generated "<appId>-<8 characters>" (GHL's form). The app id is the
  /// part before the first '-'.
  std::string client_id;
  /// The app's client secret. Empty: the stored one for this client id, else generated.
  std::string client_secret;
  /// Lifetime of every access token the sandbox issues (`expires_in`), seconds, 1..31536000.
  /// GHL's is 86399; tests use a few seconds. An expired issued token is answered 401
  /// {"statusCode":401,"message":"Invalid JWT","error":"Unauthorized"}.
  std::chrono::seconds access_token_ttl{86399};
  /// The app's registered redirect URIs, matched exactly, as GHL redirects only to an app's
  /// registered URIs. Loopback URIs (http://127.0.0.1, localhost or [::1] on any port and path,
  /// RFC 8252 §7.3: what `ghl auth login` listens on) are always accepted; any other
  /// redirect_uri is refused with 400 at the consent page.
  std::vector<std::string> redirect_uris;
  /// Locations switched "not active" at start: refreshing or minting a token for them answers
  /// 400 "Location is not active" (also `POST /sandbox/locations/{id}/deactivate`).
  std::vector<std::string> inactive_locations;
};

/// Sandbox settings; plain struct with defaults.
struct Options {
  /// "demo": one location, a pipeline with stages, a calendar with working hours, custom
  /// fields, a workflow, 50 contacts, opportunities and conversations (deterministic);
  /// "empty": only the location. Ignored when `db_path` already holds state.
  std::string seed = "demo";
  /// Extra generated contacts added after the seed ("Generated Contact N",
  /// generated<N>@example.net, one every 5 minutes from 2025-02-01T00:00Z), for load and
  /// pagination tests (`--seed empty --seed-contacts 10000`). Ignored when `db_path` already
  /// holds state.
  int seed_contacts = 0;
  /// SQLite file to keep state in (created if missing, written through on every change,
  /// loaded on start). Empty = in memory only.
  std::string db_path;
  RateLimit rate_limit;
  /// Refuse a `Version` other than the spec's (401 "version header is invalid").
  bool strict = false;
  /// Clock; null = the system clock.
  Clock clock;
  /// Event hook (see `WebhookSink`); null = none.
  WebhookSink webhook_sink;
  /// `RunningSandbox` only (ignored by `Sandbox::Create`): where and how the sandbox POSTs its
  /// events as signed webhooks (`url`, `key_file`, queue and retry settings; see
  /// webhook_delivery.h). Events also still go to `webhook_sink` when that is set.
  WebhookDeliveryOptions webhook_delivery;
  /// Largest request body the sandbox accepts, bytes (default 1 MiB). Larger bodies get
  /// 413 {"statusCode":413,"message":"request entity too large: limit is N bytes",
  /// "error":"Payload Too Large"} with the usual X-RateLimit-* headers, before routing and auth.
  /// `RunningSandbox` raises the server's own cut-off (`ServerOptions::max_body_bytes`) to at
  /// least 4x this so the sandbox answers such requests itself; bodies beyond the server's
  /// cut-off get the server's plain 413 (same JSON shape, server's limit, no rate headers).
  size_t max_body_bytes = 1u << 20;
  /// Tokens accepted besides the built-in ones (`kDefaultToken`, `kReadOnlyToken`,
  /// `kAgencyToken`).
  std::vector<Token> extra_tokens;
  /// Providers registered at start (besides those kept in `db_path`).
  std::vector<ConversationProvider> conversation_providers;
  /// GHL's "not downstreamed yet" race (highlevel-api-docs issue 4, confirmed by GHL staff):
  /// for this long after a message is handed to its provider, `PUT
  /// /conversations/messages/{messageId}/status` answers 403 "No conversation provider found
  /// for this message" (GHL: 5-10 s, sometimes longer). 0 = accepted at once.
  std::chrono::milliseconds provider_status_delay{5000};
  /// Where hand-offs go (see `ProviderSink`); null = nowhere. `RunningSandbox` sets it.
  ProviderSink provider_sink;
  /// How many times each hand-off is POSTed to the Delivery URL (2 = every one twice, as a
  /// retrying GHL would), 1..5.
  int provider_delivery_copies = 1;
  /// OAuth app and token lifetime (see `OAuthOptions`).
  OAuthOptions oauth;
};

/// The emulated GHL API. Thread-safe.
class Sandbox {
 public:
  /// Seeds or loads state. Errors: kUsage for an unknown seed name or bad rate limit,
  /// kUsage when the SQLite file cannot be opened (message: path and SQLite's reason, e.g. a
  /// missing directory), kInternal when it cannot be read or written.
  static Result<std::unique_ptr<Sandbox>> Create(Options options);
  ~Sandbox();
  Sandbox(const Sandbox&) = delete;
  Sandbox& operator=(const Sandbox&) = delete;

  /// Answers one request (server-side `target`: path and query). Never throws.
  http::Response Handle(const http::Request& request);

  /// The default location token (`kDefaultToken`).
  std::string token() const;
  /// The demo location id (`kDemoLocationId`).
  std::string location_id() const;
  /// Every accepted token (built-in first, then `Options::extra_tokens`). Tokens issued by
  /// `POST /oauth/token` are accepted too but not listed here.
  const std::vector<Token>& tokens() const;
  /// The OAuth app's credentials (given, stored or generated; see `OAuthOptions`).
  const std::string& oauth_client_id() const;
  const std::string& oauth_client_secret() const;
  /// The app id (`appId` of INSTALL events, `GET /oauth/installedLocations?appId=`).
  const std::string& oauth_app_id() const;

  /// Registers (or replaces, same id) a conversation provider on its location and returns it
  /// with its id. kUsage error for a Delivery URL that is not absolute http(s), a type other
  /// than SMS/Email, or an unknown location.
  Result<ConversationProvider> RegisterConversationProvider(ConversationProvider provider);

 private:
  struct Impl;
  explicit Sandbox(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

/// A sandbox served over HTTP in this process (`ghl sandbox`, `ghl serve --sandbox`).
///
/// It also sends webhooks: every event the sandbox emits is signed with the sandbox's own
/// Ed25519 key and POSTed to `Options::webhook_delivery.url` (or the URL given later to
/// `SetWebhookUrl`) by a `WebhookDelivery`. The public key is in `webhook_public_key()`, in
/// `EnvLine()` and at `GET /sandbox/webhook-public-key` (no token).
///
/// Wiring `ghl serve --sandbox` to its own receiver (the receiver must trust the key before the
/// server starts, and the sandbox learns the URL after the server has bound its port):
///   auto sb = RunningSandbox::Start(options, sandbox_server);        // key loaded/generated
///   receiver_options.public_keys.push_back((*sb)->webhook_public_key());
///   ... create the receiver, start the serve HttpServer, read its port ...
///   (*sb)->SetWebhookUrl("http://127.0.0.1:" + std::to_string(port) + "/webhooks/ghl");
class RunningSandbox {
 public:
  /// Loads or creates the webhook key (`options.webhook_delivery.key_file`), starts the
  /// webhook delivery thread, creates the sandbox and starts `server::HttpServer` on
  /// `server.host`:`server.port` (0 = a free port). Errors: those of `Sandbox::Create`,
  /// `LoadOrCreateWebhookKey` and `WebhookDelivery::Start`, or kUsage when the port cannot be
  /// bound (message names the address).
  static Result<std::unique_ptr<RunningSandbox>> Start(Options options,
                                                       server::ServerOptions server = {});
  ~RunningSandbox();
  RunningSandbox(const RunningSandbox&) = delete;
  RunningSandbox& operator=(const RunningSandbox&) = delete;

  /// "http://127.0.0.1:PORT" (no trailing slash).
  const std::string& base_url() const { return base_url_; }
  std::string token() const { return sandbox_->token(); }
  std::string location_id() const { return sandbox_->location_id(); }
  uint16_t port() const { return port_; }
  Sandbox& sandbox() { return *sandbox_; }
  /// "GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=… GHL_WEBHOOK_PUBLIC_KEY=… GHL_CLIENT_ID=…
  /// GHL_CLIENT_SECRET=… GHL_APP_ID=… GHL_COMPANY_ID=… GHL_AGENCY_TOKEN=…" (what `ghl sandbox`
  /// prints; the first three keys come first, always).
  std::string EnvLine() const;
  /// The sandbox's webhook public key: base64 DER SubjectPublicKeyInfo (Ed25519), the value to
  /// add to the receiver's trusted keys (`ReceiverOptions::public_keys`,
  /// `ghl serve --webhook-public-key`).
  const std::string& webhook_public_key() const { return delivery_->public_key_base64(); }
  /// Sets (or replaces) where events are POSTed, e.g. "http://127.0.0.1:8080/webhooks/ghl";
  /// empty stops sending. kUsage error for a URL that is not absolute http(s).
  Status SetWebhookUrl(std::string url) { return delivery_->SetUrl(std::move(url)); }
  /// The delivery (counters, `Flush`).
  WebhookDelivery& webhook_delivery() { return *delivery_; }
  /// The delivery of conversation-provider hand-offs (to each provider's Delivery URL, signed
  /// with the same key; its own queue, so a provider that is down never holds up webhooks).
  WebhookDelivery& provider_delivery() { return *provider_delivery_; }
  /// Blocks until `Stop()` or, when `handle_signals`, SIGINT/SIGTERM.
  void Wait(bool handle_signals);
  /// Stops the server, then the webhook delivery (queued events get up to 2 s). Idempotent.
  void Stop();

 private:
  RunningSandbox() = default;
  // Declared first so they outlive the sandbox, whose sinks point at them.
  std::unique_ptr<WebhookDelivery> delivery_;
  std::unique_ptr<WebhookDelivery> provider_delivery_;
  std::unique_ptr<Sandbox> sandbox_;
  std::unique_ptr<server::HttpServer> server_;
  std::string base_url_;
  uint16_t port_ = 0;
};

}  // namespace ghl::sandbox
