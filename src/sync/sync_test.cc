// ghl::sync against an in-process sandbox over loopback, on SQLite (sync_test) or PostgreSQL
// (sync_postgres_test, GHL_PG_URL): every row once, incremental reruns, resumption, a cursor
// that does not advance, the daily-share budget, the change feed (create/update/delete within
// a deadline, a dropped event found by the reconcile pass), and KPIs against an independent
// computation over the sandbox's JSON.
#include "ghl/sync/sync.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>

#include "ghl/ops/conversations.h"
#include "ghl/sync/budget.h"
#include "ghl/sync/change_feed.h"
#include "ghl/sync/kpi.h"
#include "sync_test_util.h"

namespace ghl::sync::testing {
namespace {

using ::testing::HasSubstr;
using namespace std::chrono_literals;

class SyncTest : public SyncFixture {
 protected:
  SyncOptions Options() {
    SyncOptions o;
    o.location_ids = {location()};
    o.message_page_size = 10;  // the long conversation spans 5 pages
    return o;
  }
  SyncReport Sync(SyncOptions o) {
    auto r = RunSync(*client_, *db_, o);
    EXPECT_TRUE(r.ok()) << r.error().Describe();
    return r.ok() ? *r : SyncReport{};
  }
  SyncReport Sync() { return Sync(Options()); }

  // Every item of a paged list, through the client's paginator (not the sync's own paging).
  json All(client::ApiRequest request) {
    auto items = client_->Paginate(std::move(request)).CollectItems();
    EXPECT_TRUE(items.ok()) << items.error().Describe();
    return items.ok() ? *items : json::array();
  }
  json AllContacts() {
    return All({.method = "POST",
                .path = "/contacts/search",
                .body = json{{"locationId", location()}, {"page", 1}, {"pageLimit", 100}}.dump()});
  }
  json AllOpportunities() {
    return All({.method = "GET",
                .path = "/opportunities/search",
                .query = {{"location_id", location()}, {"status", "all"}, {"limit", "100"}}});
  }
  json AllAppointments() {
    auto r = ops::ListEvents(ctx(), calendar_id_, 0, NowMs() + 400LL * 86400000);
    EXPECT_TRUE(r.ok());
    return r.ok() ? *r : json::array();
  }
  json AllMessages() {
    json out = json::array();
    auto convs = ops::SearchConversations(ctx(), {.limit = 100});
    EXPECT_TRUE(convs.ok());
    for (const auto& c : (*convs)["conversations"]) {
      for (const auto& m : All({.method = "GET",
                           .path = "/conversations/{conversationId}/messages",
                           .query = {{"limit", "100"}},
                           .path_params = {{"conversationId", c["id"]}}})) {
        out.push_back(m);
      }
    }
    return out;
  }
  std::set<std::string> Ids(const json& items) {
    std::set<std::string> out;
    for (const auto& i : items) out.insert(i.value("id", ""));
    return out;
  }
  std::set<std::string> TableIds(const std::string& table) {
    std::set<std::string> out;
    auto rows = db_->Query("SELECT id FROM " + table, {});
    EXPECT_TRUE(rows.ok());
    for (const auto& r : *rows) out.insert(r[0].value_or(""));
    return out;
  }
  template <typename Pred>
  bool WaitFor(Pred pred, std::chrono::milliseconds deadline) {
    auto end = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < end) {
      if (pred()) return true;
      std::this_thread::sleep_for(20ms);
    }
    return pred();
  }
};

// The issue's size: 10,000 contacts (the demo's 50 and 9,950 generated).
class SyncAtIssueSizeTest : public SyncTest {
 protected:
  SyncAtIssueSizeTest() { generated_contacts_ = 10000 - 50; }
};

TEST_F(SyncAtIssueSizeTest, FullSyncStoresEveryRowOnce) {
  AddTestData();
  SyncReport r = Sync();
  EXPECT_GT(r.rows, 10000);
  json contacts = AllContacts();
  ASSERT_EQ(contacts.size(), 10000u);
  EXPECT_EQ(TableIds("contacts"), Ids(contacts));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 10000);
  json opps = AllOpportunities();
  EXPECT_EQ(opps.size(), 20u);
  EXPECT_EQ(TableIds("opportunities"), Ids(opps));
  for (const char* status : {"open", "won", "lost", "abandoned"}) {
    EXPECT_GT(
        Count(std::string("SELECT COUNT(*) FROM opportunities WHERE status = '") + status + "'"), 0)
        << status;
  }
  EXPECT_EQ(TableIds("appointments"), Ids(AllAppointments()));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM appointments"), 3);
  json messages = AllMessages();
  EXPECT_EQ(messages.size(), 9u + 45u);
  EXPECT_EQ(TableIds("messages"), Ids(messages));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM conversations"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM pipeline_stages"), 6);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM custom_fields"), 4);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM users"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM locations"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM calendars"), 1);
  // Custom field values in one shape, typed.
  EXPECT_GT(Count("SELECT COUNT(*) FROM contact_custom_values WHERE value_number IS NOT NULL"), 0);
  EXPECT_GT(Count("SELECT COUNT(*) FROM contact_custom_values WHERE value_text = 'complete'"), 0);
  // Every stream has a checkpoint, none left mid-pass.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM sync_checkpoints WHERE in_pass = 1"), 0);
  EXPECT_GE(Count("SELECT COUNT(*) FROM sync_checkpoints"), 9);
}

