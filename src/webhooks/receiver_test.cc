// WebhookReceiver::Handle on a real SQLite store in a temp dir: official examples, signatures,
// replay, size cap, store failures and insecure mode.
#include "ghl/webhooks/receiver.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "ghl/webhooks/replay.h"
#include "receiver_test_util.h"

namespace ghl::webhooks {
namespace {

using namespace std::chrono_literals;
using std::chrono::system_clock;
using testing::FlakyStore;
using testing::ReadFile;
using testing::ReadKeyFile;
using testing::SignedPost;
using testing::TempDir;
using testing::TestEd25519Signer;
using testing::TestRsaSigner;

const system_clock::time_point kNow =
    std::chrono::sys_days{std::chrono::year{2025} / 2 / 10} + 8h + 26min;

class ReceiverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::SqliteOptions sqlite;
    sqlite.path = (dir_.path() / "events.db").string();
    auto opened = store::OpenSqliteStore(sqlite);
    ASSERT_TRUE(opened.ok()) << opened.error().Describe();
    store_ = std::shared_ptr<store::EventStore>(std::move(opened.value()));
  }

  // Test keys only (GHL's own keys are not needed: nothing here is signed by GHL).
  ReceiverOptions TestOptions() {
    ReceiverOptions o;
    o.public_keys = {ReadKeyFile("test_ed25519_public.pem"), ReadKeyFile("test_rsa_public.pem")};
    o.clock = [this] { return now_; };
    o.log = [this](std::string_view line) {
      std::lock_guard lock(log_mu_);
      log_.emplace_back(line);
    };
    return o;
  }

  std::unique_ptr<WebhookReceiver> MakeReceiver(ReceiverOptions o,
                                                std::shared_ptr<store::EventStore> s = nullptr) {
    auto r = WebhookReceiver::Create(std::move(o), s ? s : store_);
    EXPECT_TRUE(r.ok()) << r.error().Describe();
    return std::move(r).value();
  }

  std::vector<store::Event> All() {
    store::ListFilter f;
    f.limit = 10000;
    auto list = store_->List(f);
    EXPECT_TRUE(list.ok());
    return list.ok() ? *list : std::vector<store::Event>{};
  }

  static nlohmann::json Body(const http::Response& r) { return nlohmann::json::parse(r.body); }

  TempDir dir_;
  std::shared_ptr<store::EventStore> store_;
  system_clock::time_point now_ = kNow;
  std::mutex log_mu_;
  std::vector<std::string> log_;
  WebhookSigner ed_ = TestEd25519Signer();
};

TEST_F(ReceiverTest, EveryOfficialExampleIsStoredWithItsExactBytes) {
  const char* shared = std::getenv("GHL_SHARED_DIR");
  std::filesystem::path dir =
      shared ? std::filesystem::path(shared) / "ghl-openapi/webhooks" : std::filesystem::path();
  if (!shared || !std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "GHL_SHARED_DIR/ghl-openapi/webhooks not found; set GHL_SHARED_DIR to the "
                    "shared/ folder to run this test";
  }
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().filename().string().find(".example") != std::string::npos) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  ASSERT_GT(files.size(), 50u);

  auto receiver = MakeReceiver(TestOptions());
  std::set<std::string> distinct_bodies;
  std::map<int64_t, std::string> stored_bytes;  // id → bytes of the first delivery
  int accepted = 0, duplicates = 0, unknown = 0;
  for (const auto& path : files) {
    std::string name = path.filename().string();
    std::string bytes = ReadFile(path);
    distinct_bodies.insert(bytes);
    // Examples carrying a timestamp are from 2025: deliver them "when they were sent".
    auto facts = InspectBody(bytes);
    ASSERT_TRUE(facts.ok()) << name;
    now_ = facts->timestamp ? *facts->timestamp + 2s : kNow;

    http::Response r = receiver->Handle(SignedPost(bytes, &ed_));
    ASSERT_EQ(r.status, 200) << name << ": " << r.body;
    auto body = Body(r);
    int64_t id = body.at("id").get<int64_t>();
    if (body.at("status") == "duplicate") {
      ++duplicates;
      EXPECT_EQ(stored_bytes.at(id), bytes) << name << " is a duplicate of different bytes";
      continue;
    }
    ASSERT_EQ(body.at("status"), "accepted") << name;
    ++accepted;
    stored_bytes[id] = bytes;
    auto event = store_->Get(id);
    ASSERT_TRUE(event.ok()) << name;
    EXPECT_EQ(event->body, bytes) << name << ": stored bytes differ from the received ones";
    EXPECT_EQ(event->state, store::EventState::kPending) << name;
    std::string expected_type = facts->type.empty() ? "unknown" : facts->type;
    EXPECT_EQ(event->type, expected_type) << name;
    EXPECT_EQ(body.at("type"), expected_type) << name;
    EXPECT_EQ(body.at("routed").get<bool>(), IsKnownEventType(expected_type)) << name;
    if (expected_type == "unknown") {
      ++unknown;
      EXPECT_FALSE(body.at("routed").get<bool>()) << name;
    }
  }
  EXPECT_EQ(static_cast<size_t>(accepted), distinct_bodies.size());
  EXPECT_EQ(static_cast<size_t>(accepted + duplicates), files.size());
  // The three Appointment*.example.json files are byte-identical: one event, two duplicates.
  EXPECT_GE(duplicates, 2);
  EXPECT_GT(unknown, 0) << "several examples carry no `type`";
  EXPECT_EQ(All().size(), distinct_bodies.size());
  auto counters = receiver->Counters();
  EXPECT_EQ(counters.count(ReceiveOutcome::kAccepted), static_cast<uint64_t>(accepted));
  EXPECT_EQ(counters.count(ReceiveOutcome::kDuplicate), static_cast<uint64_t>(duplicates));
  EXPECT_EQ(counters.refused(), 0u);
}

