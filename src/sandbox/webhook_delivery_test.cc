// The sandbox sends webhooks: signed deliveries a receiver verifies with the published key,
// retries only on 429 and network errors, a bounded queue that never blocks, a persistent key.
#include "ghl/sandbox/webhook_delivery.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <vector>

#include "ghl/sandbox/sandbox.h"
#include "ghl/server/http_server.h"
#include "ghl/webhooks/signature_verifier.h"
#include "webhook_test_util.h"

namespace ghl::sandbox {
namespace {

using json = nlohmann::json;
using namespace std::chrono_literals;

WebhookDeliveryOptions FastOptions(std::string url) {
  WebhookDeliveryOptions o;
  o.url = std::move(url);
  o.initial_backoff = 5ms;
  o.max_backoff = 20ms;
  o.timeout = 5s;
  o.log = [](std::string_view) {};
  return o;
}

std::unique_ptr<WebhookDelivery> StartDelivery(WebhookDeliveryOptions o) {
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  EXPECT_TRUE(signer.ok());
  auto d = WebhookDelivery::Start(std::move(o), std::move(signer.value()));
  EXPECT_TRUE(d.ok()) << (d.ok() ? "" : d.error().Summary());
  return std::move(d.value());
}

std::string TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "ghl-whd-XXXXXX").string();
  char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr);
  return tmpl;
}

http::Response Send(const std::string& method, const std::string& url, const std::string& body = {},
                    bool auth = true) {
  http::Request r;
  r.method = method;
  r.target = url;
  if (auth) {
    r.headers.Set("Authorization", "Bearer " + std::string(kDefaultToken));
    r.headers.Set("Version", "2021-07-28");
  }
  if (!body.empty()) r.headers.Set("Content-Type", "application/json");
  r.body = body;
  auto res = http::MakeCurlTransport()->Send(r, {});
  EXPECT_TRUE(res.ok()) << (res.ok() ? "" : res.error().Summary());
  return res.ok() ? res.value() : http::Response{};
}

TEST(SandboxWebhooks, EveryEventArrivesSignedAndVerifiesWithThePublishedKey) {
  Receiver receiver;
  std::mutex emitted_mu;
  std::vector<std::string> emitted;
  Options options;
  options.webhook_delivery = FastOptions(receiver.url());
  options.webhook_sink = [&](std::string_view, std::string_view body) {
    std::lock_guard lock(emitted_mu);
    emitted.emplace_back(body);
  };
  auto sb = RunningSandbox::Start(std::move(options));
  ASSERT_TRUE(sb.ok()) << sb.error().Summary();
  RunningSandbox& running = **sb;

  // The key is published, without a token, where ghl serve (or anyone) can fetch it.
  auto key_res = Send("GET", running.base_url() + std::string(kWebhookPublicKeyPath), {}, false);
  ASSERT_EQ(key_res.status, 200) << key_res.body;
  std::string published = json::parse(key_res.body)["ed25519"];
  EXPECT_EQ(published, running.webhook_public_key());
  EXPECT_EQ(Send("POST", running.base_url() + std::string(kWebhookPublicKeyPath)).status, 405);
  // ... and on the start line, after the three GHL_* keys scripts already eval.
  std::string line = running.EnvLine();
  EXPECT_EQ(line.rfind("GHL_BASE_URL=" + running.base_url() + " GHL_TOKEN=", 0), 0u) << line;
  EXPECT_NE(line.find(" GHL_LOCATION_ID=" + running.location_id() +
                      " GHL_WEBHOOK_PUBLIC_KEY=" + published),
            std::string::npos)
      << line;

  // State changes through the real HTTP API: create a contact, tag it, update it.
  json contact = {{"locationId", running.location_id()},
                  {"firstName", "Webhook"},
                  {"email", "webhook.test@example.com"}};
  auto created = Send("POST", running.base_url() + "/contacts/", contact.dump());
  ASSERT_EQ(created.status, 201) << created.body;
  std::string id = json::parse(created.body)["contact"]["id"];
  ASSERT_EQ(
      Send("POST", running.base_url() + "/contacts/" + id + "/tags", R"({"tags":["book-now"]})")
          .status,
      201);
  ASSERT_EQ(Send("PUT", running.base_url() + "/contacts/" + id, R"({"city":"Austin"})").status,
            200);
  ASSERT_TRUE(running.webhook_delivery().Flush(5s));

  auto got = receiver.requests();
  std::vector<std::string> expected;
  {
    std::lock_guard lock(emitted_mu);
    expected = emitted;
  }
  ASSERT_GE(expected.size(), 3u);
  ASSERT_EQ(got.size(), expected.size());
  auto verifier = VerifierFor(published);
  std::set<std::string> types, webhook_ids;
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].method, "POST");
    EXPECT_EQ(got[i].body, expected[i]) << "delivered bytes differ from the emitted event";
    auto verdict = verifier.Verify(got[i].body, got[i].headers, std::chrono::system_clock::now());
    EXPECT_EQ(verdict.outcome, webhooks::VerifyOutcome::kAcceptedEd25519) << verdict.reason;
    auto body = json::parse(got[i].body);
    types.insert(body["type"].get<std::string>());
    webhook_ids.insert(body["webhookId"].get<std::string>());
    EXPECT_TRUE(body["timestamp"].is_string());
  }
  EXPECT_TRUE(types.count("ContactCreate"));
  EXPECT_TRUE(types.count("ContactTagUpdate"));
  EXPECT_EQ(webhook_ids.size(), got.size());
  EXPECT_EQ(running.webhook_delivery().Counters().delivered, got.size());

  // Another key does not verify them: the signature binds to the sandbox's key.
  auto other = webhooks::WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(other.ok());
  auto wrong = VerifierFor(other->PublicKeyBase64());
  EXPECT_FALSE(wrong.Verify(got[0].body, got[0].headers, std::chrono::system_clock::now()));
}

