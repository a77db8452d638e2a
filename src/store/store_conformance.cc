// Conformance tests every EventStore backend must pass (instantiated per backend).
#include "store_conformance.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <set>
#include <thread>

namespace ghl::store::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// A manual clock shared by the test and the store.
class FakeClock {
 public:
  UtcTime Now() const { return UtcTime(milliseconds(ms_->load())); }
  void Advance(milliseconds d) { ms_->fetch_add(d.count()); }
  Clock AsClock() const {
    auto ms = ms_;
    return [ms] { return UtcTime(milliseconds(ms->load())); };
  }

 private:
  std::shared_ptr<std::atomic<int64_t>> ms_ =
      std::make_shared<std::atomic<int64_t>>(1738074900000);  // 2025-01-28T14:35:00Z
};

NewEvent MakeEvent(const std::string& key, const std::string& type = "ContactCreate",
                   const std::string& body = R"({"type":"ContactCreate"})") {
  NewEvent e;
  e.dedup_key = key;
  e.type = type;
  e.location_id = "loc-1";
  e.body = body;
  return e;
}

class Conformance : public ::testing::TestWithParam<BackendFactory> {
 protected:
  void SetUp() override {
    std::string skip;
    instance_ = GetParam().make(skip);
    if (!instance_) GTEST_SKIP() << skip;
    options_.clock = clock_.AsClock();
    options_.retry.max_attempts = 3;
    options_.retry.initial_backoff = seconds(10);
    options_.retry.max_backoff = seconds(60);
    store_ = OpenStore();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<EventStore> OpenStore() {
    auto s = instance_->Open(options_);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().Describe());
    return s.ok() ? std::move(s).value() : nullptr;
  }

  int64_t AppendOne(NewEvent e) {
    std::vector<NewEvent> batch;
    batch.push_back(std::move(e));
    auto r = store_->Append(std::move(batch));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().Describe());
    if (!r.ok() || r->size() != 1) return 0;
    EXPECT_FALSE((*r)[0].duplicate);
    return (*r)[0].id;
  }

  Event MustGet(int64_t id) {
    auto e = store_->Get(id);
    EXPECT_TRUE(e.ok()) << (e.ok() ? "" : e.error().Describe());
    return e.ok() ? *e : Event{};
  }

  FakeClock clock_;
  StoreOptions options_;
  std::unique_ptr<BackendInstance> instance_;
  std::unique_ptr<EventStore> store_;
};

TEST_P(Conformance, AppendThenGetKeepsExactBytesAndAllowListedHeaders) {
  std::string body = "{\"name\":\"Ren\\u00e9e\",  \"v\": 1.50}\n";
  body += std::string("\0\xff\xfe raw", 7);  // Arbitrary bytes survive too.
  NewEvent e = MakeEvent("wh:1", "ContactCreate", body);
  e.headers = {{"X-GHL-Signature", "c2ln"}, {"Authorization", "Bearer secret-token"},
               {"Content-Type", "application/json"}, {"Cookie", "s=1"}};
  e.received_at = clock_.Now() - milliseconds(1234);
  int64_t id = AppendOne(e);
  ASSERT_GT(id, 0);

  Event got = MustGet(id);
  EXPECT_EQ(got.id, id);
  EXPECT_EQ(got.body, body);
  EXPECT_EQ(got.body.size(), body.size());
  EXPECT_EQ(got.dedup_key, "wh:1");
  EXPECT_EQ(got.type, "ContactCreate");
  EXPECT_EQ(got.location_id, "loc-1");
  EXPECT_EQ(got.received_at, clock_.Now() - milliseconds(1234));
  EXPECT_EQ(got.state, EventState::kPending);
  EXPECT_EQ(got.attempts, 0);
  EXPECT_FALSE(got.lease_until.has_value());
  EXPECT_FALSE(got.processed_at.has_value());
  using H = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(got.headers, (H{{"x-ghl-signature", "c2ln"}, {"content-type", "application/json"}}));

  // No type → unknown (unrouted, still stored); no received_at → the store's clock.
  NewEvent untyped = MakeEvent("h:x", "");
  untyped.received_at = UtcTime{};
  Event u = MustGet(AppendOne(untyped));
  EXPECT_EQ(u.type, kUnknownType);
  EXPECT_EQ(u.received_at, clock_.Now());

  EXPECT_FALSE(store_->Get(id + 1000).ok());
}

