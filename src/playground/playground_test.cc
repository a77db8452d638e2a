// The playground handler without sockets (the fake upstream is a real HttpServer on
// 127.0.0.1 port 0, reached through the production curl transport).
#include "ghl/playground/playground.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ghl/server/http_server.h"

namespace ghl::playground {
namespace {

using nlohmann::json;
constexpr uint16_t kPort = 8123;
constexpr std::string_view kToken = "pit-secret-token-0123456789";

// A stand-in for GHL: records what it received and answers what the test sets.
class FakeUpstream {
 public:
  FakeUpstream() {
    server_ = std::make_unique<server::HttpServer>(server::ServerOptions{},
                                                   [this](const http::Request& r) {
                                                     std::lock_guard lock(mu_);
                                                     received_.push_back(r);
                                                     if (delay_.count() > 0)
                                                       std::this_thread::sleep_for(delay_);
                                                     return answer_;
                                                   });
    port_ = server_->Start();
    answer_ = server::JsonResponse(200, R"({"contacts":[{"id":"c1"}],"total":1})");
    answer_.headers.Set("X-RateLimit-Max", "100");
    answer_.headers.Set("X-RateLimit-Remaining", "99");
    answer_.headers.Set("X-RateLimit-Interval-Milliseconds", "10000");
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Answer(http::Response r) {
    std::lock_guard lock(mu_);
    answer_ = std::move(r);
  }
  void Delay(std::chrono::milliseconds d) {
    std::lock_guard lock(mu_);
    delay_ = d;
  }
  std::vector<http::Request> received() {
    std::lock_guard lock(mu_);
    return received_;
  }

 private:
  std::mutex mu_;
  std::vector<http::Request> received_;
  http::Response answer_;
  std::chrono::milliseconds delay_{0};
  std::unique_ptr<server::HttpServer> server_;
  uint16_t port_ = 0;
};

class PlaygroundTest : public ::testing::Test {
 protected:
  void SetUp() override { Make(PlaygroundOptions{}); }
  void Make(PlaygroundOptions options) {
    options.upstream = upstream_.base() + "/";  // trailing '/' is dropped
    options.port = kPort;
    options.default_location_id = "loc-1";
    playground_ = std::make_unique<Playground>(std::move(options));
  }
  static http::Request Get(std::string target) {
    http::Request r;
    r.method = "GET";
    r.target = std::move(target);
    r.headers.Set("Host", "127.0.0.1:" + std::to_string(kPort));
    return r;
  }
  static http::Request Send(const json& body) {
    http::Request r = Get("/api/send");
    r.method = "POST";
    r.headers.Set("Origin", "http://127.0.0.1:" + std::to_string(kPort));
    r.headers.Set("Content-Type", "application/json");
    r.body = body.dump();
    return r;
  }
  static json SearchCall() {
    return {{"method", "POST"},
            {"path", "/contacts/search"},
            {"body", {{"locationId", "loc-1"}, {"pageLimit", 20}}},
            {"token", kToken}};
  }
  http::Response Call(const http::Request& r) { return playground_->Handle(r); }

