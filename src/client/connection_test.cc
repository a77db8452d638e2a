#include "ghl/client/connection.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "ghl/client/client.h"
#include "ghl/client/testing.h"

namespace ghl::client {
namespace {

using std::chrono::milliseconds;
using testing::FakeTime;
using testing::FakeTransport;

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  FakeTime time;
  std::vector<std::string> warnings;
  ClientOptions options;

  explicit Fixture(double random = 0.0) {
    options.base_url = "http://ghl.test/";
    options.token = "secret-token";
    options.transport = transport;
    options.warning_sink = [this](std::string_view w) { warnings.emplace_back(w); };
    time.Install(options, random);
    transport->SetClock(time.steady_now());
  }
  Client MakeClient() { return Client(options); }
};

ApiRequest Req(std::string method, std::string path, std::string body = {}) {
  ApiRequest r;
  r.method = std::move(method);
  r.path = std::move(path);
  r.body = std::move(body);
  return r;
}

std::vector<std::pair<std::string, std::string>> QueryOf(const http::Request& r) {
  auto q = r.target.find('?');
  if (q == std::string::npos) return {};
  return http::ParseQuery(std::string_view(r.target).substr(q + 1));
}

// --- retry schedule -------------------------------------------------------------------------

TEST(ConnectionRetryTest, RetriesGetOn5xxWithExponentialBackoff) {
  Fixture f(0.0);  // r = 0: delays are exactly the base delays
  f.transport->PushResponse(503, R"({"message":"busy"})");
  f.transport->PushResponse(502, "");
  f.transport->PushResponse(500, "");
  f.transport->PushResponse(200, R"({"contact":{"id":"c1"}})");
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_TRUE(res.ok()) << res.error().Describe();
  EXPECT_EQ(res->attempts, 4);
  EXPECT_EQ(f.time.sleeps(),
            (std::vector<milliseconds>{milliseconds(500), milliseconds(1000), milliseconds(2000)}));
}

TEST(ConnectionRetryTest, JitterShortensDelaysWithinBounds) {
  Fixture f(0.5);  // jitter 0.5, r = 0.5: base * 0.75
  f.transport->PushResponse(500, "");
  f.transport->PushResponse(500, "");
  f.transport->PushResponse(200, "{}");
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(f.time.sleeps(), (std::vector<milliseconds>{milliseconds(375), milliseconds(750)}));
}

TEST(ConnectionRetryTest, GivesUpAfterMaxAttemptsWithTheLastAnswer) {
  Fixture f;
  f.options.retry.max_attempts = 3;
  for (int i = 0; i < 5; ++i) {
    f.transport->PushResponse(
        503, R"({"statusCode":503,"message":"Service Unavailable","traceId":"t-1"})");
  }
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().http_status, 503);
  EXPECT_EQ(res.error().trace_id, "t-1");
  EXPECT_NE(res.error().hint.find("retried 2 time(s)"), std::string::npos) << res.error().hint;
  EXPECT_EQ(f.transport->request_count(), 3u);
}