TEST_F(ReceiverTest, AppointmentExamplesAreOneEventAndTwoDuplicates) {
  const char* shared = std::getenv("GHL_SHARED_DIR");
  std::filesystem::path dir =
      shared ? std::filesystem::path(shared) / "ghl-openapi/webhooks" : std::filesystem::path();
  if (!shared || !std::filesystem::exists(dir / "AppointmentCreate.example.json")) {
    GTEST_SKIP() << "GHL_SHARED_DIR/ghl-openapi/webhooks not found";
  }
  auto receiver = MakeReceiver(TestOptions());
  std::vector<std::string> statuses;
  for (const char* name : {"AppointmentCreate", "AppointmentUpdate", "AppointmentDelete"}) {
    auto r =
        receiver->Handle(SignedPost(ReadFile(dir / (std::string(name) + ".example.json")), &ed_));
    ASSERT_EQ(r.status, 200) << r.body;
    statuses.push_back(Body(r).at("status"));
  }
  EXPECT_EQ(statuses, (std::vector<std::string>{"accepted", "duplicate", "duplicate"}));
  EXPECT_EQ(All().size(), 1u);
}

TEST_F(ReceiverTest, GoldenOpenSslSignatureOverOddBytesIsAcceptedAndStoredVerbatim) {
  std::string body = ReadKeyFile("test_body.json");
  std::string sig = ReadKeyFile("test_body.json.ed25519.sig");
  while (!sig.empty() && (sig.back() == '\n' || sig.back() == '\r')) sig.pop_back();
  auto receiver = MakeReceiver(TestOptions());
  http::Request req = SignedPost(body, nullptr);
  req.headers.Set("x-ghl-signature", sig);  // header names are case-insensitive
  auto r = receiver->Handle(req);
  ASSERT_EQ(r.status, 200) << r.body;
  auto event = store_->Get(Body(r).at("id").get<int64_t>());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->body, body);
}

TEST_F(ReceiverTest, StoresAllowListedHeadersAndTheReceiveTime) {
  auto receiver = MakeReceiver(TestOptions());
  http::Request req = SignedPost(R"({"type":"ContactCreate","id":"c1","locationId":"L1"})", &ed_);
  req.headers.Set("Authorization", "Bearer secret-token");
  req.headers.Set("Cookie", "session=secret");
  auto r = receiver->Handle(req);
  ASSERT_EQ(r.status, 200) << r.body;
  auto event = store_->Get(Body(r).at("id").get<int64_t>());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->location_id, "L1");
  EXPECT_EQ(event->received_at, std::chrono::floor<std::chrono::milliseconds>(kNow));
  std::map<std::string, std::string> headers(event->headers.begin(), event->headers.end());
  EXPECT_EQ(headers.count("authorization"), 0u);
  EXPECT_EQ(headers.count("cookie"), 0u);
  EXPECT_EQ(headers.at("x-ghl-signature"), req.headers.Get("X-GHL-Signature").value());
  EXPECT_EQ(headers.at("content-type"), "application/json");
}

