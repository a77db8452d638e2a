// The automations chain end to end: a real sandbox over loopback HTTP emits GHL-shaped events
// (its webhook sink), the test appends them to a real event store (SQLite file, or PostgreSQL
// when built as automations_postgres_test and GHL_PG_URL is set) the way the receiver does,
// and engines claim, route and act through the client library.
//
//   ContactCreate → new-lead tag + opportunity; tag book-now → appointment + one SMS;
//   appointment showed → stage moved + note; InboundMessage "can I book a call tomorrow?" →
//   booking-request + book-now → appointment + SMS.
// Then the same with every webhook delivered twice (a second webhookId, as GHL's retries
// produce), in shuffled and reversed order, to two engines at once: still exactly one
// opportunity, one appointment, one SMS. Plus dead-lettering and lease expiry.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "ghl/automations/engine.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/server/http_server.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/replay.h"
#include "process.h"

namespace ghl::automations {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using namespace std::chrono_literals;

#ifdef GHL_AUTOMATIONS_POSTGRES
constexpr bool kPostgres = true;
#else
constexpr bool kPostgres = false;
#endif

std::string DataFile(const std::string& name) {
  const char* src = std::getenv("GHL_SOURCE_DIR");
  return std::string(src ? src : GHL_TEST_SOURCE_DIR) + "/tests/data/automations/" + name;
}

// Takes the sandbox's events and appends them to the store like the receiver would. Modes:
// kDirect appends each event at once; kChaos buffers them and a pump appends every batch
// twice (the copy with another webhookId) in shuffled order; Hold()/Release() keep events back
// and then append them all, duplicated, newest first.
class Feeder {
 public:
  enum class Mode { kDirect, kChaos };

  Feeder(store::EventStore& store, Mode mode) : store_(store), mode_(mode), rng_(20250106) {
    if (mode_ == Mode::kChaos) pump_ = std::thread([this] { Pump(); });
  }
  ~Feeder() {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    if (pump_.joinable()) pump_.join();
  }

  void OnEvent(std::string_view type, std::string_view body) {
    std::lock_guard lock(mu_);
    ++seen_;
    ++by_type_[std::string(type)];
    if (mode_ == Mode::kDirect && !held_) {
      AppendLocked({std::string(body)});
      return;
    }
    buffer_.emplace_back(body);
    cv_.notify_all();
  }

  void Hold() {
    std::lock_guard lock(mu_);
    held_ = true;
  }
  // Appends everything held: each event twice, in reverse order of emission.
  void Release() {
    std::lock_guard lock(mu_);
    held_ = false;
    std::vector<std::string> batch(buffer_.rbegin(), buffer_.rend());
    buffer_.clear();
    AppendLocked(Duplicate(batch));
  }

  bool idle() {
    std::lock_guard lock(mu_);
    return buffer_.empty() || held_;
  }
  int seen(const std::string& type) {
    std::lock_guard lock(mu_);
    return by_type_[type];
  }
  int appended() {
    std::lock_guard lock(mu_);
    return appended_;
  }

 private:
  // Each body, plus a copy whose webhookId differs (GHL retrying a delivery it thinks failed).
  static std::vector<std::string> Duplicate(const std::vector<std::string>& bodies) {
    std::vector<std::string> out;
    for (const auto& b : bodies) {
      out.push_back(b);
      json copy = json::parse(b);
      copy["webhookId"] = copy.value("webhookId", "") + "-retry";
      out.push_back(copy.dump());
    }
    return out;
  }

  void Pump() {
    std::unique_lock lock(mu_);
    while (!stop_) {
      cv_.wait_for(lock, 30ms);
      if (held_ || buffer_.empty()) continue;
      std::vector<std::string> batch = Duplicate(buffer_);
      buffer_.clear();
      std::shuffle(batch.begin(), batch.end(), rng_);
      AppendLocked(batch);
    }
  }

  void AppendLocked(const std::vector<std::string>& bodies) {
    std::vector<store::NewEvent> events;
    for (const auto& b : bodies) {
      auto facts = webhooks::InspectBody(b);
      ASSERT_TRUE(facts.ok());
      events.push_back({.dedup_key = webhooks::DedupKey(*facts),
                        .type = facts->type,
                        .location_id = facts->location_id,
                        .body = b});
    }
    if (events.empty()) return;
    auto r = store_.Append(std::move(events));
    ASSERT_TRUE(r.ok()) << r.error().Describe();
    appended_ += static_cast<int>(r->size());
  }