TEST(SandboxWebhooks, A429IsRetriedWithTheSameBytesUntilAccepted) {
  Receiver receiver({429, 429, 200});
  auto delivery = StartDelivery(FastOptions(receiver.url()));
  ASSERT_TRUE(delivery->Enqueue("ContactCreate", R"({"type":"ContactCreate","webhookId":"a"})"));
  ASSERT_TRUE(delivery->Flush(5s));
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 3u);
  for (const auto& r : got) {
    EXPECT_EQ(r.body, got[0].body);
    EXPECT_EQ(r.headers.Get("X-GHL-Signature"), got[0].headers.Get("X-GHL-Signature"));
  }
  auto c = delivery->Counters();
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.retries, 2u);
  EXPECT_EQ(c.dropped_attempts, 0u);
}

TEST(SandboxWebhooks, A500OrA400IsNotRetriedAndTheNextEventStillGoes) {
  Receiver receiver({500, 400, 200});
  std::vector<std::string> logs;
  std::mutex logs_mu;
  auto o = FastOptions(receiver.url());
  o.log = [&](std::string_view line) {
    std::lock_guard lock(logs_mu);
    logs.emplace_back(line);
  };
  auto delivery = StartDelivery(o);
  ASSERT_TRUE(delivery->Enqueue("ContactCreate", R"({"webhookId":"one"})"));
  ASSERT_TRUE(delivery->Enqueue("ContactUpdate", R"({"webhookId":"two"})"));
  ASSERT_TRUE(delivery->Enqueue("ContactDelete", R"({"webhookId":"three"})"));
  ASSERT_TRUE(delivery->Flush(5s));
  auto got = receiver.requests();
  ASSERT_EQ(got.size(), 3u);  // one send each: neither the 500 nor the 400 was retried
  EXPECT_EQ(got[0].body, R"({"webhookId":"one"})");
  EXPECT_EQ(got[1].body, R"({"webhookId":"two"})");
  EXPECT_EQ(got[2].body, R"({"webhookId":"three"})");
  auto c = delivery->Counters();
  EXPECT_EQ(c.dropped_status, 2u);
  EXPECT_EQ(c.delivered, 1u);
  EXPECT_EQ(c.retries, 0u);
  std::lock_guard lock(logs_mu);
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_NE(logs[0].find("webhookId=one"), std::string::npos) << logs[0];
  EXPECT_NE(logs[0].find("HTTP 500"), std::string::npos) << logs[0];
}

// Fails with a network error `failures` times, then answers `final_status`.
class FlakyTransport : public http::Transport {
 public:
  FlakyTransport(int failures, int final_status) : failures_(failures), status_(final_status) {}
  Result<http::Response> Send(const http::Request&, const http::TransportOptions&) override {
    if (calls_++ < failures_) {
      Error e;
      e.kind = ErrorKind::kNetwork;
      e.messages.push_back("connection refused");
      return e;
    }
    http::Response r;
    r.status = status_;
    return r;
  }
  std::atomic<int> calls_{0};

 private:
  int failures_;
  int status_;
};

// A loopback port nothing listens on (bound, then closed).
uint16_t ClosedPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  close(fd);
  return ntohs(addr.sin_port);
}

TEST(SandboxWebhooks, NetworkErrorsAreRetriedThenDroppedAfterMaxAttempts) {
  auto o = FastOptions("http://127.0.0.1:9/webhooks/ghl");
  auto flaky = std::make_shared<FlakyTransport>(2, 200);
  o.transport = flaky;
  auto delivery = StartDelivery(o);
  ASSERT_TRUE(delivery->Enqueue("X", "{}"));
  ASSERT_TRUE(delivery->Flush(5s));
  EXPECT_EQ(flaky->calls_.load(), 3);
  EXPECT_EQ(delivery->Counters().delivered, 1u);
  EXPECT_EQ(delivery->Counters().retries, 2u);

  auto dead = std::make_shared<FlakyTransport>(1000, 200);
  o.transport = dead;
  o.max_attempts = 4;
  auto gives_up = StartDelivery(o);
  ASSERT_TRUE(gives_up->Enqueue("X", "{}"));
  ASSERT_TRUE(gives_up->Flush(5s));
  EXPECT_EQ(dead->calls_.load(), 4);
  EXPECT_EQ(gives_up->Counters().dropped_attempts, 1u);
  EXPECT_EQ(gives_up->Counters().delivered, 0u);

  // A real refused connection is a network error too (not a status): retried.
  uint16_t port = ClosedPort();
  auto real = FastOptions("http://127.0.0.1:" + std::to_string(port) + "/webhooks/ghl");
  real.max_attempts = 3;
  auto refused = StartDelivery(real);
  ASSERT_TRUE(refused->Enqueue("X", "{}"));
  ASSERT_TRUE(refused->Flush(5s));
  EXPECT_EQ(refused->Counters().retries, 2u);
  EXPECT_EQ(refused->Counters().dropped_attempts, 1u);
}

