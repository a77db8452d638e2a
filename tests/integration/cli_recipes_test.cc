// The cookbook's recipes 1.1–1.4 and 2.1–2.4 through `ghl api`, as a user types them, against a
// real `ghl sandbox` process over loopback. The sandbox runs --strict, so every call must carry
// exactly the Version value the spec declares for its endpoint.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <set>

#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;

class CliRecipesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { sandbox_ = new SandboxProcess({"--seed", "demo", "--strict"}); }
  static void TearDownTestSuite() {
    delete sandbox_;
    sandbox_ = nullptr;
  }

  std::map<std::string, std::string> Env() const { return sandbox_->CliEnv(); }

  // Runs `ghl api ...`, expects success and returns the parsed stdout.
  json Api(const std::vector<std::string>& args, const std::string& input = {}) {
    std::vector<std::string> full = {"api"};
    full.insert(full.end(), args.begin(), args.end());
    auto r = RunGhl(full, Env(), input);
    EXPECT_EQ(r.exit_code, 0) << "ghl api failed: " << r.err << r.out;
    json parsed = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "stdout is not JSON: " << r.out;
    return parsed;
  }

  static SandboxProcess* sandbox_;
};

SandboxProcess* CliRecipesTest::sandbox_ = nullptr;

TEST_F(CliRecipesTest, Recipe11SearchContactsReturnsSeededContacts) {
  json r = Api({"POST", "/contacts/search", "-F", "page=1", "-F", "pageLimit=20"});
  ASSERT_TRUE(r["contacts"].is_array());
  EXPECT_EQ(r["contacts"].size(), 20u);
  EXPECT_GE(r["total"].get<int>(), 40);
  const json& c = r["contacts"][0];
  EXPECT_TRUE(c.contains("id") && c.contains("email") && c.contains("tags"));
}

TEST_F(CliRecipesTest, Recipe12CreateThenGetContact) {
  json body = {{"firstName", "John"},
               {"lastName", "Doe"},
               {"email", "john.cli12@example.com"},
               {"phone", "+15550001212"},
               {"tags", {"api-created", "cookbook-test"}},
               {"source", "API Cookbook"}};
  json created = Api({"POST", "/contacts/", "--input", "-"}, body.dump());
  std::string id = created["contact"]["id"];
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created["contact"]["locationId"], sandbox_->location_id())
      << "--location / GHL_LOCATION_ID must fill locationId into the body";
  json got = Api({"GET", "/contacts/" + id});
  EXPECT_EQ(got["contact"]["email"], "john.cli12@example.com");
  EXPECT_EQ(got["contact"]["tags"], json({"api-created", "cookbook-test"}));
}

TEST_F(CliRecipesTest, Recipe13UpsertMatchesOnEmailInsteadOfDuplicating) {
  json first = Api({"POST", "/contacts/upsert", "-f", "firstName=Jane", "-f",
                    "email=jane.upsert13@example.com"});
  json second = Api({"POST", "/contacts/upsert", "-f", "firstName=Janet", "-f",
                     "email=jane.upsert13@example.com"});
  EXPECT_EQ(first["new"], true);
  EXPECT_EQ(second["new"], false);
  EXPECT_EQ(first["contact"]["id"], second["contact"]["id"]);
  EXPECT_EQ(second["contact"]["firstName"], "Janet");
}

TEST_F(CliRecipesTest, Recipe14DuplicateCheckFindsByEmail) {
  json created =
      Api({"POST", "/contacts/", "-f", "firstName=Dup", "-f", "email=dup14@example.com"});
  json dup = Api({"GET", "/contacts/search/duplicate", "-f", "email=dup14@example.com"});
  EXPECT_EQ(dup["contact"]["id"], created["contact"]["id"]);
  json none = Api({"GET", "/contacts/search/duplicate", "-f", "email=nobody14@example.com"});
  EXPECT_TRUE(none["contact"].is_null());
}

TEST_F(CliRecipesTest, Recipe21DedupTaggingSearchByEmailThenTag) {
  json created = Api({"POST", "/contacts/", "-f", "email=lead21@example.com"});
  std::string id = created["contact"]["id"];
  json filter = {
      {"pageLimit", 10},
      {"filters", {{{"field", "email"}, {"operator", "eq"}, {"value", "lead21@example.com"}}}}};
  json found = Api({"POST", "/contacts/search", "--input", "-"}, filter.dump());
  ASSERT_EQ(found["contacts"].size(), 1u);
  std::string tag = found["contacts"].size() > 1 ? "returning-lead" : "new-lead";
  json tagged =
      Api({"POST", "/contacts/" + id + "/tags", "--input", "-"}, json{{"tags", {tag}}}.dump());
  EXPECT_NE(tagged["tags"].dump().find("new-lead"), std::string::npos);
}

