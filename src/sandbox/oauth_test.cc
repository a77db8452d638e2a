// OAuth in the sandbox: consent → code → tokens, single-use rotating refresh tokens, GHL's 422s
// for a body that is not form-encoded, expiry as "Invalid JWT", location tokens from a company
// token, installed locations, inactive locations, install/uninstall events; plus the onboarding
// operations (POST /locations/, user checks).
#include <unistd.h>

#include <filesystem>
#include <map>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

constexpr const char* kRedirect = "http://127.0.0.1:9/callback";

class OAuthTest : public SandboxFixture {
 protected:
  void SetUp() override {
    Options o;
    o.oauth.client_id = "65f0c0ffee0123456789abcd-sbxtest1";
    o.oauth.client_secret = "test-secret";
    o.oauth.access_token_ttl = std::chrono::seconds(60);
    o.webhook_sink = [this](std::string_view type, std::string_view body) {
      events_.emplace_back(std::string(type), json::parse(body));
    };
    Make(std::move(o));
  }

  // A raw request: form body, no Version unless given, optional bearer.
  http::Response Raw(const std::string& method, const std::string& target,
                     const std::string& body = "",
                     const std::string& content_type = "application/x-www-form-urlencoded",
                     const std::string& token = "", const std::string& version = "") {
    http::Request r;
    r.method = method;
    r.target = target;
    r.headers.Set("Host", "127.0.0.1:1");
    if (!token.empty()) r.headers.Set("Authorization", "Bearer " + token);
    if (!version.empty()) r.headers.Set("Version", version);
    if (!body.empty()) r.headers.Set("Content-Type", content_type);
    r.body = body;
    return sb_->Handle(r);
  }

  std::string Creds() const {
    return "client_id=" + sb_->oauth_client_id() + "&client_secret=test-secret";
  }

  // Approves the consent for `choice` ("locationId=…", "companyId=…") and returns the code.
  std::string Approve(const std::string& choice) {
    auto r = Raw("GET", "/oauth/chooselocation/approve?response_type=code&client_id=" +
                            sb_->oauth_client_id() + "&redirect_uri=" + kRedirect + "&state=xyz&" +
                            choice);
    EXPECT_EQ(r.status, 302) << r.body;
    std::string loc = r.headers.GetOr("Location", "");
    EXPECT_EQ(loc.rfind(std::string(kRedirect) + "?code=", 0), 0u) << loc;
    EXPECT_NE(loc.find("&state=xyz"), std::string::npos) << loc;
    auto start = loc.find("code=") + 5;
    return loc.substr(start, loc.find('&', start) - start);
  }

  http::Response Exchange(const std::string& code, const std::string& user_type = "Location") {
    return Raw("POST", "/oauth/token",
               Creds() + "&grant_type=authorization_code&code=" + code + "&user_type=" + user_type +
                   "&redirect_uri=" + kRedirect);
  }

  http::Response Refresh(const std::string& refresh_token) {
    return Raw("POST", "/oauth/token",
               Creds() + "&grant_type=refresh_token&refresh_token=" + refresh_token);
  }

  json Stats() { return Body(Raw("GET", "/sandbox/oauth/stats")); }

  std::string NewLocation(const std::string& name) {
    auto r =
        Call("POST", "/locations/", {{"name", name}, {"companyId", std::string(kDemoCompanyId)}},
             std::string(kAgencyToken));
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r)["id"];
  }

  std::vector<std::pair<std::string, json>> events_;
};

TEST_F(OAuthTest, CodeFlowGivesALocationTokenTheApiAccepts) {
  auto page =
      Raw("GET", "/oauth/chooselocation?response_type=code&client_id=" + sb_->oauth_client_id() +
                     "&redirect_uri=" + kRedirect + "&scope=contacts.readonly%20contacts.write");
  ASSERT_EQ(page.status, 200) << page.body;
  EXPECT_NE(page.body.find("action=\"/oauth/chooselocation/approve\""), std::string::npos);
  EXPECT_NE(page.body.find("value=\"" + Loc() + "\""), std::string::npos);

  std::string code = Approve("locationId=" + Loc());
  auto r = Exchange(code);
  ASSERT_EQ(r.status, 200) << r.body;
  json t = Body(r);
  EXPECT_EQ(t["token_type"], "Bearer");
  EXPECT_EQ(t["expires_in"], 60);
  EXPECT_EQ(t["userType"], "Location");
  EXPECT_EQ(t["locationId"], Loc());
  EXPECT_EQ(t["companyId"], std::string(kDemoCompanyId));
  EXPECT_EQ(t["userId"], "sandbox-user-owner");
  EXPECT_EQ(t["appId"], sb_->oauth_app_id());
  EXPECT_FALSE(t["refresh_token"].get<std::string>().empty());
  EXPECT_NE(t["scope"].get<std::string>().find("contacts.readonly"), std::string::npos);

  // The issued token works on the API for its location, not for another one.
  std::string at = t["access_token"];
  auto contacts = Call("POST", "/contacts/search", {{"locationId", Loc()}, {"pageLimit", 1}}, at);
  EXPECT_EQ(contacts.status, 200) << contacts.body;
  EXPECT_EQ(
      Call("POST", "/contacts/search", {{"locationId", "other"}, {"pageLimit", 1}}, at).status,
      403);

  // A code is single-use.
  auto again = Exchange(code);
  EXPECT_EQ(again.status, 400);
  EXPECT_EQ(Body(again)["error"], "invalid_grant");
}