// Blocks every send until released: shows Enqueue never waits for the network.
class BlockedTransport : public http::Transport {
 public:
  Result<http::Response> Send(const http::Request&, const http::TransportOptions&) override {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return released_; });
    http::Response r;
    r.status = 200;
    return r;
  }
  void Release() {
    std::lock_guard lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;
};

TEST(SandboxWebhooks, AFullQueueDropsWithoutBlockingTheCaller) {
  auto blocked = std::make_shared<BlockedTransport>();
  auto o = FastOptions("http://127.0.0.1:9/webhooks/ghl");
  o.transport = blocked;
  o.queue_capacity = 3;
  auto delivery = StartDelivery(o);
  auto start = std::chrono::steady_clock::now();
  int accepted = 0;
  for (int i = 0; i < 50; ++i) accepted += delivery->Enqueue("X", "{}") ? 1 : 0;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
  // 3 waiting, plus at most the one the thread took before blocking.
  EXPECT_GE(accepted, 3);
  EXPECT_LE(accepted, 4);
  EXPECT_EQ(delivery->Counters().dropped_full, static_cast<uint64_t>(50 - accepted));
  blocked->Release();
  ASSERT_TRUE(delivery->Flush(5s));
  EXPECT_EQ(delivery->Counters().delivered, static_cast<uint64_t>(accepted));
}

TEST(SandboxWebhooks, NoUrlMeansNothingIsQueuedUntilOneIsSet) {
  Receiver receiver;
  auto delivery = StartDelivery(FastOptions(""));
  EXPECT_FALSE(delivery->Enqueue("X", "{}"));
  EXPECT_FALSE(delivery->SetUrl("ftp://example.com").ok());
  ASSERT_TRUE(delivery->SetUrl(receiver.url()).ok());
  EXPECT_TRUE(delivery->Enqueue("X", R"({"n":1})"));
  ASSERT_TRUE(delivery->Flush(5s));
  ASSERT_EQ(receiver.requests().size(), 1u);
  EXPECT_EQ(receiver.requests()[0].body, R"({"n":1})");
  EXPECT_FALSE(
      WebhookDelivery::Start(FastOptions("not a url"), *webhooks::WebhookSigner::GenerateEd25519())
          .ok());
}

TEST(SandboxWebhooks, TheKeyFileIsCreatedPrivateAndKeepsTheKeyAcrossRestarts) {
  std::string dir = TempDir();
  std::string path = dir + "/sandbox-webhook.pem";
  auto first = LoadOrCreateWebhookKey(path);
  ASSERT_TRUE(first.ok()) << first.error().Summary();
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  auto again = LoadOrCreateWebhookKey(path);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->PublicKeyBase64(), first->PublicKeyBase64());

  // A running sandbox with the same file publishes the same key after a restart.
  Options options;
  options.webhook_delivery.key_file = path;
  auto sb1 = RunningSandbox::Start(options);
  ASSERT_TRUE(sb1.ok());
  EXPECT_EQ((*sb1)->webhook_public_key(), first->PublicKeyBase64());
  (*sb1)->Stop();
  auto sb2 = RunningSandbox::Start(options);
  ASSERT_TRUE(sb2.ok());
  EXPECT_EQ((*sb2)->webhook_public_key(), first->PublicKeyBase64());
  // Without a file, every start has its own key.
  auto fresh = RunningSandbox::Start(Options{});
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE((*fresh)->webhook_public_key(), first->PublicKeyBase64());

  // A file that is not an Ed25519 private key is refused, naming the file.
  std::string bad = dir + "/bad.pem";
  std::ofstream(bad) << "not a key";
  auto refused = LoadOrCreateWebhookKey(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::kUsage);
  EXPECT_NE(refused.error().Summary().find(bad), std::string::npos);
  auto rsa = webhooks::WebhookSigner::GenerateRsa(1024);
  ASSERT_TRUE(rsa.ok());
  std::string rsa_path = dir + "/rsa.pem";
  std::ofstream(rsa_path) << rsa->PrivateKeyPem();
  EXPECT_FALSE(LoadOrCreateWebhookKey(rsa_path).ok());
  EXPECT_FALSE(LoadOrCreateWebhookKey(dir + "/missing-dir/key.pem").ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ghl::sandbox