  store::EventStore& store_;
  Mode mode_;
  std::mt19937 rng_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> buffer_;
  bool held_ = false;
  bool stop_ = false;
  int seen_ = 0;
  int appended_ = 0;
  std::map<std::string, int> by_type_;
  std::thread pump_;
};

class AutomationsChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    store::StoreOptions so;
    so.retry.max_attempts = 8;
    so.retry.initial_backoff = 50ms;
    so.retry.max_backoff = 500ms;
    if (kPostgres) {
      const char* url = std::getenv("GHL_PG_URL");
      if (!url || !*url) GTEST_SKIP() << "GHL_PG_URL not set (make test starts PostgreSQL)";
      events_location_ = url;
      schema_ = "automations_" + std::to_string(::getpid()) + "_" + std::to_string(++counter_);
      store::PostgresOptions pg{.url = url, .schema = schema_};
      auto s = store::OpenPostgresStore(pg, so);
      ASSERT_TRUE(s.ok()) << s.error().Describe();
      store_ = std::move(*s);
    } else {
      dir_ = fs::temp_directory_path() /
             ("ghl-automations-" + std::to_string(::getpid()) + "-" + name);
      fs::remove_all(dir_);
      fs::create_directories(dir_);
      events_location_ = (dir_ / "events.db").string();
      auto s = store::OpenEventStore(events_location_, so);
      ASSERT_TRUE(s.ok()) << s.error().Describe();
      store_ = std::move(*s);
    }
    auto c = LoadConfig(DataFile("demo.toml"));
    ASSERT_TRUE(c.ok()) << c.error().Describe();
    config_ = std::move(*c);
    config_.worker.poll_interval = 20ms;
    config_.worker.lease = 10s;
    config_.worker.lock_wait = 10s;
  }

  void TearDown() override {
    engines_.clear();
    if (sandbox_) sandbox_->Stop();
    sandbox_.reset();
    feeder_.reset();
    store_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  void StartSandbox(Feeder::Mode mode) {
    feeder_ = std::make_unique<Feeder>(*store_, mode);
    sandbox::Options o;
    Feeder* f = feeder_.get();
    o.webhook_sink = [f](std::string_view type, std::string_view body) { f->OnEvent(type, body); };
    auto s = sandbox::RunningSandbox::Start(o);
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    client::ClientOptions co;
    co.base_url = sandbox_->base_url();
    co.token = sandbox_->token();
    co.default_location_id = sandbox_->location_id();
    client_ = std::make_unique<client::Client>(co);
  }

  std::shared_ptr<EffectLedger> Ledger() {
    auto l = kPostgres ? OpenEffectLedger(events_location_, store::SystemNow, schema_)
                       : OpenEffectLedger(events_location_);
    EXPECT_TRUE(l.ok()) << l.error().Describe();
    return l.ok() ? std::shared_ptr<EffectLedger>(std::move(*l)) : nullptr;
  }

  Engine& AddEngine(EngineOptions options = {}) {
    if (!options.log) {
      options.log = [](LogLevel level, std::string_view line) {
        if (level == LogLevel::kError) ADD_FAILURE() << "engine error: " << line;
        if (std::getenv("GHL_TEST_VERBOSE"))
          std::fprintf(stderr, "%.*s\n", int(line.size()), line.data());
      };
    }
    options.worker_id_prefix = "engine" + std::to_string(engines_.size());
    auto e = Engine::Create(*client_, *store_, Ledger(), config_, std::move(options));
    EXPECT_TRUE(e.ok()) << e.error().Describe();
    engines_.push_back(std::move(*e));
    return *engines_.back();
  }

  // Waits until nothing is buffered, pending or processing (three looks in a row).
  void WaitQuiet(std::chrono::seconds limit = 60s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    int quiet = 0;
    while (quiet < 3) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the queue did not drain";
      std::this_thread::sleep_for(60ms);
      auto stats = store_->GetStats();
      ASSERT_TRUE(stats.ok());
      bool idle =
          feeder_->idle() && stats->by_state.pending == 0 && stats->by_state.processing == 0;
      quiet = idle ? quiet + 1 : 0;
    }
  }

  json Call(std::string method, std::string path, json body = nullptr,
            client::QueryParams query = {}) {
    auto r = client_->Call({.method = method,
                            .path = path,
                            .query = std::move(query),
                            .body = body.is_null() ? "" : body.dump()});
    EXPECT_TRUE(r.ok()) << method << " " << path << ": " << (r.ok() ? "" : r.error().Describe());
    return r.ok() ? *r : json();
  }
  std::string NewContact(json fields) {
    fields["locationId"] = sandbox_->location_id();
    return Call("POST", "/contacts/", fields)["contact"]["id"];
  }
  std::vector<std::string> TagsOf(const std::string& id) {
    return Call("GET", "/contacts/" + id)["contact"]["tags"].get<std::vector<std::string>>();
  }
  json Opportunities(const std::string& contact_id) {
    return Call("GET", "/opportunities/search", nullptr,
                {{"location_id", sandbox_->location_id()},
                 {"contact_id", contact_id},
                 {"status", "all"}})["opportunities"];
  }
  json Appointments(const std::string& contact_id) {
    auto ms = [](auto t) {
      return std::to_string(
          std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count());
    };
    auto now = std::chrono::system_clock::now();
    json out = json::array();
    json all = Call("GET", "/calendars/events", nullptr,
                    {{"locationId", sandbox_->location_id()},
                     {"calendarId", engines_.front()->ids().calendar_id},
                     {"startTime", ms(now - 24h)},
                     {"endTime", ms(now + 24h * 40)}});
    for (const auto& a : all["events"]) {
      if (a["contactId"] == contact_id) out.push_back(a);
    }
    return out;
  }
  json Messages(const std::string& contact_id) {
    json convs = Call("GET", "/conversations/search", nullptr, {{"contactId", contact_id}});
    if (convs["conversations"].empty()) return json::array();
    return Call(
        "GET", "/conversations/" + convs["conversations"][0]["id"].get<std::string>() + "/messages",
        nullptr, {{"limit", "100"}})["messages"]["messages"];
  }
  int Outbound(const std::string& contact_id) {
    int n = 0;
    for (const auto& m : Messages(contact_id)) n += m["direction"] == "outbound";
    return n;
  }
  json Notes(const std::string& contact_id) {
    return Call("GET", "/contacts/" + contact_id + "/notes")["notes"];
  }

  // The whole chain; `hold_first` delivers the first two steps' events only after both
  // happened, duplicated and newest first.
  void RunChain(bool hold_first) {
    // 2.1 + 2.2 + 3.x: a form creates a contact.
    if (hold_first) feeder_->Hold();
    std::string c1 = NewContact({{"firstName", "Chain"},
                                 {"lastName", "One"},
                                 {"email", "chain.one@example.org"},
                                 {"phone", "+15125558001"},
                                 {"source", "website form"}});
    if (!hold_first) {
      WaitQuiet();
      EXPECT_THAT(TagsOf(c1), Contains("new-lead"));
      EXPECT_THAT(TagsOf(c1), Contains("cold"));
      ASSERT_EQ(Opportunities(c1).size(), 1u);
    }
    // 2.3: the contact is tagged book-now.
    Call("POST", "/contacts/" + c1 + "/tags", {{"tags", {"book-now"}}});
    if (hold_first) feeder_->Release();
    WaitQuiet();
    json opps = Opportunities(c1);
    ASSERT_EQ(opps.size(), 1u) << opps.dump();
    EXPECT_EQ(opps[0]["name"], "Chain One - New Deal");
    EXPECT_EQ(opps[0]["pipelineStageId"], engines_.front()->ids().opportunity_stage.id);
    json appts = Appointments(c1);
    ASSERT_EQ(appts.size(), 1u) << appts.dump();
    EXPECT_EQ(Outbound(c1), 1);
    EXPECT_THAT(Messages(c1)[0]["body"].get<std::string>(), HasSubstr("you're booked"));
    std::vector<std::string> tags = TagsOf(c1);
    EXPECT_THAT(tags, Contains("new-lead"));
    EXPECT_THAT(tags, Not(Contains("returning-lead")));
    EXPECT_THAT(tags, Not(Contains("book-now")));

    // 2.4: the appointment is marked showed.
    Call("PUT", "/calendars/events/appointments/" + appts[0]["id"].get<std::string>(),
         {{"appointmentStatus", "showed"}});
    WaitQuiet();
    opps = Opportunities(c1);
    ASSERT_EQ(opps.size(), 1u);
    EXPECT_EQ(opps[0]["pipelineStageId"], engines_.front()->ids().advance_stage.id);
    json notes = Notes(c1);
    ASSERT_EQ(notes.size(), 1u) << notes.dump();
    EXPECT_THAT(notes[0]["body"].get<std::string>(), HasSubstr("moved to stage Showed at"));

    // 5.x: an inbound SMS asks for a call; classification tags book-now, which books.
    std::string c2 =
        NewContact({{"firstName", "Chain"}, {"lastName", "Two"}, {"phone", "+15125558002"}});
    json conv = Call("POST", "/conversations/",
                     {{"locationId", sandbox_->location_id()}, {"contactId", c2}});
    Call("POST", "/conversations/messages/inbound",
         {{"type", "SMS"},
          {"conversationId", conv["conversation"]["id"]},
          {"contactId", c2},
          {"direction", "inbound"},
          {"message", "can I book a call tomorrow?"}});
    WaitQuiet();
    EXPECT_THAT(TagsOf(c2), Contains("booking-request"));
    EXPECT_THAT(TagsOf(c2), Not(Contains("needs-human-review")));
    EXPECT_EQ(Appointments(c2).size(), 1u);
    EXPECT_EQ(Outbound(c2), 2) << "one auto-reply and one booking confirmation: "
                               << Messages(c2).dump();
    EXPECT_EQ(Opportunities(c2).size(), 1u);
    EXPECT_NE(Appointments(c2)[0]["startTime"], Appointments(c1)[0]["startTime"]);

    auto stats = store_->GetStats();
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->by_state.dead, 0);
    EXPECT_GT(stats->by_state.done, 10);
  }

  static inline int counter_ = 0;
  fs::path dir_;
  std::string events_location_;
  std::string schema_;
  std::unique_ptr<store::EventStore> store_;
  Config config_;
  std::unique_ptr<Feeder> feeder_;
  std::unique_ptr<sandbox::RunningSandbox> sandbox_;
  std::unique_ptr<client::Client> client_;
  std::vector<std::unique_ptr<Engine>> engines_;
};