TEST_F(SyncTest, IncrementalRerunReadsOnlyWhatChanged) {
  Sync();
  auto before = Snapshot(*db_);
  auto page = ops::ListContactsByUpdate(ctx(), json(), 3);
  ASSERT_TRUE(page.ok());
  std::string id = (*page)[1]["id"];
  ops::ContactWrite w;
  w.fields = {{"companyName", "Changed Co"}};
  ASSERT_TRUE(ops::UpdateContact(ctx(), id, w).ok());

  SyncOptions o = Options();
  o.streams = {Stream::kContacts};
  SyncReport r = Sync(o);
  ASSERT_EQ(r.streams.size(), 1u);
  EXPECT_EQ(r.streams[0].rows, 1);   // only the updated contact
  EXPECT_EQ(r.streams[0].pages, 2);  // its page, then the empty page that ends the list
  auto rows = db_->Query("SELECT company_name FROM contacts WHERE id = $1", {id});
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ((*rows)[0][0].value_or(""), "Changed Co");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 50 + kGeneratedContacts);
}

TEST_F(SyncTest, ResumesAPassInterruptedMidway) {
  SyncOptions o = Options();
  o.streams = {Stream::kContacts};
  o.page_size = 100;
  int pages = 0;
  o.cancelled = [&] { return ++pages > 5; };
  auto r = RunSync(*client_, *db_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().messages[0], HasSubstr("cancelled during contacts"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 500);
  EXPECT_EQ(Count("SELECT in_pass FROM sync_checkpoints WHERE stream = 'contacts'"), 1);
  o.cancelled = nullptr;
  SyncReport done = Sync(o);
  EXPECT_EQ(done.streams[0].rows, 50 + kGeneratedContacts - 500);  // the rest, not again
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 50 + kGeneratedContacts);
}

// A connection that answers every contact search with the first page (ignores searchAfter).
class StuckCursor final : public client::Connection {
 public:
  explicit StuckCursor(std::shared_ptr<client::Connection> inner) : inner_(std::move(inner)) {}
  Result<client::PreparedRequest> Prepare(const client::ApiRequest& r) override {
    return inner_->Prepare(r);
  }
  Result<client::ApiResponse> Execute(const client::ApiRequest& r) override {
    client::ApiRequest copy = r;
    if (r.path == "/contacts/search") {
      json b = json::parse(r.body);
      b.erase("searchAfter");
      copy.body = b.dump();
    }
    return inner_->Execute(copy);
  }
  const client::ClientOptions& options() const override { return inner_->options(); }

 private:
  std::shared_ptr<client::Connection> inner_;
};