TEST_F(ReceiverTest, RsaOnlyPassesWhenCutoffIsNeverAndIsRefusedAfterTheCutoff) {
  WebhookSigner rsa = TestRsaSigner();
  std::string body = R"({"type":"ContactUpdate","id":"c-rsa"})";

  ReceiverOptions never = TestOptions();
  never.rsa_cutoff_utc = std::nullopt;
  now_ = DefaultRsaCutoffUtc() + 24h * 365;  // long after GHL's cutoff
  auto open = MakeReceiver(never);
  auto ok = open->Handle(SignedPost(body, &rsa));
  EXPECT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(Body(ok).at("status"), "accepted");

  std::string body2 = R"({"type":"ContactUpdate","id":"c-rsa-2"})";
  auto strict = MakeReceiver(TestOptions());  // default cutoff 2026-07-01
  auto refused = strict->Handle(SignedPost(body2, &rsa));
  EXPECT_EQ(refused.status, 401) << refused.body;
  EXPECT_EQ(Body(refused).at("reason"), "rsa_after_cutoff");
  EXPECT_EQ(strict->Counters().count(ReceiveOutcome::kRsaAfterCutoff), 1u);

  now_ = DefaultRsaCutoffUtc() - 24h;  // before the cutoff RSA alone is still fine
  auto before = strict->Handle(SignedPost(body2, &rsa));
  EXPECT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(All().size(), 2u);
}

TEST_F(ReceiverTest, RefusedDeliveriesStoreNothing) {
  auto receiver = MakeReceiver(TestOptions());
  std::string body = R"({"type":"ContactCreate","id":"c1","timestamp":"2025-02-10T08:25:00Z"})";

  auto none = receiver->Handle(SignedPost(body, nullptr));
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Body(none).at("reason"), "unsigned");

  auto stranger = WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(stranger.ok());
  auto wrong_key = receiver->Handle(SignedPost(body, &*stranger));
  EXPECT_EQ(wrong_key.status, 401);
  EXPECT_EQ(Body(wrong_key).at("reason"), "bad_signature");

  http::Request tampered = SignedPost(body, &ed_);
  tampered.body.replace(tampered.body.find("c1"), 2, "c2");
  auto t = receiver->Handle(tampered);
  EXPECT_EQ(t.status, 401);
  EXPECT_EQ(Body(t).at("reason"), "bad_signature");

  http::Request garbage = SignedPost(body, nullptr);
  garbage.headers.Set("X-GHL-Signature", "not base64 !!");
  EXPECT_EQ(receiver->Handle(garbage).status, 401);

  now_ = kNow + 10min;  // the body's timestamp is now 11 minutes old
  auto stale = receiver->Handle(SignedPost(body, &ed_));
  EXPECT_EQ(stale.status, 400) << stale.body;
  EXPECT_EQ(Body(stale).at("reason"), "stale");

  now_ = kNow - 1h;  // the timestamp lies in the future
  auto future = receiver->Handle(SignedPost(body, &ed_));
  EXPECT_EQ(future.status, 400) << future.body;

  EXPECT_TRUE(All().empty()) << "a refused delivery was stored";
  auto c = receiver->Counters();
  EXPECT_EQ(c.count(ReceiveOutcome::kUnsigned), 1u);
  EXPECT_EQ(c.count(ReceiveOutcome::kBadSignature), 3u);
  EXPECT_EQ(c.count(ReceiveOutcome::kStale), 2u);
  EXPECT_EQ(c.refused(), 6u);
  EXPECT_EQ(c.count(ReceiveOutcome::kAccepted), 0u);
  EXPECT_FALSE(none.headers.Has(kInsecureHeader));

  now_ = kNow;  // within the window the same signed body is accepted
  EXPECT_EQ(receiver->Handle(SignedPost(body, &ed_)).status, 200);
}

