// --db persistence: state written through to SQLite survives into a second sandbox.
#include <unistd.h>

#include <filesystem>
#include <set>

#include "state_lock.h"
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

class PersistenceTest : public SandboxFixture {
 protected:
  void SetUp() override {
    path_ = std::filesystem::temp_directory_path() /
            ("ghl_sandbox_test_" + std::to_string(::getpid()) + ".db");
    std::filesystem::remove(path_);
  }
  void TearDown() override {
    sb_.reset();
    for (auto ext : {"", "-wal", "-shm"}) std::filesystem::remove(path_.string() + ext);
  }
  void Open() {
    Options o;
    o.db_path = path_.string();
    Make(o);
  }
  std::filesystem::path path_;
};

TEST_F(PersistenceTest, StateSurvivesASecondSandboxOnTheSameFile) {
  Open();
  auto r = Call("POST", "/contacts/",
                {{"locationId", Loc()}, {"firstName", "Kept"}, {"email", "kept@example.com"}});
  ASSERT_EQ(r.status, 201);
  std::string id = Body(r)["contact"]["id"];
  std::string gone = FirstContact()["id"];
  ASSERT_EQ(Call("DELETE", "/contacts/" + gone).status, 200);
  ASSERT_EQ(Call("POST", "/contacts/" + id + "/tags", {{"tags", {"persisted"}}}).status, 201);
  sb_.reset();

  Open();  // loads instead of seeding again
  auto g = Call("GET", "/contacts/" + id);
  ASSERT_EQ(g.status, 200);
  EXPECT_EQ(Body(g)["contact"]["tags"], json({"persisted"}));
  EXPECT_EQ(Call("GET", "/contacts/" + gone).status, 404);
  EXPECT_EQ(Body(Call("POST", "/contacts/search", {{"locationId", Loc()}}))["total"], 50);
  // New ids keep increasing after a reload (no collision with stored ones).
  auto n = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "Next"}});
  ASSERT_EQ(n.status, 201);
  EXPECT_GT(Body(n)["contact"]["id"].get<std::string>().substr(0, 8), id.substr(0, 8));
}

// Regression: the largest stored id was the fixed demo location id, so ids after a reload
// continued from "sbxLoc7Q..." ("sbxLoc7RtYKWyiUuA5xD"). They must continue their own sequence.
TEST_F(PersistenceTest, IdsAfterReloadContinueTheGeneratedSequence) {
  Open();
  auto a = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "A"}});
  auto b = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "B"}});
  ASSERT_EQ(a.status, 201);
  ASSERT_EQ(b.status, 201);
  std::string last = Body(b)["contact"]["id"];
  // The newest id is deleted before the restart: its sequence value must still not come back.
  ASSERT_EQ(Call("DELETE", "/contacts/" + last).status, 200);
  sb_.reset();

  Open();
  std::set<std::string> seen;
  json found = Body(Call("POST", "/contacts/search", {{"locationId", Loc()}, {"pageLimit", 100}}));
  for (const auto& c : found["contacts"]) {  // named: a temporary's element would dangle
    seen.insert(c["id"].get<std::string>());
  }
  seen.insert(last);
  seen.insert(std::string(kDemoLocationId));
  for (int i = 0; i < 3; ++i) {
    auto n = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "After"}});
    ASSERT_EQ(n.status, 201) << n.body;
    std::string id = Body(n)["contact"]["id"];
    EXPECT_EQ(id.size(), 20u);
    EXPECT_EQ(id.rfind("sbx", 0), std::string::npos) << id;
    // Generated form: the 8-character sequence prefix of a small counter starts with zeros.
    EXPECT_EQ(id.substr(0, 3), "000") << id;
    EXPECT_GT(id.substr(0, 8), last.substr(0, 8)) << id << " vs deleted " << last;
    EXPECT_TRUE(seen.insert(id).second) << "id reused: " << id;
  }
}

TEST_F(PersistenceTest, UnwritablePathIsAnError) {
  Options o;
  o.db_path = "/nonexistent-dir/x/y.db";
  auto sb = Sandbox::Create(o);
  ASSERT_FALSE(sb.ok());
  EXPECT_NE(sb.error().Summary().find("/nonexistent-dir/x/y.db"), std::string::npos);
  // The caller's path is at fault: a usage error with SQLite's reason, not "internal error".
  EXPECT_EQ(sb.error().kind, ErrorKind::kUsage);
  EXPECT_NE(sb.error().Summary().find("unable to open"), std::string::npos) << sb.error().Summary();
  EXPECT_NE(sb.error().hint.find("directory"), std::string::npos);
}

// One writer per state file: a second sandbox on the file refuses to start (it would keep its
// own copy of the state and overwrite the first one's changes), naming the holder's pid; once
// the first is gone, the file opens again.
TEST_F(PersistenceTest, ASecondSandboxOnTheSameFileIsRefusedWhileTheFirstRuns) {
  Open();
  ASSERT_EQ(Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "First"}}).status,
            201);
  Options o;
  o.db_path = path_.string();
  auto second = Sandbox::Create(o);
  ASSERT_FALSE(second.ok()) << "two sandboxes on one file";
  EXPECT_EQ(second.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(second.error().messages.at(0),
            "sandbox database '" + path_.string() + "' is in use by another process (pid " +
                std::to_string(::getpid()) + "); stop it or use another file");
  EXPECT_NE(second.error().hint.find("overwrite each other's changes"), std::string::npos);
  sb_.reset();
  auto third = Sandbox::Create(o);
  ASSERT_TRUE(third.ok()) << third.error().Describe();
}

TEST(StateFileLockTest, HolderPidIsReadFromProcLocks) {
  std::string locks =
      "1: POSIX  ADVISORY  WRITE 111 fe:00:42 1073741826 1073742335\n"
      "2: FLOCK  ADVISORY  WRITE 222 fe:00:41 0 EOF\n"
      "2: -> FLOCK  ADVISORY  WRITE 333 fe:00:42 0 EOF\n"
      "3: FLOCK  ADVISORY  WRITE 444 fe:01:42 0 EOF\n"
      "4: FLOCK  ADVISORY  WRITE 555 fe:00:42 0 EOF\n";
  EXPECT_EQ(FlockHolderPid(locks, 0xfe, 0, 42), 555) << "the FLOCK holder, not POSIX or waiters";
  EXPECT_EQ(FlockHolderPid(locks, 0xfe, 0, 43), 0);
  EXPECT_EQ(FlockHolderPid("", 0xfe, 0, 42), 0);
}

}  // namespace
}  // namespace ghl::sandbox::testing
