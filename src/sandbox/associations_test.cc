// Associations and relations: definitions by id / key / object key, relations that follow the
// association's first and second objects, GHL's duplicate-relation 400, and the cascade when an
// association (or a record) is deleted, with their webhook events.
#include <unistd.h>

#include <cstdio>
#include <set>

#include "ghl/webhooks/event_examples.h"
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

class AssociationsTest : public SandboxFixture {
 protected:
  void SetUp() override { Init(""); }

  // A sandbox (on `db_path` when not empty) with an Application object, an association
  // application → opportunity, and one application record.
  void Init(const std::string& db_path) {
    Options o;
    o.db_path = db_path;
    o.webhook_sink = [this](std::string_view type, std::string_view body) {
      events_.emplace_back(std::string(type), json::parse(body));
    };
    Make(std::move(o));
    auto schema = Call("POST", "/objects/",
                       {{"labels", {{"singular", "Application"}, {"plural", "Applications"}}},
                        {"key", "application"},
                        {"locationId", Loc()},
                        {"primaryDisplayPropertyDetails",
                         {{"key", "title"}, {"name", "Title"}, {"dataType", "TEXT"}}}},
                       std::string(kAgencyToken));
    ASSERT_EQ(schema.status, 201) << schema.body;
    auto assoc = Call("POST", "/associations/",
                      {{"locationId", Loc()},
                       {"key", "application_opportunity"},
                       {"firstObjectKey", "custom_objects.application"},
                       {"firstObjectLabel", "Application"},
                       {"secondObjectKey", "opportunity"},
                       {"secondObjectLabel", "Deal"}});
    ASSERT_EQ(assoc.status, 201) << assoc.body;
    assoc_ = Body(assoc);
    auto rec = Call("POST", "/objects/custom_objects.application/records",
                    {{"locationId", Loc()}, {"properties", {{"title", "Roof repair"}}}});
    ASSERT_EQ(rec.status, 201) << rec.body;
    record_id_ = Body(rec)["record"]["id"];
    auto opps = Body(Call("GET", "/opportunities/search?location_id=" + Loc()));
    opportunity_id_ = opps["opportunities"][0]["id"];
  }

  http::Response Relate(const std::string& first, const std::string& second) {
    return Call("POST", "/associations/relations",
                {{"locationId", Loc()},
                 {"associationId", assoc_["id"]},
                 {"firstRecordId", first},
                 {"secondRecordId", second}});
  }

  json Relations(const std::string& record) {
    return Body(Call(
        "GET", "/associations/relations/" + record + "?locationId=" + Loc() + "&skip=0&limit=100"));
  }

  std::vector<std::pair<std::string, json>> events_;
  json assoc_;
  std::string record_id_;
  std::string opportunity_id_;
};

TEST_F(AssociationsTest, DefinitionsByIdKeyAndObjectKey) {
  EXPECT_EQ(assoc_["associationType"], "USER_DEFINED");
  EXPECT_EQ(assoc_["firstObjectKey"], "custom_objects.application");
  EXPECT_EQ(events_.back().first == "AssociationCreate" || events_[1].first == "AssociationCreate",
            true);
  std::string id = assoc_["id"];
  EXPECT_EQ(Get("/associations/" + id)["key"], "application_opportunity");
  EXPECT_EQ(Get("/associations/key/application_opportunity?locationId=" + Loc())["id"], id);
  auto by_object = Get("/associations/objectKey/opportunity?locationId=" + Loc());
  ASSERT_EQ(by_object["associations"].size(), 1u);
  auto listed = Call("GET", "/associations/?locationId=" + Loc() + "&skip=0&limit=10");
  ASSERT_EQ(listed.status, 200) << listed.body;
  EXPECT_EQ(Body(listed)["total"], 1);
  EXPECT_EQ(Call("GET", "/associations/?locationId=" + Loc()).status, 422)
      << "skip and limit are required query parameters";

  auto twice = Call("POST", "/associations/",
                    {{"locationId", Loc()},
                     {"key", "application_opportunity"},
                     {"firstObjectKey", "contact"},
                     {"firstObjectLabel", "a"},
                     {"secondObjectKey", "contact"},
                     {"secondObjectLabel", "b"}});
  EXPECT_EQ(twice.status, 400);
  auto unknown_object = Call("POST", "/associations/",
                             {{"locationId", Loc()},
                              {"key", "x"},
                              {"firstObjectKey", "custom_objects.nothing"},
                              {"firstObjectLabel", "a"},
                              {"secondObjectKey", "contact"},
                              {"secondObjectLabel", "b"}});
  EXPECT_EQ(unknown_object.status, 400);
  EXPECT_NE(unknown_object.body.find("custom_objects.nothing"), std::string::npos);

  auto updated = Call("PUT", "/associations/" + id,
                      {{"firstObjectLabel", "Job"}, {"secondObjectLabel", "Opportunity"}});
  ASSERT_EQ(updated.status, 200) << updated.body;
  EXPECT_EQ(Body(updated)["firstObjectLabel"], "Job");
  EXPECT_EQ(events_.back().first, "AssociationUpdate");
  EXPECT_EQ(events_.back().second["firstObjectToSecondObjectCardinality"], "MANY_TO_MANY");
}