TEST_F(ReceiverTest, ReplayedWebhookIdIsADuplicateStoredOnce) {
  auto receiver = MakeReceiver(TestOptions());
  std::string first = R"({"type":"ContactTagUpdate","id":"c1","webhookId":"wh-42","tags":["a"]})";
  // GHL's retry may re-serialise; the webhookId alone decides.
  std::string again = R"({"webhookId":"wh-42","type":"ContactTagUpdate","id":"c1","tags":["a"]})";
  auto a = receiver->Handle(SignedPost(first, &ed_));
  auto b = receiver->Handle(SignedPost(first, &ed_));
  auto c = receiver->Handle(SignedPost(again, &ed_));
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  ASSERT_EQ(c.status, 200);
  EXPECT_EQ(Body(a).at("status"), "accepted");
  EXPECT_EQ(Body(b).at("status"), "duplicate");
  EXPECT_EQ(Body(c).at("status"), "duplicate");
  EXPECT_EQ(Body(b).at("id"), Body(a).at("id"));
  auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].body, first);
}

TEST_F(ReceiverTest, BodyOverTheCapIs413AndNotVerified) {
  ReceiverOptions o = TestOptions();
  o.max_body_bytes = 100;
  auto receiver = MakeReceiver(o);
  std::string big = R"({"type":"NoteCreate","body":")" + std::string(200, 'x') + "\"}";
  auto r = receiver->Handle(SignedPost(big, &ed_));
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(Body(r).at("reason"), "too_large");
  EXPECT_EQ(receiver->Counters().count(ReceiveOutcome::kTooLarge), 1u);
  EXPECT_TRUE(All().empty());
  std::string small = R"({"type":"NoteCreate","id":"n1"})";
  EXPECT_EQ(receiver->Handle(SignedPost(small, &ed_)).status, 200);
}

TEST_F(ReceiverTest, StoreFailureAnswers429AndNothingIsLostOnGhlsRetry) {
  auto flaky = std::make_shared<FlakyStore>(store_);
  auto receiver = MakeReceiver(TestOptions(), flaky);
  std::string body = R"({"type":"ContactCreate","id":"c-429","email":"a@example.com"})";
  for (auto mode :
       {FlakyStore::Mode::kTimeout, FlakyStore::Mode::kInternalError, FlakyStore::Mode::kThrow}) {
    flaky->set_mode(mode);
    auto r = receiver->Handle(SignedPost(body, &ed_));
    EXPECT_EQ(r.status, 429) << r.body;  // never 500: GHL retries only 429
    EXPECT_EQ(Body(r).at("reason"), "store_unavailable");
    EXPECT_TRUE(r.headers.Has("Retry-After"));
    EXPECT_TRUE(All().empty()) << "an event answered 429 must not be reported stored";
  }
  EXPECT_EQ(receiver->Counters().count(ReceiveOutcome::kStoreUnavailable), 3u);
  {
    std::lock_guard lock(log_mu_);
    ASSERT_FALSE(log_.empty());
    EXPECT_NE(log_.back().find("429"), std::string::npos) << log_.back();
  }
  // GHL retries the same delivery: now it is stored, once.
  flaky->set_mode(FlakyStore::Mode::kPass);
  auto ok = receiver->Handle(SignedPost(body, &ed_));
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(Body(ok).at("status"), "accepted");
  auto dup = receiver->Handle(SignedPost(body, &ed_));
  EXPECT_EQ(Body(dup).at("status"), "duplicate");
  auto all = All();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(all[0].body, body);
}

TEST_F(ReceiverTest, SignedBodyThatIsNotJsonIsStoredAsUnknown) {
  auto receiver = MakeReceiver(TestOptions());
  std::string body = "type=ContactCreate&id=1\x01\xff";
  auto r = receiver->Handle(SignedPost(body, &ed_));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r).at("type"), "unknown");
  EXPECT_FALSE(Body(r).at("routed").get<bool>());
  auto event = store_->Get(Body(r).at("id").get<int64_t>());
  ASSERT_TRUE(event.ok());
  EXPECT_EQ(event->body, body);
  EXPECT_EQ(event->type, "unknown");
  EXPECT_EQ(Body(receiver->Handle(SignedPost(body, &ed_))).at("status"), "duplicate");
  // A JSON array is not an object: also unknown.
  auto arr = receiver->Handle(SignedPost(R"([{"type":"ContactCreate"}])", &ed_));
  EXPECT_EQ(Body(arr).at("type"), "unknown");
}