TEST_F(SyncTest, CursorThatDoesNotAdvanceStopsNamingTheStream) {
  client::Client stuck(
      std::make_shared<StuckCursor>(client::MakeConnection(client_->connection().options())));
  SyncOptions o = Options();
  o.streams = {Stream::kContacts};
  auto r = RunSync(stuck, *db_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().messages[0], HasSubstr("sync contacts (location " + location()));
  EXPECT_THAT(r.error().messages[0], HasSubstr("did not advance"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 100);  // the first page, once
}

TEST_F(SyncTest, MaxDailyShareStopsTheSyncAndARerunResumes) {
  SyncOptions o = Options();
  o.streams = {Stream::kContacts};
  auto counters = std::make_shared<BudgetCounters>();
  // 200,000 a day, share 0.00005 → 10 calls.
  client::Client budgeted(
      WithDailyShare(client::MakeConnection(client_->connection().options()), 0.00005, counters));
  auto r = RunSync(budgeted, *db_, o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind, ErrorKind::kRateLimit);
  EXPECT_THAT(r.error().messages[0], HasSubstr("--max-daily-share"));
  EXPECT_EQ(counters->sent, 10);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 1000);
  Sync(o);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM contacts"), 50 + kGeneratedContacts);
}

TEST_F(SyncTest, ChangeFeedAppliesEventsAndReconcileFindsADroppedOne) {
  Sync();
  ChangeFeed feed(*client_, *db_, *events_, {location()});
  ASSERT_TRUE(feed.Anchor().ok());
  std::atomic<bool> stop{false};
  std::unique_ptr<Database> feed_db = OpenDb();  // the feed thread's own connection
  ChangeFeed threaded(*client_, *feed_db, *events_, {location()});
  std::thread follower([&] {
    while (!stop) {
      auto b = threaded.ApplyNew();
      EXPECT_TRUE(b.ok()) << b.error().Describe();
      std::this_thread::sleep_for(50ms);
    }
  });
  auto has = [&](const std::string& sql, const std::vector<SqlValue>& p) {
    auto n = QueryInt(*db_, sql, p);
    return n.ok() && *n > 0;
  };
  // Create.
  ops::ContactWrite w;
  w.fields = {{"firstName", "Feed"}, {"lastName", "Person"}, {"email", "feed.person@example.org"}};
  auto created = ops::CreateContact(ctx(), w);
  ASSERT_TRUE(created.ok());
  std::string id = (*created)["id"];
  EXPECT_TRUE(WaitFor([&] { return has("SELECT COUNT(*) FROM contacts WHERE id = $1", {id}); }, 1s))
      << "created contact not in the table within a second";
  // Update.
  w.fields = {{"companyName", "Feed Works"}};
  ASSERT_TRUE(ops::UpdateContact(ctx(), id, w).ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        return has("SELECT COUNT(*) FROM contacts WHERE id = $1 AND company_name = 'Feed Works'",
                   {id});
      },
      1s));
  // An opportunity created, then won.
  ops::OpportunityWrite ow;
  auto pipelines = ops::ListPipelines(ctx());
  ow.pipeline_id = (*pipelines)[0]["id"];
  ow.contact_id = id;
  ow.name = "Feed deal";
  ow.status = "open";
  auto opp = ops::CreateOpportunity(ctx(), ow);
  ASSERT_TRUE(opp.ok());
  std::string opp_id = (*opp)["id"];
  ops::OpportunityWrite won;
  won.status = "won";
  ASSERT_TRUE(ops::UpdateOpportunity(ctx(), opp_id, won).ok());
  EXPECT_TRUE(WaitFor(
      [&] {
        return has("SELECT COUNT(*) FROM opportunities WHERE id = $1 AND status = 'won'", {opp_id});
      },
      1s));
  // An inbound message on a seeded conversation.
  auto convs = ops::SearchConversations(ctx(), {.limit = 1});
  std::string conv = (*convs)["conversations"][0]["id"];
  json sent = Post("/conversations/messages/inbound",
                   {{"type", "SMS"},
                    {"direction", "inbound"},
                    {"conversationId", conv},
                    {"contactId", (*convs)["conversations"][0]["contactId"]},
                    {"message", "hello?"}});
  std::string message_id = sent.value("messageId", "");
  EXPECT_TRUE(WaitFor(
      [&] { return has("SELECT COUNT(*) FROM messages WHERE id = $1", {message_id}); }, 1s));
  // Delete.
  ASSERT_TRUE(client_->Delete("/contacts/" + id).ok());
  EXPECT_TRUE(
      WaitFor([&] { return !has("SELECT COUNT(*) FROM contacts WHERE id = $1", {id}); }, 1s));

  // A delete whose event never arrives: the row stays until the reconcile pass.
  auto page = ops::ListContactsByUpdate(ctx(), json(), 1);
  std::string victim = (*page)[0]["id"];
  drop_events_ = true;
  ASSERT_TRUE(client_->Delete("/contacts/" + victim).ok());
  drop_events_ = false;
  EXPECT_EQ(dropped_.load(), 1);
  std::this_thread::sleep_for(300ms);
  stop = true;
  follower.join();
  EXPECT_TRUE(has("SELECT COUNT(*) FROM contacts WHERE id = $1", {victim}));
  SyncOptions full = Options();
  full.full = true;
  SyncReport r = Sync(full);
  EXPECT_EQ(r.drift, "contacts: 1 deleted") << "the feed left other rows unlike GHL's";
  EXPECT_EQ(r.drift_rows, 1);
  EXPECT_FALSE(has("SELECT COUNT(*) FROM contacts WHERE id = $1", {victim}));
  // A second reconcile finds nothing.
  EXPECT_EQ(Sync(full).drift_rows, 0);
}

