#include "ghl/client/error_mapping.h"

#include <gtest/gtest.h>

#include "ghl/client/retry_policy.h"

namespace ghl::client {
namespace {

ApiResponse Answer(int status, std::string body, std::string method, std::string path,
                   std::string version = {}) {
  ApiResponse r;
  r.status = status;
  r.body = std::move(body);
  r.method = std::move(method);
  r.path = std::move(path);
  if (auto m = catalog::Match(r.method, r.path)) r.endpoint = m->endpoint;
  r.version = version.empty() && r.endpoint ? std::string(r.endpoint->version) : version;
  return r;
}

bool Has(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

TEST(ErrorMappingTest, ExtractsStringAndArrayMessagesAndTraceId) {
  EXPECT_EQ(ExtractMessages(R"({"statusCode":401,"message":"Invalid JWT"})"),
            std::vector<std::string>{"Invalid JWT"});
  EXPECT_EQ(ExtractMessages(R"({"statusCode":422,"message":["locationId should not be empty",
            "pageLimit must not be greater than 500"],"error":"Unprocessable Entity"})"),
            (std::vector<std::string>{"locationId should not be empty",
                                      "pageLimit must not be greater than 500"}));
  EXPECT_EQ(ExtractMessages(R"({"error":"Bad Request"})"), std::vector<std::string>{"Bad Request"});
  EXPECT_EQ(ExtractMessages("<html>Bad Gateway</html>\n"),
            std::vector<std::string>{"<html>Bad Gateway</html>"});
  EXPECT_TRUE(ExtractMessages("").empty());
  EXPECT_EQ(ExtractTraceId(R"({"message":"x","traceId":"abc-123"})"), "abc-123");
}

TEST(ErrorMappingTest, MissingVersionHeaderIsNotATokenProblem) {
  Error e = ErrorFromResponse(
      Answer(401, R"({"statusCode":401,"message":"version header was not found."})", "POST",
             "/conversations/messages"));
  EXPECT_EQ(e.kind, ErrorKind::kApi);
  EXPECT_EQ(e.http_status, 401);
  EXPECT_EQ(e.endpoint_id, "conversations.send-a-new-message");
  EXPECT_TRUE(Has(e.hint, "Version: 2021-04-15")) << e.hint;
  EXPECT_FALSE(Has(e.hint, "refresh")) << e.hint;
}

TEST(ErrorMappingTest, InvalidVersionNamesTheSpecValue) {
  Error e =
      ErrorFromResponse(Answer(401, R"({"statusCode":401,"message":"version header is invalid"})",
                               "POST", "/contacts/search", "2099-01-01"));
  EXPECT_TRUE(Has(e.hint, "'Version: 2099-01-01'")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "'Version: 2021-07-28'")) << e.hint;
  EXPECT_FALSE(Has(e.hint, "refresh")) << e.hint;
}

TEST(ErrorMappingTest, MissingScopeNamesTheCatalogScopes) {
  Error e = ErrorFromResponse(
      Answer(401, R"({"statusCode":401,"message":"The token is not authorized for this scope."})",
             "POST", "/contacts/search"));
  EXPECT_TRUE(Has(e.hint, "contacts.readonly")) << e.hint;
  EXPECT_FALSE(Has(e.hint, "refresh")) << e.hint;
  EXPECT_EQ(e.messages, std::vector<std::string>{"The token is not authorized for this scope."});
}

TEST(ErrorMappingTest, UserTypeMismatchExplainsLocationVersusAgencyToken) {
  Error location_only =
      ErrorFromResponse(Answer(401, R"({"statusCode":401,"message":"Token's user type mismatch!"})",
                               "POST", "/contacts/search"));
  EXPECT_TRUE(Has(location_only.hint, "location) token")) << location_only.hint;
  EXPECT_TRUE(Has(location_only.hint, "agency")) << location_only.hint;
  Error agency_only =
      ErrorFromResponse(Answer(401, R"({"statusCode":401,"message":"Token's user type mismatch!"})",
                               "DELETE", "/locations/L1"));
  EXPECT_TRUE(Has(agency_only.hint, "takes an agency (company) token")) << agency_only.hint;
}

TEST(ErrorMappingTest, OtherUnauthorizedMeansRefreshOrReplaceTheToken) {
  Error e = ErrorFromResponse(
      Answer(401, R"({"statusCode":401,"message":"Invalid JWT"})", "GET", "/contacts/c1"));
  EXPECT_TRUE(Has(e.hint, "refresh")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "Private Integration Token")) << e.hint;
}

TEST(ErrorMappingTest, ForbiddenMeansAnotherLocation) {
  ApiResponse r = Answer(
      403, R"({"statusCode":403,"message":"The token does not have access to this location."})",
      "GET", "/contacts/c1");
  r.location_id = "LOC9";
  Error e = ErrorFromResponse(r);
  EXPECT_TRUE(Has(e.hint, "another location")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "LOC9")) << e.hint;
}

