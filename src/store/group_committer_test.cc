#include "group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

namespace ghl::store::internal {
namespace {

NewEvent Key(std::string key) {
  NewEvent e;
  e.dedup_key = std::move(key);
  return e;
}

// A fake database: ids are the numeric part of the key; each commit takes 2 ms (an fsync).
struct FakeDb {
  std::mutex mu;
  std::vector<size_t> batch_sizes;
  std::vector<std::string> stored;
  bool fail_poison = true;

  Result<std::vector<AppendResult>> Commit(const std::vector<NewEvent>& events) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    std::lock_guard lock(mu);
    std::vector<AppendResult> out;
    for (const auto& e : events) {
      if (fail_poison && e.dedup_key == "poison") {
        Error err;
        err.messages.push_back("constraint failed");
        return err;  // Nothing of this batch is stored.
      }
      out.push_back({std::stoll(e.dedup_key.substr(1)), false});
    }
    batch_sizes.push_back(events.size());
    for (const auto& e : events) stored.push_back(e.dedup_key);
    return out;
  }
};

TEST(GroupCommitterTest, SubmissionsQueuedDuringACommitShareTheNextOne) {
  FakeDb db;
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  std::atomic<bool> entered{false};
  GroupCommitter committer(
      [&](const std::vector<NewEvent>& ev) {
        entered = true;
        std::unique_lock lock(gate_mu);
        gate_cv.wait(lock, [&] { return open; });  // The first commit "fsyncs" until opened.
        return db.Commit(ev);
      },
      512);
  constexpr int kThreads = 32;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  threads.emplace_back([&] {
    auto r = committer.Submit({Key("k0")});
    if (!r.ok() || (*r)[0].id != 0) ++wrong;
  });
  while (!entered) std::this_thread::yield();  // k0's commit is running (and held).
  for (int t = 1; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = committer.Submit({Key("k" + std::to_string(t))});
      if (!r.ok() || r->size() != 1 || (*r)[0].id != t) ++wrong;
    });
  }
  while (committer.queued() != kThreads - 1) std::this_thread::yield();
  {
    std::lock_guard lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0) << "a caller got another caller's result";
  // One commit for k0, ONE commit (one fsync) for the 31 that queued behind it.
  EXPECT_EQ(committer.commits(), 2u);
  EXPECT_EQ(db.batch_sizes, (std::vector<size_t>{1, kThreads - 1}));
  EXPECT_EQ(committer.events_committed(), static_cast<uint64_t>(kThreads));
}

TEST(GroupCommitterTest, ManyThreadsAllGetTheirOwnResults) {
  FakeDb db;
  GroupCommitter committer([&](const auto& ev) { return db.Commit(ev); }, 512);
  constexpr int kThreads = 16;
  constexpr int kEach = 10;
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        int64_t id = t * 1000 + i;
        auto r = committer.Submit({Key("k" + std::to_string(id))});
        if (!r.ok() || r->size() != 1 || (*r)[0].id != id) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(db.stored.size(), static_cast<size_t>(kThreads * kEach));
  EXPECT_LE(committer.commits(), static_cast<uint64_t>(kThreads * kEach));
}

TEST(GroupCommitterTest, MultiEventSubmissionsStayWholeAndInOrder) {
  FakeDb db;
  GroupCommitter committer([&](const auto& ev) { return db.Commit(ev); }, 4);
  auto r = committer.Submit({Key("k1"), Key("k2"), Key("k3"), Key("k4"), Key("k5"), Key("k6")});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 6u);
  for (int i = 0; i < 6; ++i) EXPECT_EQ((*r)[i].id, i + 1);
  // Bigger than max_batch_events, still one atomic commit.
  ASSERT_EQ(db.batch_sizes.size(), 1u);
  EXPECT_EQ(db.batch_sizes[0], 6u);
}