  FakeUpstream upstream_;
  std::unique_ptr<Playground> playground_;
};

TEST_F(PlaygroundTest, ServesThePageWithAStrictCsp) {
  auto r = Call(Get("/"));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.headers.GetOr("Content-Type", ""), "text/html; charset=utf-8");
  std::string csp = r.headers.GetOr("Content-Security-Policy", "");
  EXPECT_NE(csp.find("default-src 'none'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("script-src 'sha256-"), std::string::npos) << csp;
  EXPECT_NE(csp.find("connect-src 'self'"), std::string::npos) << csp;
  EXPECT_NE(csp.find("frame-ancestors 'none'"), std::string::npos) << csp;
  EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos) << csp;
  EXPECT_EQ(r.headers.GetOr("X-Content-Type-Options", ""), "nosniff");
  EXPECT_EQ(r.body, PageHtml());
  for (const char* id :
       {"id=\"token\"", "id=\"location\"", "id=\"endpoint-search\"", "id=\"endpoint-list\"",
        "id=\"send\"", "id=\"status\"", "id=\"response\"", "id=\"explanation\"",
        "id=\"rate-limit\"", "id=\"copy-curl\"", "id=\"share-link\"", "id=\"history\""}) {
    EXPECT_NE(r.body.find(id), std::string::npos) << id;
  }
  // Nothing is loaded from another origin.
  EXPECT_EQ(r.body.find("src=\"http"), std::string::npos);
  EXPECT_EQ(r.body.find("href=\"http"), std::string::npos);
}

TEST_F(PlaygroundTest, ServesTheCatalog) {
  auto r = Call(Get("/api/catalog"));
  ASSERT_EQ(r.status, 200);
  json catalog = json::parse(r.body);
  ASSERT_TRUE(catalog.is_array());
  EXPECT_EQ(catalog.size(), 576u);
  bool found = false;
  for (const auto& ep : catalog) {
    if (ep["method"] == "POST" && ep["path"] == "/contacts/search") {
      found = true;
      EXPECT_EQ(ep["version"], "2021-07-28");
    }
  }
  EXPECT_TRUE(found);
}

// The search box ranks on the server with the catalog's one ranking function.
TEST_F(PlaygroundTest, SearchesEndpointsByPurpose) {
  auto r = Call(Get("/api/endpoints/search?q=send+sms&limit=3"));
  ASSERT_EQ(r.status, 200);
  json found = json::parse(r.body);
  EXPECT_EQ(found["query"], "send sms");
  ASSERT_EQ(found["results"].size(), 3u);
  EXPECT_EQ(found["results"][0]["id"], "conversations.send-a-new-message");
  EXPECT_GE(found["results"][0]["score"].get<double>(), found["results"][1]["score"].get<double>());
  auto book = json::parse(Call(Get("/api/endpoints/search?q=book%20appointment")).body);
  EXPECT_EQ(book["results"][0]["id"], "calendars.create-appointment");
  EXPECT_TRUE(json::parse(Call(Get("/api/endpoints/search?q=")).body)["results"].empty());
  EXPECT_EQ(Call(Get("/api/endpoints/search?q=x&limit=0")).status, 400);
  EXPECT_EQ(Call(Get("/api/endpoints/search?q=x&limit=abc")).status, 400);
  // The catalog the page loads carries the titles and deprecation it shows.
  json catalog = json::parse(Call(Get("/api/catalog")).body);
  for (const auto& ep : catalog) {
    if (ep["id"] == "contacts.get-contacts") {
      EXPECT_EQ(ep["deprecated"], true);
      EXPECT_EQ(ep["replacedBy"], "contacts.search-contacts-advanced");
      EXPECT_EQ(ep["title"], "List contacts");
    }
  }
}

TEST_F(PlaygroundTest, ConfigNamesTheUpstreamButHasNoToken) {
  auto r = Call(Get("/api/config"));
  ASSERT_EQ(r.status, 200);
  json config = json::parse(r.body);
  EXPECT_EQ(config["upstream"], upstream_.base());
  EXPECT_EQ(config["sandbox"], false);
  EXPECT_EQ(config["locationId"], "loc-1");
  EXPECT_EQ(config["defaultVersion"], "2021-07-28");
  EXPECT_FALSE(config.contains("token"));
}

TEST_F(PlaygroundTest, UnknownRouteAndWrongMethod) {
  EXPECT_EQ(Call(Get("/nope")).status, 404);
  EXPECT_EQ(Call(Get("/api/send")).status, 405);
  auto post_page = Get("/");
  post_page.method = "POST";
  EXPECT_EQ(Call(post_page).status, 405);
}

TEST_F(PlaygroundTest, RefusesForeignHostOnEveryRoute) {
  for (const char* target : {"/", "/api/catalog", "/api/config", "/api/endpoints/search?q=x"}) {
    auto r = Get(target);
    r.headers.Set("Host", "rebound.evil.example:" + std::to_string(kPort));
    EXPECT_EQ(Call(r).status, 403) << target;
  }
  auto send = Send(SearchCall());
  send.headers.Set("Host", "rebound.evil.example:" + std::to_string(kPort));
  send.headers.Remove("Origin");
  EXPECT_EQ(Call(send).status, 403);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, RefusesCrossSiteOrigin) {
  auto r = Send(SearchCall());
  r.headers.Set("Origin", "https://evil.example");
  auto answer = Call(r);
  EXPECT_EQ(answer.status, 403);
  EXPECT_NE(json::parse(answer.body)["error"]["summary"].get<std::string>().find("cross-origin"),
            std::string::npos);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, RefusesFormPostsWithoutJsonContentType) {
  auto r = Send(SearchCall());
  r.headers.Set("Content-Type", "text/plain");
  EXPECT_EQ(Call(r).status, 415);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, RefusesAbsoluteUrlsAndTraversal) {
  for (const char* path : {"http://evil.example/x", "//evil.example/x", "/contacts/../admin",
                           "/contacts/%2e%2e/x", "/contacts\r\nHost: evil", "contacts"}) {
    json call = SearchCall();
    call["path"] = path;
    auto r = Call(Send(call));
    EXPECT_EQ(r.status, 400) << path;
    EXPECT_TRUE(json::parse(r.body)["error"].contains("hint")) << path;
  }
  json call = SearchCall();
  call["headers"] = {{"X-Ok", "1\r\nX-Injected: yes"}};
  EXPECT_EQ(Call(Send(call)).status, 400);
  call["headers"] = {{"Host", "evil.example"}};
  EXPECT_EQ(Call(Send(call)).status, 400);
  call["headers"] = {{"Authorization", "Bearer other"}};
  EXPECT_EQ(Call(Send(call)).status, 400);
  call = SearchCall();
  call["method"] = "CONNECT";
  EXPECT_EQ(Call(Send(call)).status, 400);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, RefusesOversizedRequestBodies) {
  PlaygroundOptions options;
  options.max_request_bytes = 1000;
  Make(options);
  json call = SearchCall();
  call["body"]["query"] = std::string(2000, 'x');
  auto r = Call(Send(call));
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, ForwardsWithTheCatalogsVersionAndTheToken) {
  auto r = Call(Send(SearchCall()));
  ASSERT_EQ(r.status, 200) << r.body;
  auto received = upstream_.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& sent = received[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.target, "/contacts/search");
  EXPECT_EQ(sent.headers.GetOr("Version", ""), "2021-07-28");
  EXPECT_EQ(sent.headers.GetOr("Authorization", ""), "Bearer " + std::string(kToken));
  EXPECT_EQ(sent.headers.GetOr("Content-Type", ""), "application/json");
  EXPECT_EQ(json::parse(sent.body), json({{"locationId", "loc-1"}, {"pageLimit", 20}}));

  json answer = json::parse(r.body);
  EXPECT_EQ(answer["status"], 200);
  EXPECT_EQ(answer["ok"], true);
  EXPECT_TRUE(answer["timeMs"].is_number());
  EXPECT_EQ(answer["body"]["contacts"][0]["id"], "c1");
  EXPECT_EQ(answer["bodyIsJson"], true);
  EXPECT_EQ(answer["rateLimit"]["max"], "100");
  EXPECT_EQ(answer["rateLimit"]["remaining"], "99");
  EXPECT_EQ(answer["rateLimit"]["intervalMilliseconds"], "10000");
  EXPECT_EQ(answer["headers"]["x-ratelimit-remaining"], "99");
  EXPECT_EQ(answer["endpoint"]["id"], "contacts.search-contacts-advanced");
  EXPECT_FALSE(answer.contains("error"));
  std::string curl = answer["request"]["curl"];
  EXPECT_NE(curl.find("Bearer $GHL_TOKEN"), std::string::npos) << curl;
  EXPECT_NE(curl.find("Version: 2021-07-28"), std::string::npos) << curl;
  EXPECT_EQ(r.body.find(kToken), std::string::npos) << "token echoed: " << r.body;
}

TEST_F(PlaygroundTest, UsesEachEndpointsOwnVersionOrTheOverride) {
  json call = {{"method", "POST"},
               {"path", "/conversations/messages"},
               {"body", {{"type", "SMS"}}},
               {"token", kToken}};
  ASSERT_EQ(Call(Send(call)).status, 200);
  call["version"] = "2021-07-28";
  ASSERT_EQ(Call(Send(call)).status, 200);
  call.erase("version");
  call["headers"] = {{"Version", "2023-02-21"}};
  ASSERT_EQ(Call(Send(call)).status, 200);
  auto received = upstream_.received();
  ASSERT_EQ(received.size(), 3u);
  EXPECT_EQ(received[0].headers.GetOr("Version", ""), "2021-04-15");
  EXPECT_EQ(received[1].headers.GetOr("Version", ""), "2021-07-28");
  EXPECT_EQ(received[2].headers.GetOr("Version", ""), "2023-02-21");
}

TEST_F(PlaygroundTest, EncodesTheQueryAndSendsNoBodyForGet) {
  json call = {{"method", "GET"},
               {"path", "/contacts/"},
               {"token", kToken},
               {"query", {{"locationId", "loc 1"}, {"limit", 5}, {"tags", {"a&b", "c"}}}}};
  ASSERT_EQ(Call(Send(call)).status, 200);
  auto received = upstream_.received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].method, "GET");
  EXPECT_EQ(received[0].target, "/contacts/?limit=5&locationId=loc%201&tags=a%26b&tags=c");
  EXPECT_TRUE(received[0].body.empty());
  EXPECT_FALSE(received[0].headers.Has("Content-Type"));
}

TEST_F(PlaygroundTest, WithoutATokenNothingIsSentAndThePageIsTold) {
  json call = SearchCall();
  call.erase("token");
  auto r = Call(Send(call));
  EXPECT_EQ(r.status, 400);
  json answer = json::parse(r.body);
  EXPECT_NE(answer["error"]["summary"].get<std::string>().find("token"), std::string::npos);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, WarnsWhenTheVersionDiffersFromTheSpec) {
  json call = SearchCall();
  call["version"] = "2021-04-15";
  json answer = json::parse(Call(Send(call)).body);
  ASSERT_EQ(answer["warnings"].size(), 1u) << answer.dump();
  EXPECT_NE(answer["warnings"][0].get<std::string>().find("2021-07-28"), std::string::npos);
  EXPECT_EQ(answer["request"]["version"], "2021-04-15");
  EXPECT_TRUE(json::parse(Call(Send(SearchCall())).body)["warnings"].empty());
}

TEST_F(PlaygroundTest, NeverEchoesTheTokenEvenWhenTheUpstreamDoes) {
  http::Response echo = server::JsonResponse(
      401, std::string(R"({"message":"bad token Bearer )") + std::string(kToken) + R"("})");
  echo.headers.Set("X-Echo", std::string(kToken));
  upstream_.Answer(echo);
  auto r = Call(Send(SearchCall()));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find(kToken), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("***"), std::string::npos);
}

// A token pasted into a query field or the body by mistake is sent (the user asked for it) but
// never shown back: the curl has "$GHL_TOKEN" there too and stays runnable.
TEST_F(PlaygroundTest, TheCurlAndUrlNeverCarryTheTokenTypedIntoTheCall) {
  json get = {{"method", "GET"},
              {"path", "/contacts/"},
              {"token", kToken},
              {"query", {{"locationId", "loc-1"}, {"query", kToken}}}};
  auto r = Call(Send(get));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find(kToken), std::string::npos) << r.body;
  json answer = json::parse(r.body);
  std::string get_curl = answer["request"]["curl"];
  EXPECT_EQ(get_curl.rfind("curl -sS '" + upstream_.base() +
                               "/contacts/?locationId=loc-1&query='\"$GHL_TOKEN\"'' \\\n",
                           0),
            0u)
      << get_curl;
  EXPECT_NE(get_curl.find("-H \"Authorization: Bearer $GHL_TOKEN\""), std::string::npos);
  EXPECT_EQ(answer["request"]["url"], upstream_.base() + "/contacts/?locationId=loc-1&query=***");

