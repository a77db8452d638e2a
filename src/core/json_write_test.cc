// The hot paths' JSON writer writes what nlohmann's dump (replace) writes, byte for byte.
#include "ghl/core/json_write.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

namespace ghl {
namespace {

using nlohmann::json;

std::string DumpReplace(const json& v) {
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string Written(const json& v) {
  std::string out = "prefix:";  // appends, never replaces
  AppendJson(out, v);
  return out;
}

TEST(McpJsonWrite, WritesWhatDumpWrites) {
  std::string controls;
  for (int c = 0; c < 0x20; ++c) controls.push_back(static_cast<char>(c));
  const json values[] = {
      nullptr,
      true,
      false,
      0,
      -1,
      42,
      INT64_MIN,
      INT64_MAX,
      UINT64_MAX,
      0.5,
      -1e300,
      3.0,
      1.0 / 3,
      std::nan(""),
      "",
      "plain",
      "quote \" backslash \\ slash / del \x7f",
      controls,
      "é ü 日本 😀 \xef\xbf\xbf",  // 2-, 3-, 4-byte sequences, U+FFFF
      "bad \xff byte",
      "overlong \xc0\xaf",
      "surrogate \xed\xa0\x80",
      "cut \xe6\x97",
      "above U+10FFFF \xf4\x90\x80\x80",
      json::array(),
      json::object(),
      json::binary({1, 2, 3}),
      {{"b", 1}, {"a", {1, "two", nullptr, {{"nested", "ok\n"}}}}, {"k\"ey", "v"}},
      json::parse(R"({"contact":{"customFields":[],"email":"probe@example.com","id":"x1",
                    "tags":["vip","a\tb"],"dnd":false,"score":12.25}})")};
  for (const auto& v : values) {
    EXPECT_EQ(Written(v), "prefix:" + DumpReplace(v)) << DumpReplace(v);
    if (v.is_string()) {
      std::string s = "prefix:";
      AppendJsonString(s, v.get<std::string>());
      EXPECT_EQ(s, "prefix:" + DumpReplace(v));
    }
  }
}

TEST(McpJsonWrite, InvalidUtf8IsReplacedNotPassedThrough) {
  std::string out;
  AppendJsonString(out,
                   "a\xff"
                   "b");
  EXPECT_EQ(out,
            "\"a\xef\xbf\xbd"
            "b\"");
  EXPECT_FALSE(json::parse(out, nullptr, false).is_discarded());
}

}  // namespace
}  // namespace ghl
