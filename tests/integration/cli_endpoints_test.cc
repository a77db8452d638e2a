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
  EXPECT_EQ(found[0]["path"], "/calendars/{calendarId}/free-slots");
  for (const auto& e : found) EXPECT_EQ(e["service"], "calendars");
}

// A new user types what they want; the first row is the operation, with its title.
TEST(CliEndpointsTest, FindsByPurposeBestFirst) {
  auto r = RunGhl({"endpoints", "send", "sms"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string first = r.out.substr(r.out.find('\n') + 1);
  first = first.substr(0, first.find('\n'));
  EXPECT_NE(first.find("POST"), std::string::npos) << r.out;
  EXPECT_NE(first.find("/conversations/messages"), std::string::npos) << r.out;
  EXPECT_NE(first.find("Send a message"), std::string::npos) << r.out;

  auto j = RunGhl({"endpoints", "move", "deal", "stage", "--limit", "3", "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  json found = json::parse(j.out);
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0]["id"], "opportunities.update-opportunity");
  EXPECT_FALSE(found[0]["title"].get<std::string>().empty());

  // With --emulated the ranking keeps only what the sandbox answers, best first.
  auto emulated = RunGhl({"endpoints", "send", "sms", "--emulated", "--limit", "2", "--json"});
  ASSERT_EQ(emulated.exit_code, 0) << emulated.err;
  json sms = json::parse(emulated.out);
  ASSERT_EQ(sms.size(), 2u);
  EXPECT_EQ(sms[0]["id"], "conversations.send-a-new-message");
}

TEST(CliEndpointsTest, DeprecatedOperationsPointToTheirReplacement) {
  auto r = RunGhl({"endpoints", "show", "contacts.get-contacts"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("deprecated:   yes; use POST /contacts/search"), std::string::npos) << r.out;
  auto list = RunGhl({"endpoints", "--service", "contacts"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_NE(list.out.find("contacts.get-contacts (deprecated; use POST /contacts/search)"),
            std::string::npos)
      << list.out;
  auto json_one = json::parse(RunGhl({"endpoints", "show", "contacts.get-contacts", "--json"}).out);
  EXPECT_EQ(json_one["deprecated"], true);
  EXPECT_EQ(json_one["replacedBy"], "contacts.search-contacts-advanced");
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
