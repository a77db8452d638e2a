#include "group_committer.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
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