TEST_F(AutomationsChainTest, ChainEndToEnd) {
  StartSandbox(Feeder::Mode::kDirect);
  Engine& engine = AddEngine();
  ASSERT_TRUE(engine.Start().ok());
  RunChain(/*hold_first=*/false);
  EXPECT_GT(feeder_->seen("ContactCreate"), 0);
  EngineStats s = engine.stats();
  EXPECT_EQ(s.dead, 0);
  EXPECT_GT(s.unrouted, 0) << "OpportunityCreate, NoteCreate … are acked as unrouted";
  engine.Stop();
  EXPECT_FALSE(engine.running());
}

TEST_F(AutomationsChainTest, EveryWebhookTwiceOutOfOrderTwoEngines) {
  StartSandbox(Feeder::Mode::kChaos);
  Engine& a = AddEngine();
  Engine& b = AddEngine();
  ASSERT_TRUE(a.Start().ok());
  ASSERT_TRUE(b.Start().ok());
  RunChain(/*hold_first=*/true);
  EXPECT_EQ(feeder_->appended() % 2, 0);
  EngineStats sa = a.stats(), sb = b.stats();
  EXPECT_GT(sa.done + sa.unrouted, 0) << "both engines worked";
  EXPECT_GT(sb.done + sb.unrouted, 0) << "both engines worked";
}

