// `ghl api` against a local recording server: operations are sent in the media type the
// catalog declares, without a token where the spec declares no security, and nothing that
// would smuggle a header leaves the process.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "ghl/client/client.h"
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

// ---- Break-it findings of the new-user trial ----

std::string SourceDir() {
  const char* src = std::getenv("GHL_SOURCE_DIR");
  return src ? src : ".";
}

bool Has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Finding 3: the dry run printed client_secret, refresh_token and code in clear, and a
// "no token" note for an operation that takes none.
TEST(CliHardeningTest, DryRunMasksEverySecretFieldAndHeader) {
  auto r = RunGhl({"api", "--dry-run", "POST", "/oauth/token", "-f", "client_id=app1", "-f",
                   "client_secret=cs-SECRET1", "-f", "grant_type=refresh_token", "-f",
                   "refresh_token=rt-SECRET2", "-f", "code=co-SECRET3"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(Has(r.out + r.err, "SECRET")) << r.out;
  EXPECT_TRUE(Has(r.out,
                  "client_id=app1&client_secret=***&code=***&grant_type=refresh_token&"
                  "refresh_token=***"))
      << r.out;
  EXPECT_FALSE(Has(r.err, "no token")) << "POST /oauth/token declares no security\n" << r.err;

  auto json = RunGhl({"api", "--dry-run", "POST", "/contacts/", "-f", "firstName=A", "-f",
                      "password=pw-SECRET4", "-H", "X-Api-Key: ak-SECRET5", "--location", "L1"},
                     {{"GHL_TOKEN", "pit-SECRET6"}});
  EXPECT_EQ(json.exit_code, 0) << json.err;
  EXPECT_FALSE(Has(json.out + json.err, "SECRET")) << json.out;
  EXPECT_TRUE(Has(json.out, R"("password":"***")")) << json.out;
  EXPECT_TRUE(Has(json.out, "-H 'X-Api-Key: ***'")) << json.out;
}

// Finding 4: a binary upload's dry run stopped at the first NUL byte of the file.
TEST(CliHardeningTest, DryRunOfABinaryUploadShowsTheFileNameNotItsBytes) {
  TempDir dir;
  std::string file = dir.File("photo.bin");
  std::ofstream(file, std::ios::binary) << std::string("\x89PNG\0\0\0\rIHDR", 12);
  auto r = RunGhl(
      {"api", "--dry-run", "POST", "/medias/upload-file", "-F", "file=@" + file, "-f", "name=Logo"},
      {{"GHL_TOKEN", "pit-test"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.out,
                  "  --form-string 'name=Logo' \\\n"
                  "  -F 'file=@photo.bin;type=application/octet-stream'\n"))
      << r.out;
  EXPECT_FALSE(Has(r.out, "IHDR")) << r.out;
  EXPECT_EQ(r.out.find('\0'), std::string::npos);
}

// Finding 14: `-F file=@/some/dir` ended in a raw filebuf error, exit 1.
TEST(CliHardeningTest, ADirectoryGivenAsAFileIsAUsageErrorNamingIt) {
  TempDir dir;
  for (std::vector<std::string> args :
       {std::vector<std::string>{"api", "POST", "/medias/upload-file", "-F", "file=@" + dir.path()},
        std::vector<std::string>{"api", "POST", "/contacts/", "-F", "note=@" + dir.path()},
        std::vector<std::string>{"api", "POST", "/contacts/", "--input", dir.path()}}) {
    auto r = RunGhl(args, {{"GHL_TOKEN", "pit-test"}, {"GHL_BASE_URL", "http://127.0.0.1:9"}});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(Has(r.err, "cannot read '" + dir.path() + "': it is a directory, not a file"))
        << r.err;
  }
}

// Finding 18: a non-ASCII token was sent raw; it is refused, naming where it came from and
// never printing it.
TEST(CliHardeningTest, ANonAsciiTokenIsRefusedNamingItsSource) {
  RecordingServer server;
  auto env = RunGhl({"api", "GET", "/contacts/c1"},
                    {{"GHL_BASE_URL", server.url()}, {"GHL_TOKEN", "pit-abc\xe2\x80\xa6"}});
  EXPECT_EQ(env.exit_code, 2) << env.err;
  EXPECT_TRUE(Has(env.err, "GHL_TOKEN: the token contains a non-ASCII character at byte 8"))
      << env.err;
  auto flag = RunGhl({"api", "GET", "/contacts/c1", "--token", "pit-\xc3\xa9xyz"},
                     {{"GHL_BASE_URL", server.url()}});
  EXPECT_EQ(flag.exit_code, 2) << flag.err;
  EXPECT_TRUE(Has(flag.err, "--token: the token contains a non-ASCII character at byte 5"))
      << flag.err;
  EXPECT_FALSE(Has(env.err + flag.err, "pit-abc")) << "the token is never printed";
  EXPECT_FALSE(Has(flag.err, "xyz"));
  EXPECT_EQ(server.requests().size(), 0u);
}

// Finding 18: out-of-range numbers got CLI11's generic message; now the flag and its range.
TEST(CliHardeningTest, OutOfRangeNumbersNameTheFlagAndItsRange) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  std::string huge(300, '9');
  std::vector<Case> cases = {
      {{"api", "--paginate", "--max-pages", huge, "GET", "/x"},
       "--max-pages: expected a whole number from 0 to 2147483647, got '999999999999"},
      {{"api", "--paginate", "--max-pages", "-1", "GET", "/x"},
       "--max-pages: expected a whole number from 0 to 2147483647, got '-1'"},
      {{"endpoints", "--limit", huge, "x"}, "--limit: expected a whole number from 1 to"},
      {{"events", "tail", "--from", "-5"}, "--from: expected a whole number from 0 to"},
      {{"events", "list", "--limit", "1e3"}, "--limit: expected a whole number from 1 to"},
      {{"sandbox", "--token-ttl", huge}, "--token-ttl: expected a whole number from 1 to 31536000"},
      {{"carrier-sim", "--copies", "9"}, "--copies: expected a whole number from 1 to 5, got '9'"},
      {{"auth", "login", "--port", "70000"}, "--port: expected a whole number from 0 to 65535"},
      {{"auth", "login", "--timeout", "1e9"},
       "--timeout: expected a number from 1 to 3600, got '1e9'"},
      {{"tokens", "serve", "--interval", "0.01"},
       "--interval: expected a number from 0.05 to 86400, got '0.01'"},
      {{"tokens", "serve", "--parallel", huge},
       "--parallel: expected a whole number from 1 to 256"},
      {{"serve", "--tokens-interval", "nan"},
       "--tokens-interval: expected a number from 0.05 to 86400, got 'nan'"},
  };
  for (const auto& c : cases) {
    auto r = RunGhl(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(Has(r.err, c.message)) << c.args[1] << "\n" << r.err;
  }
}

// Finding 18: a hint of the CLI named the library option TransportOptions::timeout.
TEST(CliHardeningTest, HintsNameCliFlagsNotLibraryOptions) {
  server::HttpServer slow(server::ServerOptions{}, [](const http::Request&) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    return http::Response{};
  });
  int port = slow.Start();
  auto r = RunGhl(
      {"api", "GET", "/contacts/c1", "--timeout", "0.2"},
      {{"GHL_BASE_URL", "http://127.0.0.1:" + std::to_string(port)}, {"GHL_TOKEN", "pit-test"}});
  slow.Stop();
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "--timeout SECONDS")) << r.err;
  EXPECT_FALSE(Has(r.err, "Options::")) << r.err;
}

