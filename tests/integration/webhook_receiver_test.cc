// The webhook receiver over real HTTP: a `ghl serve --port 0 --events-db <tmp>
// --webhook-public-key <test key>` process, signed and forged deliveries over loopback, then the
// `ghl events` CLI and the /metrics and /api/events/stats pages on what was stored.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include "ghl/http/transport.h"
#include "ghl/server/http_server.h"
#include "ghl/webhooks/signer.h"
#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;

std::string KeyPath(const std::string& name) {
  const char* dir = std::getenv("GHL_SOURCE_DIR");
  return std::string(dir ? dir : ".") + "/tests/data/webhook_keys/" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class WebhookReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto signer =
        webhooks::WebhookSigner::FromPrivateKeyPem(ReadFile(KeyPath("test_ed25519_private.pem")));
    ASSERT_TRUE(signer.ok());
    signer_ = std::make_unique<webhooks::WebhookSigner>(std::move(*signer));
  }

  void Start(std::vector<std::string> extra = {}) {
    db_dir_ = std::make_unique<TempDb>();
    std::vector<std::string> args = {"--events-db", db_dir_->db, "--webhook-public-key",
                                     KeyPath("test_ed25519_public.pem")};
    args.insert(args.end(), extra.begin(), extra.end());
    serve_ = std::make_unique<ServeProcess>(args);
  }

  http::Response Send(std::string method, std::string path, std::string body = {},
                      std::vector<std::pair<std::string, std::string>> headers = {}) {
    http::Request r;
    r.method = std::move(method);
    r.target = serve_->base_url() + path;
    // GHL's deliveries name the public host, which the playground would refuse.
    r.headers.Set("Host", "hooks.example.com");
    for (const auto& [n, v] : headers) r.headers.Set(n, v);
    r.body = std::move(body);
    auto answer = transport_->Send(r, {});
    EXPECT_TRUE(answer.ok()) << (answer.ok() ? "" : answer.error().Describe());
    return answer.ok() ? *answer : http::Response{};
  }

  http::Response Deliver(const std::string& body, bool sign = true) {
    std::vector<std::pair<std::string, std::string>> h = {{"Content-Type", "application/json"}};
    if (sign) h.emplace_back("X-GHL-Signature", signer_->Sign(body));
    return Send("POST", "/webhooks/ghl", body, h);
  }

  CliResult Events(std::vector<std::string> args) {
    args.insert(args.begin(), "events");
    args.push_back("--events-db");
    args.push_back(db_dir_->db);
    return RunGhl(args);
  }

  struct TempDb {
    TempDb() {
      char tmpl[] = "/tmp/ghl_webhook_it_XXXXXX";
      dir = mkdtemp(tmpl);
      db = dir + "/events.db";
    }
    ~TempDb() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
    std::string dir, db;
  };

  std::unique_ptr<webhooks::WebhookSigner> signer_;
  std::unique_ptr<TempDb> db_dir_;
  std::unique_ptr<ServeProcess> serve_;
  std::shared_ptr<http::Transport> transport_ = http::MakeCurlTransport();
};

// Sample value of one exposition line, or "<absent>".
std::string Sample(const std::string& text, const std::string& series) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
  }
  return "<absent>";
}

