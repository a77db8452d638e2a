// Token store benchmarks (issue 8), against a running `ghl sandbox` (env: GHL_BASE_URL,
// GHL_CLIENT_ID, GHL_CLIENT_SECRET, GHL_COMPANY_ID, GHL_LOCATION_ID):
//  1. the cost of the store on each API call: GET /locations/{id} with the token from the
//     TokenManager (SQLite store) vs the same call with a fixed token, interleaved rounds,
//     ratio of the medians (target <= 1.05);
//  2. refreshing N locations (default 1000) that all expire together: 4 managers (as 4
//     processes would) sweeping the same store at once vs the same number of refresh grants
//     sent one after another directly; and the peak number of refreshes in flight for one
//     location (must be 1).
// Usage: bench_tokens [LOCATIONS]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ghl/client/client.h"
#include "ghl/http/transport.h"
#include "ghl/tokens/manager.h"

namespace {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

std::string Env(const char* n) {
  const char* v = std::getenv(n);
  if (!v) {
    std::fprintf(stderr, "bench_tokens: %s not set\n", n);
    std::exit(2);
  }
  return v;
}

ghl::Result<ghl::http::Response> Http(const std::string& method, const std::string& url,
                                      const std::string& token, const std::string& body) {
  ghl::http::Request r;
  r.method = method;
  r.target = url;
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  r.headers.Set("Version", "2021-07-28");
  if (!body.empty()) {
    r.headers.Set("Content-Type",
                  body[0] == '{' ? "application/json" : "application/x-www-form-urlencoded");
    r.body = body;
  }
  return ghl::http::MakeCurlTransport()->Send(r, {});
}

// Counts refresh grants in flight per location (refresh token -> location known beforehand).
class CountingTransport : public ghl::http::Transport {
 public:
  explicit CountingTransport(std::map<std::string, std::string> owner) : owner_(std::move(owner)) {}
  ghl::Result<ghl::http::Response> Send(const ghl::http::Request& r,
                                        const ghl::http::TransportOptions& o) override {
    std::string loc;
    for (auto& [k, v] : ghl::http::ParseQuery(r.body)) {
      if (k == "refresh_token") {
        std::lock_guard lock(mu_);
        auto it = owner_.find(v);
        if (it != owner_.end()) loc = it->second;
      }
    }
    if (!loc.empty()) {
      std::lock_guard lock(mu_);
      peak_ = std::max(peak_, ++in_flight_[loc]);
      ++grants_;
    }
    auto out = inner_->Send(r, o);
    if (!loc.empty()) {
      std::lock_guard lock(mu_);
      --in_flight_[loc];
    }
    return out;
  }
  int peak() const { return peak_; }
  int grants() const { return grants_; }