// A batch of events: the records are read once each (six events of one contact: one GET), the
// changes land in one transaction with the position; a read that fails stops the batch before
// that event, keeping what came before, and the next call goes on from there.
TEST_F(SyncTest, ChangeFeedBatchReadsEachRecordOnceAndStopsBeforeAFailedRead) {
  Sync();
  auto counters = std::make_shared<BudgetCounters>();
  client::ClientOptions co;
  co.base_url = sandbox_->base_url();
  co.token = sandbox_->token();
  co.default_location_id = location();
  co.limits.enabled = false;
  client::Client counted(WithDailyShare(client::MakeConnection(co), 1.0, counters));
  ChangeFeed feed(counted, *db_, *events_, {location()});
  ASSERT_TRUE(feed.Anchor().ok());
  ops::ContactWrite w;
  w.fields = {{"firstName", "Batch"}, {"email", "batch@example.org"}};
  auto created = ops::CreateContact(ctx(), w);
  ASSERT_TRUE(created.ok());
  std::string id = (*created)["id"];
  for (int i = 0; i < 5; ++i) {
    w.fields = {{"companyName", "Batch " + std::to_string(i)}};
    ASSERT_TRUE(ops::UpdateContact(ctx(), id, w).ok());
  }
  auto batch = feed.ApplyNew();
  ASSERT_TRUE(batch.ok()) << batch.error().Describe();
  EXPECT_EQ(batch->applied, 6);
  EXPECT_EQ(counters->sent, 1) << "one GET /contacts/{id} for the six events";
  EXPECT_EQ(
      Count("SELECT COUNT(*) FROM contacts WHERE id = '" + id + "' AND company_name = 'Batch 4'"),
      1);

  // Three events read by a feed whose GHL is unreachable: a delete (no read) is applied, the
  // update after it cannot be read, so it and the delete behind it wait.
  auto page = ops::ListContactsByUpdate(ctx(), json(), 3);
  ASSERT_TRUE(page.ok());
  std::string first = (*page)[0]["id"], second = (*page)[1]["id"], third = (*page)[2]["id"];
  auto add = [&](const std::string& type, const std::string& contact) {
    store::NewEvent e;
    e.dedup_key = "batch-test-" + type + contact;
    e.type = type;
    e.location_id = location();
    e.body = json{{"id", contact}, {"locationId", location()}}.dump();
    ASSERT_TRUE(events_->Append({std::move(e)}).ok());
  };
  add("ContactDelete", first);
  add("ContactUpdate", second);
  add("ContactDelete", third);
  client::ClientOptions dead = co;
  dead.base_url = "http://127.0.0.1:1";  // nothing listens there
  dead.retry.max_attempts = 1;
  client::Client unreachable(dead);
  ChangeFeed cut_off(unreachable, *db_, *events_, {location()});
  int64_t position = *QueryInt(*db_, "SELECT last_event_id FROM change_feed", {});
  auto failed = cut_off.ApplyNew();
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().kind, ErrorKind::kNetwork) << failed.error().Describe();
  auto count = [&](const std::string& contact) {
    return Count("SELECT COUNT(*) FROM contacts WHERE id = '" + contact + "'");
  };
  EXPECT_EQ(count(first), 0) << "the event before the failed read is committed";
  EXPECT_EQ(count(third), 1) << "the event after it waits";
  EXPECT_EQ(*QueryInt(*db_, "SELECT last_event_id FROM change_feed", {}), position + 1);
  // GHL back: the feed goes on from the failed event. An event naming no contact (a malformed
  // body) is skipped, not retried forever.
  add("ContactUpdate", "");
  auto resumed = feed.ApplyNew();
  ASSERT_TRUE(resumed.ok()) << resumed.error().Describe();
  EXPECT_EQ(resumed->applied, 2);
  EXPECT_EQ(resumed->skipped, 1);
  EXPECT_EQ(count(second), 1);
  EXPECT_EQ(count(third), 0);
}