// Fails every time: to see an event dead-lettered with its last error.
class AlwaysFails final : public Recipe {
 public:
  std::string_view name() const override { return "always_fails"; }
  bool Handles(std::string_view type) const override { return type == "TaskCreate"; }
  Status Run(const IncomingEvent&, RecipeContext&) override {
    return UsageError("boom " + std::to_string(++calls), "this recipe always fails");
  }
  std::atomic<int> calls{0};
};

TEST_F(AutomationsChainTest, FailingHandlerIsDeadLetteredWithTheLastError) {
  StartSandbox(Feeder::Mode::kDirect);
  auto failing = std::make_shared<AlwaysFails>();
  EngineOptions o;
  o.extra_recipes = {failing};
  o.log = [](LogLevel, std::string_view) {};
  Engine& engine = AddEngine(std::move(o));
  std::string body = json{
      {"type", "TaskCreate"},
      {"locationId", sandbox_->location_id()},
      {"id", "task1"},
      {"contactId", "nobody"},
      {"webhookId",
       "wh-task-1"}}.dump();
  auto appended = store_->Append({{.dedup_key = "wh:wh-task-1",
                                   .type = "TaskCreate",
                                   .location_id = sandbox_->location_id(),
                                   .body = body}});
  ASSERT_TRUE(appended.ok());
  int64_t id = (*appended)[0].id;
  auto deadline = std::chrono::steady_clock::now() + 30s;
  store::Event e;
  do {
    ASSERT_LT(std::chrono::steady_clock::now(), deadline);
    ASSERT_TRUE(engine.Drain().ok());
    std::this_thread::sleep_for(20ms);
    e = *store_->Get(id);
  } while (e.state != store::EventState::kDead);
  EXPECT_EQ(e.attempts, 8);
  EXPECT_EQ(failing->calls.load(), 8);
  EXPECT_THAT(e.last_error, HasSubstr("recipe always_fails: usage error: boom 8"));
  EXPECT_EQ(e.last_error.rfind("recipe always_fails: ", 0), 0u)
      << "the recipe's own error, not wrapped as an internal error: " << e.last_error;
  EXPECT_THAT(e.last_error, HasSubstr("hint: this recipe always fails"));
  EXPECT_EQ(engine.stats().dead, 1);
  EXPECT_EQ(engine.stats().retried, 7);
}