  json post = SearchCall();
  post["body"]["query"] = kToken;
  r = Call(Send(post));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body.find(kToken), std::string::npos) << r.body;
  std::string curl = json::parse(r.body)["request"]["curl"];
  EXPECT_NE(curl.find(R"("query":"'"$GHL_TOKEN"'")"), std::string::npos) << curl;
  // What was sent upstream is what the user typed.
  auto received = upstream_.received();
  ASSERT_EQ(received.size(), 2u);
  EXPECT_NE(received[1].body.find(kToken), std::string::npos);
}

TEST_F(PlaygroundTest, ExplainsErrorsWithGhlsMessagesAndTraceId) {
  upstream_.Answer(server::JsonResponse(
      422, R"({"statusCode":422,"message":["email must be an email","phone too short"],)"
           R"("error":"Unprocessable Entity","traceId":"t-42"})"));
  auto r = Call(Send(SearchCall()));
  ASSERT_EQ(r.status, 200);
  json answer = json::parse(r.body);
  EXPECT_EQ(answer["status"], 422);
  EXPECT_EQ(answer["ok"], false);
  ASSERT_TRUE(answer.contains("error"));
  EXPECT_EQ(answer["error"]["messages"],
            json::array({"email must be an email", "phone too short"}));
  EXPECT_EQ(answer["error"]["traceId"], "t-42");
  EXPECT_EQ(answer["error"]["endpointId"], "contacts.search-contacts-advanced");
  EXPECT_NE(answer["error"]["summary"].get<std::string>().find("422"), std::string::npos);
  // The fix comes from libghl's error mapping.
  EXPECT_FALSE(answer["error"].value("hint", "").empty()) << answer["error"].dump();
}

