// Token store + manager from the CLI's flags and environment.
#include "token_wiring.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "ghl/core/db_location.h"
#include "ghl/core/text.h"
#include "ghl/core/time_format.h"

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
  const std::string db = ResolveTokensDb(args.db);
  if (auto st = CheckDbLocation(
          db, args.db.empty() && std::getenv("GHL_TOKENS_DB") ? "GHL_TOKENS_DB" : "--tokens-db");
      !st.ok()) {
    return st.error();
  }
  auto store = tokens::OpenTokenStore(db, key.value());
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

std::string TokenTime(tokens::UtcTime t) {
  if (t.time_since_epoch().count() == 0) return "-";
  return FormatUtcIso(std::chrono::system_clock::time_point(t));
}

tokens::TokenState ShownState(const tokens::TokenRecord& r) {
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (!r.lease_holder.empty() && r.lease_until > now) return tokens::TokenState::kRefreshing;
  return r.state;
}

std::string ShownStateText(const tokens::TokenRecord& r) {
  auto now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
  tokens::TokenState s = ShownState(r);
  bool expired = r.pair.expires_at.time_since_epoch().count() != 0 && r.pair.expires_at <= now;
  return s == tokens::TokenState::kOk && expired ? "expired" : std::string(tokens::ToString(s));
}

nlohmann::json TokenRowsJson(const std::vector<tokens::TokenRecord>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& r : rows) {
    out.push_back({{"id", r.id},
                   {"kind", r.kind == tokens::TokenKind::kCompany ? "company" : "location"},
                   {"companyId", r.company_id},
                   {"name", r.name},
                   {"state", ShownStateText(r)},
                   {"detail", r.state_detail},
                   {"expiresAt", TokenTime(r.pair.expires_at)},
                   {"lastRefresh", TokenTime(r.last_refresh)},
                   {"nextAttempt", TokenTime(r.next_attempt)},
                   {"generation", r.generation}});
  }
  return out;
}

void RefreshPass(tokens::TokenManager& manager, bool reconcile, int parallelism,
                 const std::function<void(std::string_view)>& log) {
  if (reconcile) {
    auto rows = manager.store().List();
    if (!rows.ok()) log("reconcile: " + rows.error().Summary());
    for (const auto& r : rows.ok() ? *rows : std::vector<tokens::TokenRecord>{}) {
      if (r.kind != tokens::TokenKind::kCompany) continue;
      auto counts = manager.Reconcile(r.company_id);
      if (!counts.ok()) {
        log("reconcile " + r.company_id + ": " + counts.error().Summary());
      } else if (counts->first + counts->second > 0) {
        log("company " + r.company_id + ": " + std::to_string(counts->first) + " installed, " +
            std::to_string(counts->second) + " removed");
      }
    }
  }
  auto report = manager.Sweep(parallelism);
  if (!report.ok()) {
    log(report.error().Summary());
  } else if (report->refreshed + report->failed > 0) {
    log(std::to_string(report->checked) + " checked, " + std::to_string(report->refreshed) +
        " refreshed, " + std::to_string(report->failed) + " failed");
  }
}

}  // namespace ghl::cli