TEST_F(OAuthTest, RefreshTokenRotatesAndTheOldOneIsRefusedAtOnce) {
  json first = Body(Exchange(Approve("locationId=" + Loc())));
  std::string old_rt = first["refresh_token"];
  auto r = Refresh(old_rt);
  ASSERT_EQ(r.status, 200) << r.body;
  json second = Body(r);
  EXPECT_NE(second["refresh_token"], old_rt);
  EXPECT_NE(second["access_token"], first["access_token"]);
  EXPECT_EQ(second["locationId"], Loc());
  EXPECT_EQ(second["generation"], 2);

  auto reused = Refresh(old_rt);
  EXPECT_EQ(reused.status, 400) << reused.body;
  EXPECT_EQ(Body(reused)["error"], "invalid_grant");
  EXPECT_EQ(Body(reused)["error_description"], "Invalid grant: refresh token is invalid");

  auto third = Refresh(second["refresh_token"]);
  ASSERT_EQ(third.status, 200) << third.body;
  EXPECT_EQ(Call("GET", "/locations/" + Loc(), nullptr, Body(third)["access_token"]).status, 200);

  json stats = Stats();
  EXPECT_EQ(stats["refreshes"][Loc()], 2);
  EXPECT_EQ(stats["invalidGrant"], 1);
  EXPECT_EQ(stats["liveRefreshTokens"], 1);
}

TEST_F(OAuthTest, JsonBodyAndEmptyGrantTypeAre422) {
  json body = {{"client_id", sb_->oauth_client_id()},
               {"client_secret", "test-secret"},
               {"grant_type", "refresh_token"},
               {"refresh_token", "x"}};
  auto as_json = Raw("POST", "/oauth/token", body.dump(), "application/json");
  ASSERT_EQ(as_json.status, 422) << as_json.body;
  json j = Body(as_json);
  EXPECT_EQ(j["error"], "Unprocessable Entity");
  EXPECT_EQ(j["message"][0], "client_id should not be empty");
  EXPECT_NE(j["hint"].get<std::string>().find("application/x-www-form-urlencoded"),
            std::string::npos);

  auto empty = Raw("POST", "/oauth/token", Creds() + "&grant_type=");
  ASSERT_EQ(empty.status, 422) << empty.body;
  json messages = Body(empty)["message"];
  EXPECT_EQ(messages[0], "grant_type should not be empty");
  EXPECT_EQ(messages[1],
            "grant_type must be one of the following values: authorization_code, "
            "refresh_token, client_credentials");
  EXPECT_FALSE(Body(empty).contains("hint"));

  auto wrong = Raw("POST", "/oauth/token",
                   "client_id=" + sb_->oauth_client_id() +
                       "&client_secret=nope&grant_type=refresh_token&refresh_token=x");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(Body(wrong)["error"], "invalid_client");
}

TEST_F(OAuthTest, ExpiredAccessTokenIs401InvalidJwt) {
  json t = Body(Exchange(Approve("locationId=" + Loc())));
  std::string at = t["access_token"];
  EXPECT_EQ(Call("GET", "/locations/" + Loc(), nullptr, at).status, 200);
  now_ += std::chrono::seconds(60);
  auto expired = Call("GET", "/locations/" + Loc(), nullptr, at);
  EXPECT_EQ(expired.status, 401);
  EXPECT_EQ(Body(expired)["message"], "Invalid JWT");
  // Telling apart: a token never issued is a different 401.
  auto unknown = Call("GET", "/locations/" + Loc(), nullptr, "sbx-at-never-issued");
  EXPECT_EQ(Body(unknown)["message"], "Invalid token: access token is invalid");
  // The built-in tokens never expire.
  EXPECT_EQ(Call("GET", "/locations/" + Loc()).status, 200);
  // The refresh token still works after the access token expired.
  EXPECT_EQ(Refresh(t["refresh_token"]).status, 200);
}

