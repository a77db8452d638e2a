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

// Break-it finding 3: a dry run of the OAuth token exchange printed the app's secret, the
// refresh token and the authorization code in clear.
TEST(CurlFormatTest, MasksSecretFieldsInFormJsonQueryAndHeaders) {
  http::Request form;
  form.method = "POST";
  form.target = "https://services.leadconnectorhq.com/oauth/token";
  form.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  form.body = "client_id=app1&client_secret=s3cr3t-app&code=auth-c0de&refresh_token=rt-123";
  std::string cmd = FormatCurlCommand(form);
  for (const char* secret : {"s3cr3t-app", "auth-c0de", "rt-123"}) {
    EXPECT_EQ(cmd.find(secret), std::string::npos) << secret << "\n" << cmd;
  }
  EXPECT_NE(cmd.find("client_id=app1&client_secret=***&code=***&refresh_token=***"),
            std::string::npos)
      << cmd;

  http::Request json;
  json.method = "POST";
  json.target = "http://127.0.0.1:1/users/?apiKey=k-1&name=a";
  json.headers.Set("Content-Type", "application/json");
  json.headers.Set("X-Auth-Token", "h-1");
  json.headers.Set("Proxy-Authorization", "Basic p-1");
  json.body = R"({"user":{"password":"pw-1","name":"A"},"code":"not-oauth"})";
  cmd = FormatCurlCommand(json);
  for (const char* secret : {"k-1", "h-1", "p-1", "pw-1"}) {
    EXPECT_EQ(cmd.find(secret), std::string::npos) << secret << "\n" << cmd;
  }
  EXPECT_NE(cmd.find("apiKey=***&name=a"), std::string::npos) << cmd;
  EXPECT_NE(cmd.find(R"({"user":{"password":"***","name":"A"},"code":"not-oauth"})"),
            std::string::npos)
      << "code is a secret on /oauth/ only; key order kept\n"
      << cmd;
  EXPECT_NE(cmd.find("-H 'Proxy-Authorization: Basic ***'"), std::string::npos) << cmd;
}

TEST(CurlFormatTest, SecretNamesAreMatchedWhateverTheirSpelling) {
  for (const char* name : {"client_secret", "clientSecret", "Client-Secret", "refresh_token",
                           "access_token", "password", "apiKey", "api_key", "X-Api-Key",
                           "webhookSecret", "privateKey", "Cookie", "Token-Id"}) {
    EXPECT_TRUE(IsSecretName(name)) << name;
  }
  for (const char* name : {"client_id", "name", "email", "locationId", "Version", "code"}) {
    EXPECT_FALSE(IsSecretName(name)) << name;
  }
  EXPECT_TRUE(IsSecretName("code", "/oauth/token"));
  EXPECT_TRUE(IsSecretName("code", "https://services.leadconnectorhq.com/oauth/token?x=1"));
}

// Break-it finding 4: a binary upload cut the printed command at the first NUL byte.
TEST(CurlFormatTest, MultipartIsShownAsFormPartsNeverAsFileBytes) {
  http::Request r;
  r.method = "POST";
  r.target = "http://127.0.0.1:1/medias/upload-file";
  r.headers.Set("Content-Type", "multipart/form-data; boundary=B0");
  r.body =
      "--B0\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nLogo\r\n"
      "--B0\r\nContent-Disposition: form-data; name=\"secret\"\r\n\r\nsh-1\r\n"
      "--B0\r\nContent-Disposition: form-data; name=\"file\"; filename=\"logo.png\"\r\n"
      "Content-Type: image/png\r\n\r\n" +
      std::string("\x89PNG\0\0data", 10) + "\r\n--B0--\r\n";
  std::string cmd = FormatCurlCommand(r);
  EXPECT_EQ(cmd,
            "curl -X POST 'http://127.0.0.1:1/medias/upload-file' \\\n"
            "  --form-string 'name=Logo' \\\n"
            "  --form-string 'secret=***' \\\n"
            "  -F 'file=@logo.png;type=image/png'");
  std::string shown = MaskedRequest(r).body;
  EXPECT_EQ(shown.find('\0'), std::string::npos);
  EXPECT_NE(shown.find("[10 bytes from logo.png]"), std::string::npos) << shown;
}

TEST(CurlFormatTest, BinaryBodyIsNotPrinted) {
  http::Request r;
  r.method = "PUT";
  r.target = "http://127.0.0.1:1/x";
  r.body = std::string("a\0b", 3);
  EXPECT_EQ(FormatCurlCommand(r),
            "curl -X PUT 'http://127.0.0.1:1/x' \\\n  --data-binary '[3 bytes of binary data]'");
}

}  // namespace
}  // namespace ghl::client