// GHL refusing a request for a reason the same request meets again (SMS 400 "Contact does not
// have a phone number") dead-letters the event on the first attempt instead of retrying it
// max_attempts times; the effects done before it (the appointment) stay single.
TEST_F(AutomationsChainTest, PermanentGhlRefusalIsDeadLetteredAtOnceNotRetried) {
  StartSandbox(Feeder::Mode::kDirect);
  EngineOptions o;
  std::atomic<int> dead_lines{0};
  o.log = [&](LogLevel level, std::string_view line) {
    if (level == LogLevel::kError) {
      ++dead_lines;
      EXPECT_THAT(std::string(line), HasSubstr("retrying cannot help")) << line;
    }
  };
  Engine& engine = AddEngine(std::move(o));
  ASSERT_TRUE(engine.Start().ok());
  std::string c = NewContact({{"firstName", "NoPhone"}, {"email", "no.phone@example.org"}});
  WaitQuiet();
  Call("POST", "/contacts/" + c + "/tags", {{"tags", {"book-now"}}});
  WaitQuiet();
  auto dead = store_->List({.state = store::EventState::kDead});
  ASSERT_TRUE(dead.ok());
  ASSERT_EQ(dead->size(), 1u);
  const store::Event& e = dead->front();
  EXPECT_EQ(e.type, "ContactTagUpdate");
  EXPECT_EQ(e.attempts, 1) << "a permanent refusal is not retried";
  EXPECT_THAT(e.last_error, HasSubstr("Contact does not have a phone number"));
  EXPECT_EQ(engine.stats().retried, 0);
  EXPECT_EQ(Appointments(c).size(), 1u);
  EXPECT_EQ(Outbound(c), 0);
  EXPECT_EQ(dead_lines.load(), 1) << "the dead-letter is logged once, with what to do";
  engine.Stop();
}