TEST(ConnectionRetryTest, PostIsNotRetriedOn5xxUnlessOptedIn) {
  Fixture f;
  f.transport->PushResponse(500, R"({"message":"Internal server error"})");
  f.transport->PushResponse(200, R"({"contact":{"id":"new"}})");
  auto res = f.MakeClient().Send(Req("POST", "/contacts/", R"({"firstName":"A"})"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().http_status, 500);
  EXPECT_EQ(f.transport->request_count(), 1u);
  EXPECT_TRUE(f.time.sleeps().empty());
  EXPECT_NE(res.error().hint.find("POST is not retried"), std::string::npos) << res.error().hint;

  Fixture g;
  g.transport->PushResponse(500, "");
  g.transport->PushResponse(200, R"({"contacts":[]})");
  ApiRequest search = Req("POST", "/contacts/search", R"({"locationId":"L"})");
  search.retry_non_idempotent = true;
  auto ok = g.MakeClient().Send(search);
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(g.transport->request_count(), 2u);
}

TEST(ConnectionRetryTest, PostIsNotRetriedOnNetworkErrors) {
  Fixture f;
  f.transport->PushNetworkError("Connection reset by peer");
  f.transport->PushResponse(200, "{}");
  auto res = f.MakeClient().Send(Req("POST", "/contacts/", "{}"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kNetwork);
  EXPECT_EQ(res.error().endpoint_id, "contacts.create-contact");
  EXPECT_EQ(f.transport->request_count(), 1u);
}

TEST(ConnectionRetryTest, GetIsRetriedOnNetworkErrors) {
  Fixture f;
  f.transport->PushNetworkError();
  f.transport->PushResponse(200, "{}");
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(f.time.sleeps(), std::vector<milliseconds>{milliseconds(500)});
}

TEST(ConnectionRetryTest, HonoursRetryAfterOn429EvenForPost) {
  Fixture f;
  http::Headers h;
  h.Set("Retry-After", "3");
  f.transport->PushResponse(429, R"({"message":"Too many requests"})", h);
  f.transport->PushResponse(200, R"({"contacts":[]})");
  auto res = f.MakeClient().Send(Req("POST", "/contacts/search", R"({"locationId":"L"})"));
  ASSERT_TRUE(res.ok());
  EXPECT_EQ(f.time.sleeps(), std::vector<milliseconds>{milliseconds(3000)});
  auto sends = f.transport->send_times();
  ASSERT_EQ(sends.size(), 2u);
  EXPECT_GE(sends[1] - sends[0], milliseconds(3000));
}

TEST(ConnectionRetryTest, RetryAfterBeyondTheCapEndsTheLoop) {
  Fixture f;
  f.options.retry.max_retry_after = milliseconds(60000);
  http::Headers h;
  h.Set("Retry-After", "3600");
  h.Set("X-RateLimit-Max", "100");
  h.Set("X-RateLimit-Remaining", "0");
  h.Set("X-RateLimit-Interval-Milliseconds", "10000");
  f.transport->PushResponse(429, R"({"statusCode":429,"message":"Too Many Requests"})", h);
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().http_status, 429);
  EXPECT_NE(res.error().hint.find("Max=100"), std::string::npos) << res.error().hint;
  EXPECT_EQ(f.transport->request_count(), 1u);
}

// --- headers and Version --------------------------------------------------------------------

TEST(ConnectionHeadersTest, SendsAuthAcceptAndTheEndpointsVersion) {
  Fixture f;
  f.transport->SetHandler([](const http::Request&) -> Result<http::Response> {
    http::Response r;
    r.status = 200;
    r.body = "{}";
    return r;
  });
  Client client = f.MakeClient();
  ASSERT_TRUE(client.Send(Req("POST", "/contacts/search", R"({"locationId":"L"})")).ok());
  ASSERT_TRUE(client
                  .Send(Req("POST", "/conversations/messages",
                            R"({"type":"SMS","contactId":"c1","message":"hi"})"))
                  .ok());
  ASSERT_TRUE(client.Send(Req("GET", "/conversations/conv1/messages")).ok());
  auto reqs = f.transport->requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_EQ(reqs[0].headers.Get("Version"), "2021-07-28");
  EXPECT_EQ(reqs[1].headers.Get("Version"), "2021-04-15");
  EXPECT_EQ(reqs[2].headers.Get("Version"), "2021-04-15");
  EXPECT_EQ(reqs[0].headers.Get("Authorization"), "Bearer secret-token");
  EXPECT_EQ(reqs[0].headers.Get("Accept"), "application/json");
  EXPECT_EQ(reqs[0].headers.Get("Content-Type"), "application/json");
  EXPECT_FALSE(reqs[2].headers.Has("Content-Type"));  // no body, no Content-Type
  EXPECT_EQ(reqs[0].target, "http://ghl.test/contacts/search");
  EXPECT_TRUE(f.warnings.empty());
}

TEST(ConnectionHeadersTest, VersionOverrideWarnsWhenItDiffersFromTheSpec) {
  Fixture f;
  f.transport->SetHandler([](const http::Request&) -> Result<http::Response> {
    http::Response r;
    r.status = 200;
    r.body = "{}";
    return r;
  });
  Client client = f.MakeClient();
  ApiRequest same = Req("POST", "/contacts/search", "{}");
  same.version = "2021-07-28";
  ASSERT_TRUE(client.Send(same).ok());
  EXPECT_TRUE(f.warnings.empty());

  ApiRequest other = Req("POST", "/contacts/search", "{}");
  other.headers.Set("Version", "2021-04-15");  // -H 'Version: …' in the CLI
  ASSERT_TRUE(client.Send(other).ok());
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("'2021-04-15' differs from the spec value '2021-07-28'"),
            std::string::npos)
      << f.warnings[0];
  EXPECT_NE(f.warnings[0].find("contacts.search-contacts-advanced"), std::string::npos);
  auto reqs = f.transport->requests();
  EXPECT_EQ(reqs[1].headers.Get("Version"), "2021-04-15");
  auto versions =
      std::count_if(reqs[1].headers.fields().begin(), reqs[1].headers.fields().end(),
                    [](const auto& h) { return http::EqualsIgnoreCase(h.first, "Version"); });
  EXPECT_EQ(versions, 1);  // exactly one Version header, the override
}

