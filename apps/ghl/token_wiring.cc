// Token store + manager from the CLI's flags and environment.
#include "token_wiring.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "ghl/core/text.h"

namespace ghl::cli {

std::string FlagOrEnv(const std::string& flag, const char* env, std::string fallback) {
  if (!flag.empty()) return flag;
  if (const char* v = std::getenv(env); v != nullptr && *v != '\0') return v;
  return fallback;
}

std::string ResolveTokensDb(const std::string& flag) {
  return FlagOrEnv(flag, "GHL_TOKENS_DB", std::string(kDefaultTokensDb));
}

void AddTokenOptions(CLI::App* cmd, TokenArgs& args, bool alerts) {
  cmd->add_option("--tokens-db", args.db,
                  "Token store: SQLite file or postgresql:// URL (env GHL_TOKENS_DB; default "
                  "./ghl-tokens.db)");
  cmd->add_option("--key-file", args.key_file,
                  "File holding the store's key, mode 0600 (env GHL_TOKEN_KEY_FILE; "
                  "GHL_TOKEN_KEY wins)");
  cmd->add_option("--client-id", args.client_id, "OAuth app client id (env GHL_CLIENT_ID)");
  cmd->add_option("--client-secret", args.client_secret,
                  "OAuth app client secret (env GHL_CLIENT_SECRET; prefer the variable)");
  cmd->add_option("--base-url", args.base_url,
                  "API base URL (env GHL_BASE_URL; default https://services.leadconnectorhq.com)");
  if (alerts) {
    cmd->add_option("--alert-command", args.alert_command,
                    "Shell command run once per change of a location's token state (env "
                    "GHL_TOKEN_ALERT_COMMAND; gets GHL_TOKEN_ID, GHL_TOKEN_STATE, "
                    "GHL_TOKEN_PREVIOUS_STATE, GHL_TOKEN_DETAIL)");
    cmd->add_option("--alert-url", args.alert_url,
                    "Webhook URL POSTed a JSON alert once per change of state (env "
                    "GHL_TOKEN_ALERT_URL)");
  }
}

Result<std::shared_ptr<tokens::TokenManager>> OpenTokenManager(const TokenArgs& args) {
  const char* env_key = std::getenv("GHL_TOKEN_KEY");
  auto key =
      tokens::LoadTokenKey(env_key ? env_key : "", FlagOrEnv(args.key_file, "GHL_TOKEN_KEY_FILE"));
  if (!key.ok()) return key.error();
  auto store = tokens::OpenTokenStore(ResolveTokensDb(args.db), key.value());
  if (!store.ok()) return store.error();
  tokens::ManagerOptions options;
  options.app.client_id = FlagOrEnv(args.client_id, "GHL_CLIENT_ID");
  options.app.client_secret = FlagOrEnv(args.client_secret, "GHL_CLIENT_SECRET");
  options.http.base_url =
      FlagOrEnv(args.base_url, "GHL_BASE_URL", "https://services.leadconnectorhq.com");
  options.http.warning_sink = [](std::string_view line) {
    std::fprintf(stderr, "ghl: warning: %s\n", TerminalSafe(line).c_str());
  };
  auto warn = [](std::string_view line) {
    std::fprintf(stderr, "ghl: %s\n", TerminalSafe(line).c_str());
  };
  options.on_state_change =
      tokens::MakeAlertSink(FlagOrEnv(args.alert_command, "GHL_TOKEN_ALERT_COMMAND"),
                            FlagOrEnv(args.alert_url, "GHL_TOKEN_ALERT_URL"), warn);
  return std::make_shared<tokens::TokenManager>(
      std::shared_ptr<tokens::TokenStore>(std::move(store.value())), std::move(options));
}

Result<std::shared_ptr<tokens::TokenManager>> MaybeTokenManagerForApi(const std::string& base_url) {
  std::string db = ResolveTokensDb("");
  bool configured = std::getenv("GHL_TOKENS_DB") != nullptr ||
                    std::filesystem::exists(std::string(kDefaultTokensDb));
  if (!configured) return std::shared_ptr<tokens::TokenManager>();
  TokenArgs args;
  args.db = db;
  args.base_url = base_url;
  return OpenTokenManager(args);
}

}  // namespace ghl::cli