TEST_P(Conformance, DuplicateDedupKeyStoresNothingNew) {
  int64_t id = AppendOne(MakeEvent("wh:dup", "ContactCreate", "first"));
  auto again = store_->Append({MakeEvent("wh:dup", "ContactCreate", "second")});
  ASSERT_TRUE(again.ok());
  ASSERT_EQ(again->size(), 1u);
  EXPECT_TRUE((*again)[0].duplicate);
  EXPECT_EQ((*again)[0].id, id);
  EXPECT_EQ(MustGet(id).body, "first");

  // Duplicates inside one batch: the first wins, results stay in input order.
  auto batch = store_->Append({MakeEvent("wh:a"), MakeEvent("wh:a"), MakeEvent("wh:b")});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 3u);
  EXPECT_FALSE((*batch)[0].duplicate);
  EXPECT_TRUE((*batch)[1].duplicate);
  EXPECT_EQ((*batch)[1].id, (*batch)[0].id);
  EXPECT_FALSE((*batch)[2].duplicate);
  EXPECT_NE((*batch)[2].id, (*batch)[0].id);

  auto all = store_->List({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);

  // One group mixing new keys, a key stored earlier and a repeat within the group (the
  // PostgreSQL store writes it in one statement): each result in input order, new ids ascending.
  auto mixed = store_->Append(
      {MakeEvent("wh:c"), MakeEvent("wh:dup"), MakeEvent("wh:d"), MakeEvent("wh:c")});
  ASSERT_TRUE(mixed.ok()) << mixed.error().Describe();
  ASSERT_EQ(mixed->size(), 4u);
  EXPECT_FALSE((*mixed)[0].duplicate);
  EXPECT_GT((*mixed)[0].id, (*batch)[2].id);
  EXPECT_TRUE((*mixed)[1].duplicate);
  EXPECT_EQ((*mixed)[1].id, id);
  EXPECT_FALSE((*mixed)[2].duplicate);
  EXPECT_GT((*mixed)[2].id, (*mixed)[0].id);
  EXPECT_TRUE((*mixed)[3].duplicate);
  EXPECT_EQ((*mixed)[3].id, (*mixed)[0].id);
  EXPECT_EQ(MustGet(id).body, "first");

  auto bad = store_->Append({MakeEvent("")});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::kUsage);
  auto empty = store_->Append({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST_P(Conformance, ClaimLeasesOldestFirstAndOtherWorkersCannotTakeLeasedEvents) {
  int64_t a = AppendOne(MakeEvent("k1"));
  int64_t b = AppendOne(MakeEvent("k2"));
  int64_t c = AppendOne(MakeEvent("k3"));

  auto w1 = store_->Claim("w1", seconds(30), 2);
  ASSERT_TRUE(w1.ok()) << w1.error().Describe();
  ASSERT_EQ(w1->size(), 2u);
  EXPECT_EQ((*w1)[0].id, a);
  EXPECT_EQ((*w1)[1].id, b);
  for (const Event& e : *w1) {
    EXPECT_EQ(e.state, EventState::kProcessing);
    EXPECT_EQ(e.lease_owner, "w1");
    EXPECT_EQ(e.lease_until, clock_.Now() + seconds(30));
    EXPECT_EQ(e.attempts, 1);
    EXPECT_FALSE(e.body.empty());
  }

  auto w2 = store_->Claim("w2", seconds(30), 10);
  ASSERT_TRUE(w2.ok());
  ASSERT_EQ(w2->size(), 1u);
  EXPECT_EQ((*w2)[0].id, c);

  clock_.Advance(seconds(29));
  auto w3 = store_->Claim("w3", seconds(30), 10);
  ASSERT_TRUE(w3.ok());
  EXPECT_TRUE(w3->empty()) << "a running lease must not be taken over";
  EXPECT_EQ(MustGet(a).lease_owner, "w1");

  EXPECT_FALSE(store_->Claim("", seconds(30), 1).ok());
  EXPECT_FALSE(store_->Claim("w4", seconds(30), 0).ok());
}

TEST_P(Conformance, ExpiredLeaseIsReclaimedAndTheDeadWorkerCannotAck) {
  int64_t id = AppendOne(MakeEvent("k1"));
  ASSERT_EQ(store_->Claim("w1", seconds(30), 10)->size(), 1u);
  // w1 "dies"; after the lease another worker gets the event.
  clock_.Advance(seconds(30));
  auto w2 = store_->Claim("w2", seconds(30), 10);
  ASSERT_TRUE(w2.ok());
  ASSERT_EQ(w2->size(), 1u);
  EXPECT_EQ((*w2)[0].id, id);
  EXPECT_EQ((*w2)[0].attempts, 2);
  EXPECT_EQ((*w2)[0].lease_owner, "w2");

  auto late = store_->Ack(id, "w1");
  ASSERT_FALSE(late.ok());
  EXPECT_NE(late.error().Summary().find("leased to w2"), std::string::npos)
      << late.error().Summary();
  EXPECT_FALSE(store_->Fail(id, "w1", "boom").ok());

  clock_.Advance(seconds(1));
  ASSERT_TRUE(store_->Ack(id, "w2").ok());
  Event done = MustGet(id);
  EXPECT_EQ(done.state, EventState::kDone);
  EXPECT_EQ(done.processed_at, clock_.Now());
  EXPECT_TRUE(done.lease_owner.empty());
  EXPECT_FALSE(store_->Ack(id, "w2").ok()) << "acking twice";
  EXPECT_TRUE(store_->Claim("w3", seconds(30), 10)->empty()) << "done events are never claimed";
  EXPECT_FALSE(store_->Ack(id + 1000, "w2").ok());
}

TEST_P(Conformance, FailBacksOffExponentiallyThenRetries) {
  int64_t id = AppendOne(MakeEvent("k1"));
  ASSERT_EQ(store_->Claim("w1", seconds(30), 1)->size(), 1u);
  auto state = store_->Fail(id, "w1", "HTTP 502 from GHL");
  ASSERT_TRUE(state.ok()) << state.error().Describe();
  EXPECT_EQ(*state, EventState::kPending);
  Event e = MustGet(id);
  EXPECT_EQ(e.state, EventState::kPending);
  EXPECT_EQ(e.last_error, "HTTP 502 from GHL");
  EXPECT_EQ(e.next_attempt_at, clock_.Now() + seconds(10));
  EXPECT_TRUE(e.lease_owner.empty());

  EXPECT_TRUE(store_->Claim("w1", seconds(30), 1)->empty()) << "not due during backoff";
  clock_.Advance(milliseconds(9999));
  EXPECT_TRUE(store_->Claim("w1", seconds(30), 1)->empty());
  clock_.Advance(milliseconds(1));
  auto again = store_->Claim("w2", seconds(30), 1);
  ASSERT_EQ(again->size(), 1u);
  EXPECT_EQ((*again)[0].attempts, 2);
  ASSERT_TRUE(store_->Fail(id, "w2", "timeout").ok());
  EXPECT_EQ(MustGet(id).next_attempt_at, clock_.Now() + seconds(20));  // doubled
}

TEST_P(Conformance, DeadLetterAfterMaxAttemptsKeepsTheLastError) {
  int64_t id = AppendOne(MakeEvent("k1"));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto claimed = store_->Claim("w1", seconds(30), 1);
    ASSERT_TRUE(claimed.ok());
    ASSERT_EQ(claimed->size(), 1u) << "attempt " << attempt;
    auto state = store_->Fail(id, "w1", "error " + std::to_string(attempt));
    ASSERT_TRUE(state.ok());
    EXPECT_EQ(*state, attempt < 3 ? EventState::kPending : EventState::kDead);
    clock_.Advance(seconds(61));
  }
  Event dead = MustGet(id);
  EXPECT_EQ(dead.state, EventState::kDead);
  EXPECT_EQ(dead.attempts, 3);
  EXPECT_EQ(dead.last_error, "error 3");
  clock_.Advance(std::chrono::hours(24));
  EXPECT_TRUE(store_->Claim("w1", seconds(30), 10)->empty()) << "dead events stay dead";

  // Re-drive from the dead-letter state.
  ASSERT_TRUE(store_->Retry(id).ok());
  Event retried = MustGet(id);
  EXPECT_EQ(retried.state, EventState::kPending);
  EXPECT_EQ(retried.attempts, 0);
  EXPECT_EQ(retried.last_error, "error 3");
  auto claimed = store_->Claim("w1", seconds(30), 1);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].attempts, 1);
}

