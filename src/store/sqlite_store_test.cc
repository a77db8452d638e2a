// SQLite backend: the conformance suite on a real file in a temp dir, plus SQLite specifics.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
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
