// `ghl auth login` against a real `ghl sandbox`, non-interactively: the test plays the browser
// (approves the printed consent URL for the agency, follows the redirect to the CLI's
// 127.0.0.1 callback). Shared by the token-store tests.
#pragma once

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "ghl/http/transport.h"
#include "oauth_browser.h"
#include "process.h"

namespace ghl::testing {

/// One HTTP call to the sandbox (Version 2021-07-28; JSON `body` when given).
inline Result<http::Response> SandboxHttp(const std::string& method, const std::string& url,
                                          const std::string& token = {},
                                          const std::string& body = {}) {
  http::Request r;
  r.method = method;
  r.target = url;
  if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
  r.headers.Set("Version", "2021-07-28");
  if (!body.empty()) {
    r.headers.Set("Content-Type", "application/json");
    r.body = body;
  }
  return http::MakeCurlTransport()->Send(r, {});
}

/// What `LoginAsAgency` saw.
struct LoginOutcome {
  std::string error;        ///< "" when the login exited 0.
  std::string consent_url;  ///< The URL the CLI printed.
  std::string out;          ///< The login's stdout.
};

/// Runs `ghl auth login --no-browser` with `env` (GHL_TOKEN_KEY, GHL_TOKENS_DB, GHL_BASE_URL,
/// GHL_CLIENT_ID, GHL_CLIENT_SECRET), approves its consent URL on sandbox `base` for agency
/// `company` (every location of it; with `future_locations`, also those created later) and
/// follows the redirect to the CLI's callback.
inline LoginOutcome LoginAsAgency(const std::string& base, const std::string& company,
                                  const std::map<std::string, std::string>& env,
                                  bool future_locations = false) {
  using namespace std::chrono_literals;
  LoginOutcome outcome;
  GhlRun login({"auth", "login", "--no-browser", "--timeout", "30"}, env);
  std::string& url = outcome.consent_url;
  url = ConsentUrl(login, base);
  if (url.empty()) {
    outcome.error = "no consent URL printed: " + login.Stderr();
    return outcome;
  }
  auto consent = ApproveConsent(url, company, future_locations);
  if (!consent.ok() || consent->status != 302) {
    outcome.error =
        "consent refused: " + (consent.ok() ? consent->body : consent.error().Summary());
    return outcome;
  }
  auto callback = SandboxHttp("GET", consent->headers.Get("Location").value_or(""));
  if (!callback.ok() || callback->status != 200) {
    outcome.error = "callback failed";
    return outcome;
  }
  auto code = login.Wait(20s);
  outcome.out = login.Stdout();
  if (code != 0)
    outcome.error = "login exited " + std::to_string(code.value_or(-1)) + ": " + login.Stderr();
  return outcome;
}

}  // namespace ghl::testing
