// `ghl tokens list|refresh|serve|rotate-key|delete`: the OAuth token store of an app installed
// on many locations. Thin over ghl::tokens (TokenStore, TokenManager); never prints a token.
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/core/db_location.h"
#include "ghl/core/text.h"
#include "ghl/core/time_format.h"
#include "server_text.h"
#include "token_wiring.h"

namespace ghl::cli {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;

struct TokensArgs {
  TokenArgs store;
  bool json = false;
  std::string location;
  bool all = false;
  double interval_s = 60;
  double reconcile_s = 3600;
  int parallelism = 8;
  bool once = false;
  std::string new_key_file;
};

int Fail(const Error& e) {
  PrintError("ghl", e);
  return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
}

int RunList(const TokensArgs& args) {
  auto manager = OpenTokenManager(args.store);
  if (!manager.ok()) return Fail(manager.error());
  auto rows = (*manager)->store().List();
  if (!rows.ok()) return Fail(rows.error());
  if (args.json) {
    json out = TokenRowsJson(*rows);
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  std::printf("%-28s %-20s %-16s %-21s %-21s %5s  %s\n", "LOCATION", "NAME", "STATE", "EXPIRES",
              "LAST REFRESH", "GEN", "DETAIL");
  for (const auto& r : *rows) {
    std::printf("%-28s %-20s %-16s %-21s %-21s %5lld  %s\n", TerminalSafe(r.id).c_str(),
                r.name.empty() ? "(unknown)" : TerminalSafe(r.name.substr(0, 20)).c_str(),
                ShownStateText(r).c_str(), TokenTime(r.pair.expires_at).c_str(),
                TokenTime(r.last_refresh).c_str(), static_cast<long long>(r.generation),
                TerminalSafe(r.state_detail).c_str());
  }
  if (rows->empty()) {
    std::fprintf(stderr, "ghl: no tokens stored in %s (`ghl auth login` stores some)\n",
                 MaskLocation(ResolveTokensDb(args.store.db)).c_str());
  }
  return kExitOk;
}

int RunRefresh(const TokensArgs& args) {
  if (args.all == !args.location.empty()) {
    return Fail(UsageError("give a LOCATION or --all", "e.g. `ghl tokens refresh --all`."));
  }
  auto manager = OpenTokenManager(args.store);
  if (!manager.ok()) return Fail(manager.error());
  std::vector<std::string> ids;
  if (args.all) {
    auto rows = (*manager)->store().List();
    if (!rows.ok()) return Fail(rows.error());
    // Companies first: minting a location needs its company's token.
    for (const auto& r : *rows) {
      if (r.kind == tokens::TokenKind::kCompany) ids.push_back(r.id);
    }
    for (const auto& r : *rows) {
      if (r.kind == tokens::TokenKind::kLocation) ids.push_back(r.id);
    }
  } else {
    ids.push_back(args.location);
  }
  int rc = kExitOk;
  for (const auto& id : ids) {
    auto r = (*manager)->Refresh(id);
    if (!r.ok()) {
      PrintError("ghl", r.error());
      rc = r.error().kind == ErrorKind::kUsage && !args.all ? kExitUsage : kExitApiError;
      continue;
    }
    std::printf("%s: %s, generation %lld, expires %s\n", TerminalSafe(id).c_str(),
                std::string(tokens::ToString(r->state)).c_str(),
                static_cast<long long>(r->generation), TokenTime(r->pair.expires_at).c_str());
  }
  return rc;
}

std::atomic<bool> g_stop{false};

int RunServe(const TokensArgs& args) {
  auto manager = OpenTokenManager(args.store);
  if (!manager.ok()) return Fail(manager.error());
  std::signal(SIGINT, [](int) { g_stop = true; });
  std::signal(SIGTERM, [](int) { g_stop = true; });
  auto last_reconcile = std::chrono::steady_clock::time_point{};
  std::fprintf(stderr,
               "ghl tokens serve: refreshing due tokens every %.0f s, reconciling every "
               "%.0f s (%s)\n",
               args.interval_s, args.reconcile_s,
               MaskLocation(ResolveTokensDb(args.store.db)).c_str());
  while (!g_stop) {
    auto now = std::chrono::steady_clock::now();
    bool reconcile = args.reconcile_s > 0 &&
                     now - last_reconcile >= std::chrono::duration<double>(args.reconcile_s);
    if (reconcile) last_reconcile = now;
    RefreshPass(**manager, reconcile, args.parallelism, [](std::string_view line) {
      std::fprintf(stderr, "ghl tokens serve: %s\n", TerminalSafe(line).c_str());
    });
    if (args.once) break;
    auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(args.interval_s);
    while (!g_stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(milliseconds(100));
    }
  }
  return kExitOk;
}

int RunRotateKey(const TokensArgs& args) {
  auto manager = OpenTokenManager(args.store);  // opens with the current key: must fit
  if (!manager.ok()) return Fail(manager.error());
  const char* env_new = std::getenv("GHL_TOKEN_NEW_KEY");
  Result<tokens::TokenKey> next =
      env_new != nullptr && *env_new != '\0'
          ? tokens::ParseTokenKey(env_new, "GHL_TOKEN_NEW_KEY")
          : (args.new_key_file.empty()
                 ? Result<tokens::TokenKey>(UsageError(
                       "no new key: set GHL_TOKEN_NEW_KEY or pass --new-key-file FILE",
                       "Make one with `openssl rand -hex 32`; keep the old key until this "
                       "succeeded."))
                 : tokens::ReadTokenKeyFile(args.new_key_file));
  if (!next.ok()) return Fail(next.error());
  if (auto st = (*manager)->store().RotateKey(next.value()); !st.ok()) return Fail(st.error());
  std::printf(
      "re-encrypted every token with key %s; use it from now on (GHL_TOKEN_KEY or "
      "--key-file)\n",
      next->id().c_str());
  return kExitOk;
}

int RunDelete(const TokensArgs& args) {
  auto manager = OpenTokenManager(args.store);
  if (!manager.ok()) return Fail(manager.error());
  auto gone = (*manager)->Uninstall(args.location);
  if (!gone.ok()) return Fail(gone.error());
  if (!*gone) return Fail(UsageError("no tokens stored for " + args.location));
  std::printf("deleted the tokens of %s\n", TerminalSafe(args.location).c_str());
  return kExitOk;
}

}  // namespace

void AddTokensCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<TokensArgs>();
  auto* cmd = app.add_subcommand(
      "tokens",
      "The OAuth token store (encrypted, SQLite or PostgreSQL): list, refresh, serve the "
      "background refresher, rotate the key. Never prints a token.");
  cmd->require_subcommand(1);