TEST_P(Conformance, PermanentFailureDeadLettersOnTheFirstAttemptAndCanBeRetried) {
  int64_t id = AppendOne(MakeEvent("k1"));
  ASSERT_EQ(store_->Claim("w1", seconds(30), 1)->size(), 1u);
  EXPECT_FALSE(store_->Fail(id, "w2", "422", FailureKind::kPermanent).ok())
      << "same lease rule as a transient failure";
  auto state = store_->Fail(id, "w1", "HTTP 422: phone is invalid", FailureKind::kPermanent);
  ASSERT_TRUE(state.ok()) << state.error().Describe();
  EXPECT_EQ(*state, EventState::kDead);
  Event dead = MustGet(id);
  EXPECT_EQ(dead.state, EventState::kDead);
  EXPECT_EQ(dead.attempts, 1);
  EXPECT_EQ(dead.last_error, "HTTP 422: phone is invalid");
  EXPECT_TRUE(dead.lease_owner.empty());
  clock_.Advance(std::chrono::hours(1));
  EXPECT_TRUE(store_->Claim("w1", seconds(30), 10)->empty()) << "not retried by itself";
  ASSERT_TRUE(store_->Retry(id).ok()) << "once the cause is fixed, `ghl events retry` re-drives it";
  ASSERT_EQ(store_->Claim("w1", seconds(30), 1)->size(), 1u);
}