TEST_F(PlaygroundTest, ScopeErrorsNameTheScopeToAdd) {
  upstream_.Answer(server::JsonResponse(
      401, R"({"statusCode":401,"message":"The token is not authorized for this scope."})"));
  json answer = json::parse(Call(Send(SearchCall())).body);
  EXPECT_EQ(answer["status"], 401);
  std::string hint = answer["error"].value("hint", "");
  EXPECT_NE(hint.find("contacts.readonly"), std::string::npos) << hint;
}

TEST_F(PlaygroundTest, KeepsNonJsonBodiesAsText) {
  http::Response text;
  text.status = 502;
  text.headers.Set("Content-Type", "text/html");
  text.body = "<html>bad gateway</html>";
  upstream_.Answer(text);
  json answer = json::parse(Call(Send(SearchCall())).body);
  EXPECT_EQ(answer["status"], 502);
  EXPECT_EQ(answer["bodyIsJson"], false);
  EXPECT_EQ(answer["body"], "<html>bad gateway</html>");
}

TEST_F(PlaygroundTest, AnAnswerNestedHundredThousandDeepIsShownAsTextAndTheServerLives) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  upstream_.Answer(server::JsonResponse(200, deep));
  auto r = Call(Send(SearchCall()));
  ASSERT_EQ(r.status, 200);
  json answer = json::parse(r.body);
  EXPECT_EQ(answer["bodyIsJson"], false);
  EXPECT_EQ(answer["body"].get<std::string>().size(), deep.size());
  upstream_.Answer(server::JsonResponse(200, R"({"contacts":[]})"));
  EXPECT_EQ(json::parse(Call(Send(SearchCall())).body)["bodyIsJson"], true);
}

