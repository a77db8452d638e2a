// The request pipeline: what the sandbox enforces before any handler runs, and the hooks.
#include "ghl/sandbox/sandbox.h"

#include <algorithm>

#include "ghl/http/transport.h"
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

using SandboxTest = SandboxFixture;

TEST_F(SandboxTest, EveryEmulatedRouteIsACatalogOperationAndTheTokenHasItsScopes) {
  // Create() fails when a route names an operation the catalog lacks; the default token gets
  // every scope those operations list.
  auto scopes = EmulatedScopes();
  for (auto s : {"contacts.readonly", "contacts.write", "opportunities.write",
                 "calendars/events.write", "conversations/message.write",
                 "locations/customFields.write", "workflows.readonly"}) {
    EXPECT_NE(std::find(scopes.begin(), scopes.end(), s), scopes.end()) << s;
  }
  EXPECT_EQ(sb_->tokens().front().value, kDefaultToken);
}

TEST_F(SandboxTest, MissingVersionIs401WithGhlMessage) {
  auto r = Call("GET", "/workflows/?locationId=" + Loc(), nullptr, std::string(kDefaultToken), "");
  EXPECT_EQ(r.status, 401);
  auto b = Body(r);
  EXPECT_EQ(b["statusCode"], 401);
  EXPECT_EQ(b["message"], "version header was not found.");
  EXPECT_TRUE(b["traceId"].is_string());
}

TEST_F(SandboxTest, UnknownVersionIs401Invalid) {
  auto r = Call("GET", "/workflows/?locationId=" + Loc(), nullptr, std::string(kDefaultToken),
                "2020-01-01");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["message"], "version header is invalid");
}

TEST_F(SandboxTest, OtherPublishedVersionPassesWithWarningUnlessStrict) {
  std::string path = "/conversations/search?locationId=" + Loc();
  auto r = Call("GET", path, nullptr, std::string(kDefaultToken), "2021-07-28");
  EXPECT_EQ(r.status, 200);
  auto warning = r.headers.Get("X-Ghl-Sandbox-Warning");
  ASSERT_TRUE(warning.has_value());
  EXPECT_NE(warning->find("2021-04-15"), std::string::npos);
  EXPECT_FALSE(Call("GET", path).headers.Has("X-Ghl-Sandbox-Warning"));

  Options strict;
  strict.strict = true;
  Make(strict);
  r = Call("GET", path, nullptr, std::string(kDefaultToken), "2021-07-28");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["message"], "version header is invalid");
  EXPECT_EQ(Call("GET", path).status, 200);
}

TEST_F(SandboxTest, MissingOrUnknownTokenIs401) {
  auto r = Call("GET", "/workflows/?locationId=" + Loc(), nullptr, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["message"], "Invalid JWT");
  r = Call("GET", "/workflows/?locationId=" + Loc(), nullptr, "nope");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["message"], "Invalid token: access token is invalid");
}

TEST_F(SandboxTest, TokenWithoutTheScopeIs401) {
  auto r = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "X"}},
                std::string(kReadOnlyToken));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["message"], "The token is not authorized for this scope.");
  // The read scope it has works.
  auto ok = Call("POST", "/contacts/search", {{"locationId", Loc()}}, std::string(kReadOnlyToken));
  EXPECT_EQ(ok.status, 200);
}

TEST_F(SandboxTest, AgencyTokenOnLocationOnlyRouteIsUserTypeMismatch) {
  auto r = Call("POST", "/contacts/search", {{"locationId", Loc()}}, std::string(kAgencyToken));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Body(r)["message"], "Token's user type mismatch!");
  // get-location accepts agency tokens, for the company's own locations.
  auto loc = Call("GET", "/locations/" + Loc(), nullptr, std::string(kAgencyToken));
  EXPECT_EQ(loc.status, 200) << loc.body;
  EXPECT_EQ(Body(loc)["location"]["id"], Loc());
}