TEST_F(AutomationsChainTest, ExpiredLeaseIsReclaimedAndProcessedOnce) {
  StartSandbox(Feeder::Mode::kDirect);
  // Events land in the store, but no engine runs yet.
  std::string c = NewContact(
      {{"firstName", "Lease"}, {"email", "lease.test@example.org"}, {"phone", "+15125558003"}});
  auto listed = store_->List({.type = "ContactCreate"});
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  int64_t id = (*listed)[0].id;
  // A worker claims it and "dies" mid-event: no ack, and it held the contact lock.
  auto claimed = store_->Claim("doomed-worker", 400ms, 100);
  ASSERT_TRUE(claimed.ok());
  ASSERT_FALSE(claimed->empty());
  auto ledger = Ledger();
  ASSERT_TRUE(
      *ledger->TryLock("contact:" + sandbox_->location_id() + ":" + c, "doomed-worker", 400ms));
  Engine& engine = AddEngine();
  ASSERT_TRUE(engine.Start().ok());
  WaitQuiet();
  auto e = store_->Get(id);
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->state, store::EventState::kDone);
  EXPECT_EQ(e->attempts, 2) << "claimed by the dead worker, then once by the engine";
  EXPECT_NE(e->lease_owner, "doomed-worker");
  EXPECT_EQ(Opportunities(c).size(), 1u);
  std::vector<std::string> tags = TagsOf(c);
  EXPECT_EQ(std::count(tags.begin(), tags.end(), "new-lead"), 1);
  EXPECT_FALSE(store_->Ack(id, "doomed-worker").ok()) << "the dead worker may not ack late";
}

// An OpenAI-compatible endpoint on loopback (never the internet): answers chat completions
// with a JSON classification and records what it was sent.
class FakeLlm {
 public:
  FakeLlm() {
    server_ = std::make_unique<server::HttpServer>(
        server::ServerOptions{}, [this](const http::Request& r) {
          std::lock_guard lock(mu_);
          requests_.push_back(r);
          if (r.headers.GetOr("Authorization", "") != "Bearer sk-loopback-test") {
            return server::JsonResponse(401, R"({"error":{"message":"bad key"}})");
          }
          json body = json::parse(r.body, nullptr, false);
          std::string text = body["messages"][1]["content"];
          json answer = {
              {"category", text.find("refund") != std::string::npos ? "complaint" : "inquiry"},
              {"confidence", 0.95}};
          return server::JsonResponse(
              200, json{{"choices",
                         {{{"message", {{"role", "assistant"}, {"content", answer.dump()}}}}}}}
                       .dump());
        });
    port_ = server_->Start();
  }
  ~FakeLlm() { server_->Stop(); }
  std::string url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/v1/chat/completions";
  }
  std::vector<http::Request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }

 private:
  std::mutex mu_;
  std::vector<http::Request> requests_;
  std::unique_ptr<server::HttpServer> server_;
  uint16_t port_ = 0;
};

TEST_F(AutomationsChainTest, LlmClassifierOverLoopbackDrivesTagsAndReplies) {
  if (kPostgres) GTEST_SKIP() << "runs in the SQLite build only";
  FakeLlm llm;
  auto& mc = config_.message_classification;
  mc.classifier.kind = "openai";
  mc.classifier.url = llm.url();
  mc.classifier.model = "fake-small";
  mc.classifier.api_key_env = "TEST_LLM_KEY";
  mc.classifier.on_error = "fail";
  ASSERT_TRUE(ResolveSecrets(config_, [](std::string_view name) -> std::optional<std::string> {
                if (name == "TEST_LLM_KEY") return "sk-loopback-test";
                return std::nullopt;
              }).ok());
  StartSandbox(Feeder::Mode::kDirect);
  // Shared with the log callback: the engine outlives this body (TearDown stops it, and it logs
  // "stopped" then), so the lines must too.
  struct Logs {
    std::mutex mu;
    std::vector<std::string> lines;
  };
  auto logs = std::make_shared<Logs>();
  EngineOptions o;
  o.log = [logs](LogLevel, std::string_view line) {
    std::lock_guard lock(logs->mu);
    logs->lines.emplace_back(line);
  };
  Engine& engine = AddEngine(std::move(o));
  ASSERT_TRUE(engine.Start().ok());
  std::string c = NewContact({{"firstName", "Llm"}, {"phone", "+15125558004"}});
  json conv =
      Call("POST", "/conversations/", {{"locationId", sandbox_->location_id()}, {"contactId", c}});
  Call("POST", "/conversations/messages/inbound",
       {{"type", "SMS"},
        {"conversationId", conv["conversation"]["id"]},
        {"contactId", c},
        {"direction", "inbound"},
        {"message", "I want a refund"}});
  WaitQuiet();
  EXPECT_THAT(TagsOf(c), Contains("complaint"));
  EXPECT_THAT(TagsOf(c), Not(Contains("needs-human-review")));
  EXPECT_EQ(Outbound(c), 1);
  auto sent = llm.requests();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].Path(), "/v1/chat/completions");
  EXPECT_EQ(json::parse(sent[0].body)["model"], "fake-small");
  std::lock_guard lock(logs->mu);
  for (const auto& l : logs->lines) EXPECT_THAT(l, Not(HasSubstr("sk-loopback-test")));
}