TEST_F(PlaygroundTest, ACallNestedTooDeepIsRefusedNamingWhere) {
  http::Request r = Send(SearchCall());
  r.body = R"({"method":"POST","path":"/contacts/search","body":{"filters":)" +
           std::string(20000, '[') + std::string(20000, ']') + "}}";
  auto answer = Call(r);
  EXPECT_EQ(answer.status, 400);
  EXPECT_NE(json::parse(answer.body)["error"]["summary"].get<std::string>().find(
                "nested deeper than 64 levels at body.filters[0][0]"),
            std::string::npos)
      << answer.body.substr(0, 300);
  EXPECT_TRUE(upstream_.received().empty());
}

TEST_F(PlaygroundTest, OAuthTokenExchangeIsSentFormEncodedWithoutTheToken) {
  json call = {{"method", "POST"},
               {"path", "/oauth/token"},
               {"body",
                {{"client_id", "cid"},
                 {"client_secret", "cs"},
                 {"grant_type", "refresh_token"},
                 {"refresh_token", "rt"}}},
               {"token", kToken}};
  json answer = json::parse(Call(Send(call)).body);
  ASSERT_EQ(answer["status"], 200) << answer.dump();
  auto sent = upstream_.received().at(0);
  EXPECT_EQ(sent.headers.GetOr("Content-Type", ""), "application/x-www-form-urlencoded");
  EXPECT_FALSE(sent.headers.Has("Authorization"));
  EXPECT_EQ(sent.body, "client_id=cid&client_secret=cs&grant_type=refresh_token&refresh_token=rt");
  std::string curl = answer["request"]["curl"];
  // Shown with the one masking rule of every displayed request (ghl/client/curl_format.h).
  EXPECT_NE(curl.find("--data 'client_id=cid&client_secret=***&grant_type=refresh_token&"
                      "refresh_token=***'"),
            std::string::npos)
      << curl;
  // Without a token at all it is sent too: the operation declares no security.
  call.erase("token");
  EXPECT_EQ(json::parse(Call(Send(call)).body)["status"], 200);
}

