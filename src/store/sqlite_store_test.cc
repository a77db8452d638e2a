// SQLite backend: the conformance suite on a real file in a temp dir, plus SQLite specifics.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

#include "store_conformance.h"

namespace ghl::store::testing {
namespace {

namespace fs = std::filesystem;

// A fresh directory per test, removed afterwards.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("ghl_store_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class SqliteInstance : public BackendInstance {
 public:
  Result<std::unique_ptr<EventStore>> Open(StoreOptions options) override {
    SqliteOptions sqlite;
    sqlite.path = (dir_.path() / "events.db").string();
    return OpenSqliteStore(sqlite, std::move(options));
  }

 private:
  TempDir dir_;
};

}  // namespace

BackendFactory ConformanceBackend() {
  return {"sqlite", [](std::string&) -> std::unique_ptr<BackendInstance> {
            return std::make_unique<SqliteInstance>();
          }};
}

namespace {

NewEvent Simple(const std::string& key) {
  NewEvent e;
  e.dedup_key = key;
  e.type = "ContactCreate";
  e.body = R"({"type":"ContactCreate","id":")" + key + R"("})";
  return e;
}

// Another process holding the write lock past busy_timeout makes the store unavailable
// (kBusy: the receiver answers 429), promptly and for every waiting Append, never kInternal,
// and it is described as a busy database, not as a network error.
TEST(SqliteStoreTest, WriteLockHeldElsewhereIsAPromptUnavailableError) {
  TempDir dir;
  std::string path = (dir.path() / "events.db").string();
  SqliteOptions options;
  options.path = path;
  options.busy_timeout = std::chrono::milliseconds(200);
  auto store = OpenSqliteStore(options);
  ASSERT_TRUE(store.ok()) << store.error().Describe();
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  std::vector<std::thread> callers;
  std::atomic<int> unavailable{0};
  std::mutex described_mu;
  std::string described;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 8; ++i) {
    callers.emplace_back([&, i] {
      auto r = (*store)->Append({Simple("locked-" + std::to_string(i))});
      if (r.ok() || r.error().kind != ErrorKind::kBusy) return;
      ++unavailable;
      std::lock_guard lock(described_mu);
      described = r.error().Describe();
    });
  }
  for (auto& t : callers) t.join();
  auto waited = std::chrono::steady_clock::now() - t0;
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  EXPECT_EQ(unavailable.load(), 8);
  EXPECT_EQ(described.rfind("database busy: event store: " + path, 0), 0u) << described;
  EXPECT_EQ(described.find("network"), std::string::npos) << described;
  EXPECT_NE(described.find("hint: Another process"), std::string::npos) << described;
  // Each group waits one busy timeout (200 ms); at most a few groups form. One timeout per
  // caller, serially, would be 1.6 s.
  EXPECT_LT(waited, std::chrono::milliseconds(1200));
  EXPECT_TRUE((*store)->Append({Simple("after")}).ok()) << "usable once the lock is gone";
}

// Another connection that creates `path` and stays in a write transaction on it (as a process
// creating its tables does). Null on failure. Close it to release the lock.
sqlite3* HoldWriteLockOnNewFile(const std::string& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK ||
      sqlite3_exec(db, "CREATE TABLE other (x); BEGIN IMMEDIATE", nullptr, nullptr, nullptr) !=
          SQLITE_OK) {
    sqlite3_close(db);
    return nullptr;
  }
  return db;
}

