#include "ghl/automations/ledger.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "ghl/store/event_store.h"
#include "pg_test_schema.h"

namespace ghl::automations {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct FakeClock {
  std::shared_ptr<std::atomic<int64_t>> ms =
      std::make_shared<std::atomic<int64_t>>(1'700'000'000'000);
  store::Clock clock() const {
    auto p = ms;
    return [p] { return store::UtcTime(std::chrono::milliseconds(p->load())); };
  }
  void Advance(std::chrono::milliseconds d) const { ms->fetch_add(d.count()); }
};

class LedgerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "memory") {
      ledger_ = MakeMemoryLedger(clock_.clock());
      return;
    }
    if (GetParam() == "postgres") {
      if (ghl::testing::PgUrl().empty()) GTEST_SKIP() << ghl::testing::kPgUrlMissing;
      pg_ = std::make_unique<ghl::testing::PgTestSchema>(ghl::testing::PgUrl(), "ledger_test");
      auto l = OpenEffectLedger(pg_->url(), clock_.clock(), pg_->name());
      ASSERT_TRUE(l.ok()) << l.error().Describe();
      ledger_ = std::move(*l);
      return;
    }
    dir_ = fs::temp_directory_path() /
           ("ghl-ledger-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // The ledger lives in the event store's own file.
    auto store = store::OpenEventStore((dir_ / "events.db").string());
    ASSERT_TRUE(store.ok()) << store.error().Describe();
    auto l = OpenEffectLedger("sqlite:" + (dir_ / "events.db").string(), clock_.clock());
    ASSERT_TRUE(l.ok()) << l.error().Describe();
    ledger_ = std::move(*l);
  }
  void TearDown() override {
    ledger_.reset();
    if (!dir_.empty()) fs::remove_all(dir_);
  }

  FakeClock clock_;
  std::unique_ptr<ghl::testing::PgTestSchema> pg_;  // postgres: dropped after the ledger
  std::unique_ptr<EffectLedger> ledger_;
  fs::path dir_;
};

TEST_P(LedgerTest, LockIsExclusiveUntilReleasedOrExpired) {
  std::string key = "contact:loc:" + GetParam() + "-c1";
  ASSERT_TRUE(*ledger_->TryLock(key, "w1", 1000ms));
  EXPECT_FALSE(*ledger_->TryLock(key, "w2", 1000ms));
  EXPECT_TRUE(*ledger_->TryLock(key, "w1", 1000ms)) << "the owner renews";
  clock_.Advance(999ms);
  EXPECT_FALSE(*ledger_->TryLock(key, "w2", 1000ms)) << "renewed lease still runs";
  clock_.Advance(2ms);
  EXPECT_TRUE(*ledger_->TryLock(key, "w2", 1000ms)) << "expired lease is taken over";
  EXPECT_FALSE(*ledger_->TryLock(key, "w1", 1000ms)) << "the old owner lost it";
  ASSERT_TRUE(ledger_->Unlock(key, "w1").ok());  // not the owner: no effect
  EXPECT_FALSE(*ledger_->TryLock(key, "w3", 1000ms));
  ASSERT_TRUE(ledger_->Unlock(key, "w2").ok());
  EXPECT_TRUE(*ledger_->TryLock(key, "w3", 1000ms));
}

TEST_P(LedgerTest, EffectsRecordStartedThenDone) {
  std::string key = "sms:booking-confirmation:" + GetParam();
  auto none = ledger_->GetEffect(key);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  ASSERT_TRUE(ledger_->PutEffect(key, EffectState::kStarted, "").ok());
  auto started = ledger_->GetEffect(key);
  ASSERT_TRUE(started.ok() && started->has_value());
  EXPECT_EQ((*started)->state, EffectState::kStarted);
  ASSERT_TRUE(ledger_->PutEffect(key, EffectState::kDone, "msg123").ok());
  auto done = ledger_->GetEffect(key);
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->state, EffectState::kDone);
  EXPECT_EQ((*done)->result, "msg123");
}

TEST_P(LedgerTest, ManyThreadsOneWinner) {
  std::string key = "contact:loc:race-" + GetParam();
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto got = ledger_->TryLock(key, "w" + std::to_string(i), 60s);
      if (got.ok() && *got) ++winners;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(winners.load(), 1);
}

// What `ghl events show` lists: lines per event, in order, appended across re-drives.
TEST_P(LedgerTest, EventActionsAreKeptPerEventInOrder) {
  ASSERT_TRUE(
      ledger_->RecordEventActions(7, {"booking: appointment a1 booked", "outcome: done"}).ok());
  ASSERT_TRUE(ledger_->RecordEventActions(8, {"outcome: unrouted"}).ok());
  ASSERT_TRUE(ledger_->RecordEventActions(7, {"outcome: done"}).ok());  // a replay
  auto seven = ledger_->EventActions(7);
  ASSERT_TRUE(seven.ok()) << seven.error().Describe();
  ASSERT_EQ(seven->size(), 3u);
  EXPECT_EQ((*seven)[0].text, "booking: appointment a1 booked");
  EXPECT_EQ((*seven)[0].seq, 1);
  EXPECT_EQ((*seven)[2].seq, 3);
  EXPECT_EQ((*seven)[2].event_id, 7);
  auto none = ledger_->EventActions(9);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, LedgerTest, ::testing::Values("memory", "sqlite", "postgres"),
                         [](const auto& p) { return p.param; });

TEST(LedgerOpenTest, BadSqlitePathIsAUsageError) {
  auto l = OpenEffectLedger("/nonexistent/dir/events.db");
  ASSERT_FALSE(l.ok());
  EXPECT_EQ(l.error().kind, ErrorKind::kUsage);
  EXPECT_NE(l.error().Summary().find("/nonexistent/dir/events.db"), std::string::npos);
}

// A new file whose lock another process holds (as one creating its tables does): opening the
// ledger waits for it instead of failing at once with "database is locked" (SQLite's WAL switch
// does not wait by itself), so concurrent first starts of `ghl automations run` all start.
TEST(LedgerOpenTest, WaitsForALockHeldOnANewFile) {
  fs::path dir = fs::temp_directory_path() / ("ghl-ledger-lock-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::string path = (dir / "events.db").string();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(other, "CREATE TABLE other (x); BEGIN IMMEDIATE", nullptr, nullptr, nullptr),
      SQLITE_OK);
  std::thread release([&] {
    std::this_thread::sleep_for(300ms);
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  auto l = OpenEffectLedger(path);
  release.join();
  sqlite3_close(other);
  ASSERT_TRUE(l.ok()) << l.error().Describe();
  EXPECT_TRUE((*l)->PutEffect("k", EffectState::kDone, "r").ok());
  l->reset();
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ghl::automations
