// Opening the token store and its manager from the CLI's flags and environment, shared by
// `ghl auth`, `ghl tokens` and `ghl api --location` (token_wiring.cc).
//   store: --tokens-db, else $GHL_TOKENS_DB, else ./ghl-tokens.db (SQLite) or a postgres:// URL
//   key:   $GHL_TOKEN_KEY (64 hex / base64 of 32 bytes), else --key-file / $GHL_TOKEN_KEY_FILE
//   app:   --client-id / $GHL_CLIENT_ID, --client-secret / $GHL_CLIENT_SECRET
//   GHL:   --base-url / $GHL_BASE_URL
//   alert: --alert-command / $GHL_TOKEN_ALERT_COMMAND, --alert-url / $GHL_TOKEN_ALERT_URL
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/tokens/manager.h"

namespace ghl::cli {

/// Default token store of `ghl auth` / `ghl tokens` / `ghl api`.
inline constexpr std::string_view kDefaultTokensDb = "ghl-tokens.db";

struct TokenArgs {
  std::string db;
  std::string key_file;
  std::string client_id;
  std::string client_secret;
  std::string base_url;
  std::string alert_command;
  std::string alert_url;
};

/// Adds --tokens-db, --key-file, --client-id, --client-secret, --base-url (and, with
/// `alerts`, --alert-command, --alert-url) to `cmd`.
void AddTokenOptions(CLI::App* cmd, TokenArgs& args, bool alerts = false);

/// The flag, else the environment variable, else `fallback`.
std::string FlagOrEnv(const std::string& flag, const char* env, std::string fallback = {});

/// The store location the flags and environment name.
std::string ResolveTokensDb(const std::string& flag);

/// Opens the store and a manager over it (the key must open the store; nothing is changed
/// otherwise).
Result<std::shared_ptr<tokens::TokenManager>> OpenTokenManager(const TokenArgs& args);

/// For `ghl api`: a manager when a token store is configured ($GHL_TOKENS_DB set, or
/// ./ghl-tokens.db exists), else null. `base_url` is the call's base URL.
Result<std::shared_ptr<tokens::TokenManager>> MaybeTokenManagerForApi(const std::string& base_url);

/// An instant as ISO-8601 UTC, "-" for "never" (epoch 0).
std::string TokenTime(tokens::UtcTime t);

/// The state shown for a row: "refreshing" while a live lease is held, else the stored state.
tokens::TokenState ShownState(const tokens::TokenRecord& r);

/// The state word shown for a row: ShownState's, except "expired" for an ok row whose access
/// token has expired (it is refreshed on its next use or by `ghl tokens refresh`).
std::string ShownStateText(const tokens::TokenRecord& r);

/// `ghl tokens list --json` and `GET /api/tokens`: one object per row (id, kind, companyId,
/// name, state, detail, expiresAt, lastRefresh, nextAttempt, generation). States only: never a
/// token (`TokenStore::List` returns rows without secrets).
nlohmann::json TokenRowsJson(const std::vector<tokens::TokenRecord>& rows);

/// One pass of the background refresher (`ghl tokens serve`, `ghl serve --tokens`): reconciles
/// every stored company against GHL's installed locations when `reconcile`, then refreshes the
/// due rows `parallelism` at a time. What it did and errors go to `log` (never a token).
void RefreshPass(tokens::TokenManager& manager, bool reconcile, int parallelism,
                 const std::function<void(std::string_view)>& log);

}  // namespace ghl::cli
