#include "body_encoding.h"

#include <gtest/gtest.h>

namespace ghl::client {
namespace {

TEST(BodyEncodingTest, JsonOperationsSendTheBodyAsIs) {
  auto e = EncodeBody("application/json", R"({"a":1})", {}, "B");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->content_type, "application/json");
  EXPECT_EQ(e->body, R"({"a":1})");
  auto none = EncodeBody("", "", {}, "B");
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->content_type, "");
}

TEST(BodyEncodingTest, FormOperationsGetFormFieldsFromTheJsonObject) {
  auto e = EncodeBody(kFormMediaType,
                      R"({"client_id":"app 1","client_secret":"s&=","grant_type":"refresh_token",)"
                      R"("n":5,"skip":null,"scope":["a","b"]})",
                      {}, "B");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(e->body,
            "client_id=app%201&client_secret=s%26%3D&grant_type=refresh_token&n=5&scope=a&scope=b");
  // Already form-encoded text is sent as given.
  auto raw = EncodeBody(kFormMediaType, "grant_type=x", {}, "B");
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(raw->body, "grant_type=x");
}

TEST(BodyEncodingTest, MultipartHasTextPartsAndFiles) {
  std::vector<FilePart> files{{"file", "a\"b.png", "image/png", std::string("\x89PNG\0\r\n", 7)}};
  auto e = EncodeBody(kMultipartMediaType, R"({"name":"logo","hosted":false})", files, "XyZ");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->content_type, "multipart/form-data; boundary=XyZ");
  EXPECT_EQ(e->body, std::string("--XyZ\r\nContent-Disposition: form-data; name=\"hosted\"\r\n\r\n"
                                 "false\r\n"
                                 "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\n"
                                 "logo\r\n"
                                 "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; "
                                 "filename=\"a_b.png\"\r\nContent-Type: image/png\r\n\r\n") +
                         std::string("\x89PNG\0\r\n", 7) + "\r\n--XyZ--\r\n");
}

TEST(BodyEncodingTest, FilesForANonUploadOperationAndTooDeepBodiesAreUsageErrors) {
  auto e = EncodeBody("application/json", "{}", {{"file", "a.txt", "", "x"}}, "B");
  ASSERT_FALSE(e.ok());
  EXPECT_EQ(e.error().kind, ErrorKind::kUsage);
  std::string deep(100000, '[');
  auto d = EncodeBody("application/json", deep, {}, "B");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().messages[0],
            "the request body is nested deeper than 64 levels at "
            "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]"
            "[0][0][0][0][0][0]…(12 more levels)…[0][0][0][0][0][0][0][0]"
            "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]");
  EXPECT_NE(NewMultipartBoundary(), NewMultipartBoundary());
}

}  // namespace
}  // namespace ghl::client