TEST_F(SandboxTest, AnotherLocationIs403) {
  auto r = Call("POST", "/contacts/search", {{"locationId", "someoneElsesLocation"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(Body(r)["message"], "The token does not have access to this location.");
  EXPECT_EQ(Body(r)["statusCode"], 403);
  EXPECT_EQ(Call("GET", "/opportunities/search?location_id=other").status, 403);
  EXPECT_EQ(Call("GET", "/locations/other/customFields").status, 403);
}

TEST_F(SandboxTest, ValidationIs422WithMessageArray) {
  auto r = Call("POST", "/contacts/", {{"firstName", "A"}, {"foo", 1}});
  EXPECT_EQ(r.status, 422);
  auto b = Body(r);
  ASSERT_TRUE(b["message"].is_array());
  auto msgs = b["message"].get<std::vector<std::string>>();
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), "locationId should not be empty"), msgs.end());
  EXPECT_NE(std::find(msgs.begin(), msgs.end(), "property foo should not exist"), msgs.end());
  EXPECT_EQ(b["error"], "Unprocessable Entity");
  // Required query parameter from the catalog.
  r = Call("GET", "/opportunities/pipelines");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(Body(r)["message"][0], "locationId should not be empty");
}

TEST_F(SandboxTest, BadJsonIs400) {
  http::Request r{.method = "POST", .target = "/contacts/", .headers = {}, .body = "{oops",
                  .remote = {}};
  r.headers.Set("Authorization", "Bearer " + std::string(kDefaultToken));
  r.headers.Set("Version", "2021-07-28");
  auto res = sb_->Handle(r);
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(Body(res)["statusCode"], 400);
}

TEST_F(SandboxTest, UnknownIdIs404) {
  auto r = Call("GET", "/contacts/doesNotExist1234567");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r)["message"], "Contact not found");
  EXPECT_EQ(Body(Call("GET", "/opportunities/nope"))["message"], "Opportunity not found");
}

TEST_F(SandboxTest, UnknownPathIs404WithNearestCatalogPath) {
  auto r = Call("GET", "/contact/abc", nullptr, std::string(kDefaultToken), "2021-07-28");
  EXPECT_EQ(r.status, 404);
  auto b = Body(r);
  EXPECT_EQ(b["message"], "Cannot GET /contact/abc");
  ASSERT_TRUE(b["nearest"].is_array());
  ASSERT_FALSE(b["nearest"].empty());
  EXPECT_EQ(b["nearest"][0], "GET /contacts/{contactId}");
  EXPECT_TRUE(r.headers.Has("X-RateLimit-Max"));
}

// Found by fuzz_sandbox_request (fuzz/regressions/sandbox_request/): a path byte that is not
// UTF-8 made the JSON 404 throw while it was written, so the sandbox answered 500.
TEST_F(SandboxTest, PathBytesThatAreNotUtf8AreEchoedAsReplacementCharacters) {
  auto r = Call("GET", "/con\xfdtactz/x", nullptr, std::string(kDefaultToken), "2021-07-28");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(Body(r)["message"], "Cannot GET /con\xef\xbf\xbdtactz/x");
}

void ExpectRateLimitHeaders(const http::Headers& h) {
  for (auto name : {"X-RateLimit-Max", "X-RateLimit-Remaining", "X-RateLimit-Interval-Milliseconds",
                    "X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining"}) {
    EXPECT_TRUE(h.Has(name)) << name;
  }
}

TEST_F(SandboxTest, OversizedBodyIs413WithLimitInBytesAndRateLimitHeaders) {
  Options o;
  o.max_body_bytes = 100;
  Make(o);
  auto r = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", std::string(200, 'a')}});
  EXPECT_EQ(r.status, 413);
  auto b = Body(r);
  EXPECT_EQ(b["statusCode"], 413);
  EXPECT_EQ(b["message"], "request entity too large: limit is 100 bytes");
  ExpectRateLimitHeaders(r.headers);
  // At the limit it is accepted.
  EXPECT_EQ(Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "Small"}}).status, 201);
}