 private:
  std::shared_ptr<ghl::http::Transport> inner_ = ghl::http::MakeCurlTransport();
  std::mutex mu_;
  std::map<std::string, std::string> owner_;
  std::map<std::string, int> in_flight_;
  int peak_ = 0;
  int grants_ = 0;
};

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  std::string base = Env("GHL_BASE_URL"), company = Env("GHL_COMPANY_ID");
  std::string client_id = Env("GHL_CLIENT_ID"), client_secret = Env("GHL_CLIENT_SECRET");
  fs::path dir = fs::temp_directory_path() / ("ghl_bench_tokens_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto key = ghl::tokens::ParseTokenKey(ghl::tokens::GenerateTokenKeyHex(), "bench").value();
  auto open = [&] {
    return std::shared_ptr<ghl::tokens::TokenStore>(
        ghl::tokens::OpenSqliteTokenStore({.path = (dir / "t.db").string()}, key).value());
  };

  // N locations, one company install (mints every location).
  std::fprintf(stderr, "bench_tokens: creating %d locations and installing the app...\n", n);
  for (int i = 1; i < n; ++i) {
    json body = {{"name", "Bench " + std::to_string(i)}, {"companyId", company}};
    auto r = Http("POST", base + "/locations/", "sandbox-agency-token", body.dump());
    if (!r.ok() || r->status / 100 != 2) {
      std::fprintf(stderr, "bench_tokens: POST /locations/ failed\n");
      return 1;
    }
  }
  std::string redirect = "http://127.0.0.1:9/cb";
  auto approve =
      Http("GET",
           base + "/oauth/chooselocation/approve?response_type=code&client_id=" +
               ghl::http::UrlEncode(client_id) + "&redirect_uri=" + ghl::http::UrlEncode(redirect) +
               "&companyId=" + company,
           "", "");
  std::string loc = approve.ok() ? approve->headers.Get("Location").value_or("") : "";
  std::string code = loc.substr(loc.find("code=") + 5);
  code = ghl::http::UrlDecode(code.substr(0, code.find('&')), false);
  ghl::tokens::ManagerOptions mo;
  mo.app = {client_id, client_secret};
  mo.http.base_url = base;
  mo.http.warning_sink = [](std::string_view) {};
  auto manager = std::make_shared<ghl::tokens::TokenManager>(open(), mo);
  auto stored = manager->ExchangeCode(code, redirect, "Company");
  if (!stored.ok()) {
    std::fprintf(stderr, "%s\n", stored.error().Describe().c_str());
    return 1;
  }
  std::vector<std::string> ids(stored->begin() + 1, stored->end());
  std::string location = ids.front();

  // 1. Per-call cost.
  ghl::client::ClientOptions fixed_opts;
  fixed_opts.base_url = base;
  fixed_opts.token = manager->AccessToken(location).value();
  fixed_opts.limits.enabled = false;
  ghl::client::ClientOptions store_opts = fixed_opts;
  store_opts.token.clear();
  store_opts.token_provider = manager;
  ghl::client::Client fixed(fixed_opts), through_store(store_opts);
  ghl::client::ApiRequest req{
      .method = "GET", .path = "/locations/{locationId}", .location_id = location};
  auto time_calls = [&](ghl::client::Client& c, int calls) {
    auto t0 = Clock::now();
    for (int i = 0; i < calls; ++i) {
      auto r = c.Execute(req);
      if (!r.ok() || r->status != 200) std::exit(1);
    }
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count() / calls;
  };
  time_calls(fixed, 200);
  time_calls(through_store, 200);
  std::vector<double> a, b;
  for (int round = 0; round < 31; ++round) {  // alternate which goes first
    if (round % 2 == 0) {
      a.push_back(time_calls(fixed, 200));
      b.push_back(time_calls(through_store, 200));
    } else {
      b.push_back(time_calls(through_store, 200));
      a.push_back(time_calls(fixed, 200));
    }
  }
  double ma = Median(a), mb = Median(b);
  std::printf(
      "   per call: fixed token %.1f us, through the token store %.1f us, ratio %.3f "
      "(target <= 1.05)\n",
      ma, mb, mb / ma);

  // 2. N locations expiring together: 4 managers sweep at once (margin > lifetime = all due).
  std::map<std::string, std::string> owner;
  auto rows = open()->List().value();
  auto reader = open();
  for (const auto& r : rows) {
    if (r.kind == ghl::tokens::TokenKind::kLocation) {
      owner[(*reader->Get(r.id).value()).pair.refresh_token] = r.id;
    }
  }
  auto counting = std::make_shared<CountingTransport>(owner);
  std::vector<std::shared_ptr<ghl::tokens::TokenManager>> sweepers;
  for (int i = 0; i < 4; ++i) {
    auto o = mo;
    o.http.transport = counting;
    // Every token is inside the 5-minute margin: the sweepers' clock runs 23 h 57 min ahead
    // (the sandbox issued 24 h tokens); a pair a sibling just refreshed is no longer due.
    o.clock = [] {
      return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
             std::chrono::minutes(23 * 60 + 57);
    };
    sweepers.push_back(std::make_shared<ghl::tokens::TokenManager>(open(), o));
  }
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (auto& s : sweepers) {
    threads.emplace_back([&, s] {
      // Each "process" sweeps every due row; a row a sibling refreshed is skipped.
      (void)s->Sweep(8);
    });
  }
  for (auto& t : threads) t.join();
  double sweep_s = std::chrono::duration<double>(Clock::now() - t0).count();

  // The same number of refresh grants, one after another, straight to /oauth/token.
  std::vector<std::string> pending;
  auto after_sweep = open()->List().value();
  for (const auto& r : after_sweep) {
    if (r.kind == ghl::tokens::TokenKind::kLocation) {
      pending.push_back((*reader->Get(r.id).value()).pair.refresh_token);
    }
  }
  t0 = Clock::now();
  int direct_ok = 0;
  for (const auto& rt : pending) {
    auto r = Http("POST", base + "/oauth/token", "",
                  "client_id=" + ghl::http::UrlEncode(client_id) +
                      "&client_secret=" + ghl::http::UrlEncode(client_secret) +
                      "&grant_type=refresh_token&user_type=Location&refresh_token=" +
                      ghl::http::UrlEncode(rt));
    if (r.ok() && r->status == 200) ++direct_ok;
  }
  double direct_s = std::chrono::duration<double>(Clock::now() - t0).count();
  std::printf(
      "   %zu locations expiring together: 4 sweepers %.2f s (%d refresh grants sent, peak %d "
      "refresh(es) in flight per location, must be 1); sequential direct refreshes "
      "%.2f s (%d ok); ratio %.2f\n",
      owner.size(), sweep_s, counting->grants(), counting->peak(), direct_s, direct_ok,
      sweep_s / direct_s);
  fs::remove_all(dir);
  return counting->peak() == 1 && counting->grants() == static_cast<int>(owner.size()) ? 0 : 1;
}
