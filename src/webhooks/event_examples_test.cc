// ghl trigger's test events: shapes with fresh values, field overrides, and the committed
// table against the official webhook examples (skips where shared/ is absent).
#include "ghl/webhooks/event_examples.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "ghl/webhooks/receiver.h"

namespace ghl::webhooks {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(EventExamplesTest, ContactCreateHasGhlsFieldsAndFreshValues) {
  TestEventOptions options;
  options.location_id = "loc-1";
  options.now = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  auto a = BuildTestEvent("ContactCreate", options);
  auto b = BuildTestEvent("ContactCreate", options);
  ASSERT_TRUE(a.ok()) << a.error().Describe();
  json one = json::parse(*a), two = json::parse(*b);
  EXPECT_EQ(one["type"], "ContactCreate");
  EXPECT_EQ(one["locationId"], "loc-1");
  EXPECT_EQ(one["dateAdded"], "2023-11-14T22:13:20.123Z");
  EXPECT_EQ(one["id"].get<std::string>().size(), 20u);
  EXPECT_NE(one["id"], two["id"]);                // fresh ids
  EXPECT_NE(one["webhookId"], two["webhookId"]);  // a new delivery each time
  EXPECT_NE(one["email"].get<std::string>().find("@example.com"), std::string::npos);
  for (const char* field : {"firstName", "lastName", "phone", "tags", "customFields"}) {
    EXPECT_TRUE(one.contains(field)) << field;
  }
}

TEST(EventExamplesTest, FieldsOverrideNestedAndRefuseBadNames) {
  TestEventOptions options;
  options.fields = {{"appointment.contactId", "c-42"}, {"locationId", "loc-9"}, {"extra", "x"}};
  auto body = BuildTestEvent("AppointmentCreate", options);
  ASSERT_TRUE(body.ok()) << body.error().Describe();
  json j = json::parse(*body);
  EXPECT_EQ(j["appointment"]["contactId"], "c-42");
  EXPECT_EQ(j["locationId"], "loc-9");
  EXPECT_EQ(j["extra"], "x");
  EXPECT_EQ(j["appointment"]["appointmentStatus"], "confirmed");

  options.fields = {{"type", "ContactDelete"}};
  EXPECT_EQ(BuildTestEvent("AppointmentCreate", options).error().kind, ErrorKind::kUsage);
  options.fields = {{"locationId.x", "1"}};
  auto bad = BuildTestEvent("AppointmentCreate", options);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().Describe().find("not an object"), std::string::npos);
  auto unknown = BuildTestEvent("NoSuchEvent", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.error().Describe().find("ContactCreate"), std::string::npos);
}

TEST(EventExamplesTest, EveryShapeBuildsAndIsARoutedType) {
  auto types = ExampleEventTypes();
  EXPECT_GE(types.size(), 50u);
  size_t routed = 0;
  for (std::string_view t : types) {
    auto body = BuildTestEvent(t, {});
    ASSERT_TRUE(body.ok()) << t;
    EXPECT_EQ(json::parse(*body)["type"], t);
    EXPECT_EQ(body->find("{{"), std::string::npos) << t << ": unfilled placeholder";
    routed += IsKnownEventType(t) ? 1 : 0;
  }
  EXPECT_TRUE(IsKnownEventType("ContactCreate"));
  EXPECT_GT(routed, types.size() / 2);
}

// The committed table equals what the generator makes from the examples now.
TEST(EventExamplesTest, GeneratedFileIsFresh) {
  std::string shared = Env("GHL_SHARED_DIR"), source = Env("GHL_SOURCE_DIR");
  if (shared.empty() || source.empty() ||
      !fs::is_directory(fs::path(shared) / "ghl-openapi" / "webhooks")) {
    GTEST_SKIP() << "needs GHL_SHARED_DIR (official webhook examples) and GHL_SOURCE_DIR";
  }
  if (std::system("python3 --version >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3";
  fs::path out = fs::temp_directory_path() / ("ghl_events_drift_" + std::to_string(::getpid()));
  std::string cmd = "python3 '" + source + "/tools/gen_webhook_examples.py' --shared '" + shared +
                    "' --out '" + out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string fresh = ReadFile(out);
  fs::remove(out);
  EXPECT_TRUE(fresh == ReadFile(fs::path(source) / "src/webhooks/event_examples_data.cc"))
      << "src/webhooks/event_examples_data.cc is stale: run `make webhook-examples`";
}

// Break-it finding 13: `ghl trigger -f body=$'\x9b'` ended in a raw nlohmann exception.
TEST(EventExamplesTest, NonUtf8FieldOrLocationIsAUsageErrorNamingIt) {
  TestEventOptions options;
  options.fields = {{"body", "ok \x9b"}};
  auto body = BuildTestEvent("InboundMessage", options);
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(body.error().kind, ErrorKind::kUsage);
  EXPECT_EQ(body.error().messages.at(0), "-f body=…: the value is not UTF-8 text (byte 4)");
  options.fields = {};
  options.location_id = "\xff";
  auto location = BuildTestEvent("InboundMessage", options);
  ASSERT_FALSE(location.ok());
  EXPECT_EQ(location.error().messages.at(0), "the location id is not UTF-8 text (byte 1)");
}

}  // namespace
}  // namespace ghl::webhooks