TEST(ConnectionHeadersTest, UnknownPathGetsTheDefaultVersionAndAWarning) {
  Fixture f;
  f.transport->PushResponse(404, R"({"statusCode":404,"message":"Cannot POST /contact/search"})");
  auto res = f.MakeClient().Send(Req("POST", "/contact/search", "{}"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(f.transport->requests()[0].headers.Get("Version"),
            std::string(catalog::kDefaultVersion));
  ASSERT_EQ(f.warnings.size(), 1u);
  EXPECT_NE(f.warnings[0].find("not in the endpoint catalog"), std::string::npos);
  EXPECT_NE(res.error().hint.find("/contacts/search"), std::string::npos) << res.error().hint;
}

TEST(ConnectionHeadersTest, NoTokenIsAUsageErrorAndNothingIsSent) {
  Fixture f;
  f.options.token.clear();
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(f.transport->request_count(), 0u);
}

TEST(ConnectionHeadersTest, BadMethodAndPathAreUsageErrors) {
  Fixture f;
  auto bad_method = f.MakeClient().Send(Req("FETCH", "/contacts/c1"));
  ASSERT_FALSE(bad_method.ok());
  EXPECT_EQ(bad_method.error().kind, ErrorKind::kUsage);
  auto bad_path = f.MakeClient().Send(Req("GET", "contacts/c1"));
  ASSERT_FALSE(bad_path.ok());
  EXPECT_EQ(bad_path.error().kind, ErrorKind::kUsage);
  auto placeholder = f.MakeClient().Send(Req("GET", "/contacts/{contactId}"));
  ASSERT_FALSE(placeholder.ok());
  EXPECT_NE(placeholder.error().messages[0].find("{contactId}"), std::string::npos);
  EXPECT_EQ(f.transport->request_count(), 0u);
}

TEST(ConnectionHeadersTest, TokenNeverAppearsInErrorsOrWarnings) {
  Fixture f;
  f.transport->PushResponse(401, R"({"statusCode":401,"message":"Invalid JWT"})");
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().Describe().find("secret-token"), std::string::npos);
  for (const auto& w : f.warnings) EXPECT_EQ(w.find("secret-token"), std::string::npos);
}

// --- location fill --------------------------------------------------------------------------

TEST(ConnectionLocationTest, FillsLocationWhereTheEndpointTakesIt) {
  Fixture f;
  f.options.default_location_id = "LOC1";
  f.transport->SetHandler([](const http::Request&) -> Result<http::Response> {
    http::Response r;
    r.status = 200;
    r.body = "{}";
    return r;
  });
  Client client = f.MakeClient();
  ASSERT_TRUE(client.Send(Req("GET", "/opportunities/search?status=open")).ok());
  ASSERT_TRUE(client.Send(Req("POST", "/contacts/search", R"({"pageLimit":10})")).ok());
  ASSERT_TRUE(client.Send(Req("GET", "/locations/{locationId}/customFields")).ok());
  ApiRequest given = Req("GET", "/opportunities/search");
  given.query = {{"location_id", "OTHER"}};
  ASSERT_TRUE(client.Send(given).ok());
  ASSERT_TRUE(client.Send(Req("GET", "/contacts/c1")).ok());

  auto reqs = f.transport->requests();
  EXPECT_EQ(QueryOf(reqs[0]), (std::vector<std::pair<std::string, std::string>>{
                                  {"status", "open"}, {"location_id", "LOC1"}}));
  auto body = nlohmann::json::parse(reqs[1].body);
  EXPECT_EQ(body["locationId"], "LOC1");
  EXPECT_EQ(body["pageLimit"], 10);
  EXPECT_EQ(reqs[2].target, "http://ghl.test/locations/LOC1/customFields");
  EXPECT_EQ(QueryOf(reqs[3]),
            (std::vector<std::pair<std::string, std::string>>{{"location_id", "OTHER"}}));
  EXPECT_EQ(reqs[4].target, "http://ghl.test/contacts/c1");  // takes no location
}

// --- pacing and quota through the connection ------------------------------------------------

TEST(ConnectionPacingTest, LearnsSandboxLimitsAndNeverExceedsThem) {
  Fixture f;
  FakeTime time = f.time;
  auto sends = std::make_shared<std::vector<std::chrono::steady_clock::time_point>>();
  f.transport->SetHandler([time, sends](const http::Request&) mutable -> Result<http::Response> {
    auto now = time.Now();
    sends->push_back(now);
    auto in_window = std::count_if(sends->begin(), sends->end(),
                                   [&](auto t) { return t > now - milliseconds(1000); });
    http::Response r;
    r.status = in_window > 20 ? 429 : 200;
    r.body = "{}";
    r.headers.Set("X-RateLimit-Max", "20");
    r.headers.Set("X-RateLimit-Remaining", std::to_string(std::max<long>(0, 20 - in_window)));
    r.headers.Set("X-RateLimit-Interval-Milliseconds", "1000");
    r.headers.Set("X-RateLimit-Limit-Daily", "200000");
    r.headers.Set("X-RateLimit-Daily-Remaining", "150000");
    time.Advance(milliseconds(2));  // round trip
    return r;
  });
  Client client = f.MakeClient();
  for (int i = 0; i < 300; ++i) {
    auto res = client.Send(Req("GET", "/contacts/c1"));
    ASSERT_TRUE(res.ok()) << "request " << i << ": " << res.error().Describe();
    ASSERT_EQ(res->attempts, 1) << "request " << i << " was retried: a 429 was received";
  }
  double seconds = std::chrono::duration<double>(sends->back() - sends->front()).count();
  EXPECT_GE(299 / seconds, 19.0);
}

TEST(ConnectionPacingTest, SpentDailyQuotaStopsWithoutSending) {
  Fixture f;
  f.options.default_location_id = "LOC1";
  http::Headers h;
  h.Set("X-RateLimit-Limit-Daily", "200000");
  h.Set("X-RateLimit-Daily-Remaining", "0");
  f.transport->PushResponse(200, "{}", h);
  Client client = f.MakeClient();
  ASSERT_TRUE(client.Send(Req("POST", "/contacts/search", "{}")).ok());
  auto refused = client.Send(Req("POST", "/contacts/search", "{}"));
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kRateLimit);
  EXPECT_NE(refused.error().messages[0].find("daily quota of 200000 requests spent for "
                                             "location LOC1"),
            std::string::npos)
      << refused.error().messages[0];
  EXPECT_EQ(refused.error().endpoint_id, "contacts.search-contacts-advanced");
  EXPECT_EQ(f.transport->request_count(), 1u);
}

