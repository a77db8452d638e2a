// Test helpers: a sandbox with an injected clock, and one-line calls through Handle().
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "ghl/catalog/catalog.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::sandbox::testing {

using json = nlohmann::json;
using Clock = std::chrono::system_clock;

/// 2025-03-03T12:00:00Z, a Monday (07:00 in New York).
inline Clock::time_point DefaultNow() {
  return Clock::time_point(std::chrono::milliseconds(1741003200000));
}

inline json Body(const http::Response& r) {
  return r.body.empty() ? json() : json::parse(r.body, nullptr, false);
}

/// A POST /users/ body for the demo company: Ana Ops, ana@example.com, a user of `location_ids`.
inline json AnaUserBody(const json& location_ids) {
  return {{"companyId", std::string(kDemoCompanyId)},
          {"firstName", "Ana"},
          {"lastName", "Ops"},
          {"email", "ana@example.com"},
          {"password", "s3cret-pass"},
          {"type", "account"},
          {"role", "user"},
          {"locationIds", location_ids}};
}

class SandboxFixture : public ::testing::Test {
 protected:
  void SetUp() override { Make(Options{}); }

  void Make(Options o) {
    o.clock = [this] { return now_; };
    auto sb = Sandbox::Create(std::move(o));
    ASSERT_TRUE(sb.ok()) << sb.error().Summary();
    sb_ = std::move(sb.value());
  }

  /// Calls with the spec's Version (catalog) unless `version` is given ("" = none).
  http::Response Call(const std::string& method, const std::string& target,
                      const json& body = nullptr, std::string token = std::string(kDefaultToken),
                      std::optional<std::string> version = std::nullopt) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.headers.Set("Host", "127.0.0.1:1");
    if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
    if (!version) {
      auto m = catalog::Match(method, r.Path());
      version = m && !m->endpoint->version.empty() ? std::string(m->endpoint->version)
                                                   : std::string(catalog::kDefaultVersion);
    }
    if (!version->empty()) r.headers.Set("Version", *version);
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers.Set("Content-Type", "application/json");
    }
    return sb_->Handle(r);
  }

  /// Calls with a raw body (sent as given) and the spec's Version; no token when `token` is "".
  http::Response CallRaw(const std::string& method, const std::string& target, std::string body,
                         const std::string& content_type = "application/json",
                         std::string token = std::string(kDefaultToken)) {
    http::Request r;
    r.method = method;
    r.target = target;
    r.headers.Set("Host", "127.0.0.1:1");
    if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
    auto m = catalog::Match(method, r.Path());
    r.headers.Set("Version", m && !m->endpoint->version.empty()
                                 ? std::string(m->endpoint->version)
                                 : std::string(catalog::kDefaultVersion));
    r.headers.Set("Content-Type", content_type);
    r.body = std::move(body);
    return sb_->Handle(r);
  }

  json Get(const std::string& target) { return Body(Call("GET", target)); }

  std::string Loc() const { return std::string(kDemoLocationId); }

  /// The first contact of a search for `filters`.
  json FirstContact(const json& filters = json::array()) {
    auto r = Call("POST", "/contacts/search",
                  {{"locationId", Loc()}, {"pageLimit", 1}, {"filters", filters}});
    return Body(r)["contacts"][0];
  }

  Clock::time_point now_ = DefaultNow();
  std::unique_ptr<Sandbox> sb_;
};

}  // namespace ghl::sandbox::testing