// The answer is written by hand (it runs on the committer thread): a type with quotes,
// backslashes, control characters or invalid UTF-8 must still give valid JSON naming it.
TEST_F(ReceiverTest, AnswerIsValidJsonWhateverTheTypeHolds) {
  auto receiver = MakeReceiver(TestOptions());
  std::string type = R"(Odd\"Type\\\n\u00e9)";  // JSON escapes, as sent
  auto r = receiver->Handle(SignedPost(R"({"type":")" + type + R"(","id":"q1"})", &ed_));
  ASSERT_EQ(r.status, 200) << r.body;
  nlohmann::json j = Body(r);
  EXPECT_EQ(j.at("status"), "accepted");
  EXPECT_EQ(j.at("type"), "Odd\"Type\\\n\xc3\xa9");
  EXPECT_FALSE(j.at("routed").get<bool>());
  EXPECT_GT(j.at("id").get<int64_t>(), 0);
  auto raw = receiver->Handle(SignedPost("{\"type\":\"Bad\xff\",\"id\":\"q2\"}", &ed_));
  ASSERT_EQ(raw.status, 200) << raw.body;
  EXPECT_FALSE(nlohmann::json::parse(raw.body, nullptr, false).is_discarded()) << raw.body;
}

TEST_F(ReceiverTest, IsRoutedCallbackDecidesRoutedButNeverDrops) {
  ReceiverOptions o = TestOptions();
  o.is_routed = [](std::string_view type) { return type == "ContactCreate"; };
  auto receiver = MakeReceiver(o);
  auto a = receiver->Handle(SignedPost(R"({"type":"ContactCreate","id":"1"})", &ed_));
  auto b = receiver->Handle(SignedPost(R"({"type":"NoteCreate","id":"2"})", &ed_));
  auto c = receiver->Handle(SignedPost(R"({"type":"SomethingNew","id":"3"})", &ed_));
  EXPECT_TRUE(Body(a).at("routed").get<bool>());
  EXPECT_FALSE(Body(b).at("routed").get<bool>());
  EXPECT_FALSE(Body(c).at("routed").get<bool>());
  EXPECT_EQ(All().size(), 3u);
  EXPECT_FALSE(IsKnownEventType("SomethingNew"));
  EXPECT_TRUE(IsKnownEventType("OpportunityStageUpdate"));
}

TEST_F(ReceiverTest, InsecureModeAcceptsUnsignedLoudly) {
  ReceiverOptions o = TestOptions();
  o.insecure_accept_unsigned = true;
  auto receiver = MakeReceiver(o);
  {
    std::lock_guard lock(log_mu_);
    ASSERT_EQ(log_.size(), 1u) << "a warning at start";
    EXPECT_NE(log_[0].find("insecure-accept-unsigned"), std::string::npos) << log_[0];
  }
  auto r = receiver->Handle(SignedPost(R"({"type":"ContactCreate","id":"u1"})", nullptr));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r).at("status"), "accepted");
  EXPECT_TRUE(r.headers.Has(kInsecureHeader));
  {
    std::lock_guard lock(log_mu_);
    ASSERT_EQ(log_.size(), 2u) << "a warning for each unsigned event";
    EXPECT_NE(log_[1].find("WITHOUT a valid signature"), std::string::npos) << log_[1];
  }
  auto signed_r = receiver->Handle(SignedPost(R"({"type":"ContactCreate","id":"s1"})", &ed_));
  EXPECT_EQ(signed_r.status, 200);
  EXPECT_TRUE(signed_r.headers.Has(kInsecureHeader));
  auto c = receiver->Counters();
  EXPECT_EQ(c.count(ReceiveOutcome::kInsecureAccepted), 1u);
  EXPECT_EQ(c.count(ReceiveOutcome::kAccepted), 1u);
  EXPECT_EQ(All().size(), 2u);
}