// A new file whose lock another connection holds (here: in the middle of a transaction, as a
// process creating the schema is): the WAL switch answers SQLITE_BUSY at once, without waiting
// (SQLite does not call the busy handler there). Open waits for the lock instead of failing.
TEST(SqliteStoreTest, OpenWaitsForALockHeldOnANewFile) {
  TempDir dir;
  std::string path = (dir.path() / "new.db").string();
  sqlite3* other = HoldWriteLockOnNewFile(path);
  ASSERT_NE(other, nullptr);
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    sqlite3_exec(other, "COMMIT", nullptr, nullptr, nullptr);
  });
  SqliteOptions options;
  options.path = path;
  options.busy_timeout = std::chrono::seconds(20);
  auto store = OpenSqliteStore(options);
  release.join();
  sqlite3_close(other);
  ASSERT_TRUE(store.ok()) << store.error().Describe();
  EXPECT_TRUE((*store)->Append({Simple("a")}).ok());
}

// The same lock held past busy_timeout: a kBusy error that says so, not a network error.
TEST(SqliteStoreTest, OpenOnALockHeldPastTheTimeoutIsABusyError) {
  TempDir dir;
  std::string path = (dir.path() / "held.db").string();
  sqlite3* other = HoldWriteLockOnNewFile(path);
  ASSERT_NE(other, nullptr);
  SqliteOptions options;
  options.path = path;
  options.busy_timeout = std::chrono::milliseconds(200);
  auto store = OpenSqliteStore(options);
  sqlite3_close(other);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().kind, ErrorKind::kBusy);
  std::string text = store.error().Describe();
  EXPECT_EQ(text.rfind("database busy: event store: " + path + ": database is locked", 0), 0u)
      << text;
  EXPECT_NE(text.find("hint: Another process"), std::string::npos) << text;
}

// Twelve processes opening one new file at once, twenty times over: every one opens it (before:
// about 1 in 600 failed at once with "database is locked").
TEST(SqliteStoreTest, TwelveProcessesCreatingOneNewFileAllOpenIt) {
  TempDir dir;
  int failed = 0;
  std::string first_error_file = (dir.path() / "error.txt").string();
  for (int round = 0; round < 20; ++round) {
    std::string path = (dir.path() / ("new" + std::to_string(round) + ".db")).string();
    std::vector<pid_t> children;
    for (int i = 0; i < 12; ++i) {
      pid_t pid = ::fork();
      ASSERT_GE(pid, 0);
      if (pid == 0) {
        SqliteOptions options;
        options.path = path;
        options.fsync_each_commit = false;
        auto store = OpenSqliteStore(options);
        if (store.ok()) ::_exit(0);
        std::ofstream(first_error_file, std::ios::app) << store.error().Describe() << "\n";
        ::_exit(1);
      }
      children.push_back(pid);
    }
    for (pid_t pid : children) {
      int status = 0;
      ::waitpid(pid, &status, 0);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
    }
  }
  std::ifstream errors(first_error_file);
  std::string first_error;
  std::getline(errors, first_error);
  EXPECT_EQ(failed, 0) << first_error;
}

TEST(SqliteStoreTest, UsesWalInOneFileAndReopensViaOpenEventStore) {
  TempDir dir;
  std::string path = (dir.path() / "events.db").string();
  {
    auto store = OpenEventStore("sqlite:" + path);
    ASSERT_TRUE(store.ok()) << store.error().Describe();
    ASSERT_TRUE((*store)->Append({Simple("a")}).ok());
    EXPECT_TRUE(fs::exists(path + "-wal")) << "journal_mode=WAL expected";
  }
  auto reopened = OpenEventStore(path);
  ASSERT_TRUE(reopened.ok());
  auto list = (*reopened)->List({});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].dedup_key, "a");
}

TEST(SqliteStoreTest, UnusablePathsAreUsageErrorsNamingThePath) {
  TempDir dir;
  auto missing_dir = OpenEventStore((dir.path() / "no/such/dir/events.db").string());
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.error().kind, ErrorKind::kUsage);
  EXPECT_NE(missing_dir.error().Summary().find("no/such/dir"), std::string::npos);

  std::string not_db = (dir.path() / "notes.txt").string();
  std::ofstream(not_db) << "this is not an SQLite database, just some text to fill a page....";
  EXPECT_FALSE(OpenEventStore(not_db).ok());
  EXPECT_FALSE(OpenEventStore("").ok());
}

