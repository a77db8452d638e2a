// POST /contacts/search: filters, operators, groups, query, sort, page and searchAfter paging.
#include <cctype>
#include <set>

#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

template <class... T>
json All(const T&... filters) {
  json a = json::array();
  (a.push_back(filters), ...);
  return a;
}

class SearchTest : public SandboxFixture {
 protected:
  json Search(json body) {
    body["locationId"] = Loc();
    auto r = Call("POST", "/contacts/search", body);
    EXPECT_EQ(r.status, 200) << r.body;
    return Body(r);
  }
  int Total(const json& filters) { return Search({{"filters", filters}})["total"]; }
};

TEST_F(SearchTest, CookbookRecipe11ReturnsContactsAndTotal) {
  auto r = Search({{"page", 1}, {"pageLimit", 20}, {"filters", json::array()}});
  EXPECT_EQ(r["total"], 50);
  ASSERT_EQ(r["contacts"].size(), 20u);
  const auto& c = r["contacts"][0];
  for (auto k : {"id", "firstName", "lastName", "tags", "locationId", "dateAdded"}) {
    EXPECT_TRUE(c.contains(k)) << k;
  }
  ASSERT_TRUE(c["searchAfter"].is_array());
  EXPECT_EQ(c["searchAfter"].size(), 2u);
}

TEST_F(SearchTest, Operators) {
  json eq = {{{"field", "email"}, {"operator", "eq"}, {"value", "MARIA.GARCIA@example.com"}}};
  EXPECT_EQ(Total(eq), 2);  // the seed's case-variant pair
  EXPECT_EQ(Total({{{"field", "email"}, {"operator", "not_eq"},
                    {"value", "maria.garcia@example.com"}}}),
            48);
  EXPECT_EQ(Total({{{"field", "lastName"}, {"operator", "contains"}, {"value", "GARC"}}}),
            Total({{{"field", "lastNameLowerCase"}, {"operator", "eq"}, {"value", "garcia"}}}));
  int no_email = Total({{{"field", "email"}, {"operator", "not_exists"}}});
  EXPECT_EQ(no_email, 5);
  EXPECT_EQ(Total({{{"field", "email"}, {"operator", "exists"}}}), 50 - no_email);
  EXPECT_EQ(Total({{{"field", "tags"}, {"operator", "eq"}, {"value", "vip"}}}), 8);
  EXPECT_EQ(Total({{{"field", "tags"}, {"operator", "not_contains"}, {"value", "lead"}}}), 32);
  // Phones compare normalised.
  EXPECT_EQ(Total({{{"field", "phone"}, {"operator", "eq"}, {"value", "5125551140"}}}), 2);
  // range over dates (ISO) and a numeric custom field by key.
  EXPECT_EQ(Total({{{"field", "dateAdded"}, {"operator", "range"},
                    {"value", {{"gte", "2025-01-06T00:00:00Z"}, {"lt", "2025-01-08"}}}}}),
            2);  // contacts 0 (09:00) and 1 (+37 h)
  int scored = Total({{{"field", "customFields.lead_score"}, {"operator", "exists"}}});
  int hot = Total({{{"field", "customFields.lead_score"}, {"operator", "range"},
                    {"value", {{"gte", 70}}}}});
  EXPECT_GT(scored, hot);
  EXPECT_GT(hot, 0);
  // Nightly enrichment batch (recipe 3.2): status != complete, including unset.
  EXPECT_EQ(Total({{{"field", "customFields.enrichment_status"}, {"operator", "not_eq"},
                    {"value", "complete"}}}),
            50 - Total({{{"field", "customFields.enrichment_status"}, {"operator", "eq"},
                         {"value", "complete"}}}));
}

TEST_F(SearchTest, AndOrGroups) {
  json vip = {{"field", "tags"}, {"operator", "eq"}, {"value", "vip"}};
  json cold = {{"field", "tags"}, {"operator", "eq"}, {"value", "cold"}};
  json austin = {{"field", "city"}, {"operator", "eq"}, {"value", "austin"}};
  int v = Total(All(vip)), c = Total(All(cold)), a = Total(All(austin));
  json either = {{"group", "OR"}, {"filters", All(vip, cold)}};
  json both_tags = {{"group", "AND"}, {"filters", All(vip, cold)}};
  EXPECT_EQ(Total(All(either)), v + c);
  EXPECT_EQ(Total(All(both_tags)), 0);
  int both = Total(All(vip, austin));
  EXPECT_LE(both, std::min(v, a));
  EXPECT_EQ(Total(All(either, austin)), both + Total(All(cold, austin)));
  // Groups nest.
  json nested = {{"group", "OR"}, {"filters", All(either, austin)}};
  EXPECT_EQ(Total(All(nested)), v + c + a - both - Total(All(cold, austin)));
}