TEST_F(WebhookReceiverTest, SignedDeliveryIsStoredListedAndShownByteForByte) {
  Start();
  EXPECT_NE(serve_->Stdout().find("/webhooks/ghl"), std::string::npos) << serve_->Stdout();
  // Escapes, 1.50, a tab, odd spacing: a re-serialising receiver would break the signature.
  std::string body = ReadFile(KeyPath("test_body.json"));
  auto r = Deliver(body);
  ASSERT_EQ(r.status, 200) << r.body;
  auto j = json::parse(r.body);
  EXPECT_EQ(j["status"], "accepted");
  int64_t id = j["id"].get<int64_t>();

  auto list = Events({"list", "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  auto events = json::parse(list.out);
  ASSERT_EQ(events.size(), 1u) << list.out;
  EXPECT_EQ(events[0]["id"], id);
  EXPECT_EQ(events[0]["type"], "ContactCreate");
  EXPECT_EQ(events[0]["state"], "pending");
  EXPECT_EQ(events[0]["routed"], true);

  auto raw = Events({"show", std::to_string(id), "--body"});
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(raw.out, body) << "ghl events show --body must print the exact received bytes";

  auto shown = Events({"show", std::to_string(id)});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("x-ghl-signature: " + signer_->Sign(body)), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("state:        pending"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find(body), std::string::npos) << shown.out;

  // Re-delivery (GHL's retry): 200 duplicate, still one event.
  auto again = Deliver(body);
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(json::parse(again.body)["status"], "duplicate");
  EXPECT_EQ(json::parse(Events({"list", "--json"}).out).size(), 1u);
}

// A sender's text (here the event type; the HTTP parser already refuses control characters in
// headers) cannot drive the terminal of whoever reads the store:
// `ghl events list` and `show` print it escaped; `show --body` to a pipe stays byte-exact.
TEST_F(WebhookReceiverTest, EventsListAndShowEscapeControlCharacters) {
  Start();
  std::string body =
      R"({"type":"Contact\u001b]0;pwned\u0007Create","id":"c-esc","locationId":"L1"})";
  auto r = Deliver(body);
  ASSERT_EQ(r.status, 200) << r.body;
  int64_t id = json::parse(r.body)["id"].get<int64_t>();

  auto list = Events({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out.find('\x1b'), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("Contact\\x1b]0;pwned\\x07Create"), std::string::npos) << list.out;

  auto shown = Events({"show", std::to_string(id)});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("type:         Contact\\x1b]0;pwned\\x07Create"), std::string::npos)
      << shown.out;
  EXPECT_EQ(shown.out.find('\x1b'), std::string::npos) << shown.out;

  EXPECT_EQ(Events({"show", std::to_string(id), "--body"}).out, body);
}

TEST_F(WebhookReceiverTest, ForgedDeliveriesAre401AndMetricsCountEveryOutcome) {
  Start();
  std::string body = R"({"type":"ContactCreate","id":"c-1","locationId":"L1"})";
  EXPECT_EQ(Deliver(body).status, 200);
  EXPECT_EQ(Deliver(body).status, 200);  // duplicate
  auto unsigned_r = Deliver(R"({"type":"ContactCreate","id":"forged"})", /*sign=*/false);
  EXPECT_EQ(unsigned_r.status, 401);
  EXPECT_EQ(json::parse(unsigned_r.body)["reason"], "unsigned");
  auto stranger = webhooks::WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(stranger.ok());
  std::string forged = R"({"type":"ContactCreate","id":"forged-2"})";
  auto bad = Send("POST", "/webhooks/ghl", forged, {{"X-GHL-Signature", stranger->Sign(forged)}});
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(json::parse(bad.body)["reason"], "bad_signature");

  auto metrics = Send("GET", "/metrics");
  ASSERT_EQ(metrics.status, 200);
  const std::string& m = metrics.body;
  EXPECT_EQ(Sample(m, R"(ghl_webhook_requests_total{outcome="accepted"})"), "1") << m;
  EXPECT_EQ(Sample(m, R"(ghl_webhook_requests_total{outcome="duplicate"})"), "1");
  EXPECT_EQ(Sample(m, R"(ghl_webhook_requests_total{outcome="unsigned"})"), "1");
  EXPECT_EQ(Sample(m, R"(ghl_webhook_requests_total{outcome="bad_signature"})"), "1");
  EXPECT_EQ(Sample(m, R"(ghl_events{state="pending"})"), "1");
  EXPECT_EQ(Sample(m, "ghl_events_store_up"), "1");

  auto stats = Send("GET", "/api/events/stats");
  ASSERT_EQ(stats.status, 200);
  auto s = json::parse(stats.body);
  EXPECT_EQ(s["events"]["total"], 1);
  EXPECT_EQ(s["receiver"]["refused"]["total"], 2);
  EXPECT_EQ(s["by_type"]["ContactCreate"]["pending"], 1);

  // The CLI reads the same store.
  auto cli = Events({"stats", "--json"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  auto c = json::parse(cli.out);
  EXPECT_EQ(c["events"], s["events"]);
  EXPECT_FALSE(c.contains("receiver"));
  auto list = json::parse(Events({"list", "--json"}).out);
  ASSERT_EQ(list.size(), 1u) << "a refused delivery was stored";
  EXPECT_EQ(list[0]["location_id"], "L1");

  // The playground still answers its own routes on loopback.
  http::Request page;
  page.method = "GET";
  page.target = serve_->base_url() + "/";
  auto p = transport_->Send(page, {});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->status, 200);
}

TEST_F(WebhookReceiverTest, EventsCommandsRedriveAndReportUsageErrors) {
  Start();
  auto r = Deliver(R"({"type":"NoteCreate","id":"n-1"})");
  ASSERT_EQ(r.status, 200);
  std::string id = std::to_string(json::parse(r.body)["id"].get<int64_t>());
  EXPECT_EQ(Events({"replay", id}).exit_code, 0);
  EXPECT_EQ(Events({"retry", id}).exit_code, 0);
  EXPECT_EQ(Events({"show", "9999"}).exit_code, 2);
  EXPECT_EQ(Events({"list", "--state", "sleeping"}).exit_code, 2);
  auto dead = Events({"list", "--state", "dead", "--json"});
  EXPECT_EQ(dead.exit_code, 0);
  EXPECT_EQ(json::parse(dead.out).size(), 0u);
  auto by_type = Events({"list", "--type", "NoteCreate"});
  EXPECT_EQ(by_type.exit_code, 0);
  EXPECT_NE(by_type.out.find("NoteCreate"), std::string::npos) << by_type.out;

  // GHL_EVENTS_DB names the store when --events-db is absent.
  auto env = RunGhl({"events", "stats"}, {{"GHL_EVENTS_DB", db_dir_->db}});
  EXPECT_EQ(env.exit_code, 0) << env.err;
  EXPECT_NE(env.out.find("events:  1"), std::string::npos) << env.out;
  // A missing SQLite file is not created by a reading command.
  auto missing = RunGhl({"events", "list", "--events-db", db_dir_->dir + "/nope.db"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no event store"), std::string::npos) << missing.err;
  EXPECT_FALSE(std::filesystem::exists(db_dir_->dir + "/nope.db"));
}

TEST_F(WebhookReceiverTest, InsecureModeAcceptsUnsignedAndSaysSo) {
  Start({"--insecure-accept-unsigned"});
  auto r = Deliver(R"({"type":"ContactCreate","id":"local-test"})", /*sign=*/false);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.headers.Has("X-Ghlkit-Insecure"));
  EXPECT_NE(serve_->Stdout().find("UNSIGNED ACCEPTED"), std::string::npos) << serve_->Stdout();
  std::string err = serve_->Stderr();
  EXPECT_NE(err.find("--insecure-accept-unsigned is ON"), std::string::npos) << err;
  EXPECT_NE(err.find("WITHOUT a valid signature"), std::string::npos) << err;
}

// A web page the developer visits posts a "simple" cross-site request (text/plain: no CORS
// preflight) to the receiver on 127.0.0.1. Even in insecure mode it is refused (the browser
// adds Origin and Sec-Fetch-*, GHL never does), stored nowhere, and counted; the monitoring
// pages refuse web pages too, while curl-like clients still get them.
TEST_F(WebhookReceiverTest, CrossSitePostToTheWebhookRouteInInsecureModeIsRefused) {
  Start({"--insecure-accept-unsigned"});
  std::string forged = R"({"type":"ContactCreate","id":"from-a-web-page"})";
  auto refused = Send("POST", "/webhooks/ghl", forged,
                      {{"Content-Type", "text/plain;charset=UTF-8"},
                       {"Origin", "https://evil.example"},
                       {"Sec-Fetch-Site", "cross-site"},
                       {"Sec-Fetch-Mode", "no-cors"},
                       {"Sec-Fetch-Dest", "empty"}});
  EXPECT_EQ(refused.status, 403) << refused.body;
  auto body = nlohmann::json::parse(refused.body, nullptr, false);
  ASSERT_TRUE(body.is_object()) << refused.body;
  EXPECT_EQ(body.value("reason", ""), "browser");
  // The same bytes from a machine client are accepted: insecure mode is really on.
  EXPECT_EQ(Deliver(forged, /*sign=*/false).status, 200);
  auto page = Send("GET", "/api/events/stats", {}, {{"Sec-Fetch-Site", "cross-site"}});
  EXPECT_EQ(page.status, 403) << page.body;
  auto stats = Send("GET", "/api/events/stats");
  ASSERT_EQ(stats.status, 200) << stats.body;
  auto j = nlohmann::json::parse(stats.body);
  EXPECT_EQ(j["events"]["total"], 1) << "only the machine client's event is stored";
  EXPECT_EQ(j["receiver"]["refused"]["browser"], 1);
  EXPECT_NE(serve_->Stderr().find("refused a delivery (browser)"), std::string::npos)
      << serve_->Stderr();
}

// --host 0.0.0.0 is said out loud: the real addresses on stdout, and on stderr a warning naming
// what the network can now reach. (Only 127.0.0.1 is connected to.)
TEST_F(WebhookReceiverTest, ListeningOnAllInterfacesPrintsTheAddressesAndAWarning) {
  Start({"--host", "0.0.0.0", "--sandbox"});
  std::string port = std::to_string(serve_->port());
  std::string out = serve_->Stdout();
  EXPECT_NE(out.find("Listening:  all interfaces (0.0.0.0): "), std::string::npos) << out;
  EXPECT_NE(out.find("http://127.0.0.1:" + port + "/"), std::string::npos) << out;
  std::string err = serve_->Stderr();
  EXPECT_NE(err.find("ghl serve: WARNING: --host 0.0.0.0 listens beyond loopback. Anyone who "
                     "can reach this machine's port " +
                     port +
                     " can use the playground's forwarder (a proxy to the embedded "
                     "sandbox, whose well-known token pit-sandbox-location-all-scopes "
                     "reads and changes all its data), post webhooks to /webhooks/ghl "
                     "(signed ones only)"),
            std::string::npos)
      << err;
  EXPECT_EQ(Send("GET", "/metrics").status, 200);
}

TEST_F(WebhookReceiverTest, LoopbackPrintsNoExposureWarning) {
  Start();
  EXPECT_EQ(serve_->Stderr().find("WARNING"), std::string::npos) << serve_->Stderr();
  EXPECT_EQ(serve_->Stdout().find("Listening:"), std::string::npos) << serve_->Stdout();
}

TEST_F(WebhookReceiverTest, EmbeddedSandboxWebhooksReachTheReceiver) {
  Start({"--sandbox"});
  // "Sandbox:    GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=… …"
  std::map<std::string, std::string> env;
  std::istringstream words(serve_->Stdout().substr(serve_->Stdout().find("GHL_BASE_URL=")));
  std::string word;
  while (words >> word && word.find('=') != std::string::npos) {
    env[word.substr(0, word.find('='))] = word.substr(word.find('=') + 1);
  }
  ASSERT_TRUE(env.count("GHL_BASE_URL") && env.count("GHL_TOKEN")) << serve_->Stdout();
  http::Request create;
  create.method = "POST";
  create.target = env["GHL_BASE_URL"] + "/contacts/";
  create.headers.Set("Authorization", "Bearer " + env["GHL_TOKEN"]);
  create.headers.Set("Version", "2021-07-28");
  create.headers.Set("Content-Type", "application/json");
  create.body = json{{"locationId", env["GHL_LOCATION_ID"]},
                     {"firstName", "Ann"},
                     {"email", "ann@example.com"}}
                    .dump();
  auto created = transport_->Send(create, {});
  ASSERT_TRUE(created.ok());
  ASSERT_EQ(created->status, 201) << created->body;
  // The sandbox delivers asynchronously; the receiver verifies its key and stores the event.
  json events;
  for (int i = 0; i < 100; ++i) {
    events = json::parse(Events({"list", "--type", "ContactCreate", "--json"}).out);
    if (!events.empty()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(events.size(), 1u) << serve_->Stderr();
  auto body =
      json::parse(Events({"show", std::to_string(events[0]["id"].get<int64_t>()), "--body"}).out);
  EXPECT_EQ(body["email"], "ann@example.com");
  EXPECT_EQ(body["type"], "ContactCreate");
  auto m = Send("GET", "/metrics").body;
  EXPECT_EQ(Sample(m, R"(ghl_webhook_requests_total{outcome="bad_signature"})"), "0");
}

TEST_F(WebhookReceiverTest, BadWebhookFlagsAreUsageErrors) {
  TempDb db;
  auto cutoff = RunGhl({"serve", "--port", "0", "--events-db", db.db, "--rsa-cutoff", "soon"});
  EXPECT_EQ(cutoff.exit_code, 2) << cutoff.err;
  EXPECT_NE(cutoff.err.find("rsa-cutoff"), std::string::npos) << cutoff.err;
  auto key = RunGhl(
      {"serve", "--port", "0", "--events-db", db.db, "--webhook-public-key", "bm90IGEga2V5"});
  EXPECT_EQ(key.exit_code, 2) << key.err;
  EXPECT_NE(key.err.find("public key #1"), std::string::npos) << key.err;
}

// An upstream that holds every request until released (a stalled GHL), and playground calls
// (POST /api/send) to `ghl serve` running in the background.
class HangingUpstream {
 public:
  HangingUpstream()
      : server_({.port = 0, .threads = 8}, [this](const http::Request&) {
          std::unique_lock lock(mu_);
          ++held_;
          cv_.notify_all();
          cv_.wait(lock, [this] { return released_; });
          return server::JsonResponse(200, R"({"contacts":[]})");
        }) {
    port_ = server_.Start();
  }
  ~HangingUpstream() {
    Release();
    for (auto& t : calls_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Calls held right now (reached the upstream).
  int held() {
    std::lock_guard lock(mu_);
    return held_;
  }
  bool WaitHeld(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return held_ >= n; });
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  // Starts one playground call through `serve`; `answered` counts those that got any answer.
  void Call(const ServeProcess& serve, http::Transport& transport) {
    calls_.emplace_back([&serve, &transport, this] {
      http::Request r;
      r.method = "POST";
      r.target = serve.base_url() + "/api/send";
      r.headers.Set("Origin", serve.base_url());
      r.headers.Set("Content-Type", "application/json");
      r.body = json{{"method", "POST"},
                    {"path", "/contacts/"},
                    {"body", {{"locationId", "loc1"}, {"firstName", "Once"}}},
                    {"token", "pit-test-token"}}
                   .dump();
      if (transport.Send(r, {}).ok()) ++answered;
    });
  }
  void JoinCalls() {
    for (auto& t : calls_) t.join();
    calls_.clear();
  }
  std::atomic<int> answered{0};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
  int held_ = 0;
  server::HttpServer server_;
  uint16_t port_ = 0;
  std::vector<std::thread> calls_;
};

// One I/O thread and three playground calls hanging on a slow upstream, every forward thread
// busy: a webhook is still read, stored and answered 200, and /metrics, the stats page and
// /healthz still answer (the calls wait on their own threads).
TEST_F(WebhookReceiverTest, PlaygroundCallsHangingOnTheUpstreamDoNotHoldWebhooks) {
  HangingUpstream upstream;
  Start({"--upstream", upstream.url(), "--threads", "1", "--forward-threads", "3"});
  for (int i = 0; i < 3; ++i) upstream.Call(*serve_, *transport_);
  ASSERT_TRUE(upstream.WaitHeld(3)) << "three calls not forwarded: " << serve_->Stderr();
  auto r = Deliver(R"({"type":"ContactCreate","id":"c-slow","webhookId":"wh-slow-upstream"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Send("GET", "/metrics").status, 200);
  EXPECT_EQ(Send("GET", "/api/events/stats").status, 200);
  EXPECT_EQ(
      Send("GET", "/healthz", {}, {{"Host", "127.0.0.1:" + std::to_string(serve_->port())}}).status,
      200);
  EXPECT_EQ(upstream.answered.load(), 0) << "answered while the calls still hang";
  upstream.Release();
  upstream.JoinCalls();
  EXPECT_EQ(upstream.answered.load(), 3);
}

// SIGTERM with playground calls hanging on the upstream and more queued behind them: the queued
// ones are refused and never sent, the ones in flight are cancelled, and the process exits at
// once (it waited out every queued call's timeout before: 30 s and more).
TEST_F(WebhookReceiverTest, SigtermWithHangingPlaygroundCallsExitsAtOnceAndSendsNothingMore) {
  HangingUpstream upstream;
  Start({"--upstream", upstream.url(), "--forward-threads", "2", "--timeout-ms", "30000"});
  for (int i = 0; i < 6; ++i) upstream.Call(*serve_, *transport_);
  ASSERT_TRUE(upstream.WaitHeld(2)) << serve_->Stderr();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // the other four are queued
  auto started = std::chrono::steady_clock::now();
  auto code = serve_->Terminate(std::chrono::seconds(10));
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(code, std::optional<int>(0)) << "exited by itself, cleanly";
  EXPECT_LT(took, std::chrono::seconds(10));
  upstream.JoinCalls();
  EXPECT_EQ(upstream.answered.load(), 6) << "no caller left hanging";
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_EQ(upstream.held(), 2) << "queued calls must never reach the upstream after the stop";
}

}  // namespace
}  // namespace ghl::testing