TEST(RunningSandboxTest, OversizedBodyOverHttpIsAnsweredByTheSandboxNotTheServer) {
  Options o;
  o.max_body_bytes = 1000;
  // The body (2 KB) is over the server's own cut-off (500): RunningSandbox must raise that
  // cut-off (to 4x the sandbox limit) so the sandbox answers with its headers.
  auto sb = RunningSandbox::Start(o, {.port = 0, .threads = 1, .max_body_bytes = 500});
  ASSERT_TRUE(sb.ok()) << sb.error().Summary();
  auto transport = http::MakeCurlTransport();
  http::Request req{.method = "POST", .target = (*sb)->base_url() + "/contacts/",
                    .headers = {}, .body = std::string(2000, ' ') + "{}", .remote = {}};
  req.headers.Set("Authorization", "Bearer " + (*sb)->token());
  req.headers.Set("Version", "2021-07-28");
  req.headers.Set("Content-Type", "application/json");
  auto res = transport->Send(req, {});
  ASSERT_TRUE(res.ok()) << res.error().Summary();
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(Body(*res)["message"], "request entity too large: limit is 1000 bytes");
  ExpectRateLimitHeaders(res->headers);
  (*sb)->Stop();
}

TEST_F(SandboxTest, CatalogOperationNotEmulatedIs501WithJson) {
  auto r = Call("GET", "/contacts/business/b1");
  EXPECT_EQ(r.status, 501);
  auto b = Body(r);
  EXPECT_EQ(b["statusCode"], 501);
  EXPECT_EQ(b["endpointId"], "contacts.get-contacts-by-businessId");
  EXPECT_EQ(b["notEmulated"], true);
  EXPECT_FALSE(b["emulatedInService"].empty());
  EXPECT_NE(b["message"].get<std::string>().find("does not emulate"), std::string::npos);
}

TEST_F(SandboxTest, RateLimitHeadersOn429AndRecoveryAfterTheWindow) {
  Options o;
  o.rate_limit = {.burst_max = 3, .interval = std::chrono::seconds(1), .daily_max = 1000};
  Make(o);
  std::string path = "/workflows/?locationId=" + Loc();
  for (int i = 0; i < 3; ++i) {
    auto r = Call("GET", path);
    ASSERT_EQ(r.status, 200);
    EXPECT_EQ(r.headers.Get("X-RateLimit-Max"), "3");
    EXPECT_EQ(r.headers.Get("X-RateLimit-Remaining"), std::to_string(2 - i));
    EXPECT_EQ(r.headers.Get("X-RateLimit-Interval-Milliseconds"), "1000");
    EXPECT_EQ(r.headers.Get("X-RateLimit-Limit-Daily"), "1000");
    EXPECT_EQ(r.headers.Get("X-RateLimit-Daily-Remaining"), std::to_string(999 - i));
  }
  now_ += std::chrono::milliseconds(400);
  auto r = Call("GET", path);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(Body(r)["message"], "Too Many Requests");
  EXPECT_EQ(Body(r)["statusCode"], 429);
  EXPECT_EQ(r.headers.Get("Retry-After"), "1");
  EXPECT_EQ(r.headers.Get("X-RateLimit-Remaining"), "0");
  now_ += std::chrono::milliseconds(600);
  EXPECT_EQ(Call("GET", path).status, 200);
}

TEST_F(SandboxTest, DailyLimitRefusesUntilMidnightUtc) {
  Options o;
  o.rate_limit = {.burst_max = 100, .interval = std::chrono::seconds(10), .daily_max = 2};
  Make(o);
  std::string path = "/workflows/?locationId=" + Loc();
  EXPECT_EQ(Call("GET", path).status, 200);
  EXPECT_EQ(Call("GET", path).status, 200);
  auto r = Call("GET", path);
  EXPECT_EQ(r.status, 429);
  EXPECT_EQ(r.headers.Get("X-RateLimit-Daily-Remaining"), "0");
  EXPECT_EQ(r.headers.Get("Retry-After"), std::to_string(12 * 3600));
  now_ += std::chrono::hours(12);
  EXPECT_EQ(Call("GET", path).status, 200);
}

