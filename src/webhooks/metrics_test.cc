// Stats JSON, Prometheus text and the EventsHttpApi routes, on a real SQLite store.
#include "ghl/webhooks/metrics.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "receiver_test_util.h"

namespace ghl::webhooks {
namespace {

using testing::FlakyStore;
using testing::ReadKeyFile;
using testing::SignedPost;
using testing::TempDir;
using testing::TestEd25519Signer;

class MetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions sqlite;
    sqlite.path = (dir_.path() / "events.db").string();
    auto opened = store::OpenSqliteStore(sqlite);
    ASSERT_TRUE(opened.ok()) << opened.error().Describe();
    flaky_ = std::make_shared<FlakyStore>(std::shared_ptr<store::EventStore>(std::move(*opened)));
    ReceiverOptions o;
    o.public_keys = {ReadKeyFile("test_ed25519_public.pem")};
    o.log = [](std::string_view) {};
    auto r = WebhookReceiver::Create(o, flaky_);
    ASSERT_TRUE(r.ok()) << r.error().Describe();
    receiver_ = std::shared_ptr<const WebhookReceiver>(std::move(*r));
    api_ = std::make_unique<EventsHttpApi>(flaky_, receiver_);
  }

  http::Request Get(std::string path) {
    http::Request r;
    r.method = "GET";
    r.target = std::move(path);
    r.headers.Set("Host", "evil.example.com");  // foreign Host: these routes do not care
    return r;
  }

  // Two ContactCreate, one unknown type, one duplicate, one unsigned, one too large.
  void Deliver() {
    auto post = [&](std::string body, bool sign) {
      auto r = api_->Handle(SignedPost(std::move(body), sign ? &ed_ : nullptr));
      EXPECT_TRUE(r.has_value());
      return r ? r->status : 0;
    };
    EXPECT_EQ(post(R"({"type":"ContactCreate","id":"1"})", true), 200);
    EXPECT_EQ(post(R"({"type":"ContactCreate","id":"2"})", true), 200);
    EXPECT_EQ(post(R"({"type":"ContactCreate","id":"2"})", true), 200);  // duplicate
    EXPECT_EQ(post(R"({"type":"Brand\"New"})", true), 200);
    EXPECT_EQ(post(R"({"type":"ContactCreate","id":"3"})", false), 401);
    EXPECT_EQ(post(std::string(600 * 1024, ' '), true), 413);
  }

  // Value of one exposition line "name{labels} value".
  static std::string Sample(const std::string& text, const std::string& series) {
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
      if (line.rfind(series + " ", 0) == 0) return line.substr(series.size() + 1);
    }
    return "<absent>";
  }

  TempDir dir_;
  std::shared_ptr<FlakyStore> flaky_;
  std::shared_ptr<const WebhookReceiver> receiver_;
  std::unique_ptr<EventsHttpApi> api_;
  WebhookSigner ed_ = TestEd25519Signer();
};

TEST_F(MetricsTest, StatsJsonCountsByStateTypeAndOutcome) {
  Deliver();
  auto r = api_->Handle(Get("/api/events/stats"));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200) << r->body;
  auto j = nlohmann::json::parse(r->body);
  EXPECT_EQ(j["events"]["pending"], 3);
  EXPECT_EQ(j["events"]["total"], 3);
  EXPECT_EQ(j["dead"], 0);
  EXPECT_TRUE(j["oldest_pending_age_ms"].is_number());
  EXPECT_EQ(j["by_type"]["ContactCreate"]["pending"], 2);
  EXPECT_EQ(j["by_type"]["ContactCreate"]["routed"], true);
  EXPECT_EQ(j["by_type"]["Brand\"New"]["routed"], false);
  EXPECT_EQ(j["receiver"]["received"], 6);
  EXPECT_EQ(j["receiver"]["accepted"], 3);
  EXPECT_EQ(j["receiver"]["duplicate"], 1);
  EXPECT_EQ(j["receiver"]["refused"]["total"], 2);
  EXPECT_EQ(j["receiver"]["refused"]["unsigned"], 1);
  EXPECT_EQ(j["receiver"]["refused"]["too_large"], 1);
  EXPECT_EQ(j["receiver"]["refused"]["store_unavailable"], 0);
}

