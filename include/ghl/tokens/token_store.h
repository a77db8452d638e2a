/// \file
/// The token store: OAuth token pairs per location (and per company), encrypted at rest, with
/// the lease and the generation counter that make one refresh per location across every
/// process and machine sharing the store. Two backends behind one interface: an SQLite file
/// (the default) and PostgreSQL (fleets); one conformance suite runs on both.
///
/// The refresh protocol (ghl/tokens/manager.h, doc/adr/0010-token-store.md) uses three short,
/// separate statements, none held open while GHL is called:
///   1. `TryLease`: one UPDATE takes the row's lease if it is free or expired *and* the row is
///      still at the generation the caller read;
///   2. the caller calls GHL (no transaction, no connection held for it);
///   3. `CommitRefresh`: one UPDATE writes the new pair with compare-and-swap on that
///      generation (generation + 1) and frees the lease — before anyone uses the new token.
/// A caller that loses step 1 re-reads instead of refreshing. A lease found expired means its
/// holder died between steps 1 and 3, possibly after GHL rotated the refresh token: the new
/// holder must not trust the stored refresh token (`Lease::took_over_stale`).
///
/// Values are AES-256-GCM sealed per column with a random nonce, bound to their row and column
/// (ghl/tokens/key.h); a meta row holds a sealed check value, so opening with another key is a
/// clear kUsage error and changes nothing. Times are UTC with millisecond resolution. Errors:
/// kUsage (wrong/missing key, unknown id), kBusy (SQLite lock held past the busy timeout),
/// kNetwork (PostgreSQL unreachable), kInternal (other database failures). Thread-safe.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/tokens/key.h"

namespace ghl::tokens {

/// A UTC instant, millisecond resolution.
using UtcTime = std::chrono::sys_time<std::chrono::milliseconds>;
/// "now"; injected by tests.
using Clock = std::function<UtcTime()>;

/// Health of one location's (or company's) tokens.
enum class TokenState {
  kOk,              ///< A usable pair is stored.
  kRefreshing,      ///< Shown while a lease is held (not stored: derived from the lease).
  kNeedsReinstall,  ///< GHL answered invalid_grant and minting failed: a person must reinstall.
  kInactive,        ///< GHL answered "Location is not active"; rechecked daily.
  kMissingScope,    ///< Calls are refused for a scope the app lacks (`state_detail` names it).
  kError,           ///< A transient failure (5xx, network); retried with backoff.
};

/// "ok", "refreshing", "needs-reinstall", "inactive", "missing-scope", "error".
std::string_view ToString(TokenState state);
/// Inverse of ToString; nullopt for anything else.
std::optional<TokenState> ParseTokenState(std::string_view text);

/// Whose token a row holds.
enum class TokenKind { kLocation, kCompany };

/// The id of a company's row: "company:<companyId>" (location rows use the location id).
std::string CompanyRowId(std::string_view company_id);

/// An access/refresh pair as GHL issued it.
struct TokenPair {
  std::string access_token;
  /// Empty when GHL issued none (a minted location token without one).
  std::string refresh_token;
  /// When the access token expires (UTC): issue time + `expires_in`.
  UtcTime expires_at{};
  /// Space-separated scopes GHL granted.
  std::string scopes;
};

/// One stored row. `pair` is decrypted by `Get` and empty in `List`.
struct TokenRecord {
  std::string id;  ///< Location id, or CompanyRowId(company).
  TokenKind kind = TokenKind::kLocation;
  std::string company_id;  ///< The owning company ("" when unknown).
  std::string name;        ///< Location or company name, for `ghl tokens list`.
  TokenPair pair;
  /// Incremented by every stored pair (Put or CommitRefresh); 1 after the first.
  int64_t generation = 0;
  /// How many of those pairs came from a refresh_token grant (the rest: code exchange, mint).
  int64_t refreshes = 0;
  TokenState state = TokenState::kOk;
  std::string state_detail;  ///< Why (GHL's message, the missing scope).
  UtcTime state_since{};
  UtcTime last_refresh{};    ///< When the current pair was stored.
  UtcTime next_attempt{};    ///< Earliest retry for kError / kInactive.
  int64_t failures = 0;      ///< Consecutive failed refreshes.
  std::string lease_holder;  ///< "" = free.
  UtcTime lease_until{};     ///< Lease expiry.
};

/// Result of TryLease.
struct Lease {
  bool acquired = false;
  /// The previous lease had expired without being released: its holder died mid-refresh, so
  /// the stored refresh token may already be spent at GHL.
  bool took_over_stale = false;
};

/// A state change, returned when a call changed the stored state (alerts fire on these only).
struct StateChange {
  std::string id;
  TokenState from = TokenState::kOk;
  TokenState to = TokenState::kOk;
  std::string detail;
};

/// What `Put` stores (first install, code exchange, a mint).
struct NewToken {
  std::string id;
  TokenKind kind = TokenKind::kLocation;
  std::string company_id;
  std::string name;  ///< "" keeps the stored name.
  TokenPair pair;
};

/// The store. See the file comment for the protocol.
class TokenStore {
 public:
  virtual ~TokenStore() = default;