TEST_P(Conformance, WorkerDyingOnTheLastAttemptDeadLettersTheEvent) {
  int64_t id = AppendOne(MakeEvent("poison"));
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto claimed = store_->Claim("w" + std::to_string(attempt), seconds(30), 1);
    ASSERT_EQ(claimed->size(), 1u);
    clock_.Advance(seconds(31));  // The worker crashes without Ack or Fail.
  }
  EXPECT_TRUE(store_->Claim("w4", seconds(30), 1)->empty());
  Event e = MustGet(id);
  EXPECT_EQ(e.state, EventState::kDead);
  EXPECT_NE(e.last_error.find("lease of worker w3 expired"), std::string::npos) << e.last_error;
}

TEST_P(Conformance, ReplayAndRetryRules) {
  int64_t id = AppendOne(MakeEvent("k1"));
  ASSERT_EQ(store_->Claim("w1", seconds(30), 1)->size(), 1u);
  EXPECT_FALSE(store_->Replay(id).ok()) << "in flight";
  EXPECT_FALSE(store_->Retry(id).ok()) << "in flight";
  ASSERT_TRUE(store_->Ack(id, "w1").ok());
  auto retry_done = store_->Retry(id);
  ASSERT_FALSE(retry_done.ok());
  EXPECT_EQ(retry_done.error().kind, ErrorKind::kUsage);

  clock_.Advance(seconds(5));
  ASSERT_TRUE(store_->Replay(id).ok());
  Event e = MustGet(id);
  EXPECT_EQ(e.state, EventState::kPending);
  EXPECT_EQ(e.attempts, 0);
  EXPECT_FALSE(e.processed_at.has_value());
  EXPECT_EQ(e.next_attempt_at, clock_.Now());
  auto claimed = store_->Claim("w2", seconds(30), 1);
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].id, id);
  EXPECT_FALSE(store_->Replay(id + 1000).ok());
  EXPECT_FALSE(store_->Retry(id + 1000).ok());
}

