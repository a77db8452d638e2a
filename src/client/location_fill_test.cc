#include "ghl/client/location_fill.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace ghl::client {
namespace {

const catalog::Endpoint& Ep(std::string_view method, std::string_view path) {
  auto m = catalog::Match(method, path);
  EXPECT_TRUE(m.has_value()) << method << " " << path;
  return *m->endpoint;
}

TEST(LocationFillTest, SlotsFollowTheCatalog) {
  auto opp = LocationSlots(Ep("GET", "/opportunities/search"));
  ASSERT_EQ(opp.size(), 1u);
  EXPECT_EQ(opp[0].name, "location_id");
  EXPECT_EQ(opp[0].in, LocationSlot::In::kQuery);
  auto search = LocationSlots(Ep("POST", "/contacts/search"));
  ASSERT_EQ(search.size(), 1u);
  EXPECT_EQ(search[0].in, LocationSlot::In::kBody);
  auto fields = LocationSlots(Ep("GET", "/locations/L/customFields"));
  ASSERT_FALSE(fields.empty());
  EXPECT_EQ(fields[0].in, LocationSlot::In::kPath);
  EXPECT_TRUE(LocationSlots(Ep("GET", "/contacts/c1")).empty());
}

TEST(LocationFillTest, FillsQueryAndBodyButNeverOverridesAGivenValue) {
  ApiRequest q;
  q.method = "GET";
  q.path = "/opportunities/search";
  EXPECT_EQ(FillLocation(Ep("GET", "/opportunities/search"), "L1", q),
            std::vector<std::string>{"location_id"});
  EXPECT_EQ(q.query, (QueryParams{{"location_id", "L1"}}));
  EXPECT_TRUE(FillLocation(Ep("GET", "/opportunities/search"), "L2", q).empty());
  EXPECT_EQ(q.query, (QueryParams{{"location_id", "L1"}}));

  ApiRequest b;
  b.method = "POST";
  b.path = "/contacts/search";
  FillLocation(Ep("POST", "/contacts/search"), "L1", b);
  EXPECT_EQ(nlohmann::json::parse(b.body), nlohmann::json({{"locationId", "L1"}}));
  b.body = R"({"locationId":"MINE","pageLimit":5})";
  EXPECT_TRUE(FillLocation(Ep("POST", "/contacts/search"), "L1", b).empty());
  EXPECT_EQ(nlohmann::json::parse(b.body)["locationId"], "MINE");
  EXPECT_EQ(FindLocationId(b, {}), "MINE");
  b.body = "not json";
  EXPECT_TRUE(FillLocation(Ep("POST", "/contacts/search"), "L1", b).empty());
  EXPECT_EQ(b.body, "not json");
}

}  // namespace
}  // namespace ghl::client