// --- KPIs: the views' answers against a computation in C++ over the sandbox's JSON -------------

bool HumanReply(const json& m) {
  std::string source = m.value("source", "");
  std::string type = m.value("messageType", "");
  return m.value("direction", "") == "outbound" && source != "workflow" &&
         source != "bulk_actions" && source != "campaign" && type.rfind("TYPE_ACTIVITY", 0) != 0 &&
         type != "TYPE_INTERNAL_COMMENT";
}

double NearestRank(std::vector<int64_t> v, double q) {
  std::sort(v.begin(), v.end());
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(v.size())));
  return static_cast<double>(v[std::max<size_t>(rank, 1) - 1]) / 1000.0;
}

TEST_F(SyncTest, KpisEqualAnIndependentComputation) {
  AddTestData();
  Sync();
  int64_t now = NowMs();
  KpiQuery q{location(), "", "", now, 14};
  auto k = ComputeKpis(*db_, q);
  ASSERT_TRUE(k.ok()) << k.error().Describe();

  json opps = AllOpportunities();
  int64_t won = 0, lost = 0;
  double revenue = 0, open_value = 0;
  std::map<std::string, std::pair<int64_t, double>> by_stage;
  std::map<std::string, int64_t> position;
  for (const auto& s : pipeline_["stages"]) position[s["id"]] = s["position"];
  std::map<std::string, int64_t> next_appt;
  for (const auto& a : AllAppointments()) {
    int64_t start = *ops::ParseIsoMs(a["startTime"].get<std::string>());
    std::string c = a.value("contactId", "");
    if (start >= now && (!next_appt.count(c) || start < next_appt[c])) next_appt[c] = start;
  }
  std::map<std::string, std::optional<int64_t>> stale;  // id → next appointment
  for (const auto& o : opps) {
    std::string st = o["status"];
    double v = o.value("monetaryValue", 0.0);
    if (st == "won") {
      ++won;
      revenue += v;
    }
    if (st == "lost") ++lost;
    if (st == "open") {
      open_value += v;
      auto& s = by_stage[o["pipelineStageId"]];
      ++s.first;
      s.second += v;
      int64_t since = *ops::ParseIsoMs(o["lastStageChangeAt"].get<std::string>());
      if (since < now - 14LL * 86400000) {
        std::string c = o["contactId"];
        stale[o["id"]] = next_appt.count(c) ? std::optional<int64_t>(next_appt[c]) : std::nullopt;
      }
    }
  }
  EXPECT_EQ(k->won, won);
  EXPECT_EQ(k->lost, lost);
  ASSERT_TRUE(k->win_rate);
  EXPECT_DOUBLE_EQ(*k->win_rate, static_cast<double>(won) / static_cast<double>(won + lost));
  EXPECT_DOUBLE_EQ(k->revenue_won, revenue);
  EXPECT_DOUBLE_EQ(k->open_value, open_value);
  ASSERT_EQ(k->open_by_stage.size(), by_stage.size());
  for (const auto& s : k->open_by_stage) {
    EXPECT_EQ(s.open_deals, by_stage[s.stage_id].first) << s.stage_name;
    EXPECT_DOUBLE_EQ(s.open_value, by_stage[s.stage_id].second) << s.stage_name;
  }
  // Stage conversion: deals (any status) at or past each stage.
  for (const auto& c : k->stage_conversion) {
    int64_t reached = 0, advanced = 0;
    for (const auto& o : opps) {
      int64_t p = position[o["pipelineStageId"]];
      reached += p >= c.position;
      advanced += p > c.position;
    }
    EXPECT_EQ(c.reached, reached) << c.stage_name;
    EXPECT_EQ(c.advanced, advanced) << c.stage_name;
  }
  ASSERT_EQ(k->stale_deals.size(), stale.size());
  int with_appointment = 0;
  for (const auto& s : k->stale_deals) {
    ASSERT_TRUE(stale.count(s.id)) << s.name;
    EXPECT_EQ(s.next_appointment_ms, stale[s.id]) << s.name;
    with_appointment += s.next_appointment_ms.has_value();
  }
  EXPECT_GT(with_appointment, 0);

  // First responses: walk each conversation in time order.
  std::map<std::string, std::vector<json>> by_conv;
  for (const auto& m : AllMessages()) by_conv[m["conversationId"]].push_back(m);
  std::vector<int64_t> responses;
  int64_t unanswered = 0;
  for (auto& [id, msgs] : by_conv) {
    std::sort(msgs.begin(), msgs.end(), [](const json& a, const json& b) {
      int64_t ta = *ops::ParseIsoMs(a["dateAdded"].get<std::string>());
      int64_t tb = *ops::ParseIsoMs(b["dateAdded"].get<std::string>());
      return ta != tb ? ta < tb : a["id"] < b["id"];
    });
    int64_t open = -1;  // start of the inbound block waiting for a reply, -1 = none
    for (const auto& m : msgs) {
      int64_t t = *ops::ParseIsoMs(m["dateAdded"].get<std::string>());
      if (m.value("direction", "") == "inbound" && open < 0) open = t;
      if (HumanReply(m) && open >= 0) {
        responses.push_back(t - open);
        open = -1;
      }
    }
    unanswered += open >= 0;
  }
  ASSERT_GE(responses.size(), 10u);
  EXPECT_EQ(k->responses, static_cast<int64_t>(responses.size()));
  EXPECT_EQ(k->unanswered, unanswered);
  ASSERT_TRUE(k->first_response_median_s && k->first_response_p90_s);
  EXPECT_DOUBLE_EQ(*k->first_response_median_s, NearestRank(responses, 0.5));
  EXPECT_DOUBLE_EQ(*k->first_response_p90_s, NearestRank(responses, 0.9));

  std::map<std::string, int64_t> sources;
  for (const auto& c : AllContacts()) {
    std::string s = c.value("source", "");
    ++sources[s.empty() ? "(none)" : s];
  }
  EXPECT_EQ(k->leads, 50 + kGeneratedContacts);
  ASSERT_EQ(k->leads_by_source.size(), sources.size());
  for (const auto& l : k->leads_by_source) EXPECT_EQ(l.leads, sources[l.source]) << l.source;

  // A period: only deals closed in January 2025 (the demo seed's first weeks).
  KpiQuery jan{location(), "2025-01-01", "2025-01-31", now, 14};
  auto kj = ComputeKpis(*db_, jan);
  ASSERT_TRUE(kj.ok());
  int64_t won_jan = 0, lost_jan = 0;
  for (const auto& o : opps) {
    std::string at = o.value("lastStatusChangeAt", "");
    if (at.substr(0, 7) != "2025-01") continue;
    won_jan += o["status"] == "won";
    lost_jan += o["status"] == "lost";
  }
  EXPECT_EQ(kj->won, won_jan);
  EXPECT_EQ(kj->lost, lost_jan);
}