// A web page the developer visits can POST a "simple" cross-site request (text/plain, no CORS
// preflight) to 127.0.0.1: the browser then adds Origin and Sec-Fetch-*, which GHL never
// sends. Refused with 403 in every mode, signed or not, whatever the method; nothing stored.
TEST_F(ReceiverTest, RequestsFromAWebBrowserAreRefusedInEveryMode) {
  for (bool insecure : {true, false}) {
    ReceiverOptions o = TestOptions();
    o.insecure_accept_unsigned = insecure;
    auto receiver = MakeReceiver(o);
    http::Request cross_site = SignedPost(R"({"type":"ContactCreate","id":"forged"})", nullptr);
    cross_site.headers.Set("Content-Type", "text/plain;charset=UTF-8");
    cross_site.headers.Set("Origin", "https://evil.example");
    cross_site.headers.Set("Sec-Fetch-Site", "cross-site");
    cross_site.headers.Set("Sec-Fetch-Mode", "no-cors");
    auto r = receiver->Handle(cross_site);
    EXPECT_EQ(r.status, 403) << r.body;
    EXPECT_EQ(Body(r).at("reason"), "browser");
    EXPECT_NE(Body(r).at("message").get<std::string>().find("Origin: https://evil.example"),
              std::string::npos)
        << r.body;
    // Each header alone is enough; a signature does not make a browser's request acceptable.
    for (auto [name, value] :
         {std::pair{"Origin", "null"}, std::pair{"Sec-Fetch-Site", "none"},
          std::pair{"Sec-Fetch-Mode", "navigate"}, std::pair{"Sec-Fetch-Dest", "empty"}}) {
      http::Request one = SignedPost(R"({"type":"ContactCreate","id":"signed"})", &ed_);
      one.headers.Set(name, value);
      EXPECT_EQ(receiver->Handle(one).status, 403) << name;
      one.method = "GET";
      EXPECT_EQ(receiver->Handle(one).status, 403) << "GET " << name;
    }
    EXPECT_EQ(receiver->Counters().count(ReceiveOutcome::kBrowser), 9u);
    EXPECT_TRUE(All().empty()) << "nothing stored";
  }
}

// ADR 0004's rule for a body without a top-level `timestamp` (most GHL event types have none):
// accepted, signed or (insecure mode) unsigned; the dedup key is its only replay protection, so
// the same bytes again are a duplicate, stored and processed once.
TEST_F(ReceiverTest, BodyWithoutTimestampIsAcceptedAndItsReplayIsADuplicate) {
  ReceiverOptions o = TestOptions();
  o.insecure_accept_unsigned = true;
  auto receiver = MakeReceiver(o);
  std::string signed_body = R"({"type":"ContactCreate","id":"c-no-ts","locationId":"L"})";
  std::string unsigned_body = R"({"type":"ContactCreate","id":"u-no-ts","locationId":"L"})";
  for (const WebhookSigner* signer :
       {static_cast<const WebhookSigner*>(&ed_), static_cast<const WebhookSigner*>(nullptr)}) {
    const std::string& body = signer ? signed_body : unsigned_body;
    auto first = receiver->Handle(SignedPost(body, signer));
    ASSERT_EQ(first.status, 200) << first.body;
    EXPECT_EQ(Body(first).at("status"), "accepted");
    now_ = kNow + 24h;  // a replay a day later: no timestamp to be stale, still a duplicate
    auto replay = receiver->Handle(SignedPost(body, signer));
    now_ = kNow;
    ASSERT_EQ(replay.status, 200) << replay.body;
    EXPECT_EQ(Body(replay).at("status"), "duplicate");
    EXPECT_EQ(Body(replay).at("id"), Body(first).at("id"));
  }
  auto c = receiver->Counters();
  EXPECT_EQ(c.count(ReceiveOutcome::kAccepted), 1u);
  EXPECT_EQ(c.count(ReceiveOutcome::kInsecureAccepted), 1u);
  EXPECT_EQ(c.count(ReceiveOutcome::kDuplicate), 2u);
  EXPECT_EQ(All().size(), 2u);
}

TEST_F(ReceiverTest, WrongMethodAndPath) {
  ReceiverOptions o = TestOptions();
  o.path = "/hooks/in";
  auto receiver = MakeReceiver(o);
  http::Request get = SignedPost("{}", &ed_, "/hooks/in");
  get.method = "GET";
  auto r = receiver->Handle(get);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers.Get("Allow").value_or(""), "POST");
  EXPECT_EQ(receiver->Handle(SignedPost("{}", &ed_, "/webhooks/ghl")).status, 404);
  EXPECT_TRUE(receiver->Matches(SignedPost("{}", &ed_, "/hooks/in?x=1")));
  EXPECT_EQ(receiver->Handle(SignedPost(R"({"type":"TaskCreate"})", &ed_, "/hooks/in?x=1")).status,
            200);
}

