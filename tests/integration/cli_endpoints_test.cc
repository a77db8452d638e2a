// `ghl endpoints`: listing, filtering, JSON output and `show`, as a user runs them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;

TEST(CliEndpointsTest, JsonListsAll576OperationsWithTheDocumentedKeys) {
  auto r = RunGhl({"endpoints", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json all = json::parse(r.out);
  ASSERT_EQ(all.size(), 576u);
  for (const char* key : {"id", "method", "path", "version", "scopes", "tokenKinds"}) {
    EXPECT_TRUE(all[0].contains(key)) << key;
  }
}

TEST(CliEndpointsTest, EmulatedListsWhatTheSandboxAnswersAndTheCount) {
  auto r = RunGhl({"endpoints", "--emulated", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json emulated = json::parse(r.out);
  std::set<std::string> ids;
  for (const auto& e : emulated) ids.insert(e["id"].get<std::string>());
  EXPECT_GE(ids.size(), 30u);
  EXPECT_LT(ids.size(), 576u);
  EXPECT_TRUE(ids.count("contacts.search-contacts-advanced"));
  EXPECT_FALSE(ids.count("contacts.get-contacts-by-businessId"));
  auto table = RunGhl({"endpoints", "--emulated"});
  EXPECT_NE(table.err.find("the sandbox emulates " + std::to_string(ids.size()) + " of 576"),
            std::string::npos)
      << table.err;
}

TEST(CliEndpointsTest, QueryAndServiceFilter) {
  auto r = RunGhl({"endpoints", "free-slots", "--service", "calendars", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json found = json::parse(r.out);
  ASSERT_FALSE(found.empty());
  for (const auto& e : found) {
    EXPECT_EQ(e["service"], "calendars");
    EXPECT_NE(e["path"].get<std::string>().find("free-slots"), std::string::npos);
  }
}

TEST(CliEndpointsTest, ShowGivesTheConversationsVersion) {
  auto list = json::parse(RunGhl({"endpoints", "conversations/messages", "--json"}).out);
  std::string id;
  for (const auto& e : list) {
    if (e["method"] == "POST" && e["path"] == "/conversations/messages") id = e["id"];
  }
  ASSERT_FALSE(id.empty());
  auto r = RunGhl({"endpoints", "show", id});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2021-04-15"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conversations/message.write"), std::string::npos) << r.out;
}

TEST(CliEndpointsTest, UnknownIdIsAUsageErrorWithSuggestions) {
  auto r = RunGhl({"endpoints", "show", "contacts.get-contatc"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("contacts.get-contact"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace ghl::testing