TEST_F(SyncTest, WorkflowBulkAndCampaignSendsAreNotReplies) {
  ASSERT_TRUE(Migrate(*db_).ok());
  auto add = [&](const std::string& id, const std::string& dir, const std::string& source,
                 int64_t ms) {
    ASSERT_TRUE(db_->Exec("INSERT INTO messages (id, conversation_id, location_id, direction, "
                          "message_type, source, date_ms, raw) VALUES ($1, 'c1', 'L', $2, "
                          "'TYPE_SMS', $3, $4, '{}')",
                          {id, dir, source, ms})
                    .ok());
  };
  add("m1", "inbound", "", 1000000);
  add("m2", "outbound", "workflow", 1060000);
  add("m3", "outbound", "bulk_actions", 1120000);
  add("m4", "outbound", "campaign", 1180000);
  add("m5", "inbound", "", 1200000);  // same block: no human reply yet
  add("m6", "outbound", "app", 1300000);
  KpiQuery q{"L", "", "", 2000000, 14};
  auto k = ComputeKpis(*db_, q);
  ASSERT_TRUE(k.ok()) << k.error().Describe();
  EXPECT_EQ(k->responses, 1);
  EXPECT_DOUBLE_EQ(*k->first_response_median_s, 300.0);  // m1 → m6
}

