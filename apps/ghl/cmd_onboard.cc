// `ghl onboard`: resumable sub-account onboarding (libghl's onboard module, cookbook 4.x).
//   ghl onboard --input client.json [--id ID]   create location → location token → custom fields
//                                               → user → welcome SMS, journaled step by step
//   ghl onboard resume ID                       finish a request that stopped half-way
//   ghl onboard status ID                       each step and where it stands
// Agency token from --token or GHL_AGENCY_TOKEN (else GHL_TOKEN, else the token store's company
// token); company from --company or GHL_COMPANY_ID (else the store's only company); base URL from
// --base-url or GHL_BASE_URL; journal from --journal or GHL_ONBOARD_DB (default ghl-onboard.db).
// Test hook: GHL_ONBOARD_CRASH_AFTER=<step>[:journaled] ends the process with status 137 right
// after that step's GHL call (or its journal write).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "commands.h"
#include "credentials.h"
#include "ghl/client/field_args.h"
#include "ghl/core/db_location.h"
#include "ghl/core/json_depth.h"
#include "ghl/onboard/onboard.h"
#include "token_wiring.h"

namespace ghl::cli {
namespace {

struct OnboardArgs {
  std::string input, id, token, company, base_url, journal;
  std::string target_id;  // resume / status
};

int Fail(const Error& e) {
  std::fprintf(stderr, "ghl onboard: %s\n", e.Describe().c_str());
  return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
}

std::string Journal(const OnboardArgs& a) {
  return FlagOrEnv(a.journal, "GHL_ONBOARD_DB", "ghl-onboard.db");
}

Result<onboard::Options> MakeOptions(const OnboardArgs& a) {
  onboard::Options o;
  o.journal_path = Journal(a);
  o.agency.token = FlagOrEnv(a.token, "GHL_AGENCY_TOKEN", FlagOrEnv("", "GHL_TOKEN"));
  if (auto url = FlagOrEnv(a.base_url, "GHL_BASE_URL"); !url.empty()) o.agency.base_url = url;
  o.company_id = FlagOrEnv(a.company, "GHL_COMPANY_ID");
  // A configured token store ($GHL_TOKENS_DB, or ./ghl-tokens.db present) gives the company
  // token when none is given (credentials.h), and keeps the minted location token, so
  // `ghl api --location` can use the new sub-account at once.
  auto manager = MaybeTokenManagerForApi(o.agency.base_url);
  if (!manager.ok()) return manager.error();
  if (o.agency.token.empty() && *manager) {
    auto company_token = StoreCompanyToken(**manager, &o.company_id);
    if (!company_token.ok()) return company_token.error();
    o.agency.token = *company_token;
  }
  if (o.agency.token.empty()) {
    return UsageError("no agency token",
                      "pass --token TOKEN or set GHL_AGENCY_TOKEN (a Company token: creating a "
                      "sub-account needs one), or `ghl auth login` as the agency to keep it in "
                      "the token store");
  }
  if (o.company_id.empty()) {
    return UsageError("no company id",
                      "pass --company ID or set GHL_COMPANY_ID (`ghl sandbox` prints it)");
  }
  if (*manager) {
    std::string company = o.company_id;
    o.on_location_token = [m = *manager, company](const nlohmann::json& t) -> Status {
      tokens::NewToken row;
      row.id = t.value("locationId", "");
      row.kind = tokens::TokenKind::kLocation;
      row.company_id = company;
      row.pair.access_token = t.value("access_token", "");
      row.pair.refresh_token = t.value("refresh_token", "");
      row.pair.scopes = t.value("scope", "");
      row.pair.expires_at = std::chrono::time_point_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now()) +
                            std::chrono::seconds(t.value("expires_in", int64_t{0}));
      auto put = m->store().Put(row);
      if (!put.ok()) return put.error();
      return Ok{};
    };
  }
  std::string crash = FlagOrEnv("", "GHL_ONBOARD_CRASH_AFTER");
  if (!crash.empty()) o.crash = onboard::ParseCrashHook(crash);
  return o;
}

int Print(const Result<onboard::RequestStatus>& s) {
  if (!s.ok()) return Fail(s.error());
  std::printf("%s", onboard::FormatStatus(*s).c_str());
  return kExitOk;
}

int RunStart(const OnboardArgs& a) {
  auto text = client::ReadUserFile(a.input);  // names a missing file, a directory, …
  if (!text.ok()) return Fail(text.error());
  if (auto deep = FindJsonTooDeep(*text)) {
    return Fail(UsageError("--input " + a.input + ": " + deep->Describe(),
                           "a client file nests a few levels at most; check its structure"));
  }
  auto input = nlohmann::json::parse(*text, nullptr, false);
  if (input.is_discarded()) {
    return Fail(UsageError("--input " + a.input + ": not valid JSON", "fix the JSON syntax"));
  }
  auto o = MakeOptions(a);
  if (!o.ok()) return Fail(o.error());
  std::string id = a.id.empty() ? onboard::RequestIdOf(input) : a.id;
  std::fprintf(stderr, "ghl onboard: request %s (journal %s)\n", id.c_str(),
               MaskLocation(o->journal_path).c_str());
  return Print(onboard::Onboard(*o, id, input));
}

}  // namespace

void AddOnboardCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<OnboardArgs>();
  auto* cmd = app.add_subcommand(
      "onboard",
      "Onboard a sub-account: location, location token, custom fields, user, welcome SMS; "
      "journaled so `ghl onboard resume ID` finishes after a crash without duplicates");
  cmd->add_option("--input", args->input,
                  "Client JSON file (business, owner, customFields, "
                  "welcomeSms)");
  cmd->add_option("--id", args->id,
                  "Request id (default: onb-<hash of the input>, the same for the same file)");
  auto common = [&args](CLI::App* c) {
    c->add_option("--token", args->token, "Agency (Company) token (env GHL_AGENCY_TOKEN)");
    c->add_option("--company", args->company, "Company id (env GHL_COMPANY_ID)");
    c->add_option("--base-url", args->base_url, "API base URL (env GHL_BASE_URL)");
    c->add_option("--journal", args->journal,
                  "Journal SQLite file (env GHL_ONBOARD_DB; default ghl-onboard.db)");
  };
  common(cmd);
  auto* resume = cmd->add_subcommand("resume", "Finish a journaled request");
  resume->add_option("ID", args->target_id, "Request id")->required();
  common(resume);
  auto* status = cmd->add_subcommand("status", "Show each step of a request (no GHL call)");
  status->add_option("ID", args->target_id, "Request id")->required();
  status->add_option("--journal", args->journal, "Journal SQLite file (env GHL_ONBOARD_DB)");
  resume->callback([args, exit_code] {
    auto o = MakeOptions(*args);
    *exit_code = o.ok() ? Print(onboard::Resume(*o, args->target_id)) : Fail(o.error());
  });
  status->callback([args, exit_code] {
    *exit_code = Print(onboard::ReadStatus(Journal(*args), args->target_id));
  });
  cmd->callback([cmd, args, exit_code] {
    if (cmd->got_subcommand("resume") || cmd->got_subcommand("status")) return;
    if (args->input.empty()) {
      *exit_code = Fail(UsageError("no --input",
                                   "give --input client.json, or use `ghl onboard "
                                   "resume ID` / `ghl onboard status ID`"));
      return;
    }
    *exit_code = RunStart(*args);
  });
}

}  // namespace ghl::cli
