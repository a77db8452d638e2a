// `ghl serve --tokens-db … [--tokens]`: the INSTALL/UNINSTALL listener, the background
// refresher and GET /api/tokens (serve_tokens.h).
#include "serve_tokens.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/core/text.h"
#include "ghl/server/http_server.h"
#include "server_text.h"

namespace ghl::cli {
namespace {

constexpr auto kInstallPoll = std::chrono::seconds(1);

void Log(std::string_view line) {
  std::fprintf(stderr, "ghl serve: tokens: %s\n", TerminalSafe(line).c_str());
}

bool Configured(const ServeTokensArgs& args) {
  if (!args.store.db.empty() || args.refresher) return true;
  const char* key = std::getenv("GHL_TOKEN_KEY");
  if (key == nullptr || *key == '\0') return false;
  return std::getenv("GHL_TOKENS_DB") != nullptr ||
         std::filesystem::exists(std::string(kDefaultTokensDb));
}

}  // namespace

void AddServeTokenOptions(CLI::App* cmd, ServeTokensArgs& args) {
  cmd->add_option("--tokens-db", args.store.db,
                  "OAuth token store (SQLite file or postgresql:// URL; key from GHL_TOKEN_KEY "
                  "or --key-file): apply received INSTALL/UNINSTALL webhooks to it and show its "
                  "states at /api/tokens (default: $GHL_TOKENS_DB or ./ghl-tokens.db when "
                  "GHL_TOKEN_KEY is set)");
  cmd->add_option("--key-file", args.store.key_file,
                  "File holding the token store's key, mode 0600 (env GHL_TOKEN_KEY_FILE)");
  cmd->add_option("--client-id", args.store.client_id,
                  "OAuth app client id (env GHL_CLIENT_ID; --sandbox: the sandbox's app)");
  cmd->add_option("--client-secret", args.store.client_secret,
                  "OAuth app client secret (env GHL_CLIENT_SECRET; prefer the variable)");
  cmd->add_flag("--tokens", args.refresher,
                "Also run the background token refresher of `ghl tokens serve` in this process");
  cmd->add_option("--tokens-interval", args.interval_s,
                  "--tokens: seconds between refresh sweeps (default 60)")
      ->check(DecimalNumber("--tokens-interval", 0.05, 86400.0));
  cmd->add_option("--tokens-reconcile-every", args.reconcile_s,
                  "--tokens: seconds between reconciles against GET /oauth/installedLocations "
                  "(default 3600; 0 = never)")
      ->check(DecimalNumber("--tokens-reconcile-every", 0.0, 604800.0));
}

ServeTokens::ServeTokens(std::shared_ptr<tokens::TokenManager> manager, store::EventStore& events,
                         const ServeTokensArgs& args, std::string description)
    : store_description(std::move(description)),
      manager_(std::move(manager)),
      listener_(manager_, events, Log),
      args_(args) {
  thread_ = std::thread([this] { Run(); });
}

ServeTokens::~ServeTokens() { Stop(); }

void ServeTokens::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ServeTokens::Run() {
  using Clock = std::chrono::steady_clock;
  auto next_sweep = Clock::now();
  auto next_reconcile = Clock::now();
  std::unique_lock lock(mu_);
  while (!stop_) {
    lock.unlock();
    if (auto polled = listener_.Poll(); !polled.ok()) {
      Log("reading INSTALL/UNINSTALL events: " + polled.error().Summary());
    }
    if (args_.refresher && Clock::now() >= next_sweep) {
      bool reconcile = args_.reconcile_s > 0 && Clock::now() >= next_reconcile;
      if (reconcile) {
        next_reconcile = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                            std::chrono::duration<double>(args_.reconcile_s));
      }
      RefreshPass(*manager_, reconcile, 8, Log);
      next_sweep = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(args_.interval_s));
    }
    lock.lock();
    wake_.wait_for(lock, kInstallPoll, [this] { return stop_; });
  }
}

http::Response ServeTokens::HandleApi() const {
  auto rows = manager_->store().List();
  if (!rows.ok()) {
    nlohmann::json err = {{"statusCode", 500}, {"message", rows.error().Summary()}};
    return server::JsonResponse(500, err.dump());
  }
  nlohmann::json out = {{"store", store_description}, {"tokens", TokenRowsJson(*rows)}};
  auto response = server::JsonResponse(200, out.dump());
  response.headers.Set("Cache-Control", "no-store");
  return response;
}

bool IsTokensApi(const http::Request& request) {
  return request.method == "GET" && request.Path() == kTokensApiPath;
}

http::Response TokensNotConfigured() {
  return server::JsonResponse(
      404, R"({"statusCode":404,"message":"no token store: start ghl serve with --tokens-db FILE )"
           R"((and GHL_TOKEN_KEY) to track OAuth installs here"})");
}

std::unique_ptr<ServeTokens> StartServeTokens(const ServeTokensArgs& args,
                                              const std::string& base_url,
                                              sandbox::RunningSandbox* embedded,
                                              store::EventStore& events, int* exit_code) {
  if (!Configured(args)) return nullptr;
  TokenArgs store = args.store;
  store.base_url = base_url;
  if (embedded && FlagOrEnv(store.client_id, "GHL_CLIENT_ID").empty()) {
    store.client_id = embedded->sandbox().oauth_client_id();
    store.client_secret = embedded->sandbox().oauth_client_secret();
  }
  auto manager = OpenTokenManager(store);
  if (!manager.ok()) {
    PrintError("ghl serve: token store", manager.error());
    *exit_code = manager.error().kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
    return nullptr;
  }
  std::string description = ResolveTokensDb(args.store.db);
  if (description.find("://") != std::string::npos) description = "PostgreSQL";
  return std::make_unique<ServeTokens>(std::move(manager.value()), events, args,
                                       std::move(description));
}

}  // namespace ghl::cli