TEST_F(CliRecipesTest, Recipe22PipelinesThenOpportunity) {
  json pipelines = Api({"GET", "/opportunities/pipelines"});
  ASSERT_FALSE(pipelines["pipelines"].empty());
  const json& p = pipelines["pipelines"][0];
  std::string stage = p["stages"][0]["id"];
  json contact =
      Api({"POST", "/contacts/", "-f", "firstName=Form", "-f", "email=form22@example.com"});
  json body = {{"pipelineId", p["id"]},    {"name", "Form Lead - New Deal"},
               {"status", "open"},         {"contactId", contact["contact"]["id"]},
               {"pipelineStageId", stage}, {"monetaryValue", 500}};
  json opp = Api({"POST", "/opportunities/", "--input", "-"}, body.dump());
  EXPECT_EQ(opp["opportunity"]["pipelineStageId"], stage);
  EXPECT_EQ(opp["opportunity"]["monetaryValue"], 500);
  EXPECT_EQ(opp["opportunity"]["status"], "open");
}

TEST_F(CliRecipesTest, Recipe23FreeSlotsAppointmentAndSmsWithItsOwnVersion) {
  json calendars = Api({"GET", "/calendars/"});
  ASSERT_FALSE(calendars["calendars"].empty());
  std::string calendar = calendars["calendars"][0]["id"];
  // Tomorrow 00:00 UTC to +7 days, epoch ms.
  long long day = 86400000LL;
  long long now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  long long start = (now_ms / day + 1) * day;
  json slots = Api({"GET", "/calendars/" + calendar + "/free-slots", "-F",
                    "startDate=" + std::to_string(start), "-F",
                    "endDate=" + std::to_string(start + 7 * day), "-f", "timezone=UTC"});
  std::string first_slot;
  for (auto& [date, value] : slots.items()) {
    if (date == "traceId" || !value.is_object()) continue;
    if (!value["slots"].empty()) {
      first_slot = value["slots"][0];
      break;
    }
  }
  ASSERT_FALSE(first_slot.empty()) << slots.dump();
  json contact = Api({"POST", "/contacts/", "-f", "firstName=Booker", "-f", "phone=+15550002323"});
  std::string contact_id = contact["contact"]["id"];
  json appt = Api({"POST", "/calendars/events/appointments", "-f", "calendarId=" + calendar, "-f",
                   "contactId=" + contact_id, "-f", "startTime=" + first_slot});
  EXPECT_FALSE(appt["id"].get<std::string>().empty()) << appt.dump();
  // Conversations use Version 2021-04-15; the --strict sandbox refuses anything else.
  json sms = Api({"POST", "/conversations/messages", "-f", "type=SMS", "-f",
                  "contactId=" + contact_id, "-f", "message=Your appointment is confirmed"});
  EXPECT_FALSE(sms["messageId"].get<std::string>().empty()) << sms.dump();
}

TEST_F(CliRecipesTest, Recipe24FindOpportunityMoveStageAddNote) {
  json pipelines = Api({"GET", "/opportunities/pipelines"});
  const json& p = pipelines["pipelines"][0];
  ASSERT_GE(p["stages"].size(), 2u);
  json contact = Api({"POST", "/contacts/", "-f", "email=showed24@example.com"});
  std::string contact_id = contact["contact"]["id"];
  Api({"POST", "/opportunities/", "--input", "-"}, json{{"pipelineId", p["id"]},
                                                        {"name", "Showed"},
                                                        {"status", "open"},
                                                        {"contactId", contact_id},
                                                        {"pipelineStageId", p["stages"][0]["id"]}}
                                                       .dump());
  json found =
      Api({"GET", "/opportunities/search", "-f", "contact_id=" + contact_id, "-f", "status=open"});
  ASSERT_EQ(found["opportunities"].size(), 1u) << found.dump();
  std::string opp_id = found["opportunities"][0]["id"];
  std::string next_stage = p["stages"][1]["id"];
  json moved = Api({"PUT", "/opportunities/" + opp_id, "-f", "pipelineStageId=" + next_stage});
  EXPECT_EQ(moved["opportunity"]["pipelineStageId"], next_stage);
  json note = Api({"POST", "/contacts/" + contact_id + "/notes", "-f",
                   "body=Stage advanced after appointment showed"});
  EXPECT_FALSE(note["note"]["id"].get<std::string>().empty()) << note.dump();
}

