#include "ghl/client/curl_format.h"

#include <gtest/gtest.h>

namespace ghl::client {
namespace {

TEST(CurlFormatTest, MasksTheTokenAndQuotesForTheShell) {
  http::Request r;
  r.method = "POST";
  r.target = "https://services.leadconnectorhq.com/contacts/search";
  r.headers.Set("Authorization", "Bearer pit-very-secret");
  r.headers.Set("Version", "2021-07-28");
  r.body = R"({"query":"O'Brien"})";
  std::string cmd = FormatCurlCommand(r);
  EXPECT_EQ(cmd.find("pit-very-secret"), std::string::npos) << cmd;
  EXPECT_EQ(cmd,
            "curl -X POST 'https://services.leadconnectorhq.com/contacts/search' \\\n"
            "  -H \"Authorization: Bearer $GHL_TOKEN\" \\\n"
            "  -H 'Version: 2021-07-28' \\\n"
            "  --data-raw '{\"query\":\"O'\\''Brien\"}'");
}

TEST(CurlFormatTest, GetWithoutBodyHasNoDashX) {
  http::Request r;
  r.method = "GET";
  r.target = "http://127.0.0.1:1/contacts/c1";
  EXPECT_EQ(FormatCurlCommand(r), "curl 'http://127.0.0.1:1/contacts/c1'");
}

TEST(CurlFormatTest, StatusAndHeadersAreRedacted) {
  http::Headers h;
  h.Add("Content-Type", "application/json");
  h.Add("Set-Cookie", "session=abc");
  h.Add("authorization", "Bearer x");
  EXPECT_EQ(FormatStatusAndHeaders(422, h),
            "HTTP/1.1 422 Unprocessable Entity\nContent-Type: application/json\n"
            "Set-Cookie: ***\nauthorization: Bearer ***\n");
}

}  // namespace
}  // namespace ghl::client