// The receiver answers 200 once Append returned; a kill -9 right after must not lose that event.
// A child process appends from 8 threads and reports each acknowledged key on a pipe; the
// parent kills it mid-stream, reopens the file and checks every reported key is there.
TEST(SqliteStoreTest, KillDashNineLosesNoAcknowledgedEvent) {
  TempDir dir;
  std::string path = (dir.path() / "crash.db").string();
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    SqliteOptions sqlite;
    sqlite.path = path;
    auto store = OpenSqliteStore(sqlite);
    if (!store.ok()) ::_exit(3);
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&, t] {
        for (int i = 0;; ++i) {
          std::string key = "t" + std::to_string(t) + "-" + std::to_string(i);
          auto r = (*store)->Append({Simple(key)});
          if (!r.ok()) ::_exit(4);
          std::string line = key + "\n";  // < PIPE_BUF: written atomically.
          if (::write(fds[1], line.data(), line.size()) < 0) ::_exit(5);
        }
      });
    }
    for (auto& th : threads) th.join();
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string acked;
  char buf[4096];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(700);
  while (std::chrono::steady_clock::now() < deadline) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    acked.append(buf, static_cast<size_t>(n));
  }
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ssize_t n;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) acked.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(status)) << "child exited early with " << WEXITSTATUS(status);

  auto store = OpenEventStore(path);
  ASSERT_TRUE(store.ok()) << store.error().Describe();
  size_t count = 0, missing = 0;
  for (size_t start = 0, end; (end = acked.find('\n', start)) != std::string::npos;
       start = end + 1) {
    ++count;
    std::string key = acked.substr(start, end - start);
    auto again = (*store)->Append({Simple(key)});
    ASSERT_TRUE(again.ok());
    if (!(*again)[0].duplicate) ++missing;  // Not a duplicate → it had been lost.
  }
  EXPECT_GT(count, 20u) << "the child acknowledged too few events to prove anything";
  EXPECT_EQ(missing, 0u) << missing << " of " << count << " acknowledged events were lost";
}

// Not a test: quick insert-rate numbers for this machine. Run with
//   store_test --gtest_also_run_disabled_tests --gtest_filter='*InsertRate*'
TEST(SqliteStoreTest, DISABLED_InsertRate) {
  using Clock = std::chrono::steady_clock;
  auto run = [](std::string label, int threads, int batch, int total, bool fsync) {
    TempDir dir;
    SqliteOptions sqlite;
    sqlite.path = (dir.path() / "rate.db").string();
    sqlite.fsync_each_commit = fsync;
    label += fsync ? ", synchronous=FULL" : ", synchronous=NORMAL";
    auto store = OpenSqliteStore(sqlite);
    ASSERT_TRUE(store.ok());
    std::atomic<int> next{0};
    auto start = Clock::now();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&] {
        for (;;) {
          int first = next.fetch_add(batch);
          if (first >= total) return;
          std::vector<NewEvent> events;
          for (int i = 0; i < batch; ++i) {
            NewEvent e = Simple("k" + std::to_string(first + i));
            e.body.append(600, ' ');  // About the size of a GHL webhook.
            events.push_back(std::move(e));
          }
          auto r = (*store)->Append(std::move(events));
          ASSERT_TRUE(r.ok());
        }
      });
    }
    for (auto& th : pool) th.join();
    double secs = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("%-60s %8.0f rows/s\n", label.c_str(), total / secs);
  };
  for (bool fsync : {true, false}) {
    run("1 thread, batch 1 (commit per row)", 1, 1, fsync ? 2000 : 20000, fsync);
    run("1 thread, batch 10", 1, 10, 20000, fsync);
    run("64 threads, batch 1 (group commit)", 64, 1, 40000, fsync);
  }
}

}  // namespace
}  // namespace ghl::store::testing
