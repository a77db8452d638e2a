// OAuth against a running sandbox over loopback, the way an app (or `ghl auth login`) uses it:
// fetch the consent page, approve it with a plain HTTP client (no browser), read the code from
// the 302, exchange it form-encoded, call the API with the token, refresh (rotation), and get
// INSTALL / UNINSTALL as signed webhooks.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "webhook_test_util.h"

namespace ghl::sandbox {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

http::Response Send(const std::string& method, const std::string& url, const std::string& body = "",
                    const std::string& token = "", const std::string& version = "") {
  http::Request r;
  r.method = method;
  r.target = url;
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  if (!version.empty()) r.headers.Set("Version", version);
  if (!body.empty()) r.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  r.body = body;
  auto res = http::MakeCurlTransport()->Send(r, {});
  EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.error().Summary());
  return res.ok() ? res.value() : http::Response{};
}

// The value of `key` in a "K=V K=V" env line.
std::string EnvValue(const std::string& line, const std::string& key) {
  auto at = line.find(key + "=");
  if (at == std::string::npos) return "";
  at += key.size() + 1;
  return line.substr(at, line.find(' ', at) - at);
}

TEST(SandboxOAuthLoopback, CodeFlowRotationAndSignedInstallWebhooks) {
  Receiver receiver;
  Options options;
  options.webhook_delivery.url = receiver.url();
  options.webhook_delivery.log = [](std::string_view) {};
  options.oauth.access_token_ttl = 1s;
  std::atomic<int64_t> skew_s{0};  // moves the sandbox's clock instead of sleeping
  options.clock = [&skew_s] {
    return std::chrono::system_clock::now() + std::chrono::seconds(skew_s.load());
  };
  auto started = RunningSandbox::Start(std::move(options));
  ASSERT_TRUE(started.ok()) << started.error().Summary();
  RunningSandbox& sb = **started;
  std::string base = sb.base_url();

  // What a test or script gets from the env line.
  std::string line = sb.EnvLine();
  std::string client_id = EnvValue(line, "GHL_CLIENT_ID");
  std::string secret = EnvValue(line, "GHL_CLIENT_SECRET");
  ASSERT_EQ(client_id, sb.sandbox().oauth_client_id()) << line;
  ASSERT_EQ(secret, sb.sandbox().oauth_client_secret()) << line;
  EXPECT_EQ(EnvValue(line, "GHL_APP_ID"), sb.sandbox().oauth_app_id());
  EXPECT_EQ(EnvValue(line, "GHL_COMPANY_ID"), std::string(kDemoCompanyId));

  std::string authorize = "response_type=code&client_id=" + client_id +
                          "&redirect_uri=" + http::UrlEncode("http://127.0.0.1:9/cb?x=1") +
                          "&scope=contacts.readonly%20locations.readonly&state=s1";
  auto page = Send("GET", base + "/oauth/chooselocation?" + authorize);
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_EQ(page.headers.GetOr("Content-Type", "").rfind("text/html", 0), 0u);

  // The form, posted as a browser would.
  auto approved = Send("POST", base + "/oauth/chooselocation/approve",
                       authorize + "&locationId=" + sb.location_id());
  ASSERT_EQ(approved.status, 302) << approved.body;
  std::string target = approved.headers.GetOr("Location", "");
  ASSERT_EQ(target.rfind("http://127.0.0.1:9/cb?x=1&code=", 0), 0u) << target;
  EXPECT_NE(target.find("&state=s1"), std::string::npos);
  auto code_at = target.find("code=") + 5;
  std::string code = http::UrlDecode(target.substr(code_at, target.find('&', code_at) - code_at));

  std::string creds = "client_id=" + client_id + "&client_secret=" + secret;
  auto exchanged = Send(
      "POST", base + "/oauth/token",
      creds + "&grant_type=authorization_code&user_type=Location&code=" + http::UrlEncode(code));
  ASSERT_EQ(exchanged.status, 200) << exchanged.body;
  json t = json::parse(exchanged.body);
  EXPECT_EQ(t["scope"], "contacts.readonly locations.readonly");
  EXPECT_EQ(t["expires_in"], 1);
  auto api =
      Send("GET", base + "/locations/" + sb.location_id(), "", t["access_token"], "2021-07-28");
  EXPECT_EQ(api.status, 200) << api.body;
  // A scope not granted is the scope 401, not an expiry.
  auto scoped = Send("GET", base + "/users/?locationId=" + sb.location_id(), "", t["access_token"],
                     "2021-07-28");
  EXPECT_EQ(json::parse(scoped.body)["message"], "The token is not authorized for this scope.");

  // Expiry, then rotation.
  skew_s = 2;
  auto expired =
      Send("GET", base + "/locations/" + sb.location_id(), "", t["access_token"], "2021-07-28");
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(json::parse(expired.body)["message"], "Invalid JWT");
  std::string old_rt = t["refresh_token"];
  auto refreshed = Send("POST", base + "/oauth/token",
                        creds + "&grant_type=refresh_token&refresh_token=" + old_rt);
  ASSERT_EQ(refreshed.status, 200) << refreshed.body;
  auto reused = Send("POST", base + "/oauth/token",
                     creds + "&grant_type=refresh_token&refresh_token=" + old_rt);
  EXPECT_EQ(reused.status, 400);
  EXPECT_EQ(json::parse(reused.body)["error"], "invalid_grant");

  // Uninstall through the control endpoint.
  auto gone = Send("POST", base + "/sandbox/oauth/uninstall", "locationId=" + sb.location_id());
  ASSERT_EQ(gone.status, 200) << gone.body;

  // INSTALL then UNINSTALL arrived, signed with the published key.
  ASSERT_TRUE(sb.webhook_delivery().Flush(5s));
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 2u);
  auto verifier = VerifierFor(sb.webhook_public_key());
  for (const auto& r : got) {
    auto verdict = verifier.Verify(r.body, r.headers, std::chrono::system_clock::now());
    EXPECT_EQ(verdict.outcome, webhooks::VerifyOutcome::kAcceptedEd25519) << verdict.reason;
  }
  json install = json::parse(got[0].body);
  EXPECT_EQ(install["type"], "INSTALL");
  EXPECT_EQ(install["appId"], sb.sandbox().oauth_app_id());
  EXPECT_EQ(install["locationId"], sb.location_id());
  EXPECT_EQ(install["companyId"], std::string(kDemoCompanyId));
  EXPECT_TRUE(install["webhookId"].is_string());
  json uninstall = json::parse(got[1].body);
  EXPECT_EQ(uninstall["type"], "UNINSTALL");
  EXPECT_EQ(uninstall["locationId"], sb.location_id());
  sb.Stop();
}

}  // namespace
}  // namespace ghl::sandbox