TEST_F(SyncTest, KpiSnapshotIsWrittenPerDay) {
  AddTestData();
  Sync();
  ASSERT_TRUE(WriteKpiSnapshot(*db_, location(), "2025-01-10", NowMs()).ok());
  ASSERT_TRUE(WriteKpiSnapshot(*db_, location(), "2025-01-10", NowMs()).ok());  // upsert
  EXPECT_EQ(Count("SELECT COUNT(*) FROM kpi_snapshots"), 1);
  EXPECT_GT(Count("SELECT open_deals FROM kpi_snapshots"), 0);
}

TEST_F(SyncTest, MigrationsAreVersionedAndIdempotent) {
  auto v = Migrate(*db_);
  ASSERT_TRUE(v.ok()) << v.error().Describe();
  EXPECT_EQ(*v, Migrations().back().version);
  ASSERT_TRUE(Migrate(*db_).ok());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM schema_migrations"),
            static_cast<int64_t>(Migrations().size()));
  ASSERT_TRUE(db_->Exec("INSERT INTO schema_migrations (version, name, applied_at) "
                        "VALUES (99, 'future', 'x')")
                  .ok());
  auto refused = Migrate(*db_);
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().messages[0], HasSubstr("newer than this ghl knows"));
}

TEST(SyncParseTest, StreamsAndPeriods) {
  auto s = ParseStreams("messages, contacts,custom-fields");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(
      *s, (std::vector<Stream>{Stream::kCustomFields, Stream::kContacts, Stream::kConversations}));
  auto bad = ParseStreams("contacts,deals");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.error().messages[0], HasSubstr("'deals'"));
  KpiQuery q;
  q.now_ms = 1736154000000;  // 2025-01-06T09:00Z
  ASSERT_TRUE(ApplyPeriod("7d", q).ok());
  EXPECT_EQ(q.from_day, "2024-12-31");
  EXPECT_EQ(q.to_day, "2025-01-06");
  ASSERT_TRUE(ApplyPeriod("2025-01-01..2025-01-31", q).ok());
  EXPECT_EQ(q.from_day, "2025-01-01");
  EXPECT_FALSE(ApplyPeriod("2025-02-01..2025-01-01", q).ok());
  EXPECT_FALSE(ApplyPeriod("week", q).ok());
  // Days that do not exist are refused, not rolled over (a break-it finding).
  EXPECT_FALSE(ApplyPeriod("2026-02-30", q).ok());
  EXPECT_FALSE(ApplyPeriod("2026-02-31..2026-02-35", q).ok());
  EXPECT_TRUE(ApplyPeriod("2028-02-29", q).ok());
}

}  // namespace
}  // namespace ghl::sync::testing