TEST_F(OAuthTest, CompanyInstallMintsLocationTokens) {
  std::string second = NewLocation("Second Clinic");
  events_.clear();
  json company = Body(Exchange(Approve("companyId=" + std::string(kDemoCompanyId)), "Company"));
  ASSERT_EQ(company["userType"], "Company") << company.dump();
  EXPECT_FALSE(company.contains("locationId"));
  EXPECT_EQ(company["approvedLocations"].size(), 2u);

  // INSTALL: one for the company (no locationId), one per location.
  ASSERT_EQ(events_.size(), 3u);
  EXPECT_EQ(events_[0].second["type"], "INSTALL");
  EXPECT_FALSE(events_[0].second.contains("locationId"));
  EXPECT_EQ(events_[0].second["companyId"], std::string(kDemoCompanyId));
  EXPECT_EQ(events_[1].second["appId"], sb_->oauth_app_id());
  EXPECT_TRUE(events_[1].second.contains("locationId"));
  EXPECT_EQ(events_[1].second["isWhitelabelCompany"], false);

  std::string ct = company["access_token"];
  std::string form = "companyId=" + std::string(kDemoCompanyId) + "&locationId=" + second;
  auto minted = Raw("POST", "/oauth/locationToken", form, "application/x-www-form-urlencoded", ct,
                    "2021-07-28");
  ASSERT_EQ(minted.status, 200) << minted.body;
  json lt = Body(minted);
  EXPECT_EQ(lt["userType"], "Location");
  EXPECT_EQ(lt["locationId"], second);
  EXPECT_FALSE(lt["refresh_token"].get<std::string>().empty());
  EXPECT_EQ(Call("GET", "/locations/" + second, nullptr, lt["access_token"]).status, 200);
  EXPECT_EQ(Stats()["mints"][second], 1);
  // A company token is refused where a location token is needed, and vice versa.
  EXPECT_EQ(Raw("POST", "/oauth/locationToken", form, "application/x-www-form-urlencoded",
                lt["access_token"], "2021-07-28")
                .status,
            401);
  // Not installed there: a location created after the install.
  std::string third = NewLocation("Third Clinic");
  auto refused = Raw("POST", "/oauth/locationToken",
                     "companyId=" + std::string(kDemoCompanyId) + "&locationId=" + third,
                     "application/x-www-form-urlencoded", ct, "2021-07-28");
  EXPECT_EQ(refused.status, 400) << refused.body;
  EXPECT_NE(Body(refused)["message"].get<std::string>().find(third), std::string::npos);
  // JSON body: 422 like the token endpoint.
  EXPECT_EQ(Raw("POST", "/oauth/locationToken",
                json{{"companyId", kDemoCompanyId}, {"locationId", second}}.dump(),
                "application/json", ct, "2021-07-28")
                .status,
            422);
}

TEST_F(OAuthTest, InstalledLocationsFiltersAndPages) {
  std::string a = NewLocation("Alpha");
  std::string b = NewLocation("Beta");
  NewLocation("Gamma");
  json t = Body(Exchange(Approve("locationId=" + a + "&locationId=" + b), "Company"));
  ASSERT_EQ(t["userType"], "Company");
  EXPECT_EQ(t["isBulkInstallation"], true);
  std::string ct = t["access_token"];
  std::string base = "/oauth/installedLocations?companyId=" + std::string(kDemoCompanyId) +
                     "&appId=" + sb_->oauth_app_id();
  auto all = Raw("GET", base, "", "", ct, "2021-07-28");
  ASSERT_EQ(all.status, 200) << all.body;
  EXPECT_EQ(Body(all)["count"], 4);
  auto installed = Body(Raw("GET", base + "&isInstalled=true", "", "", ct, "2021-07-28"));
  EXPECT_EQ(installed["count"], 2);
  for (const auto& l : installed["locations"]) EXPECT_EQ(l["isInstalled"], true);
  auto page = Body(Raw("GET", base + "&isInstalled=true&skip=1&limit=1", "", "", ct, "2021-07-28"));
  ASSERT_EQ(page["locations"].size(), 1u);
  EXPECT_EQ(page["count"], 2);
  auto none = Body(Raw("GET", base + "&isInstalled=false", "", "", ct, "2021-07-28"));
  EXPECT_EQ(none["count"], 2);
  auto named = Body(Raw("GET", base + "&query=bet", "", "", ct, "2021-07-28"));
  ASSERT_EQ(named["locations"].size(), 1u);
  EXPECT_EQ(named["locations"][0]["_id"], b);
  // A location token may not list installs (Agency-Access-Only).
  EXPECT_EQ(Raw("GET", base, "", "", std::string(kDefaultToken), "2021-07-28").status, 401);
  EXPECT_EQ(Raw("GET", base + "&limit=x", "", "", ct, "2021-07-28").status, 422);
}