TEST(ErrorMappingTest, NotFoundOnKnownEndpointIsAnUnknownId) {
  Error e = ErrorFromResponse(
      Answer(404, R"({"statusCode":404,"message":"Contact not found"})", "GET", "/contacts/nope"));
  EXPECT_EQ(e.endpoint_id, "contacts.get-contact");
  EXPECT_TRUE(Has(e.hint, "does not exist")) << e.hint;
}

TEST(ErrorMappingTest, NotFoundOnUnknownPathSuggestsNearestPaths) {
  Error e =
      ErrorFromResponse(Answer(404, R"({"statusCode":404,"message":"Cannot POST /contact/search"})",
                               "POST", "/contact/search"));
  EXPECT_TRUE(e.endpoint_id.empty());
  EXPECT_TRUE(Has(e.hint, "Did you mean")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "POST /contacts/search")) << e.hint;
}

TEST(ErrorMappingTest, ValidationListsMessagesAndRequiredFields) {
  Error e = ErrorFromResponse(Answer(
      422,
      R"({"statusCode":422,"message":["locationId should not be empty"],"error":"Unprocessable Entity"})",
      "POST", "/contacts/search"));
  EXPECT_EQ(e.messages, std::vector<std::string>{"locationId should not be empty"});
  EXPECT_TRUE(Has(e.hint, "body: locationId")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "--location")) << e.hint;
  EXPECT_TRUE(Has(e.Summary(), "HTTP 422: locationId should not be empty")) << e.Summary();
}

// The hint names only the required fields the request left out, not the ones it sent.
TEST(ErrorMappingTest, ValidationHintListsOnlyTheRequiredFieldsNotSent) {
  ApiResponse r = Answer(
      422, R"({"statusCode":422,"message":["name should not be empty","status must be a string"]})",
      "POST", "/opportunities/");
  ASSERT_NE(r.endpoint, nullptr);
  r.request_body =
      R"({"pipelineId":"P1","locationId":"L1","contactId":"C1","name":"","status":null})";
  Error e = ErrorFromResponse(r);
  EXPECT_TRUE(Has(e.hint,
                  "POST /opportunities/ (opportunities.create-opportunity) requires, and "
                  "this request did not send: body: name, status."))
      << e.hint;
  EXPECT_FALSE(Has(e.hint, "pipelineId")) << e.hint;
  EXPECT_FALSE(Has(e.hint, "contactId")) << e.hint;

  // Every required field sent: the messages are about values, no field list at all.
  r.request_body = R"({"pipelineId":"P1","locationId":"L1","contactId":"C1","name":"Deal",)"
                   R"("status":"won-ish"})";
  e = ErrorFromResponse(r);
  EXPECT_FALSE(Has(e.hint, "did not send")) << e.hint;
  EXPECT_FALSE(Has(e.hint, "body:")) << e.hint;
}

TEST(ErrorMappingTest, MissingRequiredFieldsTextComparesWithWhatWasSent) {
  const catalog::Endpoint* opp = catalog::FindById("opportunities.create-opportunity");
  ASSERT_NE(opp, nullptr);
  EXPECT_EQ(MissingRequiredFieldsText(*opp, "", {}),
            "body: pipelineId, locationId, name, status, contactId");
  EXPECT_EQ(MissingRequiredFieldsText(*opp, R"({"locationId":"L1","status":"open"})", {}),
            "body: pipelineId, name, contactId");
  // Not an object: the shape is wrong, no field is singled out.
  EXPECT_EQ(MissingRequiredFieldsText(*opp, "[1,2]", {}), "");

  const catalog::Endpoint* slots = catalog::FindById("calendars.get-slots");
  ASSERT_NE(slots, nullptr);
  EXPECT_EQ(MissingRequiredFieldsText(*slots, "", {}), "query: startDate, endDate");
  EXPECT_EQ(MissingRequiredFieldsText(*slots, "", {{"startDate", "1"}, {"endDate", ""}}),
            "query: endDate");
  EXPECT_EQ(MissingRequiredFieldsText(*slots, "", {{"startDate", "1"}, {"endDate", "2"}}), "");
}

TEST(ErrorMappingTest, RateLimitShowsHeaderValues) {
  ApiResponse r =
      Answer(429, R"({"statusCode":429,"message":"Too Many Requests"})", "GET", "/contacts/c1");
  r.headers.Set("X-RateLimit-Max", "20");
  r.headers.Set("X-RateLimit-Remaining", "0");
  r.headers.Set("X-RateLimit-Interval-Milliseconds", "1000");
  r.attempts = 4;
  Error e = ErrorFromResponse(r);
  EXPECT_TRUE(Has(e.hint, "Max=20, Remaining=0, Interval-Milliseconds=1000")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "20 requests per 1000 ms")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "after 4 attempts")) << e.hint;
}

