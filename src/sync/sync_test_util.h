// Shared fixture of the sync tests: an in-process sandbox over loopback (demo seed + generated
// contacts, plus opportunities in every status, appointments and a long conversation added
// through the API), a client, and a sync database on the backend under test (a fresh SQLite file,
// or a fresh PostgreSQL schema when built with GHL_SYNC_POSTGRES and GHL_PG_URL is set).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/opportunities.h"
#include "ghl/sandbox/sandbox.h"
#include "ghl/store/event_store.h"
#include "ghl/sync/database.h"
#include "ghl/sync/schema.h"

namespace ghl::sync::testing {

using nlohmann::json;

#ifdef GHL_SYNC_POSTGRES
inline constexpr bool kPostgres = true;
#else
inline constexpr bool kPostgres = false;
#endif

/// Generated contacts seeded besides the demo's 50 in most tests (the benchmark syncs 10,000;
/// see bench/). A fixture may seed another count (`generated_contacts_`, set before SetUp).
inline constexpr int kGeneratedContacts = 2000;

class SyncFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    if (kPostgres && !std::getenv("GHL_PG_URL")) GTEST_SKIP() << "GHL_PG_URL is not set";
    dir_ = std::filesystem::temp_directory_path() /
           ("ghl-sync-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    std::filesystem::create_directories(dir_);
    sandbox::Options o;
    o.seed_contacts = generated_contacts_;
    o.rate_limit.burst_max = 1000000;
    o.rate_limit.daily_max = daily_max_;
    o.clock = [this] {
      return std::chrono::system_clock::now() + std::chrono::seconds(offset_s_.load());
    };
    o.webhook_sink = [this](std::string_view type, std::string_view body) { OnEvent(type, body); };
    auto s = sandbox::RunningSandbox::Start(o);
    ASSERT_TRUE(s.ok()) << s.error().Describe();
    sandbox_ = std::move(*s);
    client::ClientOptions co;
    co.base_url = sandbox_->base_url();
    co.token = sandbox_->token();
    co.default_location_id = sandbox_->location_id();
    co.limits.enabled = false;
    client_ = std::make_unique<client::Client>(co);
    auto store =
        store::OpenSqliteStore({.path = (dir_ / "events.db").string(), .fsync_each_commit = false});
    ASSERT_TRUE(store.ok()) << store.error().Describe();
    events_ = std::move(*store);
    db_ = OpenDb();
    ASSERT_TRUE(db_);
  }