TEST(RateLimitParse, AcceptsCountPerDuration) {
  auto r = ParseRateLimit("20/1s");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->burst_max, 20);
  EXPECT_EQ(r->interval, std::chrono::milliseconds(1000));
  EXPECT_EQ(r->daily_max, 200000);
  EXPECT_EQ(ParseRateLimit("100/10s")->interval, std::chrono::milliseconds(10000));
  EXPECT_EQ(ParseRateLimit("5/250ms")->interval, std::chrono::milliseconds(250));
  EXPECT_EQ(ParseRateLimit("7/m")->interval, std::chrono::milliseconds(60000));
  EXPECT_FALSE(ParseRateLimit("fast").ok());
  EXPECT_FALSE(ParseRateLimit("0/1s").ok());
  EXPECT_FALSE(ParseRateLimit("10/1y").ok());
}

TEST_F(SandboxTest, WebhookSinkGetsGhlShapedEventsAfterChanges) {
  std::vector<std::pair<std::string, json>> seen;
  Options o;
  o.webhook_sink = [&](std::string_view type, std::string_view body) {
    seen.emplace_back(std::string(type), json::parse(body));
  };
  Make(std::move(o));
  auto r = Call("POST", "/contacts/",
                {{"locationId", Loc()}, {"firstName", "Hook"}, {"email", "hook@example.org"}});
  ASSERT_EQ(r.status, 201) << r.body;
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].first, "ContactCreate");
  EXPECT_EQ(seen[0].second["type"], "ContactCreate");
  EXPECT_EQ(seen[0].second["locationId"], Loc());
  EXPECT_EQ(seen[0].second["email"], "hook@example.org");
  EXPECT_TRUE(seen[0].second["webhookId"].is_string());
  EXPECT_EQ(seen[0].second["timestamp"], "2025-03-03T12:00:00.000Z");
  std::string id = Body(r)["contact"]["id"];
  Call("POST", "/contacts/" + id + "/tags", {{"tags", {"book-now"}}});
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].first, "ContactTagUpdate");
  EXPECT_EQ(seen[1].second["tags"], json({"book-now"}));
  // Reads emit nothing; a failed write emits nothing.
  Call("GET", "/contacts/" + id);
  Call("POST", "/contacts/", {{"firstName", "no location"}});
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(SandboxTest, CustomFieldsAndWorkflows) {
  auto fields = Get("/locations/" + Loc() + "/customFields");
  ASSERT_TRUE(fields["customFields"].is_array());
  EXPECT_EQ(fields["customFields"].size(), 3u);  // contact model by default
  auto all = Get("/locations/" + Loc() + "/customFields?model=all");
  EXPECT_EQ(all["customFields"].size(), 4u);
  auto r = Call("POST", "/locations/" + Loc() + "/customFields",
                {{"name", "Lead Tier"}, {"dataType", "TEXT"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Body(r)["customField"]["fieldKey"], "contact.lead_tier");
  EXPECT_EQ(Call("POST", "/locations/" + Loc() + "/customFields",
                 {{"name", "Lead Tier"}, {"dataType", "TEXT"}})
                .status,
            400);
  EXPECT_EQ(Call("POST", "/locations/" + Loc() + "/customFields", {{"name", "X"}}).status, 422);
  auto wf = Get("/workflows/?locationId=" + Loc());
  ASSERT_EQ(wf["workflows"].size(), 3u);
  EXPECT_TRUE(wf["workflows"][0].contains("status"));
}

TEST_F(SandboxTest, EmptySeedHasOnlyTheLocation) {
  Options o;
  o.seed = "empty";
  Make(o);
  auto r = Body(Call("POST", "/contacts/search", {{"locationId", Loc()}}));
  EXPECT_EQ(r["total"], 0);
  EXPECT_EQ(Get("/opportunities/pipelines?locationId=" + Loc())["pipelines"].size(), 0u);
  o.seed = "bogus";
  EXPECT_FALSE(Sandbox::Create(o).ok());
}

}  // namespace
}  // namespace ghl::sandbox::testing