TEST_F(ReceiverTest, KeysAreDetectedAndBadKeysRefusedAtCreate) {
  ReceiverOptions o;  // GHL's two keys
  auto stranger = WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(stranger.ok());
  o.public_keys.insert(o.public_keys.begin(), stranger->PublicKeyBase64());  // base64 SPKI
  o.clock = [this] { return now_; };
  o.log = [](std::string_view) {};
  auto receiver = MakeReceiver(o);
  EXPECT_EQ(receiver->ed25519_key_count(), 2u);
  EXPECT_EQ(receiver->rsa_key_count(), 1u);
  EXPECT_EQ(receiver->Handle(SignedPost(R"({"type":"TaskCreate"})", &*stranger)).status, 200);
  EXPECT_EQ(receiver->Handle(SignedPost(R"({"type":"TaskCreate","x":1})", &ed_)).status, 401);

  // Two trusted Ed25519 keys, senders alternating: each one is accepted every time.
  ReceiverOptions two = TestOptions();
  two.public_keys.push_back(stranger->PublicKeyBase64());
  auto both = MakeReceiver(two);
  for (int i = 0; i < 6; ++i) {
    const WebhookSigner* who = i % 3 == 0 ? &ed_ : &*stranger;
    auto r =
        both->Handle(SignedPost(R"({"type":"TaskCreate","n":)" + std::to_string(i) + "}", who));
    EXPECT_EQ(r.status, 200) << i << ": " << r.body;
  }
  EXPECT_EQ(both->Counters().count(ReceiveOutcome::kAccepted), 6u);

  ReceiverOptions bad;
  bad.public_keys = {"not a key"};
  auto r = WebhookReceiver::Create(bad, store_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kUsage);
  EXPECT_NE(r.error().Summary().find("#1"), std::string::npos) << r.error().Summary();
  EXPECT_FALSE(WebhookReceiver::Create(ReceiverOptions{}, nullptr).ok());
}

TEST_F(ReceiverTest, ConcurrentDeliveriesAreAllStored) {
  auto receiver = MakeReceiver(TestOptions());
  constexpr int kThreads = 8, kPerThread = 40;
  std::vector<http::Request> requests;
  for (int i = 0; i < kThreads * kPerThread; ++i) {
    requests.push_back(SignedPost(R"({"type":"ContactCreate","id":"c)" + std::to_string(i) +
                                      R"(","webhookId":"w)" +
                                      std::to_string(i % (kThreads * kPerThread / 2)) + "\"}",
                                  &ed_));
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (receiver->Handle(requests[static_cast<size_t>(t * kPerThread + i)]).status == 200) {
          ++ok;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), kThreads * kPerThread);
  // Half the webhookIds repeat: exactly one event per id.
  EXPECT_EQ(All().size(), static_cast<size_t>(kThreads * kPerThread / 2));
  auto c = receiver->Counters();
  EXPECT_EQ(c.count(ReceiveOutcome::kAccepted), static_cast<uint64_t>(kThreads * kPerThread / 2));
  EXPECT_EQ(c.count(ReceiveOutcome::kDuplicate), static_cast<uint64_t>(kThreads * kPerThread / 2));
}

// HandleAsync through a promise: the answer, however and wherever `reply` was called.
http::Response HandleAsyncAndWait(const WebhookReceiver& receiver, const http::Request& req) {
  auto promise = std::make_shared<std::promise<http::Response>>();
  auto calls = std::make_shared<std::atomic<int>>(0);
  receiver.HandleAsync(req, [promise, calls](http::Response r) {
    if (calls->fetch_add(1) == 0) promise->set_value(std::move(r));
  });
  auto future = promise->get_future();
  EXPECT_EQ(future.wait_for(10s), std::future_status::ready) << "reply was never called";
  http::Response r = future.get();
  EXPECT_EQ(calls->load(), 1) << "reply must be called exactly once";
  return r;
}