TEST_F(AssociationsTest, RelationsFollowTheAssociationAndADuplicateIsGhlsBadRequest) {
  events_.clear();
  auto created = Relate(record_id_, opportunity_id_);
  ASSERT_EQ(created.status, 201) << created.body;
  json rel = Body(created);
  EXPECT_EQ(rel["firstObjectKey"], "custom_objects.application");
  EXPECT_EQ(rel["secondObjectKey"], "opportunity");
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].first, "RelationCreate");
  EXPECT_EQ(events_[0].second["firstRecordId"], record_id_);
  EXPECT_EQ(events_[0].second["associationId"], assoc_["id"]);

  auto dup = Relate(record_id_, opportunity_id_);
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(Body(dup)["message"],
            "Could not create relation: duplicate relation of object Ids for given association " +
                assoc_["id"].get<std::string>());
  EXPECT_EQ(Body(dup)["error"], "Bad Request");

  auto swapped = Relate(opportunity_id_, record_id_);
  EXPECT_EQ(swapped.status, 400) << "firstRecordId must be a record of the first object";
  EXPECT_NE(swapped.body.find("firstRecordId"), std::string::npos);

  json from_record = Relations(record_id_);
  json from_opportunity = Relations(opportunity_id_);
  EXPECT_EQ(from_record["total"], 1);
  EXPECT_EQ(from_opportunity["relations"][0]["id"], rel["id"]);
  EXPECT_EQ(Body(Call("GET", "/associations/relations/" + record_id_ + "?locationId=" + Loc() +
                                 "&skip=0&limit=10&associationIds=other"))["total"],
            0);
  auto zero = Call(
      "GET", "/associations/relations/" + record_id_ + "?locationId=" + Loc() + "&skip=0&limit=0");
  EXPECT_EQ(Body(zero)["message"], json::array({"limit must not be less than 1"}));

  auto deleted = Call(
      "DELETE", "/associations/relations/" + rel["id"].get<std::string>() + "?locationId=" + Loc());
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(events_.back().first, "RelationDelete");
  EXPECT_EQ(Relations(record_id_)["total"], 0);
  EXPECT_EQ(Relate(record_id_, opportunity_id_).status, 201) << "deleted: may be related again";
}

TEST_F(AssociationsTest, DeletingTheAssociationDeletesItsRelations) {
  ASSERT_EQ(Relate(record_id_, opportunity_id_).status, 201);
  std::string id = assoc_["id"];
  auto deleted = Call("DELETE", "/associations/" + id);
  ASSERT_EQ(deleted.status, 200) << deleted.body;
  EXPECT_EQ(Body(deleted)["deleted"], true);
  EXPECT_EQ(Body(deleted)["message"], "Association deleted successfully");
  EXPECT_EQ(events_.back().first, "AssociationDelete");
  EXPECT_EQ(Relations(record_id_)["total"], 0);
  EXPECT_EQ(Relations(opportunity_id_)["total"], 0);
  EXPECT_EQ(Call("GET", "/associations/" + id).status, 404);
}

TEST_F(AssociationsTest, DeletingARecordDeletesItsRelations) {
  ASSERT_EQ(Relate(record_id_, opportunity_id_).status, 201);
  ASSERT_EQ(Call("DELETE", "/objects/custom_objects.application/records/" + record_id_).status,
            200);
  EXPECT_EQ(Relations(opportunity_id_)["total"], 0);
}

TEST_F(AssociationsTest, ObjectsAssociationsAndRelationsSurviveARestartOnTheSameFile) {
  std::string path = ::testing::TempDir() + "/assoc-" + std::to_string(::getpid()) + ".sqlite";
  std::remove(path.c_str());
  Init(path);
  ASSERT_EQ(Relate(record_id_, opportunity_id_).status, 201);
  sb_.reset();
  Options o;
  o.db_path = path;
  Make(o);
  EXPECT_EQ(Relations(record_id_)["total"], 1);
  EXPECT_EQ(Body(Call("GET", "/objects/?locationId=" + Loc()))["objects"].size(), 4u);
  EXPECT_EQ(Relate(record_id_, opportunity_id_).status, 400);
  sb_.reset();
  std::remove(path.c_str());
}

// Every object, record, association and relation event carries each top-level field of GHL's
// official example of its type (shared/ghl-openapi/webhooks/*.example.json).
TEST_F(AssociationsTest, EveryEventHasTheFieldsOfGhlsExample) {
  Call("PUT", "/objects/custom_objects.application",
       {{"locationId", Loc()}, {"searchableProperties", {"custom_objects.application.title"}}});
  std::string rec = "/objects/custom_objects.application/records/" + record_id_;
  Call("PUT", rec + "?locationId=" + Loc(), {{"properties", {{"title", "Gutter"}}}});
  json rel = Body(Relate(record_id_, opportunity_id_));
  Call("DELETE",
       "/associations/relations/" + rel["id"].get<std::string>() + "?locationId=" + Loc());
  Call("PUT", "/associations/" + assoc_["id"].get<std::string>(),
       {{"firstObjectLabel", "A"}, {"secondObjectLabel", "B"}});
  Call("DELETE", rec);
  Call("DELETE", "/associations/" + assoc_["id"].get<std::string>());
  std::set<std::string> types;
  for (const auto& [type, body] : events_) {
    types.insert(type);
    auto example = webhooks::BuildTestEvent(type, {});
    ASSERT_TRUE(example.ok()) << type << ": " << example.error().Describe();
    json shape = json::parse(*example);
    for (const auto& [key, value] : shape.items()) {
      if (key == "webhookId") continue;
      EXPECT_TRUE(body.contains(key)) << type << " lacks '" << key << "': " << body.dump();
    }
    EXPECT_EQ(body["type"], type);
  }
  EXPECT_EQ(types, (std::set<std::string>{
                       "ObjectSchemaCreate", "ObjectSchemaUpdate", "RecordCreate", "RecordUpdate",
                       "RecordDelete", "AssociationCreate", "AssociationUpdate",
                       "AssociationDelete", "RelationCreate", "RelationDelete"}));
}

}  // namespace
}  // namespace ghl::sandbox::testing
