// `ghl enrich` as a process against `ghl sandbox` (seed demo) over loopback: plain progress
// lines when stderr is not a terminal, the --json summary, a rerun with nothing left to do,
// --dry-run, and a --rules file without rules refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

TEST(EnrichCli, JsonSummaryThenARerunFindsNothingLeft) {
  SandboxProcess sb;
  auto dry = RunGhl({"enrich", "--dry-run", "--json", "--limit", "3"}, sb.CliEnv());
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  json d = json::parse(dry.out);
  EXPECT_EQ(d["candidates"], 3);
  EXPECT_EQ(d["dry_run"], true);
  EXPECT_EQ(d["calls_used"], 2);  // list fields + search: nothing written

  auto first = RunGhl({"enrich"}, sb.CliEnv());
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.out, HasSubstr("done, 0 failed"));
  EXPECT_THAT(first.err, HasSubstr("contacts\n"));  // plain lines: stderr is not a TTY
  EXPECT_THAT(first.err, ::testing::Not(HasSubstr("\x1b[")));

  auto again = RunGhl({"enrich", "--json"}, sb.CliEnv());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  json a = json::parse(again.out);
  EXPECT_EQ(a["candidates"], 0);
  EXPECT_EQ(a["done"], 0);
}

TEST(EnrichCli, RulesFileWithoutRulesIsAUsageError) {
  TempDir dir;
  std::ofstream(dir.File("empty.toml")) << "[recipes.lead_scoring]\n";
  SandboxProcess sb;
  auto r = RunGhl({"enrich", "--rules", dir.File("empty.toml")}, sb.CliEnv());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("empty.toml:1: [recipes.lead_scoring] is enabled but has no rules"));
}

}  // namespace
}  // namespace ghl::testing