  auto* list =
      cmd->add_subcommand("list", "Location, name, state, expiry, last refresh, generation");
  AddTokenOptions(list, args->store);
  list->add_flag("--json", args->json, "JSON array instead of a table");
  list->callback([args, exit_code] { *exit_code = RunList(*args); });

  auto* refresh = cmd->add_subcommand("refresh", "Refresh one location's tokens (or --all) now");
  AddTokenOptions(refresh, args->store, true);
  refresh->add_option("location", args->location, "Location id (or company:ID)");
  refresh->add_flag("--all", args->all, "Every stored row, companies first");
  refresh->callback([args, exit_code] { *exit_code = RunRefresh(*args); });

  auto* serve = cmd->add_subcommand(
      "serve",
      "Background refresher: refreshes due tokens (expiring, idle a day, backing off, "
      "inactive past the daily recheck) and reconciles installs, until Ctrl+C");
  AddTokenOptions(serve, args->store, true);
  serve->add_option("--interval", args->interval_s, "Seconds between sweeps (default 60)")
      ->check(DecimalNumber("--interval", 0.05, 86400.0));
  serve
      ->add_option("--reconcile-every", args->reconcile_s,
                   "Seconds between reconciles against GET /oauth/installedLocations "
                   "(default 3600; 0 = never)")
      ->check(DecimalNumber("--reconcile-every", 0.0, 604800.0));
  serve->add_option("--parallel", args->parallelism, "Refreshes at a time (default 8)")
      ->check(WholeNumber("--parallel", 1, 256));
  serve->add_flag("--once", args->once, "One sweep (and reconcile), then exit");
  serve->callback([args, exit_code] { *exit_code = RunServe(*args); });

  auto* rotate = cmd->add_subcommand(
      "rotate-key",
      "Re-encrypt every token with a new key in one transaction (old key from "
      "GHL_TOKEN_KEY / --key-file, new from GHL_TOKEN_NEW_KEY / --new-key-file)");
  AddTokenOptions(rotate, args->store);
  rotate->add_option("--new-key-file", args->new_key_file, "File holding the new key (0600)");
  rotate->callback([args, exit_code] { *exit_code = RunRotateKey(*args); });

  auto* del = cmd->add_subcommand("delete", "Delete one location's tokens");
  AddTokenOptions(del, args->store);
  del->add_option("location", args->location, "Location id")->required();
  del->callback([args, exit_code] { *exit_code = RunDelete(*args); });
}

}  // namespace ghl::cli