// --- URL safety (path encoding, dot segments, base URL, header injection) --------------------

TEST(ConnectionUrlTest, PathSegmentsArePercentEncodedOnceKeepingSlashes) {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.transport->PushResponse(200, "{}");
  Client client = f.MakeClient();
  ASSERT_TRUE(client.Send(Req("GET", "/contacts/a b")).ok());
  ASSERT_TRUE(client.Send(Req("GET", "/contacts/caf\xC3\xA9")).ok());
  ASSERT_TRUE(client.Send(Req("GET", "/contacts/a%20b")).ok());
  ASSERT_TRUE(client.Send(Req("GET", "/contacts/a#b\"<>")).ok());
  auto sent = f.transport->requests();
  ASSERT_EQ(sent.size(), 4u);
  EXPECT_EQ(sent[0].target, "http://ghl.test/contacts/a%20b");
  EXPECT_EQ(sent[1].target, "http://ghl.test/contacts/caf%C3%A9");
  EXPECT_EQ(sent[2].target, "http://ghl.test/contacts/a%20b");  // not double-encoded
  EXPECT_EQ(sent[3].target, "http://ghl.test/contacts/a%23b%22%3C%3E");
  auto prepared = client.Prepare(Req("GET", "/contacts/a b"));
  ASSERT_TRUE(prepared.ok());
  ASSERT_NE(prepared->endpoint, nullptr);  // still matches GET /contacts/{contactId}
}

