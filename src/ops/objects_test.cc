// ghl::ops custom objects and associations against the sandbox over loopback: records,
// searchAfter paging, and EnsureRelation turning GHL's duplicate-relation 400 into the
// existing relation.
#include "ghl/ops/objects.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "ghl/ops/opportunities.h"
#include "ghl/sandbox/sandbox.h"
#include "test_fixture.h"

namespace ghl::ops {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

class ObjectOpsTest : public SandboxOpsTest {
 protected:
  void SetUp() override {
    SandboxOpsTest::SetUp();
    if (HasFatalFailure()) return;
    agency_ = std::make_unique<client::Client>(Options(std::string(sandbox::kAgencyToken)));

    // The schema needs an agency token (the spec's Agency-Access security).
    auto schema =
        agency_->Call({.method = "POST",
                       .path = "/objects/",
                       .body = json{{"labels", {{"singular", "Job"}, {"plural", "Jobs"}}},
                                    {"key", "job"},
                                    {"locationId", sandbox_->location_id()},
                                    {"primaryDisplayPropertyDetails",
                                     {{"key", "title"}, {"name", "Title"}, {"dataType", "TEXT"}}}}
                                   .dump()});
    ASSERT_TRUE(schema.ok()) << schema.error().Describe();
    auto assoc = client_->Call({.method = "POST",
                                .path = "/associations/",
                                .body = json{{"locationId", sandbox_->location_id()},
                                             {"key", "job_opportunity"},
                                             {"firstObjectKey", "custom_objects.job"},
                                             {"firstObjectLabel", "Job"},
                                             {"secondObjectKey", "opportunity"},
                                             {"secondObjectLabel", "Opportunity"}}
                                            .dump()});
    ASSERT_TRUE(assoc.ok()) << assoc.error().Describe();
    association_id_ = (*assoc)["id"];
    auto opps = SearchOpportunities(ctx(), {});
    ASSERT_TRUE(opps.ok()) << opps.error().Describe();
    opportunity_id_ = (*opps)["opportunities"][0]["id"];
  }
  std::unique_ptr<client::Client> agency_;
  std::string association_id_;
  std::string opportunity_id_;
};

TEST(ObjectKeyTest, AddsThePrefixOnlyToCustomObjectNames) {
  EXPECT_EQ(ObjectKey("Pet"), "custom_objects.pet");
  EXPECT_EQ(ObjectKey("custom_objects.pet"), "custom_objects.pet");
  EXPECT_EQ(ObjectKey("opportunity"), "opportunity");
}

TEST_F(ObjectOpsTest, CreatesGetsAndSearchesRecordsAcrossPages) {
  auto schema = GetObjectSchema(ctx(), "job");
  ASSERT_TRUE(schema.ok()) << schema.error().Describe();
  EXPECT_EQ((*schema)["primaryDisplayProperty"], "custom_objects.job.title");
  for (int i = 0; i < 130; ++i) {
    auto rec = CreateRecord(ctx(), "job", {{"title", "Job " + std::to_string(i)}});
    ASSERT_TRUE(rec.ok()) << rec.error().Describe();
    if (i == 0) {
      auto got = GetRecord(ctx(), "custom_objects.job", (*rec)["id"]);
      ASSERT_TRUE(got.ok()) << got.error().Describe();
      EXPECT_EQ((*got)["properties"]["title"], "Job 0");
    }
  }
  auto all = SearchRecords(ctx(), "job", "", 1000);
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  std::set<std::string> ids;
  for (const auto& r : *all) ids.insert(r["id"].get<std::string>());
  EXPECT_EQ(all->size(), 130u);
  EXPECT_EQ(ids.size(), 130u) << "each record once across the searchAfter pages";
  auto one = SearchRecords(ctx(), "job", "title:Job 129");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_FALSE(CreateRecord(ctx(), "job", json::array()).ok());
}

TEST_F(ObjectOpsTest, EnsureRelationTreatsGhlsDuplicateAsTheExistingRelation) {
  auto rec = CreateRecord(ctx(), "job", {{"title", "Roof"}});
  ASSERT_TRUE(rec.ok()) << rec.error().Describe();
  std::string record_id = (*rec)["id"];
  auto first = EnsureRelation(ctx(), association_id_, record_id, opportunity_id_);
  ASSERT_TRUE(first.ok()) << first.error().Describe();
  EXPECT_TRUE(first->created);

  // The raw call is GHL's 400; EnsureRelation answers the same relation, not an error.
  auto raw = client_->Call({.method = "POST",
                            .path = "/associations/relations",
                            .body = json{{"associationId", association_id_},
                                         {"firstRecordId", record_id},
                                         {"secondRecordId", opportunity_id_}}
                                        .dump()});
  ASSERT_FALSE(raw.ok());
  EXPECT_TRUE(IsDuplicateRelation(raw.error())) << raw.error().Describe();
  auto again = EnsureRelation(ctx(), association_id_, record_id, opportunity_id_);
  ASSERT_TRUE(again.ok()) << again.error().Describe();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->relation["id"], first->relation["id"]);

  auto of_record = ListRelations(ctx(), record_id);
  ASSERT_TRUE(of_record.ok());
  EXPECT_EQ(of_record->size(), 1u);
  auto other = ListRelations(ctx(), record_id, "another-association");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->empty());

  // A wrong-way pair is GHL's other 400, returned as the error.
  auto swapped = EnsureRelation(ctx(), association_id_, opportunity_id_, record_id);
  ASSERT_FALSE(swapped.ok());
  EXPECT_EQ(swapped.error().http_status, 400);
  EXPECT_FALSE(IsDuplicateRelation(swapped.error()));
}

TEST_F(ObjectOpsTest, ListRelationsPagesPastOneHundred) {
  std::vector<std::string> records;
  for (int i = 0; i < 120; ++i) {
    auto rec = CreateRecord(ctx(), "job", {{"title", "J" + std::to_string(i)}});
    ASSERT_TRUE(rec.ok());
    auto rel = EnsureRelation(ctx(), association_id_, (*rec)["id"], opportunity_id_);
    ASSERT_TRUE(rel.ok()) << rel.error().Describe();
  }
  auto all = ListRelations(ctx(), opportunity_id_, association_id_);
  ASSERT_TRUE(all.ok()) << all.error().Describe();
  std::set<std::string> ids;
  for (const auto& r : *all) ids.insert(r["id"].get<std::string>());
  EXPECT_EQ(ids.size(), 120u);
  auto assoc = GetAssociationByKey(ctx(), "job_opportunity");
  ASSERT_TRUE(assoc.ok()) << assoc.error().Describe();
  EXPECT_EQ((*assoc)["id"], association_id_);
  EXPECT_THAT(GetAssociationByKey(ctx(), "nope").error().Describe(), HasSubstr("404"));
}

}  // namespace
}  // namespace ghl::ops