TEST_F(CliRecipesTest, ValidationErrorExitsOneWithMessagesAndHintOnStderr) {
  auto r = RunGhl({"api", "POST", "/contacts/", "-f", "bogusField=1"}, Env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("422"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("bogusField"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("hint"), std::string::npos) << r.err;
}

TEST_F(CliRecipesTest, ValidationHintNamesOnlyTheRequiredFieldsNotSent) {
  auto r =
      RunGhl({"api", "POST", "/opportunities/", "-f", "name=Deal", "-f", "pipelineId=P1"}, Env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("requires, and this request did not send: body: status, contactId."),
            std::string::npos)
      << r.err;
  // name, pipelineId and (filled from GHL_LOCATION_ID) locationId were sent: not in the hint.
  auto hint = r.err.substr(r.err.find("hint:"));
  for (const char* sent : {"name", "pipelineId", "locationId"}) {
    EXPECT_EQ(hint.find(sent), std::string::npos) << sent << " in " << hint;
  }
}

TEST_F(CliRecipesTest, TypedNumbersAreSentAsWritten) {
  auto r = RunGhl(
      {"api", "--dry-run", "POST", "/contacts/search", "-F", "pageLimit=1e3", "-F", "x=1.50"},
      Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find(R"("pageLimit":1000,"x":1.5})"), std::string::npos) << r.out;
}

TEST_F(CliRecipesTest, HelpAndUsageErrorListTheSameMethods) {
  auto help = RunGhl({"api", "--help"}, Env());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("HTTP method: GET, POST, PUT, PATCH, DELETE\n"), std::string::npos)
      << help.out;
  auto head = RunGhl({"api", "HEAD", "/contacts/x"}, Env());
  EXPECT_EQ(head.exit_code, 2);
  EXPECT_NE(head.err.find("METHOD is one of GET, POST, PUT, PATCH, DELETE,"), std::string::npos)
      << head.err;
  EXPECT_EQ(help.out.find("HEAD"), std::string::npos) << help.out;
}

TEST_F(CliRecipesTest, UnknownContactIs404) {
  auto r = RunGhl({"api", "GET", "/contacts/doesNotExist123"}, Env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
}

TEST_F(CliRecipesTest, UnknownPathSuggestsNearestCatalogPath) {
  auto r = RunGhl({"api", "GET", "/contact/search/duplicat"}, Env());
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("/contacts/search/duplicate"), std::string::npos) << r.err;
}

TEST_F(CliRecipesTest, MissingTokenIsAUsageErrorNamingTheFix) {
  auto env = Env();
  env.erase("GHL_TOKEN");
  auto r = RunGhl({"api", "GET", "/contacts/x"}, env);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("GHL_TOKEN"), std::string::npos) << r.err;
}

