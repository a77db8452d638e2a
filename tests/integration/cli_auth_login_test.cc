// `ghl auth login`'s loopback callback: requests without this login's state (a stale tab, a
// forged link, a probe) get an error page and do not end the login; a decline on the consent
// page ends it with exit 1 and says so.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>

#include "ghl/http/transport.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/tokens/key.h"
#include "oauth_browser.h"
#include "process.h"

namespace ghl::testing {
namespace {

using namespace std::chrono_literals;

// The value of query parameter `name` in `url` (raw, not decoded).
std::string Param(const std::string& url, const std::string& name) {
  auto at = url.find("&" + name + "=");
  if (at == std::string::npos) at = url.find("?" + name + "=");
  if (at == std::string::npos) return "";
  at += name.size() + 2;
  return url.substr(at, url.find('&', at) - at);
}

// "http://127.0.0.1:PORT/callback" from the consent URL's encoded redirect_uri.
std::string CallbackUrl(const std::string& consent) {
  std::string r = Param(consent, "redirect_uri");
  for (auto [from, to] : {std::pair{"%3A", ":"}, std::pair{"%2F", "/"}}) {
    for (auto p = r.find(from); p != std::string::npos; p = r.find(from)) r.replace(p, 3, to);
  }
  return r;
}

struct LoginRig {
  TempDir dir;
  SandboxProcess sandbox{{"--seed", "demo"}};
  std::map<std::string, std::string> env;
  LoginRig() {
    env = {{"GHL_TOKEN_KEY", tokens::GenerateTokenKeyHex()},
           {"GHL_TOKENS_DB", dir.File("t.db")},
           {"GHL_BASE_URL", sandbox.base_url()},
           {"GHL_CLIENT_ID", sandbox.env().at("GHL_CLIENT_ID")},
           {"GHL_CLIENT_SECRET", sandbox.env().at("GHL_CLIENT_SECRET")}};
  }
};

TEST(CliAuthLoginTest, CallbacksWithoutThisLoginsStateAreIgnored) {
  LoginRig rig;
  GhlRun login({"auth", "login", "--no-browser", "--timeout", "30", "--user-type", "Location"},
               rig.env);
  std::string consent = ConsentUrl(login, rig.sandbox.base_url());
  ASSERT_FALSE(consent.empty()) << login.Stderr();
  std::string callback = CallbackUrl(consent);
  for (const std::string& stray : {callback, callback + "?error=access_denied&state=zzz",
                                   callback + "?code=forged&state=zzz"}) {
    auto r = Get(stray);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, 400) << stray << ": " << r->body;
    EXPECT_EQ(login.Wait(0ms), std::nullopt)
        << "a stray request ended the login: " << login.Stderr();
  }
  ASSERT_TRUE(ApproveLogin(login, rig.sandbox.base_url(), rig.sandbox.env().at("GHL_COMPANY_ID")));
  ASSERT_EQ(login.Wait(20s), 0) << login.Stderr();
  EXPECT_NE(login.Stdout().find("logged in"), std::string::npos) << login.Stdout();
}

TEST(CliAuthLoginTest, DeclineWithTheRightStateEndsTheLoginClearly) {
  LoginRig rig;
  GhlRun login({"auth", "login", "--no-browser", "--timeout", "30", "--user-type", "Location"},
               rig.env);
  std::string consent = ConsentUrl(login, rig.sandbox.base_url());
  ASSERT_FALSE(consent.empty()) << login.Stderr();
  auto r = Get(CallbackUrl(consent) + "?error=access_denied&state=" + Param(consent, "state"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->body.find("declined"), std::string::npos) << r->body;
  EXPECT_EQ(login.Wait(20s), 1) << login.Stderr();
  EXPECT_NE(login.Stderr().find("you declined"), std::string::npos) << login.Stderr();
}

}  // namespace
}  // namespace ghl::testing