TEST_P(Conformance, ListFiltersAndPagesNewestFirst) {
  int64_t a = AppendOne(MakeEvent("k1", "ContactCreate"));
  int64_t b = AppendOne(MakeEvent("k2", "InboundMessage"));
  NewEvent other = MakeEvent("k3", "ContactCreate");
  other.location_id = "loc-2";
  int64_t c = AppendOne(other);
  ASSERT_EQ(store_->Claim("w1", seconds(30), 1)->size(), 1u);  // a → processing

  auto all = store_->List({});
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id, c);
  EXPECT_EQ((*all)[2].id, a);

  ListFilter by_type;
  by_type.type = "ContactCreate";
  auto contacts = store_->List(by_type);
  ASSERT_EQ(contacts->size(), 2u);

  ListFilter pending;
  pending.state = EventState::kPending;
  auto p = store_->List(pending);
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0].id, c);
  EXPECT_EQ((*p)[1].id, b);

  ListFilter loc;
  loc.location_id = "loc-2";
  ASSERT_EQ(store_->List(loc)->size(), 1u);

  ListFilter page;
  page.limit = 2;
  auto first = store_->List(page);
  ASSERT_EQ(first->size(), 2u);
  page.before_id = first->back().id;
  auto second = store_->List(page);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].id, a);

  ListFilter bad;
  bad.limit = 0;
  EXPECT_FALSE(store_->List(bad).ok());
}

TEST_P(Conformance, StatsCountByStateAndTypeWithOldestPendingAge) {
  auto empty = store_->GetStats();
  ASSERT_TRUE(empty.ok()) << empty.error().Describe();
  EXPECT_EQ(empty->by_state.total(), 0);
  EXPECT_FALSE(empty->oldest_pending_age.has_value());

  NewEvent old = MakeEvent("k1", "ContactCreate");
  old.received_at = clock_.Now() - seconds(90);
  int64_t a = AppendOne(old);
  AppendOne(MakeEvent("k2", "ContactCreate"));
  AppendOne(MakeEvent("k3", ""));
  int64_t d = AppendOne(MakeEvent("k4", "InboundMessage"));
  ASSERT_EQ(store_->Claim("w1", seconds(30), 1)->size(), 1u);  // a
  ASSERT_TRUE(store_->Ack(a, "w1").ok());
  (void)d;

  clock_.Advance(seconds(10));
  auto s = store_->GetStats();
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->by_state.pending, 3);
  EXPECT_EQ(s->by_state.done, 1);
  EXPECT_EQ(s->by_state.processing, 0);
  EXPECT_EQ(s->by_state.total(), 4);
  EXPECT_EQ(s->by_type.at("ContactCreate").done, 1);
  EXPECT_EQ(s->by_type.at("ContactCreate").pending, 1);
  EXPECT_EQ(s->by_type.at("InboundMessage").pending, 1);
  EXPECT_EQ(s->by_type.at(std::string(kUnknownType)).pending, 1);
  // The oldest pending event was received 10 s ago (the 90 s old one is done).
  EXPECT_EQ(s->oldest_pending_age, milliseconds(10000));
}

