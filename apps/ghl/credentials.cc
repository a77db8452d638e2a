// GHL credentials of every command: a fixed token, else the token store (see credentials.h).
#include "credentials.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "ghl/core/text.h"
#include "token_wiring.h"

namespace ghl::cli {
namespace {

constexpr std::string_view kInstallHint =
    "install the app on it: `ghl auth login` (choose the location, or the agency for all of "
    "them) or an AppInstall webhook to `ghl serve --tokens-db`; `ghl tokens list` shows the "
    "stored locations";

std::string Named(const StoreLocation& l) {
  return "location " + l.id + (l.name.empty() ? std::string() : " (" + l.name + ")");
}

std::string Ids(const std::vector<StoreLocation>& locations) {
  std::string out;
  for (const auto& l : locations) out += (out.empty() ? "" : ", ") + l.id;
  return out.empty() ? "none" : out;
}

}  // namespace

Error NoCredentialsError(bool sandbox_hint) {
  return UsageError(
      "no token to call GHL with: GHL_TOKEN is not set and there is no token store",
      "set GHL_TOKEN (a Private Integration Token or an OAuth access token: one location), or "
      "install the app with `ghl auth login` to fill the token store ($GHL_TOKENS_DB or "
      "./ghl-tokens.db, key in GHL_TOKEN_KEY): each location's own token" +
          std::string(sandbox_hint ? "; or use --sandbox for the offline sandbox" : ""));
}

Result<GhlCredentials> FindGhlCredentials(client::ClientOptions& options,
                                          std::shared_ptr<tokens::TokenManager> store) {
  if (options.token.empty()) {
    if (const char* v = std::getenv("GHL_TOKEN"); v != nullptr) options.token = v;
  }
  if (!options.token.empty()) {
    options.token_provider = nullptr;
    return GhlCredentials{};
  }
  if (!store) {
    auto opened = MaybeTokenManagerForApi(options.base_url);
    if (!opened.ok()) return opened.error();
    store = std::move(opened.value());
  }
  if (store) options.token_provider = store;
  return GhlCredentials{std::move(store)};
}

Result<GhlCredentials> UseGhlCredentials(client::ClientOptions& options,
                                         std::shared_ptr<tokens::TokenManager> store,
                                         bool sandbox_hint) {
  auto found = FindGhlCredentials(options, std::move(store));
  if (!found.ok()) return found.error();
  if (options.token.empty() && !found->store) return NoCredentialsError(sandbox_hint);
  return found;
}

Result<std::vector<StoreLocation>> StoreLocations(tokens::TokenManager& store) {
  auto rows = store.store().List();
  if (!rows.ok()) return rows.error();
  std::vector<StoreLocation> out;
  for (const auto& r : *rows) {
    if (r.kind != tokens::TokenKind::kLocation) continue;
    out.push_back({r.id, r.name, r.company_id, r.state, r.state_detail});
  }
  return out;
}

Status LocationUsable(const StoreLocation& l) {
  std::string detail = l.detail.empty() ? std::string() : " (" + l.detail + ")";
  switch (l.state) {
    case tokens::TokenState::kNeedsReinstall:
      return UsageError(Named(l) +
                            ": needs the app reinstalled (its token can no longer be "
                            "refreshed or minted)" +
                            detail,
                        "reinstall the app on it (`ghl auth login` choosing it), then `ghl "
                        "tokens refresh " +
                            l.id + "`");
    case tokens::TokenState::kInactive:
      return UsageError(Named(l) + ": inactive (GHL answers \"Location is not active\")" + detail,
                        "reactivate the sub-account in GHL; the token store rechecks it daily "
                        "(`ghl tokens refresh " +
                            l.id + "` now)");
    default:
      return Ok{};
  }
}

Status CheckStoreLocation(tokens::TokenManager& store, const std::string& location_id) {
  auto locations = StoreLocations(store);
  if (!locations.ok()) return locations.error();
  for (const auto& l : *locations) {
    if (l.id == location_id) return LocationUsable(l);
  }
  // Not stored: the manager mints it from the company token when the store has one.
  auto rows = store.store().List();
  bool has_company = false;
  for (const auto& r : rows.ok() ? *rows : std::vector<tokens::TokenRecord>{}) {
    has_company = has_company || r.kind == tokens::TokenKind::kCompany;
  }
  if (has_company) {
    auto minted = store.AccessToken(location_id);
    if (minted.ok()) return Ok{};
    return UsageError("location " + location_id +
                          " is not in the token store and its company token could not mint "
                          "one: " +
                          minted.error().Summary(),
                      std::string(kInstallHint));
  }
  return UsageError(
      "location " + location_id + " is not in the token store (it holds " + Ids(*locations) + ")",
      std::string(kInstallHint));
}

Result<std::string> OneStoreLocation(tokens::TokenManager& store, const std::string& location,
                                     std::string_view flag) {
  if (!location.empty()) return location;
  auto locations = StoreLocations(store);
  if (!locations.ok()) return locations.error();
  if (locations->size() == 1) return locations->front().id;
  return UsageError("no location given and the token store holds " +
                        std::to_string(locations->size()) + " (" + Ids(*locations) + ")",
                    "say which: " + std::string(flag) + " ID (or GHL_LOCATION_ID)");
}

Result<std::string> StoreCompanyToken(tokens::TokenManager& store, std::string* company_id) {
  auto rows = store.store().List();
  if (!rows.ok()) return rows.error();
  std::vector<std::string> companies;
  for (const auto& r : *rows) {
    if (r.kind == tokens::TokenKind::kCompany) companies.push_back(r.company_id);
  }
  if (company_id->empty() && companies.size() == 1) *company_id = companies.front();
  if (company_id->empty() ||
      std::find(companies.begin(), companies.end(), *company_id) == companies.end()) {
    std::string held;
    for (const auto& c : companies) held += (held.empty() ? "" : ", ") + c;
    return UsageError(
        (company_id->empty() ? std::string("no company named")
                             : "no company token for " + *company_id) +
            " in the token store (it holds " + (held.empty() ? "none" : held) + ")",
        "`ghl auth login` as the agency (choose the company), or name it with --company ID");
  }
  return store.AccessToken(tokens::CompanyRowId(*company_id));
}

Result<std::vector<std::string>> UseCredentialsForLocations(client::ClientOptions& options,
                                                            const std::vector<std::string>& given,
                                                            std::string_view command) {
  auto credentials = UseGhlCredentials(options);
  if (!credentials.ok()) return credentials.error();
  if (!credentials->store) {
    std::vector<std::string> out = given;
    const char* env = std::getenv("GHL_LOCATION_ID");
    if (out.empty() && env != nullptr && *env != '\0') out.push_back(env);
    if (!out.empty()) options.default_location_id = out.front();
    return out;
  }
  auto held = StoreLocations(*credentials->store);
  if (!held.ok()) return held.error();
  std::vector<std::string> out;
  for (const auto& l : *held) {
    bool wanted = given.empty() || std::find(given.begin(), given.end(), l.id) != given.end();
    if (!wanted) continue;
    if (auto st = LocationUsable(l); !st.ok()) {
      std::string line = "skipping " + st.error().messages.front() + "; " + st.error().hint;
      std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(command.size()), command.data(),
                   TerminalSafe(line).c_str());
      continue;
    }
    out.push_back(l.id);
  }
  for (const auto& id : given) {  // given but not stored: minted from the company token
    if (std::find_if(held->begin(), held->end(), [&](const auto& l) { return l.id == id; }) ==
        held->end()) {
      if (auto st = CheckStoreLocation(*credentials->store, id); !st.ok()) return st.error();
      out.push_back(id);
    }
  }
  if (out.empty()) {
    return UsageError("no location to work on: the token store holds none that can be called",
                      "install the app on a location (`ghl auth login`); `ghl tokens list` "
                      "shows each location's state");
  }
  options.default_location_id = out.front();
  return out;
}

void UseStoreLocations(mcp::ServerOptions& options, std::shared_ptr<tokens::TokenManager> store) {
  if (!store) return;
  options.list_locations = [store]() -> Result<nlohmann::json> {
    auto locations = StoreLocations(*store);
    if (!locations.ok()) return locations.error();
    nlohmann::json out = nlohmann::json::array();
    for (const auto& l : *locations) {
      out.push_back({{"id", l.id}, {"name", l.name}, {"state", tokens::ToString(l.state)}});
    }
    return out;
  };
  options.check_location = [store](const std::string& location_id) {
    return CheckStoreLocation(*store, location_id);
  };
}

}  // namespace ghl::cli
