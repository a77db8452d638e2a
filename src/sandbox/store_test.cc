// --db persistence: state written through to SQLite survives into a second sandbox.
#include <unistd.h>

#include <filesystem>

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
  auto r = Call("POST", "/contacts/", {{"locationId", Loc()}, {"firstName", "Kept"},
                                       {"email", "kept@example.com"}});
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

TEST_F(PersistenceTest, UnwritablePathIsAnError) {
  Options o;
  o.db_path = "/nonexistent-dir/x/y.db";
  auto sb = Sandbox::Create(o);
  ASSERT_FALSE(sb.ok());
  EXPECT_NE(sb.error().Summary().find("/nonexistent-dir/x/y.db"), std::string::npos);
}

}  // namespace
}  // namespace ghl::sandbox::testing
