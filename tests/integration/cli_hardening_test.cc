// `ghl api` against a local recording server: operations are sent in the media type the
// catalog declares, without a token where the spec declares no security, and nothing that
// would smuggle a header leaves the process.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>

#include "ghl/http/transport.h"
#include "ghl/server/http_server.h"
#include "process.h"

namespace ghl::testing {
namespace {

class RecordingServer {
 public:
  RecordingServer()
      : server_(server::ServerOptions{}, [this](const http::Request& r) {
          std::lock_guard lock(mu_);
          requests_.push_back(r);
          http::Response res;
          res.status = 200;
          res.headers.Set("Content-Type", "application/json");
          res.body = R"({"access_token":"at","refresh_token":"rt"})";
          return res;
        }) {
    port_ = server_.Start();
  }
  ~RecordingServer() { server_.Stop(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<http::Request> requests_;
  server::HttpServer server_;
  int port_ = 0;
};

TEST(CliHardeningTest, OAuthTokenExchangeIsFormEncodedAndNeedsNoToken) {
  RecordingServer server;
  auto r =
      RunGhl({"api", "POST", "/oauth/token", "-f", "client_id=app1", "-f", "client_secret=s&cret",
              "-f", "grant_type=authorization_code", "-f", "code=c0de", "-f", "user_type=Location"},
             {{"GHL_BASE_URL", server.url()}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto sent = server.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].headers.GetOr("Content-Type", ""), "application/x-www-form-urlencoded");
  EXPECT_FALSE(sent[0].headers.Has("Authorization"));
  EXPECT_EQ(sent[0].body,
            "client_id=app1&client_secret=s%26cret&code=c0de&grant_type=authorization_code&"
            "user_type=Location");
  EXPECT_NE(r.out.find("\"access_token\""), std::string::npos);
}

TEST(CliHardeningTest, UploadSendsTheFileAsMultipart) {
  RecordingServer server;
  auto dir = std::filesystem::temp_directory_path() / ("ghl-upload-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  std::string file = (dir / "logo.png").string();
  std::ofstream(file, std::ios::binary) << std::string("\x89PNG\r\n\x1a\n\0data", 13);
  auto r = RunGhl({"api", "POST", "/medias/upload-file", "-F", "file=@" + file, "-f", "name=Logo"},
                  {{"GHL_BASE_URL", server.url()}, {"GHL_TOKEN", "pit-test"}});
  std::filesystem::remove_all(dir);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto sent = server.requests();
  ASSERT_EQ(sent.size(), 1u);
  std::string type = sent[0].headers.GetOr("Content-Type", "");
  ASSERT_EQ(type.rfind("multipart/form-data; boundary=", 0), 0u) << type;
  const std::string& body = sent[0].body;
  EXPECT_NE(body.find("Content-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n"
                      "Content-Type: image/png\r\n\r\n" +
                      std::string("\x89PNG\r\n\x1a\n\0data", 13) + "\r\n"),
            std::string::npos);
  EXPECT_NE(body.find("Content-Disposition: form-data; name=\"name\"\r\n\r\nLogo\r\n"),
            std::string::npos);
  EXPECT_EQ(sent[0].headers.GetOr("Authorization", ""), "Bearer pit-test");
}

TEST(CliHardeningTest, LineBreaksInTokenVersionOrHeaderAreRefusedBeforeAnyByteIsSent) {
  RecordingServer server;
  struct Case {
    std::vector<std::string> args;
    std::string token;
    std::string message;
  };
  std::vector<Case> cases = {
      {{},
       "pit-abc\n",
       "the token contains a line break (LF) at character 8 — was it read from "
       "a file with a trailing newline?"},
      {{}, "pit-abc\r\nX-Injected: 1", "the token contains a carriage return (CR) at character 8"},
      {{}, "Bearer pit-abc", "the token starts with 'Bearer '"},
      {{"--version-header", "2021-07-28\r\nX-Injected: 1"},
       "pit-abc",
       "the Version value contains a carriage return (CR) at character 11"},
      {{"-H", "X-Trace: a\x1b]0;owned\x07"},
       "pit-abc",
       "header 'X-Trace' contains a control character (byte 27) at character 2"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args = {"api", "GET", "/contacts/c1"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = RunGhl(args, {{"GHL_BASE_URL", server.url()}, {"GHL_TOKEN", c.token}});
    EXPECT_EQ(r.exit_code, 2) << c.message << "\n" << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("pit-abc"), std::string::npos) << "the token must never be printed";
  }
  EXPECT_EQ(server.requests().size(), 0u);
}

TEST(CliHardeningTest, AnswerNestedHundredThousandDeepIsPrintedRawWithAWarning) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  server::HttpServer upstream(server::ServerOptions{}, [&](const http::Request&) {
    http::Response res;
    res.status = 200;
    res.headers.Set("Content-Type", "application/json");
    res.body = deep;
    return res;
  });
  int port = upstream.Start();
  auto r = RunGhl(
      {"api", "GET", "/contacts/c1"},
      {{"GHL_BASE_URL", "http://127.0.0.1:" + std::to_string(port)}, {"GHL_TOKEN", "pit-test"}});
  upstream.Stop();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(r.out == deep + "\n") << "stdout holds " << r.out.size() << " bytes";
  EXPECT_NE(r.err.find("the answer is nested deeper than 64 levels"), std::string::npos) << r.err;
}

// The break-it trial's crash: 20,000 nested filter groups (560 KB, under the body cap) in
// POST /contacts/search took down `ghl serve --sandbox` with its receiver and automations.
TEST(ServeHardeningTest, NestedFilterGroupsNeitherCrashTheEmbeddedSandboxNorThePlayground) {
  ServeProcess serve({"--sandbox"});
  std::string out = serve.Stdout();
  auto at = out.find("Upstream:   ");
  ASSERT_NE(at, std::string::npos) << out;
  std::string sandbox_url = out.substr(at + 12, out.find(' ', at + 12) - at - 12);
  auto token_at = out.find("GHL_TOKEN=");
  std::string token = out.substr(token_at + 10, out.find_first_of(" \n", token_at) - token_at - 10);
  auto loc_at = out.find("GHL_LOCATION_ID=");
  std::string loc = out.substr(loc_at + 16, out.find_first_of(" \n", loc_at) - loc_at - 16);

  std::string filters;
  for (int i = 0; i < 20000; ++i) filters += R"([{"group":"AND","filters":)";
  filters += "[]";
  for (int i = 0; i < 20000; ++i) filters += "}]";
  auto transport = http::MakeCurlTransport();
  http::TransportOptions topts;
  topts.timeout = std::chrono::milliseconds(10000);

  http::Request direct;
  direct.method = "POST";
  direct.target = sandbox_url + "/contacts/search";
  direct.headers.Set("Authorization", "Bearer " + token);
  direct.headers.Set("Version", "2021-07-28");
  direct.headers.Set("Content-Type", "application/json");
  direct.body = R"({"locationId":")" + loc + R"(","filters":)" + filters + "}";
  auto refused = transport->Send(direct, topts);
  ASSERT_TRUE(refused.ok()) << refused.error().Summary();
  EXPECT_EQ(refused->status, 422);
  EXPECT_NE(refused->body.find("nested deeper than 64 levels at filters[0].filters[0]"),
            std::string::npos)
      << refused->body.substr(0, 300);

  http::Request page;
  page.method = "POST";
  page.target = serve.base_url() + "/api/send";
  page.headers.Set("Origin", serve.base_url());
  page.headers.Set("Content-Type", "application/json");
  page.body = R"({"method":"POST","path":"/contacts/search","token":")" + token +
              R"(","body":{"locationId":")" + loc + R"(","filters":)" + filters + "}}";
  auto via_page = transport->Send(page, topts);
  ASSERT_TRUE(via_page.ok()) << via_page.error().Summary();
  EXPECT_EQ(via_page->status, 400);
  EXPECT_NE(via_page->body.find("nested deeper than 64 levels"), std::string::npos);

  // Both still serve.
  direct.body = R"({"locationId":")" + loc + R"(","pageLimit":1})";
  auto search = transport->Send(direct, topts);
  ASSERT_TRUE(search.ok());
  EXPECT_EQ(search->status, 200) << search->body;
  http::Request health;
  health.method = "GET";
  health.target = serve.base_url() + "/healthz";
  auto healthz = transport->Send(health, topts);
  ASSERT_TRUE(healthz.ok());
  EXPECT_EQ(healthz->status, 200);
}

}  // namespace
}  // namespace ghl::testing
