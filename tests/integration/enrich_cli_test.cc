// `ghl enrich` as a process against `ghl sandbox` (seed demo) over loopback: plain progress
// lines when stderr is not a terminal, the --json summary, a rerun with nothing left to do,
// --dry-run, --max-daily-share, and a --rules file without rules refused.
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
  // Break-it finding: the text summary of a dry run said failures were tagged.
  auto dry_text = RunGhl({"enrich", "--dry-run", "--limit", "3"}, sb.CliEnv());
  ASSERT_EQ(dry_text.exit_code, 0) << dry_text.err;
  EXPECT_THAT(dry_text.out, HasSubstr("failed (would be tagged enrichment-failed)"));

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

TEST(EnrichCli, MaxDailyShareStopsTheRunUntaggedAndTheNextRunFinishes) {
  SandboxProcess sb;
  // 0.00004 of the sandbox's 200,000 a day = 8 calls: setup (list fields, 2 creations, the
  // search) and a few writes, then the share is spent.
  auto capped = RunGhl({"enrich", "--json", "--max-daily-share", "0.00004"}, sb.CliEnv());
  ASSERT_EQ(capped.exit_code, 0) << capped.err;
  json c = json::parse(capped.out);
  EXPECT_GT(c["done"].get<int>(), 0);
  EXPECT_GT(c["skipped"].get<int>(), 0);
  EXPECT_EQ(c["failed"], 0);
  EXPECT_LE(c["calls_used"].get<int>(), 8);
  auto rest = RunGhl({"enrich", "--json"}, sb.CliEnv());
  ASSERT_EQ(rest.exit_code, 0) << rest.err;
  json r = json::parse(rest.out);
  EXPECT_EQ(r["candidates"], c["skipped"]);
  EXPECT_EQ(r["failed"], 0);

  auto bad = RunGhl({"enrich", "--max-daily-share", "0"}, sb.CliEnv());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, HasSubstr("--max-daily-share"));
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