TEST_F(PlaygroundTest, UploadsAFileAsMultipart) {
  json call = {{"method", "POST"},
               {"path", "/medias/upload-file"},
               {"body", {{"name", "Logo"}}},
               {"files",
                {{{"field", "file"},
                  {"filename", "logo.png"},
                  {"contentType", "image/png"},
                  {"base64", "iVBORw0KGgo="}}}},
               {"token", kToken}};
  json answer = json::parse(Call(Send(call)).body);
  ASSERT_EQ(answer["status"], 200) << answer.dump();
  auto sent = upstream_.received().at(0);
  EXPECT_EQ(sent.headers.GetOr("Content-Type", "").rfind("multipart/form-data; boundary=", 0), 0u);
  EXPECT_NE(sent.body.find("filename=\"logo.png\"\r\nContent-Type: image/png\r\n\r\n"
                           "\x89PNG\r\n\x1a\n\r\n"),
            std::string::npos);
  std::string curl = answer["request"]["curl"];
  EXPECT_NE(curl.find("--form-string 'name=Logo'"), std::string::npos) << curl;
  EXPECT_NE(curl.find("-F 'file=@logo.png;type=image/png'"), std::string::npos) << curl;
  EXPECT_EQ(curl.find("Content-Type"), std::string::npos) << curl;
  call["files"][0]["base64"] = "not base64!";
  EXPECT_EQ(Call(Send(call)).status, 400);
}

TEST_F(PlaygroundTest, CapsTheUpstreamAnswer) {
  PlaygroundOptions options;
  options.max_response_bytes = 1000;
  Make(options);
  upstream_.Answer(server::JsonResponse(200, "\"" + std::string(5000, 'x') + "\""));
  auto r = Call(Send(SearchCall()));
  EXPECT_EQ(r.status, 502);
  EXPECT_TRUE(json::parse(r.body).contains("error"));
}

TEST_F(PlaygroundTest, TimesOut) {
  PlaygroundOptions options;
  options.timeout = std::chrono::milliseconds(300);
  Make(options);
  upstream_.Delay(std::chrono::milliseconds(1500));
  auto started = std::chrono::steady_clock::now();
  auto r = Call(Send(SearchCall()));
  EXPECT_EQ(r.status, 504) << r.body;
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::milliseconds(1400));
}

TEST_F(PlaygroundTest, UnreachableUpstreamIs502WithoutTheToken) {
  uint16_t closed_port = 0;
  {
    server::HttpServer gone(server::ServerOptions{},
                            [](const http::Request&) { return http::Response{}; });
    closed_port = gone.Start();
  }
  PlaygroundOptions options;
  options.port = kPort;
  options.upstream = "http://127.0.0.1:" + std::to_string(closed_port);
  Playground playground(options);
  auto r = playground.Handle(Send(SearchCall()));
  EXPECT_EQ(r.status, 502) << r.body;
  EXPECT_EQ(r.body.find(kToken), std::string::npos);
}

}  // namespace
}  // namespace ghl::playground

namespace ghl::playground {
namespace {

TEST(PlaygroundPageTest, EmbeddedPageIsByteForByteTheSourceFile) {
  const char* source_dir = std::getenv("GHL_SOURCE_DIR");
  if (source_dir == nullptr) GTEST_SKIP() << "GHL_SOURCE_DIR is not set (run through ctest)";
  std::ifstream in(std::string(source_dir) + "/web/playground.html", std::ios::binary);
  ASSERT_TRUE(in) << "cannot read web/playground.html";
  std::string file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(file.size(), 30000u) << "the page should span several embedded chunks";
  EXPECT_EQ(PageHtml(), file);
}

TEST(PlaygroundPageTest, CspHashesEveryInlineScriptAndStyle) {
  const std::string& csp = PageContentSecurityPolicy();
  auto count = [](std::string_view hay, std::string_view needle) {
    size_t n = 0;
    for (size_t pos = hay.find(needle); pos != std::string_view::npos;
         pos = hay.find(needle, pos + 1)) {
      ++n;
    }
    return n;
  };
  EXPECT_EQ(count(csp, "'sha256-"), count(PageHtml(), "<script>") + count(PageHtml(), "<style>"));
  EXPECT_EQ(count(PageHtml(), "<script "), 0u) << "script tags with attributes are not hashed";
  EXPECT_EQ(count(PageHtml(), " style=\""), 0u) << "inline style attributes are blocked by the CSP";
  EXPECT_EQ(count(PageHtml(), " onclick="), 0u) << "inline handlers are blocked by the CSP";
}

}  // namespace
}  // namespace ghl::playground
