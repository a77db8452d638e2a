// Where every `ghl` command that calls GHL gets its credentials (credentials.cc). One rule, in
// one place, for `ghl api`, `ghl mcp`, `ghl serve` (--mcp, /agents/*, --automations),
// `ghl sync`, `ghl enrich` and `ghl automations run`:
//   1. a fixed token: one already in the options (the embedded sandbox's, --token), else
//      $GHL_TOKEN — a Private Integration Token or an OAuth access token, for one location;
//   2. else the token store (`ghl auth login` fills it): `ghl serve --tokens-db`'s manager when
//      given, else the configured store ($GHL_TOKENS_DB, or ./ghl-tokens.db when it exists,
//      opened with $GHL_TOKEN_KEY / $GHL_TOKEN_KEY_FILE). Each call then gets the token of its
//      own location, minted from the company token when the store has none for it yet.
// With neither, the error names both ways.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/client/options.h"
#include "ghl/core/result.h"
#include "ghl/mcp/server.h"
#include "ghl/tokens/manager.h"

namespace ghl::cli {

/// What `UseGhlCredentials` chose.
struct GhlCredentials {
  /// The token store's manager when calls get their location's token from it; null with a
  /// fixed token.
  std::shared_ptr<tokens::TokenManager> store;
};

/// The kUsage error for "no credentials": names GHL_TOKEN and `ghl auth login` (the token
/// store), and `--sandbox` when `sandbox_hint`.
Error NoCredentialsError(bool sandbox_hint = false);

/// Applies the rule above to `options` like `UseGhlCredentials`, but having neither is not an
/// error (both stay empty): for `ghl api`, whose OAuth token calls need no token.
Result<GhlCredentials> FindGhlCredentials(client::ClientOptions& options,
                                          std::shared_ptr<tokens::TokenManager> store = nullptr);

/// Applies the rule above to `options` (sets `token` from $GHL_TOKEN, or `token_provider` to
/// the store's manager). `store`: a manager this process already runs (`ghl serve
/// --tokens-db`), preferred over opening the configured store again. Errors: no credentials
/// (`NoCredentialsError`), or the store's own (wrong or missing key: nothing changed).
Result<GhlCredentials> UseGhlCredentials(client::ClientOptions& options,
                                         std::shared_ptr<tokens::TokenManager> store = nullptr,
                                         bool sandbox_hint = false);

/// A location the token store holds (a location row; never a token).
struct StoreLocation {
  std::string id;
  std::string name;
  std::string company_id;
  tokens::TokenState state = tokens::TokenState::kOk;
  std::string detail;  ///< Why the state (GHL's message), "" when ok.
};

/// The store's location rows, in the store's order (company rows left out).
Result<std::vector<StoreLocation>> StoreLocations(tokens::TokenManager& store);

/// Why calls for `location` cannot be made now, as an error naming the location, its state and
/// the fix (needs-reinstall: reinstall the app; inactive: GHL says the location is not active,
/// rechecked daily); Ok for every other state (ok, refreshing, missing-scope — the call says
/// which scope —, error — retried with backoff).
Status LocationUsable(const StoreLocation& location);

/// Checks that calls for `location_id` can get a token from the store: a stored location must
/// be usable (`LocationUsable`); one the store does not hold is minted from its company token
/// when the store has one, else (or when minting fails) a kUsage error naming the location and
/// the fix (`ghl auth login` choosing it, or the app's install).
Status CheckStoreLocation(tokens::TokenManager& store, const std::string& location_id);

/// For commands that work in one location (`ghl enrich`, the agent endpoints): `location` when
/// given, else the store's only location; kUsage naming `flag` and the stored locations when it
/// holds several or none.
Result<std::string> OneStoreLocation(tokens::TokenManager& store, const std::string& location,
                                     std::string_view flag);

/// For agency calls (`ghl onboard`: creating a sub-account needs a Company token): the
/// company token the store holds for `*company_id` (refreshed when due), or, when
/// `*company_id` is empty, for its only company, whose id is then written there. kUsage when
/// the store holds no company token (or several and none named), naming the fix.
Result<std::string> StoreCompanyToken(tokens::TokenManager& store, std::string* company_id);

/// For commands over several locations (`ghl sync`): applies `UseGhlCredentials` to `options`
/// and returns the locations to work on. With a fixed token: `given`, else GHL_LOCATION_ID,
/// else none (= every location the token reaches). With the token store: `given`, else every
/// location it holds; a stored one that is not usable (`LocationUsable`: needs a reinstall,
/// inactive) is skipped with a line "<command>: skipping location …: why; hint" on stderr, and
/// one given but not stored must pass `CheckStoreLocation`. Sets `options.default_location_id`
/// to the first. kUsage when no credentials, or the store leaves nothing to work on.
Result<std::vector<std::string>> UseCredentialsForLocations(client::ClientOptions& options,
                                                            const std::vector<std::string>& given,
                                                            std::string_view command);

/// The MCP server over a token store: `list_locations` answers the store's locations (id,
/// name, state; no GHL call and no location needed) and a call's `locationId` is checked with
/// `CheckStoreLocation` before any GHL call.
void UseStoreLocations(mcp::ServerOptions& options, std::shared_ptr<tokens::TokenManager> store);

}  // namespace ghl::cli