TEST_F(MetricsTest, PrometheusExposition) {
  Deliver();
  auto r = api_->Handle(Get("/metrics"));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->headers.Get("Content-Type").value_or(""),
            "text/plain; version=0.0.4; charset=utf-8");
  const std::string& t = r->body;
  EXPECT_EQ(Sample(t, R"(ghl_webhook_requests_total{outcome="accepted"})"), "3");
  EXPECT_EQ(Sample(t, R"(ghl_webhook_requests_total{outcome="duplicate"})"), "1");
  EXPECT_EQ(Sample(t, R"(ghl_webhook_requests_total{outcome="unsigned"})"), "1");
  EXPECT_EQ(Sample(t, R"(ghl_webhook_requests_total{outcome="too_large"})"), "1");
  EXPECT_EQ(Sample(t, R"(ghl_webhook_requests_total{outcome="store_unavailable"})"), "0");
  EXPECT_EQ(Sample(t, R"(ghl_events{state="pending"})"), "3");
  EXPECT_EQ(Sample(t, R"(ghl_events{state="dead"})"), "0");
  EXPECT_EQ(Sample(t, R"(ghl_events_by_type{type="ContactCreate",state="pending"})"), "2");
  // Label values are escaped.
  EXPECT_EQ(Sample(t, R"(ghl_events_by_type{type="Brand\"New",state="pending"})"), "1");
  EXPECT_EQ(Sample(t, "ghl_events_store_up"), "1");
  EXPECT_NE(Sample(t, "ghl_events_oldest_pending_seconds"), "<absent>");
  // Every line is a comment or `name{labels} number`.
  std::regex sample(R"(^[a-z_]+(\{[^}]*\})? -?[0-9.]+$)");
  std::istringstream in(t);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
  }
  EXPECT_EQ(t.back(), '\n');
}

TEST_F(MetricsTest, StoreDownGives503StatsAndMetricsWithStoreUpZero) {
  Deliver();
  flaky_->set_mode(FlakyStore::Mode::kTimeout);
  auto stats = api_->Handle(Get("/api/events/stats"));
  ASSERT_TRUE(stats.has_value());
  EXPECT_EQ(stats->status, 503);
  auto metrics = api_->Handle(Get("/metrics"));
  ASSERT_TRUE(metrics.has_value());
  EXPECT_EQ(metrics->status, 200);
  EXPECT_EQ(Sample(metrics->body, "ghl_events_store_up"), "0");
  EXPECT_EQ(Sample(metrics->body, R"(ghl_events{state="pending"})"), "<absent>");
  EXPECT_EQ(Sample(metrics->body, R"(ghl_webhook_requests_total{outcome="accepted"})"), "3");
}

TEST_F(MetricsTest, OtherRoutesFallThroughAndWrongMethodsAre405) {
  EXPECT_FALSE(api_->Handle(Get("/")).has_value());
  EXPECT_FALSE(api_->Handle(Get("/api/send")).has_value());
  http::Request post = Get("/metrics");
  post.method = "POST";
  auto r = api_->Handle(post);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 405);
  auto hook = api_->Handle(Get("/webhooks/ghl"));
  ASSERT_TRUE(hook.has_value());
  EXPECT_EQ(hook->status, 405);
}

// The monitoring pages ignore Host, so they refuse what a web page sends (cross-site, or
// same-origin after DNS rebinding); a URL a person types (Sec-Fetch-Site: none) still opens.
TEST_F(MetricsTest, WebPagesAreRefusedButATypedUrlOpens) {
  for (std::string path : {"/metrics", "/api/events/stats"}) {
    http::Request typed = Get(path);
    typed.headers.Set("Sec-Fetch-Site", "none");
    typed.headers.Set("Sec-Fetch-Mode", "navigate");
    typed.headers.Set("Sec-Fetch-Dest", "document");
    EXPECT_EQ(api_->Handle(typed)->status, 200) << path;
    EXPECT_EQ(api_->Handle(Get(path))->status, 200) << path << ": curl, Prometheus";
    for (auto [name, value] :
         {std::pair{"Sec-Fetch-Site", "cross-site"}, std::pair{"Sec-Fetch-Site", "same-origin"},
          std::pair{"Origin", "http://127.0.0.1:8080"}}) {
      http::Request page = Get(path);
      page.headers.Set(name, value);
      auto answer = api_->Handle(page);
      ASSERT_TRUE(answer);
      EXPECT_EQ(answer->status, 403) << path << " " << name << ": " << value;
      EXPECT_NE(answer->body.find("refused a request sent by a web page (" + std::string(name) +
                                  ": " + value + ")"),
                std::string::npos)
          << answer->body;
    }
  }
}

TEST(StatsJsonTest, WithoutReceiverOrPending) {
  store::Stats s;
  s.by_state.done = 4;
  s.by_state.dead = 1;
  s.by_type["unknown"].dead = 1;
  auto j = nlohmann::json::parse(StatsJson(s, nullptr));
  EXPECT_FALSE(j.contains("receiver"));
  EXPECT_TRUE(j["oldest_pending_age_ms"].is_null());
  EXPECT_EQ(j["dead"], 1);
  EXPECT_EQ(j["events"]["total"], 5);
  EXPECT_EQ(j["by_type"]["unknown"]["routed"], false);
  std::string text = PrometheusText(&s, nullptr);
  EXPECT_EQ(text.find("ghl_webhook_requests_total"), std::string::npos);
  EXPECT_NE(text.find("ghl_events_oldest_pending_seconds 0.000\n"), std::string::npos);
}

}  // namespace
}  // namespace ghl::webhooks