TEST_P(Conformance, ConcurrentAppendsFromManyThreadsAreAllDurable) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto r = store_->Append({MakeEvent(key, "ContactCreate", "{\"k\":\"" + key + "\"}")});
        if (!r.ok() || r->size() != 1 || (*r)[0].duplicate || (*r)[0].id <= 0) ++failures;
        // Every thread also re-sends one shared key: exactly one insert wins.
        if (i == 0) {
          auto d = store_->Append({MakeEvent("shared")});
          if (!d.ok()) ++failures;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);

  // Close and reopen: everything acknowledged is there, bytes intact.
  store_.reset();
  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  ListFilter all;
  all.limit = 10000;
  auto events = store_->List(all);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), static_cast<size_t>(kThreads * kPerThread + 1));
  std::set<std::string> keys;
  for (const Event& e : *events) {
    keys.insert(e.dedup_key);
    if (e.dedup_key != "shared") {
      EXPECT_EQ(e.body, "{\"k\":\"" + e.dedup_key + "\"}");
    }
  }
  EXPECT_EQ(keys.size(), events->size());
}

// AppendAsync: the same guarantees as Append, without a waiting thread per call.
TEST_P(Conformance, AppendAsyncCallsBackOnceAfterTheCommitWithAppendsResults) {
  constexpr int kEvents = 100;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Result<std::vector<AppendResult>>> results;
  auto record = [&](Result<std::vector<AppendResult>> r) {
    std::lock_guard lock(mu);
    results.push_back(std::move(r));
    cv.notify_all();
  };
  for (int i = 0; i < kEvents; ++i) {
    store_->AppendAsync({MakeEvent("async-" + std::to_string(i))}, record);
  }
  store_->AppendAsync({MakeEvent("async-7")}, record);  // a duplicate of an earlier one
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(20),
                            [&] { return results.size() == kEvents + 1; }));
  }
  std::set<int64_t> new_ids;
  int duplicates = 0;
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.error().Summary();
    ASSERT_EQ(r->size(), 1u);
    if ((*r)[0].duplicate) {
      ++duplicates;
    } else {
      new_ids.insert((*r)[0].id);
    }
  }
  EXPECT_EQ(duplicates, 1);
  EXPECT_EQ(new_ids.size(), static_cast<size_t>(kEvents));
  // Durable: a reopened store has them all.
  store_.reset();
  store_ = OpenStore();
  ASSERT_NE(store_, nullptr);
  ListFilter all;
  all.limit = 1000;
  auto events = store_->List(all);
  ASSERT_TRUE(events.ok());
  EXPECT_EQ(events->size(), static_cast<size_t>(kEvents));

  // A validation error comes back inline, before AppendAsync returns.
  bool called = false;
  store_->AppendAsync({MakeEvent("")}, [&](Result<std::vector<AppendResult>> r) {
    called = true;
    EXPECT_FALSE(r.ok());
  });
  EXPECT_TRUE(called);
}

TEST_P(Conformance, TwoWorkersClaimingConcurrentlyNeverShareAnEvent) {
  std::vector<NewEvent> batch;
  for (int i = 0; i < 60; ++i) batch.push_back(MakeEvent("k" + std::to_string(i)));
  ASSERT_TRUE(store_->Append(std::move(batch)).ok());
  std::vector<int64_t> got[4];
  std::vector<std::thread> workers;
  for (int w = 0; w < 4; ++w) {
    workers.emplace_back([&, w] {
      for (;;) {
        auto c = store_->Claim("w" + std::to_string(w), seconds(30), 3);
        if (!c.ok() || c->empty()) return;
        for (const Event& e : *c) got[w].push_back(e.id);
      }
    });
  }
  for (auto& th : workers) th.join();
  std::set<int64_t> all;
  size_t total = 0;
  for (auto& v : got) {
    total += v.size();
    all.insert(v.begin(), v.end());
  }
  EXPECT_EQ(total, 60u);
  EXPECT_EQ(all.size(), 60u) << "an event was leased to two workers";
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Store, Conformance, ::testing::Values(ConformanceBackend()),
                         BackendName);

}  // namespace ghl::store::testing
