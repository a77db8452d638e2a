// `ghl serve`'s token store (serve_tokens.cc): with --tokens-db (or GHL_TOKEN_KEY and a store
// at $GHL_TOKENS_DB / ./ghl-tokens.db) a background thread applies the INSTALL / UNINSTALL
// webhooks the receiver stores (ghl::tokens::InstallListener: mint the location's token,
// waiting for the company token; delete it on uninstall); with --tokens it is also the
// background refresher of `ghl tokens serve`. `GET /api/tokens` shows the rows' states (never a
// token) for the playground's Fleet section.
#pragma once

#include <CLI/CLI.hpp>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "ghl/http/message.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/store/event_store.h"
#include "ghl/tokens/install_listener.h"
#include "token_wiring.h"

namespace ghl::cli {

/// Path of the states page.
inline constexpr std::string_view kTokensApiPath = "/api/tokens";

struct ServeTokensArgs {
  TokenArgs store;            // --tokens-db, --key-file, --client-id, --client-secret, alerts
  bool refresher = false;     // --tokens
  double interval_s = 60;     // --tokens-interval
  double reconcile_s = 3600;  // --tokens-reconcile-every
};

/// Adds the options above to `ghl serve`.
void AddServeTokenOptions(CLI::App* cmd, ServeTokensArgs& args);

/// The running installs listener (and refresher). Stops on destruction.
class ServeTokens {
 public:
  ServeTokens(std::shared_ptr<tokens::TokenManager> manager, store::EventStore& events,
              const ServeTokensArgs& args, std::string store_description);
  ~ServeTokens();
  ServeTokens(const ServeTokens&) = delete;
  ServeTokens& operator=(const ServeTokens&) = delete;

  /// Stops the thread (idempotent); call before the event store goes away.
  void Stop();
  /// `GET /api/tokens`: {"store": "...", "tokens": [TokenRowsJson rows]}; 500 with the
  /// store's error (never a token).
  http::Response HandleApi() const;
  /// The manager over --tokens-db (the automations' token provider when GHL_TOKEN is absent).
  std::shared_ptr<tokens::TokenManager> manager() const { return manager_; }

  /// What `--tokens-db` names ("PostgreSQL" for a URL: it may hold a password).
  const std::string store_description;

 private:
  void Run();
  std::shared_ptr<tokens::TokenManager> manager_;
  tokens::InstallListener listener_;
  ServeTokensArgs args_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

/// Whether a request is for `GET /api/tokens`.
bool IsTokensApi(const http::Request& request);

/// `GET /api/tokens` when no token store is configured: 404 saying how to configure one.
http::Response TokensNotConfigured();

/// Opens the store when configured (see the file comment) and starts the thread; null when not
/// configured. `base_url`: the API the tokens are for (the embedded sandbox's, or the
/// upstream); `embedded`: its OAuth app is used unless --client-id / GHL_CLIENT_ID is given. On
/// error prints it, sets `*exit_code` and returns null.
std::unique_ptr<ServeTokens> StartServeTokens(const ServeTokensArgs& args,
                                              const std::string& base_url,
                                              sandbox::RunningSandbox* embedded,
                                              store::EventStore& events, int* exit_code);

}  // namespace ghl::cli
