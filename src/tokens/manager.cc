// TokenManager: fresh tokens per location; one refresh per location across processes (lease
// in one statement, GHL called with no transaction open, CAS write in another statement).
#include "ghl/tokens/manager.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <random>
#include <thread>

namespace ghl::tokens {
namespace {

using std::chrono::milliseconds;

// Pairs this thread committed (Sweep counts its own refreshes, not a sibling's).
thread_local int64_t t_commits = 0;

std::string DefaultHolder() {
  char host[256] = {0};
  ::gethostname(host, sizeof host - 1);
  std::random_device rd;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", rd());
  return std::string(host) + ":" + std::to_string(::getpid()) + ":" + suffix;
}

std::string FirstMessage(const Error& e) {
  std::string m = e.messages.empty() ? e.Summary() : e.messages.front();
  if (e.http_status != 0) m = "HTTP " + std::to_string(e.http_status) + ": " + m;
  return m.substr(0, 300);
}

Error Fail(ErrorKind kind, std::string message, std::string hint) {
  Error e;
  e.kind = kind;
  e.messages.push_back(std::move(message));
  e.hint = std::move(hint);
  return e;
}

}  // namespace

TokenManager::TokenManager(std::shared_ptr<TokenStore> store, ManagerOptions options)
    : store_(std::move(store)), options_(std::move(options)), oauth_(options_.app, options_.http) {
  if (options_.holder.empty()) options_.holder = DefaultHolder();
  if (!options_.sleeper) {
    options_.sleeper = [](milliseconds d) { std::this_thread::sleep_for(d); };
  }
}

UtcTime TokenManager::Now() const {
  if (options_.clock) return options_.clock();
  return std::chrono::floor<milliseconds>(std::chrono::system_clock::now());
}

void TokenManager::Alert(const std::optional<StateChange>& change) {
  if (change && options_.on_state_change) options_.on_state_change(*change);
}

void TokenManager::Remember(const TokenRecord& rec) {
  std::lock_guard lock(cache_mu_);
  cache_[rec.id] = {rec.pair.access_token, rec.pair.expires_at, rec.generation};
}

bool TokenManager::Due(const TokenRecord& rec, UtcTime now) const {
  switch (rec.state) {
    case TokenState::kNeedsReinstall:
      return false;  // a person must act
    case TokenState::kInactive:
    case TokenState::kError:
      return now >= rec.next_attempt;
    default:
      break;
  }
  return rec.pair.expires_at - options_.refresh_margin <= now ||
         now - rec.last_refresh >= options_.idle_refresh_after;
}

std::string TokenManager::RowIdFor(std::string_view location_id) {
  if (!location_id.empty()) return std::string(location_id);
  auto rows = store_->List();
  if (!rows.ok()) return {};
  std::string only;
  for (const auto& r : *rows) {
    if (r.kind != TokenKind::kCompany) continue;
    if (!only.empty()) return {};  // several companies: the caller must name a location
    only = r.id;
  }
  return only;
}

Result<std::string> TokenManager::AccessToken(std::string_view location_id) {
  std::string id = RowIdFor(location_id);
  if (id.empty()) {
    return UsageError("no location given and no single company token stored",
                      "Pass the location (--location ID / GHL_LOCATION_ID), or `ghl auth login` "
                      "as a company.");
  }
  UtcTime now = Now();
  {
    std::lock_guard lock(cache_mu_);
    auto it = cache_.find(id);
    if (it != cache_.end() && it->second.expires_at - options_.refresh_margin > now) {
      return it->second.access_token;
    }
  }
  auto rec = store_->Get(id);
  if (!rec.ok()) return rec.error();
  if (!rec->has_value()) {
    // A location of a stored company without a row yet: mint it (an install we missed).
    auto rows = store_->List();
    std::string company;
    if (rows.ok()) {
      for (const auto& r : *rows) {
        if (r.kind == TokenKind::kCompany) company = company.empty() ? r.company_id : "*";
      }
    }
    if (company.empty() || company == "*") {
      return UsageError("no token stored for location " + id,
                        "Install the app on it (`ghl auth login`), or `ghl tokens list` to see "
                        "the stored locations.");
    }
    if (auto st = Install(id, company); !st.ok()) return st.error();
    rec = store_->Get(id);
    if (!rec.ok()) return rec.error();
    if (!rec->has_value()) return UsageError("no token stored for location " + id);
  }
  const TokenRecord& r = **rec;
  if (r.pair.expires_at - options_.refresh_margin > now &&
      (r.state == TokenState::kOk || r.state == TokenState::kMissingScope)) {
    Remember(r);
    return r.pair.access_token;
  }
  auto renewed = Renew(id, r.generation, false, "");
  if (!renewed.ok()) return renewed.error();
  return renewed->pair.access_token;
}

Result<std::string> TokenManager::RenewAfterRejection(std::string_view location_id,
                                                      std::string_view rejected_token) {
  std::string id = RowIdFor(location_id);
  {
    std::lock_guard lock(cache_mu_);
    cache_.erase(id);
  }
  auto rec = store_->Get(id);
  if (!rec.ok()) return rec.error();
  if (!rec->has_value()) return UsageError("no token stored for location " + id);
  auto renewed = Renew(id, (*rec)->generation, false, rejected_token);
  if (!renewed.ok()) return renewed.error();
  return renewed->pair.access_token;
}

void TokenManager::OnRefused(std::string_view location_id, client::AuthFailure failure,
                             std::string_view detail) {
  if (failure != client::AuthFailure::kMissingScope) return;
  std::string id = RowIdFor(location_id);
  if (id.empty()) return;
  auto change = store_->SetState(id, options_.holder, TokenState::kMissingScope,
                                 detail.empty() ? "a scope the endpoint needs" : detail, {});
  if (change.ok()) Alert(change.value());
}

Result<TokenRecord> TokenManager::Refresh(std::string_view id, bool only_if_due) {
  auto rec = store_->Get(id);
  if (!rec.ok()) return rec.error();
  if (!rec->has_value()) {
    return UsageError("no token stored for " + std::string(id),
                      "`ghl tokens list` shows the stored locations.");
  }
  if (only_if_due && !Due(**rec, Now())) return std::move(**rec);
  return Renew(id, (*rec)->generation, true, "");
}

Result<Grant> TokenManager::MintFor(const TokenRecord& location) {
  std::string company_row = CompanyRowId(location.company_id);
  auto company_token = AccessToken(company_row);
  if (!company_token.ok()) return company_token.error();
  auto g = oauth_.MintLocationToken(company_token.value(), location.company_id, location.id);
  if (g.ok()) g->pair.expires_at = Now() + g->expires_in;
  return g;
}

Result<TokenPair> TokenManager::RefreshPair(const TokenRecord& rec, bool stale, bool* minted) {
  bool has_company = false;
  if (rec.kind == TokenKind::kLocation && !rec.company_id.empty()) {
    auto company = store_->Get(CompanyRowId(rec.company_id));
    has_company =
        company.ok() && company->has_value() && (*company)->state != TokenState::kNeedsReinstall;
  }
  // A stale lease: the previous holder died mid-refresh, perhaps after GHL rotated the refresh
  // token we hold. Presenting it could answer invalid_grant; minting cannot.
  if (has_company && (stale || rec.pair.refresh_token.empty())) {
    *minted = true;
    auto g = MintFor(rec);
    if (!g.ok()) return g.error();
    return g->pair;
  }
  if (rec.pair.refresh_token.empty()) {
    return Fail(ErrorKind::kApi, "no refresh token stored for " + rec.id + " and no company token",
                "Re-install the app for this location (`ghl auth login`).");
  }
  auto g = oauth_.Refresh(rec.pair.refresh_token,
                          rec.kind == TokenKind::kCompany ? "Company" : "Location");
  if (g.ok()) {
    g->pair.expires_at = Now() + g->expires_in;
    return g->pair;
  }
  if (has_company && ClassifyGrantFailure(g.error()) == GrantFailure::kInvalidGrant) {
    *minted = true;
    auto m = MintFor(rec);
    if (m.ok()) return m->pair;
  }
  return g.error();
}

Result<TokenRecord> TokenManager::Renew(std::string_view id, int64_t seen_generation, bool force,
                                        std::string_view rejected) {
  const UtcTime deadline = Now() + options_.wait_for_sibling;
  for (;;) {
    auto got = store_->Get(id);
    if (!got.ok()) return got.error();
    if (!got->has_value()) return UsageError("no token stored for " + std::string(id));
    TokenRecord rec = std::move(**got);
    UtcTime now = Now();
    bool usable = !rec.pair.access_token.empty() && rec.pair.expires_at > now &&
                  rec.pair.access_token != rejected;
    bool fresh = usable && rec.pair.expires_at - options_.refresh_margin > now;
    if (rec.generation != seen_generation && usable) {  // a sibling stored a new pair
      Remember(rec);
      return rec;
    }
    if (!force && fresh && rec.state != TokenState::kError) {
      Remember(rec);
      return rec;
    }
    if (!force) {
      if (rec.state == TokenState::kNeedsReinstall) {
        return Fail(ErrorKind::kApi,
                    "location " + rec.id + " needs the app re-installed: " + rec.state_detail,
                    "GHL refused its refresh token and no company token could mint a new one. "
                    "Re-install the app for it (`ghl auth login`).");
      }
      if ((rec.state == TokenState::kInactive || rec.state == TokenState::kError) &&
          now < rec.next_attempt) {
        if (usable) return rec;
        return Fail(rec.state == TokenState::kInactive ? ErrorKind::kApi : ErrorKind::kNetwork,
                    std::string(rec.state == TokenState::kInactive ? "location is not active"
                                                                   : "refresh failed") +
                        " for " + rec.id + ": " + rec.state_detail,
                    "Retried automatically later (`ghl tokens list` shows when); force it with "
                    "`ghl tokens refresh " +
                        rec.id + "`.");
      }
    }
    auto lease = store_->TryLease(id, options_.holder, rec.generation, options_.lease_ttl);
    if (!lease.ok()) return lease.error();
    if (!lease->acquired) {
      // A sibling is refreshing: use the current token while it works, else wait for its write.
      if (usable && !force) return rec;
      if (now >= deadline) {
        return Fail(ErrorKind::kBusy,
                    "another process has been refreshing " + rec.id + " for too long",
                    "It holds the lease until it finishes or the lease runs out; try again.");
      }
      options_.sleeper(options_.poll_interval);
      continue;
    }
    bool minted = false;
    auto pair = RefreshPair(rec, lease->took_over_stale, &minted);
    if (pair.ok()) {
      auto committed = store_->CommitRefresh(id, rec.generation, pair.value(), !minted);
      if (!committed.ok()) {
        (void)store_->ReleaseLease(id, options_.holder);
        return committed.error();
      }
      if (!committed->first) continue;  // our lease ran out and a sibling moved on: re-read
      Alert(committed->second);
      ++t_commits;
      rec.pair = pair.value();
      rec.generation += 1;
      if (rec.state != TokenState::kMissingScope) rec.state = TokenState::kOk;
      rec.lease_holder.clear();
      Remember(rec);
      return rec;
    }
    const Error& e = pair.error();
    GrantFailure failure = ClassifyGrantFailure(e);
    TokenState state = TokenState::kError;
    UtcTime next = now;
    switch (failure) {
      case GrantFailure::kInvalidGrant:
        state = TokenState::kNeedsReinstall;
        break;
      case GrantFailure::kLocationInactive:
        state = TokenState::kInactive;
        next = now + options_.inactive_recheck;
        break;
      case GrantFailure::kTransient:
      case GrantFailure::kRejected: {
        auto delay = options_.backoff_initial * (int64_t{1} << std::min<int64_t>(rec.failures, 20));
        next = now + std::min<milliseconds>(delay, options_.backoff_max);
        break;
      }
    }
    auto change = store_->SetState(id, options_.holder, state, FirstMessage(e), next);
    if (change.ok()) Alert(change.value());
    if (failure == GrantFailure::kTransient && usable) return rec;
    Error out = e;
    out.messages.insert(out.messages.begin(), "refreshing " + rec.id + " failed (" +
                                                  std::string(ToString(failure)) + "); state " +
                                                  std::string(ToString(state)));
    // GHL's 400/401 carries the client's generic "fix the input" hint; the state says more.
    if (state == TokenState::kNeedsReinstall) {
      out.hint =
          "GHL refused the refresh token (the app was uninstalled, or the token revoked) "
          "and no company token could mint a new one: re-install the app for " +
          rec.id + " with `ghl auth login`.";
    } else if (state == TokenState::kInactive) {
      out.hint = "GHL says location " + rec.id +
                 " is not active: reactivate it in the agency; it is rechecked daily, or now "
                 "with `ghl tokens refresh " +
                 rec.id + "`.";
    }
    return out;
  }
}

Result<std::vector<std::string>> TokenManager::ExchangeCode(const std::string& code,
                                                            const std::string& redirect_uri,
                                                            const std::string& user_type) {
  auto g = oauth_.ExchangeCode(code, redirect_uri, user_type);
  if (!g.ok()) return g.error();
  g->pair.expires_at = Now() + g->expires_in;
  std::vector<std::string> stored;
  NewToken t;
  t.pair = g->pair;
  t.company_id = g->company_id;
  if (g->user_type == "Company" || g->location_id.empty()) {
    t.id = CompanyRowId(g->company_id);
    t.kind = TokenKind::kCompany;
  } else {
    t.id = g->location_id;
    t.name = NameOf(t.id, t.pair.access_token);
  }
  auto put = store_->Put(t);
  if (!put.ok()) return put.error();
  Alert(put->second);
  stored.push_back(t.id);
  for (const auto& loc : g->approved_locations) {
    if (auto st = Install(loc, g->company_id); !st.ok()) return st.error();
    stored.push_back(loc);
  }
  return stored;
}

std::string TokenManager::NameOf(const std::string& location_id,
                                 const std::string& access_token) const {
  // Shown by `ghl tokens list`; the grant does not carry it. Without it (an app lacking
  // locations.readonly, GHL unreachable) the row is stored all the same, its name unknown
  // until a reconcile lists it.
  auto name = oauth_.LocationName(access_token, location_id);
  return name.ok() ? *name : std::string();
}

Status TokenManager::Install(const std::string& location_id, const std::string& company_id,
                             const std::string& name) {
  auto existing = store_->Get(location_id);
  if (!existing.ok()) return existing.error();
  if (existing->has_value() && (*existing)->state == TokenState::kOk &&
      (*existing)->pair.expires_at > Now()) {
    return Ok{};  // idempotent: a redelivered INSTALL changes nothing
  }
  auto company = store_->Get(CompanyRowId(company_id));
  if (!company.ok()) return company.error();
  if (!company->has_value()) {
    return Fail(ErrorKind::kBusy, "no company token for company " + company_id + " yet",
                "The install arrived before the app's code exchange finished; it is retried.");
  }
  TokenRecord loc;
  loc.id = location_id;
  loc.company_id = company_id;
  auto g = MintFor(loc);
  if (!g.ok()) return g.error();
  NewToken t;
  t.id = location_id;
  t.company_id = company_id;
  t.name = name.empty() ? NameOf(location_id, g->pair.access_token) : name;
  t.pair = g->pair;
  auto put = store_->Put(t);
  if (!put.ok()) return put.error();
  Alert(put->second);
  return Ok{};
}

Result<bool> TokenManager::Uninstall(const std::string& location_id) {
  {
    std::lock_guard lock(cache_mu_);
    cache_.erase(location_id);
  }
  return store_->Delete(location_id);
}

Result<std::pair<int, int>> TokenManager::Reconcile(const std::string& company_id) {
  auto token = AccessToken(CompanyRowId(company_id));
  if (!token.ok()) return token.error();
  auto installed = oauth_.InstalledLocations(token.value(), company_id);
  if (!installed.ok()) return installed.error();
  auto rows = store_->List();
  if (!rows.ok()) return rows.error();
  std::pair<int, int> counts{0, 0};
  for (const auto& [id, name] : *installed) {
    bool have = std::any_of(rows->begin(), rows->end(), [&](const auto& r) { return r.id == id; });
    if (have) continue;
    if (auto st = Install(id, company_id, name); !st.ok()) return st.error();
    ++counts.first;
  }
  for (const auto& r : *rows) {
    if (r.kind != TokenKind::kLocation || r.company_id != company_id) continue;
    bool listed = std::any_of(installed->begin(), installed->end(),
                              [&](const auto& l) { return l.first == r.id; });
    if (listed) continue;
    if (auto del = Uninstall(r.id); !del.ok()) return del.error();
    ++counts.second;
  }
  return counts;
}

Result<SweepReport> TokenManager::Sweep(int parallelism) {
  auto rows = store_->List();
  if (!rows.ok()) return rows.error();
  UtcTime now = Now();
  std::vector<std::string> due;
  SweepReport report;
  for (const auto& r : *rows) {
    ++report.checked;
    // Companies first: minting a location needs its company's token.
    if (Due(r, now)) {
      if (r.kind == TokenKind::kCompany) {
        due.insert(due.begin(), r.id);
      } else {
        due.push_back(r.id);
      }
    }
  }
  std::atomic<size_t> next{0};
  std::atomic<int> refreshed{0}, failed{0};
  auto work = [&] {
    for (size_t i = next++; i < due.size(); i = next++) {
      int64_t before = t_commits;
      auto r = Refresh(due[i], true);
      if (!r.ok() || (r->state != TokenState::kOk && r->state != TokenState::kMissingScope)) {
        ++failed;
      } else if (t_commits > before) {
        ++refreshed;
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 1; t < std::max(1, parallelism); ++t) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();
  report.refreshed = refreshed;
  report.failed = failed;
  return report;
}

}  // namespace ghl::tokens