TEST_F(OAuthTest, InactiveLocationRefusesRefreshWithoutSpendingTheToken) {
  json t = Body(Exchange(Approve("locationId=" + Loc())));
  ASSERT_EQ(Raw("POST", "/sandbox/locations/" + Loc() + "/deactivate").status, 200);
  auto refused = Refresh(t["refresh_token"]);
  EXPECT_EQ(refused.status, 400);
  EXPECT_EQ(Body(refused)["message"], "Location is not active");
  ASSERT_EQ(Raw("POST", "/sandbox/locations/" + Loc() + "/activate").status, 200);
  EXPECT_EQ(Refresh(t["refresh_token"]).status, 200);
  EXPECT_EQ(Raw("POST", "/sandbox/locations/nope/deactivate").status, 404);
}

TEST_F(OAuthTest, InactiveLocationFromOptions) {
  Options o;
  o.oauth.inactive_locations = {Loc()};
  Make(std::move(o));
  std::string code = Approve("locationId=" + Loc());
  json t = Body(Raw("POST", "/oauth/token",
                    "client_id=" + sb_->oauth_client_id() +
                        "&client_secret=" + sb_->oauth_client_secret() +
                        "&grant_type=authorization_code&code=" + code));
  auto refused =
      Raw("POST", "/oauth/token",
          "client_id=" + sb_->oauth_client_id() + "&client_secret=" + sb_->oauth_client_secret() +
              "&grant_type=refresh_token&refresh_token=" + t["refresh_token"].get<std::string>());
  EXPECT_EQ(Body(refused)["message"], "Location is not active");
  Options bad;
  bad.oauth.inactive_locations = {"nope"};
  EXPECT_FALSE(Sandbox::Create(std::move(bad)).ok());
}

TEST_F(OAuthTest, UninstallRevokesTokensAndSendsUninstall) {
  json t = Body(Exchange(Approve("locationId=" + Loc())));
  events_.clear();
  auto r = Raw("POST", "/sandbox/oauth/uninstall", "locationId=" + Loc());
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].second["type"], "UNINSTALL");
  EXPECT_EQ(events_[0].second["locationId"], Loc());
  EXPECT_EQ(events_[0].second["appId"], sb_->oauth_app_id());
  EXPECT_EQ(Refresh(t["refresh_token"]).status, 400);
  EXPECT_EQ(Call("GET", "/locations/" + Loc(), nullptr, t["access_token"]).status, 401);
  EXPECT_EQ(Raw("POST", "/sandbox/oauth/uninstall", "locationId=" + Loc()).status, 404);
}

TEST_F(OAuthTest, ConsentRefusesBadInputNamingIt) {
  auto base =
      "/oauth/chooselocation/approve?response_type=code&client_id=" + sb_->oauth_client_id() +
      "&redirect_uri=" + kRedirect;
  auto unknown = Raw("GET", base + "&locationId=nope");
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("nope"), std::string::npos);
  EXPECT_EQ(Raw("GET", base).status, 400);  // nothing chosen
  auto client = Raw("GET", "/oauth/chooselocation?response_type=code&client_id=x&redirect_uri=" +
                               std::string(kRedirect));
  EXPECT_EQ(client.status, 400);
  auto scope = Raw("GET", base + "&scope=made.up&locationId=" + Loc());
  EXPECT_EQ(scope.status, 400);
  EXPECT_NE(scope.body.find("made.up"), std::string::npos);
  // Break-it finding: the code went to any redirect_uri (https://evil.example/steal?code=…).
  for (std::string evil : {"https://evil.example/steal", "http://127.0.0.1.evil.example/cb",
                           "http://localhost@evil.example/cb"}) {
    auto away = Raw("GET", "/oauth/chooselocation/approve?response_type=code&client_id=" +
                               sb_->oauth_client_id() + "&redirect_uri=" + http::UrlEncode(evil) +
                               "&locationId=" + Loc());
    EXPECT_EQ(away.status, 400) << evil;
    EXPECT_NE(away.body.find("not registered"), std::string::npos) << evil;
    EXPECT_EQ(away.headers.Get("Location"), std::nullopt) << evil;
  }
}