TEST_F(SearchTest, QueryMatchesNameEmailAndPhone) {
  EXPECT_EQ(Search({{"query", "maria garcia"}})["total"], 2);
  EXPECT_EQ(Search({{"query", "555-1140"}})["total"], 2);
  EXPECT_EQ(Search({{"query", "zzzz-nobody"}})["total"], 0);
}

TEST_F(SearchTest, PagesAndSearchAfterCoverEveryContactOnce) {
  std::set<std::string> by_page, by_cursor;
  for (int page = 1; page <= 4; ++page) {
    auto r = Search({{"page", page}, {"pageLimit", 15}});
    for (const auto& c : r["contacts"]) by_page.insert(c["id"].get<std::string>());
  }
  json cursor;
  int calls = 0;
  for (;;) {
    json body = {{"pageLimit", 15}};
    if (!cursor.is_null()) body["searchAfter"] = cursor;
    auto r = Search(body);
    ++calls;
    if (r["contacts"].empty()) break;
    for (const auto& c : r["contacts"]) {
      EXPECT_TRUE(by_cursor.insert(c["id"].get<std::string>()).second) << "repeated";
    }
    cursor = r["contacts"].back()["searchAfter"];
  }
  EXPECT_EQ(by_page.size(), 50u);
  EXPECT_EQ(by_cursor, by_page);
  EXPECT_EQ(calls, 5);
}

TEST_F(SearchTest, SortByFieldAndDirection) {
  auto r = Search({{"pageLimit", 50}, {"sort", {{{"field", "firstName"}, {"direction", "asc"}}}}});
  std::string prev;
  for (const auto& c : r["contacts"]) {
    std::string f = c["firstName"].get<std::string>();
    for (auto& ch : f) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    EXPECT_LE(prev, f);
    prev = f;
  }
  auto newest = Search({{"pageLimit", 1}})["contacts"][0];
  auto oldest = Search({{"pageLimit", 1}, {"sort", {{{"field", "dateAdded"}, {"direction", "asc"}}}}})
                    ["contacts"][0];
  EXPECT_GT(newest["dateAdded"].get<std::string>(), oldest["dateAdded"].get<std::string>());
}

TEST_F(SearchTest, BadFiltersAre422) {
  auto r = Call("POST", "/contacts/search",
                {{"locationId", Loc()},
                 {"filters", {{{"field", "email"}, {"operator", "like"}, {"value", "x"}}}}});
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(Body(r)["message"][0].get<std::string>().find("filters.0.operator"),
            std::string::npos);
  EXPECT_EQ(Call("POST", "/contacts/search", {{"locationId", Loc()}, {"pageLimit", 1000}}).status,
            422);
  EXPECT_EQ(Call("POST", "/contacts/search", json::object()).status, 422);
}

TEST_F(SearchTest, UnknownFieldIs422NamingItAndTheValidFields) {
  auto call = [&](json body) {
    body["locationId"] = Loc();
    return Call("POST", "/contacts/search", body);
  };
  // Was: 200 with total 0, indistinguishable from "no contact matches".
  auto r = call({{"filters", {{{"field", "favouriteColour"}, {"operator", "eq"}, {"value", "red"}}}}});
  ASSERT_EQ(r.status, 422);
  std::string m = Body(r)["message"][0];
  EXPECT_NE(m.find("filters.0.field 'favouriteColour'"), std::string::npos) << m;
  EXPECT_NE(m.find("firstName"), std::string::npos) << m;
  EXPECT_NE(m.find("customFields.<id or fieldKey>"), std::string::npos) << m;
  // Inside a group, a custom field that does not exist, and in sort.
  r = call({{"filters", {{{"group", "OR"},
                          {"filters", {{{"field", "customFields.nope"}, {"operator", "exists"}}}}}}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_NE(Body(r)["message"][0].get<std::string>().find("filters.0.filters.0.field 'customFields.nope'"),
            std::string::npos) << r.body;
  r = call({{"sort", {{{"field", "shoeSize"}, {"direction", "asc"}}}}});
  ASSERT_EQ(r.status, 422);
  EXPECT_NE(Body(r)["message"][0].get<std::string>().find("sort.0.field 'shoeSize'"),
            std::string::npos) << r.body;
  // Known standard and custom fields still work.
  EXPECT_EQ(call({{"filters", {{{"field", "customFields.lead_score"}, {"operator", "exists"}}}},
                  {"sort", {{{"field", "lastName"}, {"direction", "asc"}}}}}).status, 200);
}

}  // namespace
}  // namespace ghl::sandbox::testing