  void TearDown() override {
    if (db_ && kPostgres) (void)db_->ExecScript("DROP SCHEMA " + schema_ + " CASCADE");
    db_.reset();
    if (sandbox_) sandbox_->Stop();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<Database> OpenDb() {
    DatabaseOptions d;
    if (kPostgres) {
      d.location = std::getenv("GHL_PG_URL");
      if (schema_.empty()) {
        schema_ = "sync_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++);
      }
      d.schema = schema_;
    } else {
      d.location = (dir_ / "sync.db").string();
    }
    auto db = OpenDatabase(d);
    EXPECT_TRUE(db.ok()) << db.error().Describe();
    return db.ok() ? std::move(*db) : nullptr;
  }

  ops::Context ctx() const { return ops::Context{*client_, sandbox_->location_id(), nullptr}; }
  std::string location() const { return sandbox_->location_id(); }

  void OnEvent(std::string_view type, std::string_view body) {
    if (drop_events_.load()) {
      ++dropped_;
      return;
    }
    store::NewEvent e;
    json b = json::parse(body, nullptr, false);
    e.dedup_key = b.value("webhookId", std::to_string(std::rand()));
    e.type = std::string(type);
    e.location_id = b.value("locationId", "");
    e.body = std::string(body);
    auto r = events_->Append({std::move(e)});
    EXPECT_TRUE(r.ok()) << r.error().Describe();
  }

  // Adds what the demo seed lacks: deals in every status (abandoned included), appointments,
  // and a conversation whose messages span several pages, with inbound blocks and human /
  // workflow replies at known times.
  void AddTestData() {
    auto pipelines = ops::ListPipelines(ctx());
    ASSERT_TRUE(pipelines.ok());
    pipeline_ = (*pipelines)[0];
    const json& stages = pipeline_["stages"];
    auto page = ops::ListContactsByUpdate(ctx(), json(), 60);
    ASSERT_TRUE(page.ok());
    // Contacts 20..29 of the seed: deals in every status.
    const char* statuses[] = {"won",  "lost",      "abandoned", "open", "won",
                              "lost", "abandoned", "open",      "won",  "open"};
    for (int i = 0; i < 10; ++i) {
      ops::OpportunityWrite w;
      w.pipeline_id = pipeline_["id"];
      w.stage_id = stages[static_cast<size_t>(i % 6)]["id"];
      w.name = "Test deal " + std::to_string(i);
      w.status = statuses[i];
      w.contact_id = (*page)[static_cast<size_t>(20 + i)]["id"];
      w.value = 1000.0 + 100 * i;
      auto o = ops::CreateOpportunity(ctx(), w);
      ASSERT_TRUE(o.ok()) << o.error().Describe();
    }
    // Appointments for the contacts of the first three demo deals, in the next working days.
    auto cals = ops::ListCalendars(ctx());
    ASSERT_TRUE(cals.ok());
    calendar_id_ = (*cals)[0]["id"];
    int64_t now = NowMs();
    auto slots = ops::FreeSlots(ctx(), {calendar_id_, now + 86400000, now + 8 * 86400000, ""});
    ASSERT_TRUE(slots.ok());
    ASSERT_GE(slots->size(), 6u);
    auto opps = ops::SearchOpportunities(ctx(), {.status = "all", .limit = 100});
    ASSERT_TRUE(opps.ok());
    std::vector<std::string> deal_contacts;
    for (const auto& o : (*opps)["opportunities"]) {
      // Open demo deals (stale: in their stage since 2025).
      if (o.value("status", "") == "open" &&
          o.value("lastStageChangeAt", "").rfind("2025", 0) == 0) {
        deal_contacts.push_back(o.value("contactId", ""));
      }
    }
    for (int i = 0; i < 3; ++i) {
      ops::AppointmentWrite a;
      a.calendar_id = calendar_id_;
      a.contact_id = deal_contacts[static_cast<size_t>(i)];
      a.start_time = (*slots)[static_cast<size_t>(i * 2)].start;
      auto r = ops::BookAppointment(ctx(), a);
      ASSERT_TRUE(r.ok()) << r.error().Describe();
    }
    // A long conversation (contact 4 of the seed): 45 messages; inbound blocks answered by a
    // human after 1..15 minutes, workflow sends in between (not replies).
    json created =
        Post("/conversations/", {{"locationId", location()}, {"contactId", (*page)[4]["id"]}});
    std::string conv =
        created.value("conversation", json::object()).value("id", created.value("id", ""));
    ASSERT_FALSE(conv.empty()) << created.dump();
    std::string contact = (*page)[4]["id"];
    std::mt19937 rng(7);
    for (int m = 0; m < 45; ++m) {
      offset_s_ += 60 + static_cast<int64_t>(rng() % 900);
      if (m % 3 == 2) {
        Post("/conversations/messages",
             {{"type", "SMS"}, {"contactId", contact}, {"message", "reply " + std::to_string(m)}});
      } else {
        // GHL logs a message without `direction` as outbound, so say it.
        Post("/conversations/messages/inbound", {{"type", "SMS"},
                                                 {"direction", "inbound"},
                                                 {"conversationId", conv},
                                                 {"contactId", contact},
                                                 {"message", "question " + std::to_string(m)}});
      }
    }
    offset_s_ = 0;
  }

  json Post(const std::string& path, const json& body) {
    auto r = client_->Call({.method = "POST", .path = path, .body = body.dump()});
    EXPECT_TRUE(r.ok()) << path << ": " << r.error().Describe();
    return r.ok() ? *r : json();
  }

  static int64_t NowMs() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }

  int64_t Count(const std::string& sql) {
    auto n = QueryInt(*db_, sql, {});
    EXPECT_TRUE(n.ok()) << n.error().Describe();
    return n.ok() ? *n : -1;
  }

  // Every table's rows as text (the `pass` stamp left out: it counts runs, not data), for
  // comparing two databases.
  std::map<std::string, std::multiset<std::string>> Snapshot(Database& db) {
    std::map<std::string, std::multiset<std::string>> out;
    for (const auto& t : DataTables()) {
      std::string sql = (t == "pipeline_stages" || t == "contact_custom_values")
                            ? "SELECT * FROM " + t
                            : "SELECT id, raw FROM " + t;
      if (t == "users") sql = "SELECT location_id, id, raw FROM users";
      auto rows = db.Query(sql, {});
      EXPECT_TRUE(rows.ok()) << t;
      if (!rows.ok()) continue;
      for (const auto& r : *rows) {
        std::string all;
        for (const auto& v : r) all += v.value_or("<null>") + "\x1f";
        out[t].insert(all);
      }
    }
    return out;
  }

  inline static std::atomic<int> counter_{0};
  int generated_contacts_ = kGeneratedContacts;
  int daily_max_ = 200000;
  std::atomic<int64_t> offset_s_{0};
  std::atomic<bool> drop_events_{false};
  std::atomic<int> dropped_{0};
  std::filesystem::path dir_;
  std::string schema_;
  std::unique_ptr<sandbox::RunningSandbox> sandbox_;
  std::unique_ptr<client::Client> client_;
  std::unique_ptr<store::EventStore> events_;
  std::unique_ptr<Database> db_;
  json pipeline_;
  std::string calendar_id_;
};

}  // namespace ghl::sync::testing
