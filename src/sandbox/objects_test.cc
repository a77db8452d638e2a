// Custom objects: schemas (standard objects listed, agency-only create, key prefix, searchable
// properties) and records (CRUD, query search, searchAfter paging), with their webhook events.
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

class ObjectsTest : public SandboxFixture {
 protected:
  void SetUp() override {
    Options o;
    o.webhook_sink = [this](std::string_view type, std::string_view body) {
      events_.emplace_back(std::string(type), json::parse(body));
    };
    Make(std::move(o));
  }

  // POST /objects/ with the agency token (the spec's Agency-Access security).
  http::Response CreatePet(const std::string& key = "pet") {
    return Call("POST", "/objects/",
                {{"labels", {{"singular", "Pet"}, {"plural", "Pets"}}},
                 {"key", key},
                 {"locationId", Loc()},
                 {"description", "Pets of our patients"},
                 {"primaryDisplayPropertyDetails",
                  {{"key", "name"}, {"name", "Pet name"}, {"dataType", "TEXT"}}}},
                std::string(kAgencyToken));
  }

  std::string CreateRecord(const json& properties) {
    auto r = Call("POST", "/objects/custom_objects.pet/records",
                  {{"locationId", Loc()}, {"properties", properties}});
    EXPECT_EQ(r.status, 201) << r.body;
    return Body(r)["record"].value("id", "");
  }

  std::vector<std::pair<std::string, json>> events_;
};

TEST_F(ObjectsTest, TheStandardObjectsAreListedAndReadable) {
  auto r = Call("GET", "/objects/?locationId=" + Loc());
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> keys;
  json listed = Body(r);
  for (const auto& o : listed["objects"]) {
    keys.push_back(o["key"]);
    EXPECT_TRUE(o["standard"].get<bool>());
  }
  EXPECT_EQ(keys, (std::vector<std::string>{"contact", "opportunity", "business"}));
  auto one = Call("GET", "/objects/opportunity?locationId=" + Loc());
  ASSERT_EQ(one.status, 200) << one.body;
  EXPECT_EQ(Body(one)["object"]["labels"]["plural"], "Opportunities");
  EXPECT_EQ(Body(one)["cache"], false);
}

TEST_F(ObjectsTest, SchemaCreateNeedsAnAgencyTokenAndGetsThePrefix) {
  auto location_token = Call("POST", "/objects/", {{"key", "pet"}});
  EXPECT_EQ(location_token.status, 401);
  EXPECT_EQ(Body(location_token)["message"], "Token's user type mismatch!");

  auto r = CreatePet();
  ASSERT_EQ(r.status, 201) << r.body;
  json o = Body(r)["object"];
  EXPECT_EQ(o["key"], "custom_objects.pet");
  EXPECT_EQ(o["primaryDisplayProperty"], "custom_objects.pet.name");
  EXPECT_EQ(o["standard"], false);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].first, "ObjectSchemaCreate");
  EXPECT_EQ(events_[0].second["objectType"], "USER_DEFINED");
  EXPECT_EQ(events_[0].second["key"], "custom_objects.pet");

  auto twice = CreatePet("custom_objects.pet");
  EXPECT_EQ(twice.status, 400);
  EXPECT_NE(Body(twice)["message"].get<std::string>().find("already exists"), std::string::npos);
  auto bad = CreatePet("My Pets!");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("lowercase letters, digits and underscores"), std::string::npos);

  auto got =
      Call("GET", "/objects/custom_objects.pet?locationId=" + Loc() + "&fetchProperties=true");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got)["fields"][0]["fieldKey"], "custom_objects.pet.name");
  EXPECT_EQ(Body(got)["fields"][0]["dataType"], "TEXT");
  EXPECT_FALSE(Body(Call("GET", "/objects/pet?locationId=" + Loc())).contains("fields"));
  EXPECT_EQ(Call("GET", "/objects/custom_objects.horse?locationId=" + Loc()).status, 404);
}