// Finding 18: `ghl endpoints <query>` echoed ESC and other control characters to the terminal.
TEST(CliHardeningTest, EndpointsQueryIsEchoedWithControlCharactersEscaped) {
  auto r = RunGhl({"endpoints", "zz\x1b]0;owned\x07qq"});
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos) << r.out;
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\x07'), std::string::npos) << r.err;
}

// Finding 10: `ghl trigger --key /missing/dir/k.pem` created the directories.
TEST(CliHardeningTest, TriggerNeverCreatesTheDirectoriesOfAKeyPath) {
  TempDir dir;
  std::string key = dir.File("missing/dir/k.pem");
  auto r = RunGhl({"trigger", "ContactCreate", "--key", key, "--dry-run"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(
      Has(r.err, "--key " + key + ": the directory " + dir.File("missing/dir") + " does not exist"))
      << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing"))) << "nothing was created";
  auto env = RunGhl({"trigger", "ContactCreate", "--dry-run"}, {{"GHL_TRIGGER_KEY", key}});
  EXPECT_EQ(env.exit_code, 2) << env.err;
  EXPECT_TRUE(Has(env.err, "GHL_TRIGGER_KEY " + key)) << env.err;
  EXPECT_FALSE(std::filesystem::exists(dir.File("missing")));
}

// Finding 11: a non-PEM key file got "delete it"; it says what the file must hold instead.
TEST(CliHardeningTest, TriggerExplainsANonPemKeyWithoutSuggestingToDeleteIt) {
  TempDir dir;
  std::string key = dir.File("notes.txt");
  std::ofstream(key) << "my notes\n";
  auto r = RunGhl({"trigger", "ContactCreate", "--key", key, "--dry-run"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Has(r.err, "--key " + key + " does not hold a PEM private key")) << r.err;
  EXPECT_TRUE(Has(r.err, "-----BEGIN PRIVATE KEY-----")) << r.err;
  EXPECT_TRUE(Has(r.err, "openssl genpkey -algorithm ed25519")) << r.err;
  EXPECT_FALSE(Has(r.err, "elete")) << r.err;
  std::ifstream in(key);
  std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(kept, "my notes\n");
  auto as_dir = RunGhl({"trigger", "ContactCreate", "--key", dir.path(), "--dry-run"});
  EXPECT_EQ(as_dir.exit_code, 2) << as_dir.err;
  EXPECT_TRUE(Has(as_dir.err, "it is a directory")) << as_dir.err;
}

// Finding 12: with an RSA key the hint named a .pub.pem file that did not exist (and the
// receiver refuses RSA-only signatures after the cutoff anyway). Following the hint works.
TEST(CliHardeningTest, TriggerTrustHintForAnRsaKeyIsTrueWhenFollowed) {
  TempDir dir;
  std::string key = dir.File("rsa.pem");
  std::filesystem::copy_file(SourceDir() + "/tests/data/webhook_keys/test_rsa_private.pem", key);
  ServeProcess untrusting({}, dir.path());
  auto refused = RunGhl(
      {"trigger", "ContactCreate", "--key", key, "--url", untrusting.base_url() + "/webhooks/ghl"});
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_FALSE(Has(refused.err, "rsa.pub.pem")) << refused.err;
  auto at = refused.err.find("start it with: ghl serve ");
  ASSERT_NE(at, std::string::npos) << refused.err;
  std::string flags = refused.err.substr(at + 25, refused.err.find('\n', at) - at - 25);
  EXPECT_TRUE(Has(flags, "--rsa-cutoff never")) << flags;
  // Run the hint as a shell would: the public key from openssl, then the flags as given.
  std::string pub_cmd = "openssl pkey -in '" + key + "' -pubout 2>/dev/null";
  std::string pub;
  if (FILE* p = popen(pub_cmd.c_str(), "r")) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) pub.append(buf, n);
    pclose(p);
  }
  ASSERT_TRUE(Has(pub, "BEGIN PUBLIC KEY")) << "openssl is needed for this test";
  ASSERT_TRUE(Has(flags, "\"$(" + pub_cmd.substr(0, pub_cmd.find(" 2>")) + ")\"")) << flags;
  ServeProcess trusting({"--webhook-public-key", pub, "--rsa-cutoff", "never"}, dir.path());
  auto sent = RunGhl(
      {"trigger", "ContactCreate", "--key", key, "--url", trusting.base_url() + "/webhooks/ghl"});
  EXPECT_EQ(sent.exit_code, 0) << sent.err;
}

// Finding 13: a field that is not UTF-8 ended in a raw nlohmann exception.
TEST(CliHardeningTest, TriggerFieldThatIsNotUtf8IsAUsageErrorNamingIt) {
  TempDir dir;
  auto r = RunGhl(
      {"trigger", "InboundMessage", "--key", dir.File("k.pem"), "--dry-run", "-f", "body=\x9b"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(Has(r.err, "-f body=…: the value is not UTF-8 text (byte 1)")) << r.err;
  EXPECT_FALSE(Has(r.err, "json.exception")) << r.err;
}

// ---- Issue 11 item 4: `ghl api` like `gh api` (against the sandbox) ----

class GhApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox_ = new SandboxProcess(); }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }
  std::map<std::string, std::string> Env() const { return sandbox_->CliEnv(); }
  static SandboxProcess* sandbox_;
};
SandboxProcess* GhApiTest::sandbox_ = nullptr;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    out.push_back(text.substr(start, nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

TEST_F(GhApiTest, PlaceholdersAreFilledFromFieldsAndConsumed) {
  auto made = RunGhl({"api", "POST", "/contacts/", "-f", "firstName=Placeholder", "-f",
                      "email=ph@example.com", "--jq", ".contact.id"},
                     Env());
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string id = Lines(made.out).at(0);
  auto got = RunGhl({"api", "GET", "/contacts/{contactId}", "-f", "contactId=" + id, "--jq",
                     ".contact.email", "--verbose"},
                    Env());
  EXPECT_EQ(got.exit_code, 0) << got.err;
  EXPECT_EQ(got.out, "ph@example.com\n");
  EXPECT_TRUE(Has(got.err, "> GET " + sandbox_->base_url() + "/contacts/" + id + "\n"))
      << "the field is consumed, not also sent as ?contactId=\n"
      << got.err;
  auto missing = RunGhl({"api", "GET", "/contacts/{contactId}"}, Env());
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Has(missing.err, "path placeholder {contactId} has no value")) << missing.err;
  EXPECT_TRUE(Has(missing.err, "-f contactId=VALUE")) << missing.err;
  // {locationId} comes from GHL_LOCATION_ID.
  auto location = RunGhl({"api", "GET", "/locations/{locationId}", "--jq", ".location.id"}, Env());
  EXPECT_EQ(location.exit_code, 0) << location.err;
  EXPECT_EQ(location.out, sandbox_->location_id() + "\n");
}

TEST_F(GhApiTest, JqRunsOnEachPageOfAPaginatedRun) {
  auto all =
      RunGhl({"api", "--paginate", "POST", "/contacts/search", "-F", "pageLimit=100"}, Env());
  ASSERT_EQ(all.exit_code, 0) << all.err;
  auto items = nlohmann::json::parse(all.out);
  ASSERT_GT(items.size(), 4u);
  auto ids = RunGhl({"api", "--paginate", "POST", "/contacts/search", "-F", "pageLimit=2",
                     "--max-pages", "2", "--jq", ".[].id"},
                    Env());
  EXPECT_EQ(ids.exit_code, 0) << ids.err;
  EXPECT_EQ(Lines(ids.out), (std::vector<std::string>{items[0]["id"], items[1]["id"],
                                                      items[2]["id"], items[3]["id"]}));
  // Per page: `length` is each page's item count.
  auto counts = RunGhl({"api", "--paginate", "POST", "/contacts/search", "-F", "pageLimit=2",
                        "--max-pages", "2", "--jq", "length"},
                       Env());
  EXPECT_EQ(counts.out, "2\n2\n");
  auto bad = RunGhl({"api", "GET", "/contacts/x", "--jq", ".[|"}, Env());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_TRUE(Has(bad.err, "--jq '.[|' is not a valid jq expression")) << bad.err;
}

TEST_F(GhApiTest, SilentPrintsNoBodyAndVerboseShowsTheExchangeMasked) {
  auto silent = RunGhl({"api", "--silent", "POST", "/contacts/search", "-F", "pageLimit=1"}, Env());
  EXPECT_EQ(silent.exit_code, 0) << silent.err;
  EXPECT_EQ(silent.out, "");
  auto verbose =
      RunGhl({"api", "--verbose", "POST", "/contacts/search", "-F", "pageLimit=1"}, Env());
  EXPECT_TRUE(Has(verbose.err, "> POST " + sandbox_->base_url() + "/contacts/search\n"))
      << verbose.err;
  EXPECT_TRUE(Has(verbose.err, "> Authorization: Bearer ***\n")) << verbose.err;
  EXPECT_TRUE(Has(verbose.err, "> Version: 2021-07-28\n")) << verbose.err;
  EXPECT_TRUE(Has(verbose.err, R"(> {"locationId":")")) << "the body as sent\n" << verbose.err;
  EXPECT_TRUE(Has(verbose.err, "< HTTP/1.1 ")) << verbose.err;
  EXPECT_FALSE(Has(verbose.err, sandbox_->token())) << verbose.err;
  EXPECT_TRUE(Has(verbose.out, "\"contacts\"")) << "the body still goes to stdout";
}

// ---- Issue 11: messages that say the truth. One row per hint kind: the cause set up for real
// (a misbehaving loopback server, a bad input) → what the user sees must name that cause, and
// never the wrong one (e.g. "check the base URL" for an answer that was merely too big). ----

// Accepts connections and answers each with `raw` bytes, then closes: for answers no HTTP
// server library would send (cut short).
class RawServer {
 public:
  explicit RawServer(std::string raw) : raw_(std::move(raw)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 8);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0 || stop_) {
          if (c >= 0) ::close(c);
          return;
        }
        char buf[4096];
        ::recv(c, buf, sizeof buf, 0);
        ::send(c, raw_.data(), raw_.size(), MSG_NOSIGNAL);
        ::close(c);
      }
    });
  }
  ~RawServer() {
    stop_ = true;
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  std::string raw_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A loopback server answering every request with `status`, `body` (and a Location for 3xx).
std::unique_ptr<server::HttpServer> Answering(int status, std::string body, int* port,
                                              int delay_ms = 0) {
  auto srv = std::make_unique<server::HttpServer>(
      server::ServerOptions{}, [status, body, delay_ms](const http::Request&) {
        if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
        http::Response res;
        res.status = status;
        res.headers.Set("Content-Type", body.rfind("<", 0) == 0 ? "text/html" : "application/json");
        if (status / 100 == 3) res.headers.Set("Location", "https://app.gohighlevel.com/login");
        res.body = body;
        return res;
      });
  *port = srv->Start();
  return srv;
}

int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

std::string ApiAgainst(const std::string& base_url, std::vector<std::string> args) {
  args.insert(args.begin(), "api");
  auto r = RunGhl(args, {{"GHL_BASE_URL", base_url}, {"GHL_TOKEN", "pit-test"}});
  return r.err;
}

TEST(HintTruthTest, EachHintNamesTheCauseActuallyPresent) {
  struct Row {
    std::string cause;
    std::function<std::string()> seen;  // what the user reads
    std::vector<std::string> says;
    std::vector<std::string> never_says;
  };
  std::vector<Row> rows = {
      {"answer larger than the size cap (library: max_response_bytes = 1000)",
       [] {
         int port = 0;
         auto srv = Answering(200, "[" + std::string(5000, '1') + "]", &port);
         client::ClientOptions o;
         o.base_url = "http://127.0.0.1:" + std::to_string(port);
         o.token = "pit-test";
         o.transport_options.max_response_bytes = 1000;
         auto r = client::Client(o).Get("/contacts/c1");
         return r.ok() ? std::string("ok") : r.error().Describe();
       },
       {"response body exceeds 1000 bytes", "larger than the 1000-byte cap", "ask for less"},
       {"base URL"}},
      {"answer cut short (Content-Length 1000, 10 bytes sent)",
       [] {
         RawServer raw(
             "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
             "{\"a\":12345");
         return ApiAgainst(raw.url(), {"GET", "/contacts/c1"});
       },
       {"the answer was cut short", "broke mid-answer"},
       {"base URL"}},
      {"no answer within --timeout",
       [] {
         int port = 0;
         auto srv = Answering(200, "{}", &port, 1500);
         return ApiAgainst("http://127.0.0.1:" + std::to_string(port),
                           {"GET", "/contacts/c1", "--timeout", "0.2"});
       },
       {"no answer within the timeout of 0.2 s", "--timeout SECONDS"},
       {"Options::", "base URL"}},
      {"nothing listening at the base URL",
       [] {
         return ApiAgainst("http://127.0.0.1:" + std::to_string(FreePort()),
                           {"GET", "/contacts/c1"});
       },
       {"check the base URL", "is running"},
       {}},
      {"a redirect (the base URL names a web page)",
       [] {
         int port = 0;
         auto srv = Answering(302, "", &port);
         return ApiAgainst("http://127.0.0.1:" + std::to_string(port), {"GET", "/contacts/c1"});
       },
       {"redirected to https://app.gohighlevel.com/login (not followed)", "GHL_BASE_URL"},
       {"token was refused"}},
      {"an HTML page where JSON was expected (library Call)",
       [] {
         int port = 0;
         auto srv = Answering(200, "<html>login</html>", &port);
         client::ClientOptions o;
         o.base_url = "http://127.0.0.1:" + std::to_string(port);
         o.token = "pit-test";
         auto r = client::Client(o).Get("/contacts/c1");
         return r.ok() ? std::string("ok") : r.error().Describe();
       },
       {"the answer is not JSON", "base URL points at the GHL API"},
       {}},
      {"token refused (401 Invalid JWT)",
       [] {
         int port = 0;
         auto srv = Answering(401, R"({"statusCode":401,"message":"Invalid JWT"})", &port);
         return ApiAgainst("http://127.0.0.1:" + std::to_string(port), {"GET", "/contacts/c1"});
       },
       {"The token was refused"},
       {"scope", "base URL"}},
      {"scope missing (401 not authorized for this scope)",
       [] {
         int port = 0;
         auto srv = Answering(
             401, R"({"statusCode":401,"message":"The token is not authorized for this scope."})",
             &port);
         return ApiAgainst("http://127.0.0.1:" + std::to_string(port), {"GET", "/contacts/c1"});
       },
       {"lacks the scope", "contacts.readonly"},
       {"expired", "base URL"}},
      {"a required body field missing (422)",
       [] {
         int port = 0;
         auto srv =
             Answering(422, R"({"statusCode":422,"message":["type must be a string"]})", &port);
         return ApiAgainst("http://127.0.0.1:" + std::to_string(port),
                           {"POST", "/conversations/messages", "-f", "message=Hi"});
       },
       {"requires, and this request did not send: body: type"},
       {"token", "base URL"}},
      {"an unknown path (404)",
       [] {
         int port = 0;
         auto srv =
             Answering(404, R"({"statusCode":404,"message":"Cannot GET /contact/x"})", &port);
         return ApiAgainst("http://127.0.0.1:" + std::to_string(port), {"GET", "/contact/x"});
       },
       {"No GHL endpoint matches GET /contact/x", "Did you mean", "/contacts/"},
       {"token"}},
      {"a path placeholder without its field",
       [] {
         return ApiAgainst("http://127.0.0.1:9", {"GET", "/contacts/{contactId}"});
       },
       {"{contactId} has no value", "-f contactId=VALUE"},
       {}},
      {"empty token in the browser (playground /api/send)",
       [] {
         ServeProcess serve({"--sandbox"});
         http::Request page;
         page.method = "POST";
         page.target = serve.base_url() + "/api/send";
         page.headers.Set("Origin", serve.base_url());
         page.headers.Set("Content-Type", "application/json");
         page.body = R"({"method":"POST","path":"/contacts/search","token":"","body":{}})";
         auto answer = http::MakeCurlTransport()->Send(page, {});
         return answer.ok() ? std::to_string(answer->status) + " " + answer->body
                            : answer.error().Summary();
       },
       {"400 ", "paste a token in the Token box"},
       {"Options::"}},
      {"a config value of the wrong type (a quoted number)",
       [] {
         TempDir dir;
         std::ofstream(dir.File("a.toml")) << "[worker]\nmax_attempts = \"7\"\n";
         return RunGhl({"automations", "check", dir.File("a.toml")}).err;
       },
       {"'max_attempts' in [worker] must be a whole number, got a string; write max_attempts = 7 "
        "(a whole number from 1 to 100, without quotes)"},
       {"max_attempts = 1"}},
      {"a config value of the wrong type (not a number at all)",
       [] {
         TempDir dir;
         std::ofstream(dir.File("a.toml")) << "[worker]\nmax_attempts = \"many\"\n";
         return RunGhl({"automations", "check", dir.File("a.toml")}).err;
       },
       {"write max_attempts = a whole number from 1 to 100, without quotes"},
       {"max_attempts = 1 "}},
  };
  for (const auto& row : rows) {
    std::string seen = row.seen();
    for (const auto& part : row.says) {
      EXPECT_TRUE(Has(seen, part)) << row.cause << ": should say '" << part << "'\n" << seen;
    }
    for (const auto& part : row.never_says) {
      EXPECT_FALSE(Has(seen, part)) << row.cause << ": must not say '" << part << "'\n" << seen;
    }
  }
}

}  // namespace
}  // namespace ghl::testing