// The CLI over the same library: `ghl automations check` and `ghl automations run --once`.
class AutomationsCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kPostgres) GTEST_SKIP() << "CLI tests run in the SQLite build only";
  }
};

TEST_F(AutomationsCliTest, CheckResolvesTheDemoConfigAgainstTheSandbox) {
  auto r = testing::RunGhl({"automations", "check", DataFile("demo.toml"), "--sandbox"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pipeline_advance: pipeline 'Sales Pipeline'"));
  EXPECT_THAT(r.out, HasSubstr("stage 'Showed'"));
  EXPECT_THAT(r.out, HasSubstr("booking: calendar 'Discovery Call'"));
  EXPECT_THAT(r.out, HasSubstr("\nok\n"));
}

TEST_F(AutomationsCliTest, CheckPrintsLineNumberedErrorsAndExits2) {
  auto r = testing::RunGhl({"automations", "check", DataFile("typos.toml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("typos.toml:8: unknown key 'pipline' in "
                               "[recipes.form_to_opportunity]; did you mean 'pipeline'?\n"));
  EXPECT_THAT(r.err, HasSubstr("typos.toml:5: unknown key 'concurency'"));
  EXPECT_THAT(r.err, Not(HasSubstr("sk-secret")));
}

TEST_F(AutomationsCliTest, RunOnceHandlesTheStoredEventsAndExits) {
  testing::SandboxProcess sandbox({"--seed", "demo"});
  fs::path dir = fs::temp_directory_path() / ("ghl-automations-cli-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string db = (dir / "events.db").string();
  client::ClientOptions co;
  co.base_url = sandbox.base_url();
  co.token = sandbox.token();
  co.default_location_id = sandbox.location_id();
  client::Client client(co);
  auto created = client.Call({.method = "POST",
                              .path = "/contacts/",
                              .body = R"({"firstName":"Cli","email":"cli.once@example.org"})"});
  ASSERT_TRUE(created.ok()) << created.error().Describe();
  std::string id = (*created)["contact"]["id"];
  {
    auto store = store::OpenEventStore(db);
    ASSERT_TRUE(store.ok());
    json body = {{"type", "ContactCreate"},
                 {"locationId", sandbox.location_id()},
                 {"id", id},
                 {"webhookId", "wh-cli-1"}};
    ASSERT_TRUE((*store)
                    ->Append({{.dedup_key = "wh:wh-cli-1",
                               .type = "ContactCreate",
                               .location_id = sandbox.location_id(),
                               .body = body.dump()}})
                    .ok());
  }
  std::map<std::string, std::string> env = {{"GHL_BASE_URL", sandbox.base_url()},
                                            {"GHL_TOKEN", sandbox.token()},
                                            {"GHL_LOCATION_ID", sandbox.location_id()}};
  auto r = testing::RunGhl(
      {"automations", "run", "--config", DataFile("demo.toml"), "--events-db", db, "--once"}, env);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("handled 1 events: 1 done"));
  auto again = testing::RunGhl(
      {"automations", "run", "--config", DataFile("demo.toml"), "--events-db", db, "--once"}, env);
  EXPECT_THAT(again.out, HasSubstr("handled 0 events"));
  auto contact = client.Get("/contacts/" + id);
  ASSERT_TRUE(contact.ok());
  EXPECT_THAT((*contact)["contact"]["tags"], Contains("new-lead"));
  auto no_token = testing::RunGhl(
      {"automations", "run", "--config", DataFile("demo.toml"), "--events-db", db, "--once"});
  EXPECT_EQ(no_token.exit_code, 2);
  EXPECT_THAT(no_token.err, HasSubstr("no token"));
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ghl::automations
