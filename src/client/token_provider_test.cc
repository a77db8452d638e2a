// The 401 classification table, and the Connection's use of a TokenProvider: one renewal and
// one replay only when GHL says the token itself is bad.
#include "ghl/client/token_provider.h"

#include <gtest/gtest.h>

#include <mutex>

#include "ghl/client/client.h"
#include "ghl/client/testing.h"

namespace ghl::client {
namespace {

using testing::FakeTime;
using testing::FakeTransport;

struct Row {
  int status;
  const char* body;
  AuthFailure want;
};

// What GHL (and the sandbox) answer, and what each means for the token.
TEST(AuthFailureTest, ClassificationTable) {
  const Row rows[] = {
      {401, R"({"statusCode":401,"message":"Invalid JWT"})", AuthFailure::kTokenInvalid},
      {401, R"({"statusCode":401,"message":"jwt expired"})", AuthFailure::kTokenInvalid},
      {401, R"({"statusCode":401,"message":"Invalid token: access token is invalid"})",
       AuthFailure::kTokenInvalid},
      {401, R"({"message":"Access token is invalid or has been revoked"})",
       AuthFailure::kTokenInvalid},
      {401, R"({"statusCode":401,"message":"version header was not found."})",
       AuthFailure::kVersionHeader},
      {401, R"({"statusCode":401,"message":"version header is invalid"})",
       AuthFailure::kVersionHeader},
      {401, R"({"statusCode":401,"message":"The token is not authorized for this scope."})",
       AuthFailure::kMissingScope},
      {401, R"({"statusCode":401,"message":"Token's user type mismatch!"})",
       AuthFailure::kUserTypeMismatch},
      {401, R"({"statusCode":401,"message":"This route is not yet supported by the IAM Service."})",
       AuthFailure::kIamRoute},
      {401, R"({"statusCode":401,"message":"No conversation provider found for this message"})",
       AuthFailure::kProviderNotReady},
      {403, R"({"statusCode":403,"message":"No conversation provider found for this message"})",
       AuthFailure::kProviderNotReady},
      {403, R"({"statusCode":403,"message":"The token does not have access to this location."})",
       AuthFailure::kLocationAccess},
      {403, R"({"statusCode":403,"message":"Invalid JWT"})", AuthFailure::kOther},
      {401, R"({"statusCode":401,"message":"Unauthorized"})", AuthFailure::kOther},
      {401, "", AuthFailure::kOther},
      {400, R"({"message":"Invalid JWT"})", AuthFailure::kNone},
      {200, "{}", AuthFailure::kNone},
  };
  for (const Row& row : rows) {
    EXPECT_EQ(ToString(ClassifyAuthFailure(row.status, row.body)), ToString(row.want))
        << row.status << " " << row.body;
  }
}

// A provider that hands out "tok-<n>" and counts its calls.
class CountingProvider : public TokenProvider {
 public:
  Result<std::string> AccessToken(std::string_view location_id) override {
    std::lock_guard lock(mu_);
    locations.emplace_back(location_id);
    return "tok-" + std::to_string(generation);
  }
  Result<std::string> RenewAfterRejection(std::string_view, std::string_view rejected) override {
    std::lock_guard lock(mu_);
    rejected_tokens.emplace_back(rejected);
    ++generation;
    return "tok-" + std::to_string(generation);
  }
  std::vector<std::string> locations;
  std::vector<std::string> rejected_tokens;
  int generation = 1;

 private:
  std::mutex mu_;
};

struct Fixture {
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<CountingProvider> provider = std::make_shared<CountingProvider>();
  FakeTime time;
  ClientOptions options;
  Fixture() {
    options.base_url = "http://ghl.test";
    options.token_provider = provider;
    options.transport = transport;
    options.warning_sink = [](std::string_view) {};
    time.Install(options);
  }
  Result<ApiResponse> Get(std::string location = "loc-1") {
    ApiRequest r;
    r.method = "GET";
    r.path = "/contacts/c1";
    r.location_id = std::move(location);
    return Client(options).Execute(r);
  }
};

TEST(TokenProviderTest, CallGetsItsLocationsToken) {
  Fixture f;
  f.transport->PushResponse(200, R"({"contact":{}})");
  auto r = f.Get("loc-7");
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_EQ(f.provider->locations, std::vector<std::string>{"loc-7"});
  ASSERT_EQ(f.transport->request_count(), 1u);
  EXPECT_EQ(f.transport->requests()[0].headers.Get("Authorization").value_or(""), "Bearer tok-1");
}

TEST(TokenProviderTest, ExpiredJwtRenewsOnceAndReplaysOnce) {
  Fixture f;
  f.transport->PushResponse(401, R"({"statusCode":401,"message":"Invalid JWT"})");
  f.transport->PushResponse(200, R"({"contact":{}})");
  auto r = f.Get();
  ASSERT_TRUE(r.ok()) << r.error().Describe();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(f.provider->rejected_tokens, std::vector<std::string>{"tok-1"});
  ASSERT_EQ(f.transport->request_count(), 2u);
  EXPECT_EQ(f.transport->requests()[1].headers.Get("Authorization").value_or(""), "Bearer tok-2");
}

TEST(TokenProviderTest, SecondTokenRejectionIsReturnedNotRenewedAgain) {
  Fixture f;
  f.transport->PushResponse(401, R"({"message":"Invalid JWT"})");
  f.transport->PushResponse(401, R"({"message":"Invalid JWT"})");
  auto r = f.Get();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->status, 401);
  EXPECT_EQ(f.provider->rejected_tokens.size(), 1u);
  EXPECT_EQ(f.transport->request_count(), 2u);
}

TEST(TokenProviderTest, NonTokenRefusalsNeverRenew) {
  for (auto [status, body] : std::vector<std::pair<int, std::string>>{
           {401, R"({"message":"version header was not found."})"},
           {401, R"({"message":"The token is not authorized for this scope."})"},
           {401, R"({"message":"This route is not yet supported by the IAM Service."})"},
           {401, R"({"message":"Token's user type mismatch!"})"},
           {403, R"({"message":"No conversation provider found for this message"})"},
           {403, R"({"message":"The token does not have access to this location."})"}}) {
    Fixture f;
    f.transport->PushResponse(status, body);
    auto r = f.Get();
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->status, status) << body;
    EXPECT_TRUE(f.provider->rejected_tokens.empty()) << body;
    EXPECT_EQ(f.transport->request_count(), 1u) << body;
  }
}

TEST(TokenProviderTest, AFixedTokenWinsOverTheProvider) {
  Fixture f;
  f.options.token = "fixed";
  f.transport->PushResponse(401, R"({"message":"Invalid JWT"})");
  auto r = f.Get();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(f.provider->locations.empty());
  EXPECT_EQ(f.transport->request_count(), 1u);
}

}  // namespace
}  // namespace ghl::client