TEST(GroupCommitterTest, AFailingSubmissionDoesNotFailItsNeighbours) {
  FakeDb db;
  GroupCommitter committer([&](const auto& ev) { return db.Commit(ev); }, 512);
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 16; ++t) {
    threads.emplace_back([&, t] {
      std::string key = t == 7 ? "poison" : "k" + std::to_string(t);
      auto r = committer.Submit({Key(key)});
      (r.ok() ? ok : failed)++;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failed.load(), 1);
  EXPECT_EQ(ok.load(), 15);
  EXPECT_EQ(db.stored.size(), 15u);
}

TEST(GroupCommitterTest, ThrowingCommitBecomesAnErrorAndTheCommitterSurvives) {
  int calls = 0;
  GroupCommitter committer(
      [&](const std::vector<NewEvent>& ev) -> Result<std::vector<AppendResult>> {
        if (++calls == 1) throw std::runtime_error("disk on fire");
        return std::vector<AppendResult>(ev.size());
      },
      8);
  auto first = committer.Submit({Key("k1")});
  ASSERT_FALSE(first.ok());
  EXPECT_NE(first.error().Summary().find("disk on fire"), std::string::npos);
  EXPECT_TRUE(committer.Submit({Key("k2")}).ok());
}

// One thread submits 200 events without waiting: they go out in a handful of commits (no
// caller thread per waiting submission), each callback once, with its own id.
TEST(GroupCommitterTest, AsyncSubmissionsFromOneThreadShareCommitsAndEachCallbackRunsOnce) {
  FakeDb db;
  GroupCommitter committer([&](const auto& ev) { return db.Commit(ev); }, 512);
  constexpr int kEvents = 200;
  std::mutex mu;
  std::condition_variable cv;
  std::vector<int64_t> ids(kEvents, 0);
  std::vector<int> calls(kEvents, 0);
  int finished = 0;
  for (int i = 0; i < kEvents; ++i) {
    committer.SubmitAsync({Key("k" + std::to_string(i))},
                          [&, i](Result<std::vector<AppendResult>> r) {
                            std::lock_guard lock(mu);
                            ++calls[static_cast<size_t>(i)];
                            if (r.ok() && r->size() == 1) ids[static_cast<size_t>(i)] = (*r)[0].id;
                            ++finished;
                            cv.notify_all();
                          });
  }
  std::unique_lock lock(mu);
  ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return finished == kEvents; }));
  for (int i = 0; i < kEvents; ++i) {
    EXPECT_EQ(calls[static_cast<size_t>(i)], 1) << i;
    EXPECT_EQ(ids[static_cast<size_t>(i)], i) << i;
  }
  // Each commit takes 2 ms; 200 one-at-a-time commits would take 400 ms and 200 commits.
  EXPECT_LT(committer.commits(), 20u) << "async submissions were not grouped";
}

TEST(GroupCommitterTest, ThrowingCallbackDoesNotStopTheCommitter) {
  FakeDb db;
  GroupCommitter committer([&](const auto& ev) { return db.Commit(ev); }, 512);
  committer.SubmitAsync({Key("k1")}, [](Result<std::vector<AppendResult>>) {
    throw std::runtime_error("callback bug");
  });
  auto r = committer.Submit({Key("k2")});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ((*r)[0].id, 2);
}

// A commit function whose first commit is held until Open(), so later submissions queue
// behind it; every commit is recorded in `db`.
struct HeldFirstCommit {
  FakeDb db;
  std::mutex mu;
  std::condition_variable cv;
  bool open = false;
  std::atomic<bool> entered{false};

  GroupCommitter::CommitFn Fn() {
    return [this](const std::vector<NewEvent>& ev) {
      if (!entered.exchange(true)) {
        std::unique_lock lock(mu);
        cv.wait(lock, [&] { return open; });
      }
      return db.Commit(ev);
    };
  }
  void Open() {
    {
      std::lock_guard lock(mu);
      open = true;
    }
    cv.notify_all();
  }
};

// Collects async results by key number.
struct Results {
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, Result<std::vector<AppendResult>>> by_key;

  AppendDone For(int64_t key) {
    return [this, key](Result<std::vector<AppendResult>> r) {
      std::lock_guard lock(mu);
      by_key.emplace(key, std::move(r));
      cv.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, std::chrono::seconds(30), [&] { return by_key.size() >= n; });
  }
};

// A stream (k1 arrived while k0's commit ran) is gathered: with an interval far longer than the
// test, k1 waits until a full group (3 events) is queued, then k1..k3 share one commit.
TEST(GroupCommitterTest, AStreamIsGatheredUntilAFullGroupWaits) {
  HeldFirstCommit held;
  Results results;
  {
    GroupCommitter committer(held.Fn(), 3, std::chrono::hours(1));
    committer.SubmitAsync({Key("k0")}, results.For(0));
    while (!held.entered) std::this_thread::yield();  // k0's commit is running (and held)
    committer.SubmitAsync({Key("k1")}, results.For(1));
    held.Open();
    ASSERT_TRUE(results.WaitFor(1));
    committer.SubmitAsync({Key("k2")}, results.For(2));
    committer.SubmitAsync({Key("k3")}, results.For(3));
    ASSERT_TRUE(results.WaitFor(4));
  }
  for (int64_t k = 0; k <= 3; ++k) {
    ASSERT_TRUE(results.by_key.at(k).ok()) << k;
    EXPECT_EQ(results.by_key.at(k)->at(0).id, k);
  }
  EXPECT_EQ(held.db.batch_sizes, (std::vector<size_t>{1, 3}));
}