TEST_F(ReceiverTest, HandleAsyncGivesTheSameAnswersAsHandle) {
  // Two receivers on two fresh stores see the same deliveries in the same order.
  TempDir other_dir;
  store::SqliteOptions sqlite;
  sqlite.path = (other_dir.path() / "events.db").string();
  auto opened = store::OpenSqliteStore(sqlite);
  ASSERT_TRUE(opened.ok());
  std::shared_ptr<store::EventStore> other = std::move(opened.value());
  auto sync_rx = MakeReceiver(TestOptions());
  auto async_rx = MakeReceiver(TestOptions(), other);
  auto stranger = WebhookSigner::GenerateEd25519();
  ASSERT_TRUE(stranger.ok());

  const std::string body = R"({"type":"ContactCreate","id":"c1","webhookId":"w-1"})";
  std::vector<std::pair<std::string, http::Request>> cases = {
      {"accepted", SignedPost(body, &ed_)},
      {"duplicate", SignedPost(body, &ed_)},
      {"unsigned", SignedPost(R"({"type":"TaskCreate"})", nullptr)},
      {"wrong key", SignedPost(R"({"type":"TaskCreate"})", &*stranger)},
      {"stale", SignedPost(R"({"type":"TaskCreate","timestamp":"2020-01-01T00:00:00Z"})", &ed_)},
      {"too large", SignedPost(std::string(600 * 1024, ' '), &ed_)},
      {"not json", SignedPost("not json at all", &ed_)},
      {"unrouted", SignedPost(R"({"type":"SomethingNew","id":"x"})", &ed_)},
      {"wrong path", SignedPost(body, &ed_, "/elsewhere")},
  };
  http::Request get = SignedPost(body, &ed_);
  get.method = "GET";
  cases.emplace_back("wrong method", get);
  for (const auto& [name, request] : cases) {
    http::Response a = sync_rx->Handle(request);
    http::Response b = HandleAsyncAndWait(*async_rx, request);
    EXPECT_EQ(a.status, b.status) << name;
    EXPECT_EQ(a.body, b.body) << name;
    EXPECT_EQ(a.headers.Get("Allow"), b.headers.Get("Allow")) << name;
  }
  EXPECT_EQ(sync_rx->Counters().by_outcome, async_rx->Counters().by_outcome);
  store::ListFilter f;
  f.limit = 100;
  auto stored = other->List(f);
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->size(), All().size());
  EXPECT_EQ(stored->size(), 3u);  // accepted, not json (unknown), unrouted
}

TEST_F(ReceiverTest, HandleAsyncAnswers429WhenTheStoreFailsOrThrows) {
  auto flaky = std::make_shared<FlakyStore>(store_);
  auto receiver = MakeReceiver(TestOptions(), flaky);
  std::string body = R"({"type":"ContactCreate","id":"c-429a"})";
  for (auto mode :
       {FlakyStore::Mode::kTimeout, FlakyStore::Mode::kInternalError, FlakyStore::Mode::kThrow}) {
    flaky->set_mode(mode);
    http::Response r = HandleAsyncAndWait(*receiver, SignedPost(body, &ed_));
    EXPECT_EQ(r.status, 429) << r.body;
    EXPECT_EQ(r.headers.Get("Retry-After"), "1");
  }
  EXPECT_TRUE(All().empty());
  flaky->set_mode(FlakyStore::Mode::kPass);
  EXPECT_EQ(HandleAsyncAndWait(*receiver, SignedPost(body, &ed_)).status, 200);
  EXPECT_EQ(All().size(), 1u);
}

// Many deliveries in flight from ONE thread (no thread waits for the disk): all answered 200
// after their commit, sharing commits.
TEST_F(ReceiverTest, HandleAsyncFromOneThreadStoresEveryDelivery) {
  auto receiver = MakeReceiver(TestOptions());
  constexpr int kEvents = 300;
  std::mutex mu;
  std::condition_variable cv;
  int answered = 0, ok = 0;
  for (int i = 0; i < kEvents; ++i) {
    receiver->HandleAsync(
        SignedPost(R"({"type":"ContactCreate","id":"a)" + std::to_string(i) + "\"}", &ed_),
        [&](http::Response r) {
          std::lock_guard lock(mu);
          ++answered;
          if (r.status == 200) ++ok;
          cv.notify_all();
        });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, 20s, [&] { return answered == kEvents; }));
  EXPECT_EQ(ok, kEvents);
  lock.unlock();
  EXPECT_EQ(All().size(), static_cast<size_t>(kEvents));
}

TEST(ReceiverOptionsTest, ParseRsaCutoff) {
  auto never = ParseRsaCutoff("never");
  ASSERT_TRUE(never.ok());
  EXPECT_FALSE(never->has_value());
  auto date = ParseRsaCutoff("2026-07-01");
  ASSERT_TRUE(date.ok());
  EXPECT_EQ(**date, DefaultRsaCutoffUtc());
  auto dt = ParseRsaCutoff("2026-07-01T02:00:00+02:00");
  ASSERT_TRUE(dt.ok());
  EXPECT_EQ(**dt, DefaultRsaCutoffUtc());
  EXPECT_FALSE(ParseRsaCutoff("soon").ok());
  EXPECT_FALSE(ParseRsaCutoff("2026-13-01").ok());
}

}  // namespace
}  // namespace ghl::webhooks