class OAuthRedirectTest : public SandboxFixture {};

TEST_F(OAuthRedirectTest, ARegisteredRedirectUriIsAcceptedExactly) {
  Options o;
  o.oauth.redirect_uris = {"https://app.example/oauth/callback"};
  Make(std::move(o));
  auto approve = [&](const std::string& redirect) {
    http::Request r;
    r.method = "GET";
    r.target =
        "/oauth/chooselocation/approve?response_type=code&client_id=" + sb_->oauth_client_id() +
        "&redirect_uri=" + http::UrlEncode(redirect) + "&locationId=" + sb_->location_id();
    r.headers.Set("Host", "127.0.0.1:1");
    return sb_->Handle(r).status;
  };
  EXPECT_EQ(approve("https://app.example/oauth/callback"), 302);
  EXPECT_EQ(approve("https://app.example/oauth/callback2"), 400);
  EXPECT_EQ(approve("http://localhost:4321/cb"), 302);
  EXPECT_EQ(approve("http://[::1]/cb"), 302);
}

TEST_F(OAuthTest, TokenLifetimeAndCredentialsComeFromOptions) {
  EXPECT_EQ(sb_->oauth_client_id(), "65f0c0ffee0123456789abcd-sbxtest1");
  EXPECT_EQ(sb_->oauth_app_id(), "65f0c0ffee0123456789abcd");
  auto app = Body(Raw("GET", "/sandbox/oauth/app"));
  EXPECT_EQ(app["clientSecret"], "test-secret");
  EXPECT_EQ(app["accessTokenTtlSeconds"], 60);
  Options generated;
  Make(std::move(generated));
  EXPECT_EQ(sb_->oauth_client_id().size(), 24u + 1 + 8) << sb_->oauth_client_id();
  EXPECT_FALSE(sb_->oauth_client_secret().empty());
  Options zero;
  zero.oauth.access_token_ttl = std::chrono::seconds(0);
  EXPECT_FALSE(Sandbox::Create(std::move(zero)).ok());
}