TEST_F(ObjectsTest, UpdateSetsSearchablePropertiesAndSendsObjectSchemaUpdate) {
  ASSERT_EQ(CreatePet().status, 201);
  auto bad = Call("PUT", "/objects/custom_objects.pet",
                  {{"locationId", Loc()}, {"searchableProperties", {"breed"}}});
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("custom_objects.pet.<field_key>"), std::string::npos);
  auto r =
      Call("PUT", "/objects/custom_objects.pet",
           {{"locationId", Loc()},
            {"labels", {{"plural", "Animals"}}},
            {"searchableProperties", {"custom_objects.pet.name", "custom_objects.pet.breed"}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Body(r)["object"]["labels"]["plural"], "Animals");
  EXPECT_EQ(Body(r)["object"]["labels"]["singular"], "Pet");
  EXPECT_EQ(events_.back().first, "ObjectSchemaUpdate");
  EXPECT_EQ(events_.back().second["searchableProperties"].size(), 2u);

  // Standard objects take searchable properties too, and keep them.
  auto std_update = Call("PUT", "/objects/contact",
                         {{"locationId", Loc()}, {"searchableProperties", {"contact.email"}}});
  ASSERT_EQ(std_update.status, 200) << std_update.body;
  EXPECT_EQ(
      Body(Call("GET", "/objects/contact?locationId=" + Loc()))["object"]["searchableProperties"],
      json::array({"contact.email"}));
}

TEST_F(ObjectsTest, RecordsCrudWithWebhookShapes) {
  ASSERT_EQ(CreatePet().status, 201);
  events_.clear();
  auto created = Call("POST", "/objects/custom_objects.pet/records",
                      {{"locationId", Loc()},
                       {"properties", {{"custom_objects.pet.name", "Buddy"}, {"age", 3}}},
                       {"owner", {"user1"}}});
  ASSERT_EQ(created.status, 201) << created.body;
  json rec = Body(created)["record"];
  std::string id = rec["id"];
  EXPECT_EQ(rec["properties"]["name"], "Buddy") << "the prefix is taken off property keys";
  EXPECT_EQ(rec["objectKey"], "custom_objects.pet");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].first, "RecordCreate");
  EXPECT_EQ(events_[0].second["owners"], json::array({"user1"}));
  EXPECT_EQ(
      events_[0].second["properties"],
      json::parse(R"([{"key":"age","valueString":"3"},{"key":"name","valueString":"Buddy"}])"));
  EXPECT_TRUE(events_[0].second.contains("timestamp"));

  std::string path = "/objects/custom_objects.pet/records/" + id;
  auto got = Call("GET", path);
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(Body(got)["record"]["properties"]["age"], 3);
  EXPECT_TRUE(Body(got)["record"].contains("dateAdded"));

  auto updated = Call("PUT", path + "?locationId=" + Loc(), {{"properties", {{"age", 4}}}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["record"]["properties"]["name"], "Buddy");
  EXPECT_EQ(Body(updated)["record"]["properties"]["age"], 4);
  EXPECT_EQ(events_.back().first, "RecordUpdate");
  EXPECT_EQ(Call("PUT", path, {{"properties", {{"age", 5}}}}).status, 422)
      << "locationId is a required query parameter of the update";

  auto too_many =
      Call("POST", "/objects/custom_objects.pet/records",
           {{"locationId", Loc()}, {"properties", json::object()}, {"owner", {"a", "b"}}});
  EXPECT_EQ(too_many.status, 422);

  auto deleted = Call("DELETE", path);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Body(deleted), (json{{"id", id}, {"success", true}}));
  EXPECT_EQ(events_.back().first, "RecordDelete");
  EXPECT_EQ(Call("GET", path).status, 404);
  EXPECT_EQ(Call("POST", "/objects/contact/records",
                 {{"locationId", Loc()}, {"properties", json::object()}})
                .status,
            400);
}

TEST_F(ObjectsTest, SearchByQueryAndPageWithSearchAfter) {
  ASSERT_EQ(CreatePet().status, 201);
  for (int i = 0; i < 25; ++i) {
    now_ += std::chrono::seconds(1);
    CreateRecord({{"name", i % 5 == 0 ? "Buddy " + std::to_string(i) : "Rex " + std::to_string(i)},
                  {"breed", "lab"}});
  }
  std::string search = "/objects/custom_objects.pet/records/search";
  auto buddies =
      Call("POST", search, {{"locationId", Loc()}, {"pageLimit", 100}, {"query", "name:buddy"}});
  ASSERT_EQ(buddies.status, 200) << buddies.body;
  EXPECT_EQ(Body(buddies)["total"], 5);
  auto free_text = Call("POST", search, {{"locationId", Loc()}, {"query", "rex 1"}});
  EXPECT_EQ(Body(free_text)["total"], 9);  // Rex 1, 11, 12, 13, 14, 16, 17, 18, 19
  auto not_searchable = Call("POST", search, {{"locationId", Loc()}, {"query", "breed:lab"}});
  EXPECT_EQ(not_searchable.status, 400);
  EXPECT_NE(Body(not_searchable)["message"].get<std::string>().find("searchableProperties"),
            std::string::npos);

  // Every record once, newest first, through the searchAfter cursor.
  std::vector<std::string> seen;
  json after = json::array();
  for (int pages = 0; pages < 10; ++pages) {
    auto r =
        Call("POST", search,
             {{"locationId", Loc()}, {"pageLimit", 10}, {"query", ""}, {"searchAfter", after}});
    ASSERT_EQ(r.status, 200) << r.body;
    json records = Body(r)["records"];
    EXPECT_EQ(Body(r)["total"], 25);
    if (records.empty()) break;
    for (const auto& rec : records) seen.push_back(rec["properties"]["name"]);
    after = records.back()["searchAfter"];
  }
  ASSERT_EQ(seen.size(), 25u);
  EXPECT_EQ(seen.front(), "Rex 24");
  EXPECT_EQ(seen.back(), "Buddy 0");

  auto zero = Call("POST", search, {{"locationId", Loc()}, {"pageLimit", 0}});
  EXPECT_EQ(Body(zero)["message"], json::array({"pageLimit must not be less than 1"}));
}

}  // namespace
}  // namespace ghl::sandbox::testing
