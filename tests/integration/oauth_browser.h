// The test as the browser of `ghl auth login --no-browser`: reads the consent URL the CLI
// printed, approves it at the sandbox and follows the redirect to the CLI's callback.
#pragma once

#include <chrono>
#include <string>
#include <thread>

#include "ghl/http/transport.h"
#include "process.h"

namespace ghl::testing {

/// The consent URL (base + "/oauth/chooselocation?…") `login` printed on stderr, waiting up to
/// 15 s for it; "" when it never did.
inline std::string ConsentUrl(GhlRun& login, const std::string& base) {
  for (int i = 0; i < 300; ++i) {
    std::string err = login.Stderr();
    auto at = err.find(base + "/oauth/chooselocation?");
    if (at != std::string::npos && err.find('\n', at) != std::string::npos) {
      return err.substr(at, err.find('\n', at) - at);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return "";
}

/// One GET of `url` (no auth header).
inline Result<http::Response> Get(const std::string& url) {
  http::Request r;
  r.method = "GET";
  r.target = url;
  return http::MakeCurlTransport()->Send(r, {});
}

/// Approves `consent_url` for `company` at the sandbox: the sandbox's redirect (a 302 to the
/// CLI's callback with code and state), or the error.
/// With `future_locations`, the app is also installed on locations created later.
inline Result<http::Response> ApproveConsent(std::string consent_url, const std::string& company,
                                             bool future_locations = false) {
  consent_url.replace(consent_url.find("/oauth/chooselocation?"), 22,
                      "/oauth/chooselocation/approve?");
  return Get(consent_url + "&companyId=" + company +
             (future_locations ? "&installToFutureLocations=true" : ""));
}

/// The whole browser part of a login: true when the callback answered 200.
inline bool ApproveLogin(GhlRun& login, const std::string& base, const std::string& company) {
  std::string url = ConsentUrl(login, base);
  if (url.empty()) return false;
  auto consent = ApproveConsent(url, company);
  if (!consent.ok() || consent->status != 302) return false;
  auto callback = Get(consent->headers.Get("Location").value_or(""));
  return callback.ok() && callback->status == 200;
}

}  // namespace ghl::testing