TEST(ErrorMappingTest, ServerErrorIsTransientAndDescribeShowsHintAndTrace) {
  ApiResponse r = Answer(502, R"({"statusCode":502,"message":"Bad Gateway","traceId":"tr-9"})",
                         "GET", "/contacts/c1");
  r.attempts = 4;
  Error e = ErrorFromResponse(r);
  EXPECT_TRUE(Has(e.hint, "GHL's side failed (HTTP 502)")) << e.hint;
  EXPECT_EQ(e.trace_id, "tr-9");
  std::string d = e.Describe();
  EXPECT_TRUE(Has(d, "HTTP 502: Bad Gateway (endpoint contacts.get-contact)")) << d;
  EXPECT_TRUE(Has(d, "\nhint: ")) << d;
  EXPECT_TRUE(Has(d, "\ntraceId: tr-9")) << d;
}

// Every hint names a cause the answer shows, and no other: one row per kind of answer GHL (or
// the sandbox) gives. `must` is in the hint; none of `never` is.
TEST(ErrorMappingTest, EveryHintClaimsOnlyACauseTheAnswerShows) {
  struct Row {
    int status;
    std::string body;
    std::string must;
    std::vector<std::string> never;
  };
  const std::string token_claim = "token was refused";
  const std::string location_claim = "no access to this location";
  const std::string transient_claim = "usually briefly";
  std::vector<Row> rows = {
      {401, R"({"message":"Invalid JWT"})", token_claim, {location_claim}},
      {401, R"({"message":"Invalid token: access token is invalid"})", token_claim, {}},
      {401, R"({"message":"jwt expired"})", token_claim, {}},
      {401, R"({"message":"version header was not found."})", "not a token problem", {token_claim}},
      {401,
       R"({"message":"The token is not authorized for this scope."})",
       "lacks the scope",
       {token_claim}},
      {401,
       R"({"message":"This route is not yet supported by the IAM Service."})",
       "refreshing the token is unlikely to help",
       {token_claim, location_claim}},
      {401,
       R"({"message":"This location is not accessible from this token!"})",
       location_claim,
       {token_claim}},
      {401,
       R"({"message":"No conversation provider found for this message"})",
       "not a token problem",
       {token_claim, location_claim}},
      {403,
       R"({"message":"No conversation provider found for this message"})",
       "retry the status update with backoff",
       {token_claim, location_claim}},
      {403,
       R"({"message":"The token does not have access to this location."})",
       location_claim,
       {token_claim}},
      {403,
       R"({"message":"Feature disabled for this plan"})",
       "its message above says why",
       {token_claim, location_claim}},
      {501,
       R"({"statusCode":501,"message":"The sandbox does not emulate x","notEmulated":true,)"
       R"("emulatedInService":["POST /contacts/search"]})",
       "use what the sandbox emulates here: POST /contacts/search",
       {transient_claim, "GHL's side"}},
      {501, R"({"message":"Not Implemented"})", "it was not retried", {transient_claim}},
      {505, R"({"message":"HTTP Version Not Supported"})", "not transient", {transient_claim}},
      {500, R"({"message":"Internal server error"})", transient_claim, {token_claim}},
      {503, "", transient_claim, {token_claim}},
  };
  for (const auto& row : rows) {
    Error e = ErrorFromResponse(Answer(row.status, row.body, "GET", "/contacts/c1"));
    EXPECT_TRUE(Has(e.hint, row.must)) << row.status << " " << row.body << "\n" << e.hint;
    for (const auto& claim : row.never) {
      EXPECT_FALSE(Has(e.hint, claim)) << row.status << " " << row.body << "\n" << e.hint;
    }
  }
}

TEST(ErrorMappingTest, OnlyTransientServerStatusesAreRetryable) {
  for (int status : {429, 500, 502, 503, 504}) EXPECT_TRUE(IsRetryableStatus(status)) << status;
  for (int status : {400, 401, 403, 404, 409, 422, 501, 505, 507, 599}) {
    EXPECT_FALSE(IsRetryableStatus(status)) << status;
  }
}

TEST(ErrorMappingTest, RedirectNamesTheLocationAndIsNotFollowed) {
  ApiResponse r = Answer(302, "<html>Moved</html>", "GET", "/contacts/c1");
  r.headers.Add("Location", "https://login.example.com/signin");
  Error e = ErrorFromResponse(r);
  EXPECT_EQ(e.http_status, 302);
  ASSERT_FALSE(e.messages.empty());
  EXPECT_EQ(e.messages[0], "redirected to https://login.example.com/signin (not followed)");
  EXPECT_TRUE(Has(e.hint, "--base-url")) << e.hint;
  EXPECT_TRUE(Has(e.hint, "never follows a redirect")) << e.hint;

  Error bare = ErrorFromResponse(Answer(301, "", "GET", "/contacts/c1"));
  ASSERT_FALSE(bare.messages.empty());
  EXPECT_EQ(bare.messages[0], "redirect without a Location header");
}

TEST(ErrorMappingTest, RequiredFieldsText) {
  const catalog::Endpoint* e = catalog::FindById("contacts.search-contacts-advanced");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(RequiredFieldsText(*e), "body: locationId");
  EXPECT_TRUE(Has(ScopesText(*e), "contacts.readonly"));
}

}  // namespace
}  // namespace ghl::client