TEST(ConnectionUrlTest, DotSegmentsAreRefusedNamingTheSegment) {
  Fixture f;
  Client client = f.MakeClient();
  for (const char* path : {"/contacts/../locations/L1", "/contacts/./c1", "/contacts/%2e%2E/x",
                           "/contacts/%2E", "/contacts/.."}) {
    auto res = client.Send(Req("GET", path));
    ASSERT_FALSE(res.ok()) << path;
    EXPECT_EQ(res.error().kind, ErrorKind::kUsage) << path;
    EXPECT_NE(res.error().messages[0].find("segment '"), std::string::npos) << path;
  }
  ApiRequest placeholder = Req("GET", "/contacts/{contactId}");
  placeholder.path_params = {{"contactId", ".."}};
  auto res = client.Send(placeholder);
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(f.transport->request_count(), 0u);
  // Dots inside a segment are fine.
  f.transport->PushResponse(200, "{}");
  EXPECT_TRUE(client.Send(Req("GET", "/contacts/a.b..c")).ok());
}

TEST(ConnectionUrlTest, PathParamWithQueryOrFragmentCharsStaysInTheSegment) {
  Fixture f;
  f.transport->PushResponse(200, "{}");
  ApiRequest r = Req("GET", "/contacts/{contactId}");
  r.path_params = {{"contactId", "a?b#c/d"}};
  ASSERT_TRUE(f.MakeClient().Send(r).ok());
  EXPECT_EQ(f.transport->requests()[0].target, "http://ghl.test/contacts/a%3Fb%23c%2Fd");
}

TEST(ConnectionUrlTest, NonHttpBaseUrlIsAUsageErrorAndNothingIsSent) {
  for (const char* base :
       {"ftp://ghl.test", "file:///etc", "ghl.test", "http://", "https://:80", "http://host?x=1"}) {
    Fixture f;
    f.options.base_url = base;
    auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
    ASSERT_FALSE(res.ok()) << base;
    EXPECT_EQ(res.error().kind, ErrorKind::kUsage) << base;
    EXPECT_NE(res.error().messages[0].find("base URL must be http(s)://host[:port]"),
              std::string::npos)
        << base;
    EXPECT_EQ(f.transport->request_count(), 0u) << base;
  }
  Fixture ok;
  ok.options.base_url = "HTTPS://127.0.0.1:8080/prefix";
  ok.transport->PushResponse(200, "{}");
  EXPECT_TRUE(ok.MakeClient().Send(Req("GET", "/contacts/c1")).ok());
}

TEST(ConnectionUrlTest, UsageKindTransportFailuresAreNeverRetried) {
  Fixture f;
  f.transport->SetHandler([](const http::Request&) -> Result<http::Response> {
    return UsageError("URL using bad/illegal format or missing URL");
  });
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(f.transport->request_count(), 1u);
}

TEST(ConnectionHeadersTest, ControlCharactersInHeadersAreRefused) {
  Fixture f;
  Client client = f.MakeClient();
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"X-A", "v\r\nX-Injected: 1"},
                                                        {"X-B\r\nX-Injected", "v"},
                                                        {"X-C", "a\nb"},
                                                        {"X-D", std::string("a\0b", 3)},
                                                        {"X-E", "tab\there"},
                                                        {"Bad Name", "v"}}) {
    ApiRequest r = Req("GET", "/contacts/c1");
    r.headers.Add(name, value);
    auto res = client.Send(r);
    ASSERT_FALSE(res.ok()) << name;
    EXPECT_EQ(res.error().kind, ErrorKind::kUsage) << name;
    EXPECT_NE(res.error().messages[0].find("header '"), std::string::npos) << name;
  }
  EXPECT_EQ(f.transport->request_count(), 0u);
}

TEST(ConnectionHeadersTest, TokenAndVersionWithLineBreaksAreRefusedBeforeAnyByteIsSent) {
  Fixture f;
  f.options.token = "pit-token\r\nX-Injected: 1";
  auto res = f.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(res.error().messages[0], "the token contains a carriage return (CR) at character 10");
  Fixture g;
  ApiRequest r = Req("GET", "/contacts/c1");
  r.version = "2021-07-28\nX-Injected: 1";
  auto v = g.MakeClient().Send(r);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.error().messages[0], "the Version value contains a line break (LF) at character 11");
  Fixture b;
  b.options.token = "Bearer pit-token";
  auto bearer = b.MakeClient().Send(Req("GET", "/contacts/c1"));
  ASSERT_FALSE(bearer.ok());
  EXPECT_EQ(bearer.error().messages[0], "the token starts with 'Bearer '");
  EXPECT_EQ(
      f.transport->request_count() + g.transport->request_count() + b.transport->request_count(),
      0u);
}

