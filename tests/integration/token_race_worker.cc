// One process of the token refresh race (token_race_test.cc, bench/token_race): for
// `--seconds`, call GET /locations/{id} for every location in turn, each call's token coming
// from the shared token store through TokenManager (proactive refresh, 401 renew-and-replay).
// Single-threaded, so a kill -9 interrupts at most one refresh. At the end it prints one JSON
// line: {"calls":N,"ok":N,"unauthorized":N,"errors":N,"firstError":"…"}.
//
//   token_race_worker --store FILE|postgresql://… [--schema S] --base-url URL --client-id ID
//                     --client-secret S --locations a,b,c --seconds D [--margin-ms M]
//                     [--lease-ms L]      (key in GHL_TOKEN_KEY)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/tokens/manager.h"

namespace {

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i <= s.size()) {
    size_t j = s.find(',', i);
    if (j == std::string::npos) j = s.size();
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string store_at, schema = "public", base_url, client_id, client_secret, locations;
  double seconds = 10;
  long margin_ms = 1000, lease_ms = 5000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--store")
      store_at = v;
    else if (k == "--schema")
      schema = v;
    else if (k == "--base-url")
      base_url = v;
    else if (k == "--client-id")
      client_id = v;
    else if (k == "--client-secret")
      client_secret = v;
    else if (k == "--locations")
      locations = v;
    else if (k == "--seconds")
      seconds = std::atof(v.c_str());
    else if (k == "--margin-ms")
      margin_ms = std::atol(v.c_str());
    else if (k == "--lease-ms")
      lease_ms = std::atol(v.c_str());
  }
  const char* key_text = std::getenv("GHL_TOKEN_KEY");
  auto key = ghl::tokens::ParseTokenKey(key_text ? key_text : "", "GHL_TOKEN_KEY");
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.error().Describe().c_str());
    return 2;
  }
  auto store =
      store_at.rfind("postgres", 0) == 0
          ? ghl::tokens::OpenPostgresTokenStore({.url = store_at, .schema = schema}, key.value())
          : ghl::tokens::OpenSqliteTokenStore({.path = store_at}, key.value());
  if (!store.ok()) {
    std::fprintf(stderr, "%s\n", store.error().Describe().c_str());
    return 2;
  }
  ghl::tokens::ManagerOptions options;
  options.app = {client_id, client_secret};
  options.http.base_url = base_url;
  options.http.transport_options.timeout = std::chrono::milliseconds(lease_ms / 2);
  options.http.transport_options.connect_timeout = std::chrono::milliseconds(lease_ms / 2);
  options.http.warning_sink = [](std::string_view) {};
  options.refresh_margin = std::chrono::milliseconds(margin_ms);
  options.lease_ttl = std::chrono::milliseconds(lease_ms);
  options.wait_for_sibling = std::chrono::milliseconds(lease_ms * 3);
  options.poll_interval = std::chrono::milliseconds(20);
  auto manager = std::make_shared<ghl::tokens::TokenManager>(
      std::shared_ptr<ghl::tokens::TokenStore>(std::move(store.value())), options);

  ghl::client::ClientOptions co;
  co.base_url = base_url;
  co.token_provider = manager;
  co.limits.enabled = false;
  co.warning_sink = [](std::string_view) {};
  ghl::client::Client client(co);

  std::vector<std::string> ids = Split(locations);
  std::mt19937 rng(std::random_device{}());
  long calls = 0, ok = 0, unauthorized = 0, errors = 0;
  std::string first_error;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::shuffle(ids.begin(), ids.end(), rng);
    for (const auto& id : ids) {
      if (std::chrono::steady_clock::now() >= deadline) break;
      ++calls;
      auto r =
          client.Execute({.method = "GET", .path = "/locations/{locationId}", .location_id = id});
      if (!r.ok()) {
        ++errors;
        if (first_error.empty()) first_error = id + ": " + r.error().Summary();
      } else if (r->status == 401) {
        ++unauthorized;
        if (first_error.empty()) first_error = id + ": 401 " + r->body.substr(0, 200);
      } else if (r->ok()) {
        ++ok;
      } else {
        ++errors;
        if (first_error.empty()) {
          first_error = id + ": HTTP " + std::to_string(r->status) + " " + r->body.substr(0, 200);
        }
      }
    }
  }
  nlohmann::json out = {{"calls", calls},
                        {"ok", ok},
                        {"unauthorized", unauthorized},
                        {"errors", errors},
                        {"firstError", first_error}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