// Without an interval, what is queued when a commit ends goes at once (k1 alone).
TEST(GroupCommitterTest, WithoutAnIntervalTheQueueIsCommittedWhenTheCommitEnds) {
  HeldFirstCommit held;
  Results results;
  {
    GroupCommitter committer(held.Fn(), 3);
    committer.SubmitAsync({Key("k0")}, results.For(0));
    while (!held.entered) std::this_thread::yield();
    committer.SubmitAsync({Key("k1")}, results.For(1));
    held.Open();
    ASSERT_TRUE(results.WaitFor(2));
  }
  EXPECT_EQ(held.db.batch_sizes, (std::vector<size_t>{1, 1}));
}

// A lone caller (each Append waits for the previous one) finds the committer idle every time
// and is committed at once: with an hour-long interval these three calls would otherwise hang.
TEST(GroupCommitterTest, ALoneCallerIsNeverGathered) {
  FakeDb db;
  GroupCommitter committer([&](const auto& ev) { return db.Commit(ev); }, 512,
                           std::chrono::hours(1));
  for (int i = 1; i <= 3; ++i) {
    auto r = committer.Submit({Key("k" + std::to_string(i))});
    ASSERT_TRUE(r.ok());
    EXPECT_EQ((*r)[0].id, i);
  }
  EXPECT_EQ(db.batch_sizes, (std::vector<size_t>{1, 1, 1}));
}

// Closing while a stream is being gathered commits what waits at once (no hour-long wait).
TEST(GroupCommitterTest, ClosingCommitsWhatIsBeingGatheredAtOnce) {
  HeldFirstCommit held;
  Results results;
  {
    GroupCommitter committer(held.Fn(), 512, std::chrono::hours(1));
    committer.SubmitAsync({Key("k0")}, results.For(0));
    while (!held.entered) std::this_thread::yield();
    committer.SubmitAsync({Key("k1")}, results.For(1));
    held.Open();
    ASSERT_TRUE(results.WaitFor(1));
  }  // k1 is being gathered (or about to be): the destructor commits it.
  ASSERT_EQ(results.by_key.size(), 2u);
  ASSERT_TRUE(results.by_key.at(1).ok());
  EXPECT_EQ(results.by_key.at(1)->at(0).id, 1);
  EXPECT_EQ(held.db.stored, (std::vector<std::string>{"k0", "k1"}));
}

// The store unavailable (kBusy: the SQLite write lock held by another process past the busy
// timeout; kNetwork: the PostgreSQL connection lost): every member of the group fails at once,
// with one attempt, not one per member.
class GroupCommitterUnavailableTest : public ::testing::TestWithParam<ErrorKind> {};

TEST_P(GroupCommitterUnavailableTest, StoreUnavailableFailsTheWholeGroupAtOnce) {
  const ErrorKind kind = GetParam();
  std::atomic<int> calls{0};
  std::atomic<bool> first{true};
  std::mutex gate_mu;
  std::condition_variable gate_cv;
  bool open = false;
  GroupCommitter committer(
      [&](const std::vector<NewEvent>& ev) -> Result<std::vector<AppendResult>> {
        if (first.exchange(false)) {  // hold the first commit while the others queue up
          std::unique_lock lock(gate_mu);
          gate_cv.wait(lock, [&] { return open; });
          return std::vector<AppendResult>(ev.size());
        }
        ++calls;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));  // a busy timeout
        Error e;
        e.kind = kind;
        e.messages.push_back("database is locked");
        return e;
      },
      512);
  std::thread blocker([&] { (void)committer.Submit({Key("k0")}); });
  while (committer.queued() != 0 || first.load()) std::this_thread::yield();
  std::vector<std::thread> callers;
  std::atomic<int> failed{0};
  for (int i = 1; i <= 10; ++i) {
    callers.emplace_back([&, i] {
      auto r = committer.Submit({Key("k" + std::to_string(i))});
      if (!r.ok() && r.error().kind == kind) ++failed;
    });
  }
  while (committer.queued() < 10) std::this_thread::yield();
  {
    std::lock_guard lock(gate_mu);
    open = true;
  }
  gate_cv.notify_all();
  for (auto& t : callers) t.join();
  blocker.join();
  EXPECT_EQ(failed.load(), 10);
  EXPECT_EQ(calls.load(), 1) << "one attempt for the group, not one per member";
}

INSTANTIATE_TEST_SUITE_P(BusyAndNetwork, GroupCommitterUnavailableTest,
                         ::testing::Values(ErrorKind::kBusy, ErrorKind::kNetwork),
                         [](const ::testing::TestParamInfo<ErrorKind>& param_info) {
                           return param_info.param == ErrorKind::kBusy ? "Busy" : "Network";
                         });

}  // namespace
}  // namespace ghl::store::internal