// --- media types and operations without security ---------------------------------------------

TEST(ConnectionMediaTypeTest, OAuthTokenExchangeIsFormEncodedWithoutAuthorizationOrToken) {
  Fixture f;
  f.options.token.clear();  // the exchange needs no token
  f.transport->PushResponse(200, R"({"access_token":"x"})");
  auto res = f.MakeClient().Send(
      Req("POST", "/oauth/token",
          R"({"client_id":"cid","client_secret":"s3cr&t","grant_type":"authorization_code",)"
          R"("code":"c0de","user_type":"Location"})"));
  ASSERT_TRUE(res.ok()) << res.error().Describe();
  auto sent = f.transport->requests().at(0);
  EXPECT_EQ(sent.headers.GetOr("Content-Type", ""), "application/x-www-form-urlencoded");
  EXPECT_FALSE(sent.headers.Has("Authorization"));
  EXPECT_EQ(sent.body,
            "client_id=cid&client_secret=s3cr%26t&code=c0de&grant_type=authorization_code&"
            "user_type=Location");
  // A configured token is not sent to it either: the client credentials authenticate.
  Fixture g;
  g.transport->PushResponse(200, "{}");
  ASSERT_TRUE(g.MakeClient().Send(Req("POST", "/oauth/token", R"({"client_id":"c"})")).ok());
  EXPECT_FALSE(g.transport->requests().at(0).headers.Has("Authorization"));
}

TEST(ConnectionMediaTypeTest, LocationTokenIsFormEncodedWithTheAgencyToken) {
  Fixture f;
  f.transport->PushResponse(200, "{}");
  auto res = f.MakeClient().Send(
      Req("POST", "/oauth/locationToken", R"({"companyId":"co1","locationId":"L1"})"));
  ASSERT_TRUE(res.ok()) << res.error().Describe();
  auto sent = f.transport->requests().at(0);
  EXPECT_EQ(sent.headers.GetOr("Content-Type", ""), "application/x-www-form-urlencoded");
  EXPECT_EQ(sent.headers.GetOr("Authorization", ""), "Bearer secret-token");
  EXPECT_EQ(sent.body, "companyId=co1&locationId=L1");
}

TEST(ConnectionMediaTypeTest, UploadsAreMultipartWithTheFile) {
  Fixture f;
  f.transport->PushResponse(200, "{}");
  ApiRequest r = Req("POST", "/medias/upload-file", R"({"name":"logo.png"})");
  r.files.push_back({"file", "logo.png", "image/png", "PNGDATA"});
  auto res = f.MakeClient().Send(r);
  ASSERT_TRUE(res.ok()) << res.error().Describe();
  auto sent = f.transport->requests().at(0);
  std::string type = sent.headers.GetOr("Content-Type", "");
  ASSERT_EQ(type.rfind("multipart/form-data; boundary=ghlkit-", 0), 0u) << type;
  std::string boundary = type.substr(type.find('=') + 1);
  EXPECT_EQ(sent.body, "--" + boundary +
                           "\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nlogo.png\r\n"
                           "--" +
                           boundary +
                           "\r\nContent-Disposition: form-data; name=\"file\"; "
                           "filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA\r\n"
                           "--" +
                           boundary + "--\r\n");
  EXPECT_EQ(res->request_body, R"({"name":"logo.png"})");
}

TEST(ConnectionMediaTypeTest, TooDeepBodyIsAUsageErrorNamingWhere) {
  Fixture f;
  std::string body = R"({"filters":)";
  for (int i = 0; i < 20000; ++i) body += R"([{"group":"AND","filters":)";
  auto res = f.MakeClient().Send(Req("POST", "/contacts/search", body));
  ASSERT_FALSE(res.ok());
  EXPECT_EQ(res.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(res.error().messages[0].rfind("the request body is nested deeper than 64 levels at "
                                          "filters[0].filters[0]",
                                          0),
            0u)
      << res.error().messages[0];
  EXPECT_EQ(f.transport->request_count(), 0u);
}

}  // namespace
}  // namespace ghl::client