  /// The row with its pair decrypted, or nullopt. kUsage when a value does not decrypt (the
  /// row was altered, or written with another key).
  virtual Result<std::optional<TokenRecord>> Get(std::string_view id) = 0;
  /// Every row, sorted by id, without secrets (pair.access_token/refresh_token empty).
  virtual Result<std::vector<TokenRecord>> List() = 0;
  /// Stores a pair unconditionally (insert or replace): generation + 1, state ok, lease freed.
  /// Returns the new generation and the state change, if any.
  virtual Result<std::pair<int64_t, std::optional<StateChange>>> Put(const NewToken& token) = 0;
  /// Takes the lease of `id` for `holder` until now + `ttl` if it is free or expired and the
  /// row is at `generation`. Not acquired when the row is missing, leased, or moved on.
  virtual Result<Lease> TryLease(std::string_view id, std::string_view holder, int64_t generation,
                                 std::chrono::milliseconds ttl) = 0;
  /// Compare-and-swap: stores `pair` only if the row is still at `generation` (then
  /// generation + 1, state ok — missing-scope stays —, failures 0, lease freed). Returns false
  /// when another writer
  /// moved the row on (nothing written).
  /// `by_refresh_grant`: the pair came from a refresh_token grant (counted in `refreshes`),
  /// not from a mint.
  virtual Result<std::pair<bool, std::optional<StateChange>>> CommitRefresh(
      std::string_view id, int64_t generation, const TokenPair& pair, bool by_refresh_grant) = 0;
  /// Records a failure state (or ok) with `detail`, the next attempt time and (for kError)
  /// failures + 1, and frees the lease if `holder` holds it. Returns the change, if the state
  /// differs from the stored one.
  virtual Result<std::optional<StateChange>> SetState(std::string_view id, std::string_view holder,
                                                      TokenState state, std::string_view detail,
                                                      UtcTime next_attempt) = 0;
  /// Frees the lease if `holder` holds it.
  virtual Status ReleaseLease(std::string_view id, std::string_view holder) = 0;
  /// Deletes the row (AppUninstall). Returns whether it existed.
  virtual Result<bool> Delete(std::string_view id) = 0;
  /// Re-encrypts every value and the key check with `new_key` in one transaction; afterwards
  /// this store uses `new_key`. On any failure nothing is changed.
  virtual Status RotateKey(const TokenKey& new_key) = 0;
  /// Every stored value as it is on disk (sealed), for tests that search for clear text.
  virtual Result<std::vector<std::string>> RawValues() = 0;
  /// A bookkeeping value kept beside the tokens, in clear (never a secret), e.g. the install
  /// listener's position in the event stream; nullopt when unset. Names "key_check" and
  /// "key_id" are the store's own (kUsage).
  virtual Result<std::optional<std::string>> GetMeta(std::string_view name) = 0;
  /// Sets it (insert or replace), committed when it returns.
  virtual Status SetMeta(std::string_view name, std::string_view value) = 0;
};

/// Options shared by both backends.
struct StoreOptions {
  Clock clock;  ///< null = the system clock.
};

/// SQLite file (created if missing, WAL). kUsage when the directory is missing or the key does
/// not open an existing store.
struct SqliteOptions {
  std::string path = "ghl-tokens.db";
  std::chrono::milliseconds busy_timeout{10000};
};
Result<std::unique_ptr<TokenStore>> OpenSqliteTokenStore(const SqliteOptions& sqlite,
                                                         const TokenKey& key,
                                                         StoreOptions options = {});

/// PostgreSQL (`postgresql://…`), tables in `schema` (created if missing).
struct PostgresOptions {
  std::string url;
  std::string schema = "public";
};
Result<std::unique_ptr<TokenStore>> OpenPostgresTokenStore(const PostgresOptions& pg,
                                                           const TokenKey& key,
                                                           StoreOptions options = {});

/// `location` is a postgres:// or postgresql:// URL, else an SQLite path.
Result<std::unique_ptr<TokenStore>> OpenTokenStore(const std::string& location, const TokenKey& key,
                                                   StoreOptions options = {});

}  // namespace ghl::tokens
