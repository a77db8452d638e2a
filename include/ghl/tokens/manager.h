/// \file
/// `TokenManager`: hands out fresh access tokens per location from a shared `TokenStore` and
/// refreshes them with at most one refresh per location at a time across every process and
/// machine sharing the store (the protocol is in ghl/tokens/token_store.h and
/// doc/adr/0010-token-store.md). It is the client's `TokenProvider`:
///
/// \code
///   auto store = ghl::tokens::OpenTokenStore("ghl-tokens.db", key);
///   auto manager = std::make_shared<ghl::tokens::TokenManager>(std::move(*store), options);
///   ghl::client::ClientOptions client_options;
///   client_options.token_provider = manager;   // each call gets its location's token
/// \endcode
///
/// Tokens are refreshed proactively (`refresh_margin` before they expire) and, by `Sweep`
/// (`ghl tokens serve`), when idle for `idle_refresh_after` (a GHL refresh token dies after a
/// year unused). A location whose refresh fails with invalid_grant, whose pair was lost to a
/// crash between GHL's rotation and our write, or that has no row yet, is minted again from its
/// company's token (`POST /oauth/locationToken`). States and alerts: see `TokenState`; the
/// `on_state_change` callback runs once per stored change of state, in the process whose write
/// made the change.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "ghl/client/token_provider.h"
#include "ghl/tokens/oauth.h"
#include "ghl/tokens/token_store.h"

namespace ghl::tokens {

/// Receives each change of state (alerts); must be thread-safe and never block long.
using StateChangeSink = std::function<void(const StateChange&)>;

/// Manager settings; plain struct with defaults.
struct ManagerOptions {
  /// The marketplace app (for refresh grants).
  OAuthApp app;
  /// GHL's base URL, timeouts, transport (its token is never used).
  client::ClientOptions http;
  /// Refresh when the access token expires within this margin.
  std::chrono::milliseconds refresh_margin{std::chrono::minutes(5)};
  /// How long a lease lasts. Longer than one OAuth call can take (the HTTP timeout), so a live
  /// holder never loses it mid-call; a dead holder's lease frees itself after this.
  std::chrono::milliseconds lease_ttl{std::chrono::seconds(60)};
  /// How long a caller waits for a sibling's refresh before giving up (kBusy).
  std::chrono::milliseconds wait_for_sibling{std::chrono::seconds(70)};
  /// Re-read interval while a sibling holds the lease.
  std::chrono::milliseconds poll_interval{std::chrono::milliseconds(50)};
  /// `Sweep` refreshes a pair not refreshed for this long (refresh tokens die unused in a year).
  std::chrono::milliseconds idle_refresh_after{std::chrono::hours(24)};
  /// An inactive location is rechecked after this.
  std::chrono::milliseconds inactive_recheck{std::chrono::hours(24)};
  /// Backoff after a transient failure: initial * 2^(failures-1), capped.
  std::chrono::milliseconds backoff_initial{std::chrono::seconds(30)};
  std::chrono::milliseconds backoff_max{std::chrono::hours(1)};
  /// This process's lease holder id; "" = "<hostname>:<pid>:<random>".
  std::string holder;
  /// Alerts (null = none).
  StateChangeSink on_state_change;
  /// "now"; null = the system clock. Must be the store's clock too.
  Clock clock;
  /// Sleeps while waiting for a sibling; null = std::this_thread::sleep_for.
  std::function<void(std::chrono::milliseconds)> sleeper;
};

/// What `Sweep` did.
struct SweepReport {
  int checked = 0;    ///< Rows looked at.
  int refreshed = 0;  ///< Rows this call refreshed or minted.
  int failed = 0;     ///< Rows whose refresh failed (their state says why).
};

/// The token manager. Thread-safe; share one per process.
class TokenManager final : public client::TokenProvider {
 public:
  TokenManager(std::shared_ptr<TokenStore> store, ManagerOptions options);