TEST_F(CliRecipesTest, DryRunPrintsCurlWithSpecVersionAndMaskedToken) {
  auto r = RunGhl({"api", "POST", "/conversations/messages", "-f", "type=SMS", "--dry-run"}, Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("curl"), std::string::npos);
  EXPECT_NE(r.out.find("2021-04-15"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find(sandbox_->token()), std::string::npos) << "token leaked: " << r.out;
  EXPECT_EQ(r.err.find(sandbox_->token()), std::string::npos) << "token leaked: " << r.err;
  // Pasteable into a shell: the token comes from the variable, not a literal "***".
  EXPECT_NE(r.out.find("-H \"Authorization: Bearer $GHL_TOKEN\""), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("***"), std::string::npos) << r.out;
}

TEST_F(CliRecipesTest, IncludeFlagShowsStatusAndRateLimitHeaders) {
  auto r = RunGhl({"api", "-i", "GET", "/opportunities/pipelines"}, Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("200"), std::string::npos);
  EXPECT_NE(r.out.find("X-RateLimit-Remaining"), std::string::npos) << r.out;
}

// --- new-user trial defects ------------------------------------------------------------------

TEST_F(CliRecipesTest, PaginateOnANonPagingEndpointPrintsTheSingleAnswerUnchanged) {
  auto r = RunGhl({"api", "--paginate", "GET", "/opportunities/pipelines"}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json body = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(body.is_object()) << r.out;  // not reduced to a bare array
  EXPECT_FALSE(body["pipelines"].empty()) << r.out;
  EXPECT_NE(r.err.find("does not paginate; printed the single answer"), std::string::npos) << r.err;

  auto loc = RunGhl({"api", "--paginate", "GET", "/locations/" + sandbox_->location_id()}, Env());
  ASSERT_EQ(loc.exit_code, 0) << loc.err;
  json location = json::parse(loc.out, nullptr, false);
  ASSERT_TRUE(location.is_object()) << loc.out;
  EXPECT_NE(loc.out.find(sandbox_->location_id()), std::string::npos) << loc.out;
  EXPECT_NE(loc.err.find("does not paginate"), std::string::npos) << loc.err;
}

TEST_F(CliRecipesTest, PaginateOnAPagingEndpointStillPrintsOneArray) {
  auto r = RunGhl({"api", "--paginate", "POST", "/contacts/search", "-F", "pageLimit=20"}, Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json items = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << r.out;
  EXPECT_GE(items.size(), 40u);
  EXPECT_EQ(r.err.find("does not paginate"), std::string::npos) << r.err;
}

TEST_F(CliRecipesTest, SpacesAndNonAsciiInThePathArePercentEncoded) {
  auto r = RunGhl({"api", "GET", "/contacts/a b"}, Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;  // reached the sandbox: 404, not a network error
  EXPECT_NE(r.err.find("404"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("bad/illegal"), std::string::npos) << r.err;
  auto dry = RunGhl({"api", "GET", "/contacts/a b\xC3\xA9", "--dry-run"}, Env());
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("/contacts/a%20b%C3%A9'"), std::string::npos) << dry.out;
  auto kept = RunGhl({"api", "GET", "/contacts/a%20b", "--dry-run"}, Env());
  EXPECT_NE(kept.out.find("/contacts/a%20b'"), std::string::npos) << kept.out;
}

TEST_F(CliRecipesTest, NonHttpBaseUrlIsAUsageErrorWithoutRetries) {
  for (const char* base : {"ftp://example.com", "file:///tmp/x"}) {
    auto env = Env();
    env["GHL_BASE_URL"] = base;
    auto start = std::chrono::steady_clock::now();
    auto r = RunGhl({"api", "GET", "/contacts/c1"}, env);
    auto took = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(r.exit_code, 2) << base << ": " << r.err;
    EXPECT_NE(r.err.find("base URL must be http(s)://host[:port]: got"), std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("attempts"), std::string::npos) << r.err;
    EXPECT_LT(took, std::chrono::seconds(3)) << "retried?";
  }
}

TEST_F(CliRecipesTest, DotSegmentsInThePathAreRefused) {
  auto r = RunGhl({"api", "GET", "/contacts/../locations/" + sandbox_->location_id()}, Env());
  EXPECT_EQ(r.exit_code, 2) << r.err << r.out;
  EXPECT_NE(r.err.find("segment '..'"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  auto encoded = RunGhl({"api", "GET", "/contacts/%2e/x"}, Env());
  EXPECT_EQ(encoded.exit_code, 2) << encoded.err;
  EXPECT_NE(encoded.err.find("segment '%2e'"), std::string::npos) << encoded.err;
}

TEST_F(CliRecipesTest, ControlCharactersInHeadersAreRefused) {
  auto r = RunGhl({"api", "GET", "/contacts/c1", "-H", "X-Test: a\r\nX-Injected: 1"}, Env());
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("X-Test"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("control character"), std::string::npos) << r.err;
}

// B14: the contact list GET /contacts/ (startAfter/startAfterId cursors, limit ≤ 100) through
// `ghl api --paginate` returns every contact once.
TEST(CliContactListTest, PaginateOverTheContactListReturnsEachContactOnce) {
  SandboxProcess sandbox({"--seed", "empty", "--seed-contacts", "250"});
  std::map<std::string, std::string> env = {{"GHL_BASE_URL", sandbox.base_url()},
                                            {"GHL_TOKEN", sandbox.token()},
                                            {"GHL_LOCATION_ID", sandbox.location_id()}};
  auto r = RunGhl({"api", "--paginate", "GET", "/contacts/", "-F", "limit=100"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json items = json::parse(r.out, nullptr, false);
  ASSERT_TRUE(items.is_array()) << r.out.substr(0, 300);
  std::set<std::string> ids;
  for (const auto& c : items) ids.insert(c["id"].get<std::string>());
  EXPECT_EQ(items.size(), 250u);
  EXPECT_EQ(ids.size(), 250u);
  auto over = RunGhl({"api", "GET", "/contacts/", "-F", "limit=101"}, env);
  EXPECT_EQ(over.exit_code, 1);
  EXPECT_NE(over.err.find("limit must not be greater than 100"), std::string::npos) << over.err;
}

}  // namespace
}  // namespace ghl::testing
