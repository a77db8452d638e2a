// One writer per state file, and shared files that many processes open at once (issue 12
// item 4), with real `ghl` processes: a second `ghl sandbox` on the same --db is refused and
// names the first one's pid; twelve `ghl serve` started at once on a new events file all start.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "process.h"

namespace ghl::testing {
namespace {

TEST(SingleWriterTest, ASecondSandboxOnTheSameDbIsRefusedAndNamesTheFirst) {
  TempDir dir;
  std::string db = dir.File("state.sqlite");
  auto first = std::make_unique<SandboxProcess>(std::vector<std::string>{"--db", db});
  CliResult second = RunGhl({"sandbox", "--port", "0", "--db", db});
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_EQ(second.out, "") << "no GHL_BASE_URL line: nothing started";
  EXPECT_NE(second.err.find("ghl sandbox: --db: usage error: sandbox database '" + db +
                            "' is in use by another process (pid " + std::to_string(first->pid()) +
                            "); stop it or use another file"),
            std::string::npos)
      << second.err;
  EXPECT_NE(second.err.find("kill " + std::to_string(first->pid())), std::string::npos)
      << second.err;
  first.reset();  // SIGTERM: the lock goes with the process
  SandboxProcess again({"--db", db});
  EXPECT_FALSE(again.base_url().empty());
}

// Twelve first starts at once on a new events file (each creates the schema): all start.
// Before, about 1 in 600 such opens failed at once with "network error: … database is locked".
TEST(SingleWriterTest, TwelveServesStartingAtOnceOnANewEventsFileAllStart) {
  TempDir dir;
  std::string events = dir.File("new-events.db");
  std::vector<std::unique_ptr<ServeProcess>> serves(12);
  std::mutex failures_mu;
  std::vector<std::string> failures;
  std::vector<std::thread> starters;
  for (size_t i = 0; i < serves.size(); ++i) {
    starters.emplace_back([&, i] {
      try {
        serves[i] = std::make_unique<ServeProcess>(std::vector<std::string>{"--events-db", events});
      } catch (const std::exception& e) {
        std::lock_guard lock(failures_mu);
        failures.push_back(e.what());
      }
    });
  }
  for (auto& t : starters) t.join();
  EXPECT_TRUE(failures.empty()) << failures.size() << " did not start; first: " << failures[0];
  for (const auto& serve : serves) {
    if (!serve) continue;
    EXPECT_EQ(serve->Stderr().find("database"), std::string::npos) << serve->Stderr();
  }
}

}  // namespace
}  // namespace ghl::testing