  /// A fresh access token for `location_id` ("" = the only company's token). Refreshes or
  /// mints when needed. Errors name the location and the fix, never a token.
  Result<std::string> AccessToken(std::string_view location_id) override;
  /// GHL refused `rejected_token` as invalid: re-read (a sibling may have refreshed), else
  /// refresh now.
  Result<std::string> RenewAfterRejection(std::string_view location_id,
                                          std::string_view rejected_token) override;
  /// A call answered "not authorized for this scope": the row's state becomes missing-scope
  /// naming `detail` (the scopes the endpoint needs); alerts once.
  void OnRefused(std::string_view location_id, client::AuthFailure failure,
                 std::string_view detail) override;

  /// Refreshes row `id` now (or, with `only_if_due`, only when `Sweep` would), with the same
  /// protocol; returns the stored row after it.
  Result<TokenRecord> Refresh(std::string_view id, bool only_if_due = false);

  /// Exchanges an authorization code and stores the pair (a company row for a Company token,
  /// a location row otherwise); for a Company token also mints and stores every approved
  /// location. Returns the ids stored.
  Result<std::vector<std::string>> ExchangeCode(const std::string& code,
                                                const std::string& redirect_uri,
                                                const std::string& user_type);

  /// Stores a token for `location_id` minted from `company_id`'s stored token (AppInstall).
  /// `name` "" = asked of GHL with the new token (GET /locations/{id}; left unknown when that
  /// fails); ExchangeCode names a location row the same way.
  /// Idempotent: a location that already has a usable pair is left alone. kUsage "no company
  /// token" when the company's row does not exist yet (the install may arrive before the
  /// code exchange finished: retry).
  Status Install(const std::string& location_id, const std::string& company_id,
                 const std::string& name = {});

  /// Deletes the location's row (AppUninstall). Returns whether it existed.
  Result<bool> Uninstall(const std::string& location_id);

  /// Mints and stores every location GHL lists as installed for `company_id` that has no row,
  /// and deletes location rows of that company GHL no longer lists. Returns (added, removed).
  Result<std::pair<int, int>> Reconcile(const std::string& company_id);

  /// Refreshes every row that is due (expiring within the margin, idle too long, in backoff
  /// or inactive past its recheck time), `parallelism` at a time.
  Result<SweepReport> Sweep(int parallelism = 4);

  /// The underlying store.
  TokenStore& store() { return *store_; }

 private:
  struct Cached {
    std::string access_token;
    UtcTime expires_at;
    int64_t generation;
  };
  Result<TokenRecord> Renew(std::string_view id, int64_t seen_generation, bool force,
                            std::string_view rejected);
  Result<Grant> MintFor(const TokenRecord& location);
  // The location's name for its row, "" when GHL does not tell (see OAuthClient::LocationName).
  std::string NameOf(const std::string& location_id, const std::string& access_token) const;
  Result<TokenPair> RefreshPair(const TokenRecord& rec, bool stale, bool* minted);
  void Alert(const std::optional<StateChange>& change);
  void Remember(const TokenRecord& rec);
  bool Due(const TokenRecord& rec, UtcTime now) const;
  UtcTime Now() const;
  std::string RowIdFor(std::string_view location_id);

  std::shared_ptr<TokenStore> store_;
  ManagerOptions options_;
  OAuthClient oauth_;
  std::mutex cache_mu_;
  std::map<std::string, Cached, std::less<>> cache_;
};

/// An alert sink that runs `command` with /bin/sh -c (env GHL_TOKEN_ID, GHL_TOKEN_STATE,
/// GHL_TOKEN_PREVIOUS_STATE, GHL_TOKEN_DETAIL) and/or POSTs {"id","state","previousState",
/// "detail","at"} as JSON to `webhook_url`. Either may be empty; both empty = null sink.
/// Failures go to `warn` (never a token).
StateChangeSink MakeAlertSink(std::string command, std::string webhook_url,
                              std::function<void(std::string_view)> warn);

}  // namespace ghl::tokens