TEST_F(OAuthTest, ReconnectGivesAFreshCodeForAnExistingInstall) {
  json lost = Body(Exchange(Approve("locationId=" + Loc())));
  json ask = {{"clientKey", sb_->oauth_client_id()},
              {"clientSecret", "test-secret"},
              {"locationId", Loc()}};
  auto r = Raw("POST", "/oauth/reconnect", ask.dump(), "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  std::string code = Body(r)["authorizationCode"];
  EXPECT_TRUE(Body(r)["expiresAt"].is_string());
  auto pair = Exchange(code);
  ASSERT_EQ(pair.status, 200) << pair.body;
  EXPECT_EQ(Body(pair)["locationId"], Loc());
  EXPECT_EQ(Refresh(Body(pair)["refresh_token"]).status, 200);

  json wrong = ask;
  wrong["clientSecret"] = "nope";
  EXPECT_EQ(Raw("POST", "/oauth/reconnect", wrong.dump(), "application/json").status, 401);
  std::string other = NewLocation("Not Installed");
  json missing = ask;
  missing["locationId"] = other;
  auto refused = Raw("POST", "/oauth/reconnect", missing.dump(), "application/json");
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(Body(refused)["message"].get<std::string>().find(other), std::string::npos);
}

TEST_F(OAuthTest, DbKeepsTheAppInstallsAndTokensAcrossRestarts) {
  std::string path = (std::filesystem::temp_directory_path() /
                      ("ghl-oauth-" + std::to_string(::getpid()) + ".sqlite"))
                         .string();
  std::filesystem::remove(path);
  Options o;
  o.db_path = path;
  sb_.reset();
  Make(o);
  std::string client_id = sb_->oauth_client_id();
  std::string secret = sb_->oauth_client_secret();
  std::string code = Approve("locationId=" + Loc());
  json t = Body(Raw("POST", "/oauth/token",
                    "client_id=" + client_id + "&client_secret=" + secret +
                        "&grant_type=authorization_code&code=" + code));
  ASSERT_TRUE(t.contains("refresh_token")) << t.dump();
  sb_.reset();  // releases the file
  Make(o);
  EXPECT_EQ(sb_->oauth_client_id(), client_id);
  EXPECT_EQ(sb_->oauth_client_secret(), secret);
  EXPECT_EQ(Call("GET", "/locations/" + Loc(), nullptr, t["access_token"]).status, 200);
  auto r =
      Raw("POST", "/oauth/token",
          "client_id=" + client_id + "&client_secret=" + secret +
              "&grant_type=refresh_token&refresh_token=" + t["refresh_token"].get<std::string>());
  EXPECT_EQ(r.status, 200) << r.body;
  sb_.reset();
  std::filesystem::remove(path);
}

// ---- onboarding operations ----------------------------------------------------------------

TEST_F(OAuthTest, CreateLocationIsForAgencyTokensOnly) {
  std::string agency(kAgencyToken);
  events_.clear();
  json body = {{"name", "Mark Shoes"},
               {"companyId", std::string(kDemoCompanyId)},
               {"phone", "+1410039940"},
               {"country", "US"},
               {"prospectInfo", {{"firstName", "John"}, {"lastName", "Doe"}, {"email", "j@x.io"}}}};
  auto r = Call("POST", "/locations/", body, agency);
  ASSERT_EQ(r.status, 200) << r.body;
  json loc = Body(r);
  EXPECT_EQ(loc["name"], "Mark Shoes");
  EXPECT_EQ(loc["companyId"], std::string(kDemoCompanyId));
  EXPECT_EQ(loc["email"], "j@x.io");
  EXPECT_EQ(Call("GET", "/locations/" + loc["id"].get<std::string>(), nullptr, agency).status, 200);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].second["type"], "LocationCreate");
  EXPECT_EQ(Body(Call("GET", "/locations/search", nullptr, agency))["locations"].size(), 2u);

  EXPECT_EQ(Body(Call("POST", "/locations/", body))["message"], "Token's user type mismatch!");
  auto missing = Call("POST", "/locations/", {{"companyId", std::string(kDemoCompanyId)}}, agency);
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(Body(missing)["message"][0], "name should not be empty");
  json foreign = body;
  foreign["companyId"] = "another";
  EXPECT_EQ(Call("POST", "/locations/", foreign, agency).status, 403);
}

TEST_F(OAuthTest, CreateLocationRefusesATimeZoneThatIsNotIana) {
  std::string agency(kAgencyToken);
  json body = {{"name", "Olympus Shoes"},
               {"companyId", std::string(kDemoCompanyId)},
               {"timezone", "Mars/Olympus"}};
  auto r = Call("POST", "/locations/", body, agency);
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(Body(r)["message"][0], "timezone must be a valid IANA time-zone") << r.body;
  body["timezone"] = "America/Chicago";
  auto ok = Call("POST", "/locations/", body, agency);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok)["timezone"], "America/Chicago");
}

TEST_F(OAuthTest, CreateUserRefusesUnknownLocationIds) {  // break-it finding 7
  std::string agency(kAgencyToken);
  json user = AnaUserBody({Loc(), "noSuchLocation"});
  auto r = Call("POST", "/users/", user, agency);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_NE(Body(r)["message"][0].get<std::string>().find("noSuchLocation"), std::string::npos);
  user["locationIds"] = {Loc()};
  ASSERT_EQ(Call("POST", "/users/", user, agency).status, 201);
  EXPECT_EQ(Body(Call("GET", "/users/?locationId=" + Loc()))["users"].size(), 2u);
}

TEST_F(OAuthTest, UpdateUserRefusesAnotherUsersEmail) {  // break-it finding 8
  std::string agency(kAgencyToken);
  json user = AnaUserBody({Loc()});
  auto created = Call("POST", "/users/", user, agency);
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = Body(created)["id"];
  auto taken = Call("PUT", "/users/" + id, {{"email", "OWNER@sandbox.localhost"}}, agency);
  EXPECT_EQ(taken.status, 400) << taken.body;
  EXPECT_EQ(Body(taken)["meta"]["userId"], "sandbox-user-owner");
  // Its own email again is fine, and so is a free one.
  EXPECT_EQ(Call("PUT", "/users/" + id, {{"email", "ana@example.com"}}, agency).status, 200);
  EXPECT_EQ(Call("PUT", "/users/" + id, {{"email", "ana2@example.com"}}, agency).status, 200);
  EXPECT_EQ(Call("PUT", "/users/" + id, {{"locationIds", {"nope"}}}, agency).status, 422);
}

}  // namespace
}  // namespace ghl::sandbox::testing
