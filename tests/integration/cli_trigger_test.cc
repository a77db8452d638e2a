// `ghl trigger` against a real `ghl serve --sandbox --automations`: the signed test event is
// stored and routed, `ghl events tail` sees it finish, and `ghl events show` lists what the
// automations did with it. Real processes over 127.0.0.1, a real SQLite event store.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

std::string SourceDir() {
  const char* src = std::getenv("GHL_SOURCE_DIR");
  return src ? src : ".";
}

std::string After(const std::string& text, const std::string& key) {
  auto at = text.find(key);
  if (at == std::string::npos) return "";
  at += key.size();
  return text.substr(at, text.find_first_of(" \n", at) - at);
}

class TriggerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ghl_trigger_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    key_ = (dir_ / "trigger-key.pem").string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string key_;
};

TEST_F(TriggerTest, DryRunMakesAKeyAndPrintsASignedGhlShapedBody) {
  auto r = RunGhl({"trigger", "ContactCreate", "--key", key_, "--dry-run", "-f", "email=a@b.co",
                   "--location", "loc-1"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(key_));
  EXPECT_TRUE(fs::exists(dir_ / "trigger-key.pub.pem"));
  EXPECT_EQ(fs::status(key_).permissions() & fs::perms::others_read, fs::perms::none);
  EXPECT_NE(r.err.find("ghl serve --webhook-public-key '" +
                       (dir_ / "trigger-key.pub.pem").string() + "'"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("X-GHL-Signature: "), std::string::npos) << r.out;
  json body = json::parse(r.out.substr(r.out.find("\n\n") + 2));
  EXPECT_EQ(body["type"], "ContactCreate");
  EXPECT_EQ(body["email"], "a@b.co");
  EXPECT_EQ(body["locationId"], "loc-1");
  EXPECT_FALSE(body["webhookId"].get<std::string>().empty());

  auto bad = RunGhl({"trigger", "NoSuchEvent", "--key", key_, "--dry-run"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("ContactCreate"), std::string::npos) << bad.err;
}

TEST_F(TriggerTest, AnUntrustedKeyIsRefusedWithTheFix) {
  ServeProcess serve({}, dir_.string());
  auto r = RunGhl(
      {"trigger", "ContactCreate", "--key", key_, "--url", serve.base_url() + "/webhooks/ghl"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("HTTP 401"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--webhook-public-key"), std::string::npos) << r.err;
}

TEST_F(TriggerTest, TriggeredEventIsStoredRoutedTailedAndItsEffectsShown) {
  // Make the key, then start the receiver trusting it.
  ASSERT_EQ(RunGhl({"trigger", "InboundMessage", "--key", key_, "--dry-run"}).exit_code, 0);
  fs::path serve_dir = dir_ / "serve";
  fs::create_directories(serve_dir);
  ServeProcess serve(
      {"--sandbox", "--automations", SourceDir() + "/tests/data/automations/demo.toml",
       "--webhook-public-key", (dir_ / "trigger-key.pub.pem").string()},
      serve_dir.string());
  std::string out = serve.Stdout();
  std::map<std::string, std::string> env = {{"GHL_BASE_URL", After(out, "GHL_BASE_URL=")},
                                            {"GHL_TOKEN", After(out, "GHL_TOKEN=")},
                                            {"GHL_LOCATION_ID", After(out, "GHL_LOCATION_ID=")}};
  ASSERT_FALSE(env["GHL_TOKEN"].empty()) << out;
  auto contact = RunGhl({"api", "POST", "/contacts/", "-f", "firstName=Tess", "-f",
                         "phone=+15550102030", "-f", "email=tess@example.com"},
                        env);
  ASSERT_EQ(contact.exit_code, 0) << contact.err;
  std::string contact_id = json::parse(contact.out)["contact"]["id"];
  std::string db = (serve_dir / "ghl-events.db").string();

  // Follow InboundMessage events (the sandbox sends none of its own here) while triggering.
  CliResult tail;
  std::thread follower([&] {
    tail = RunGhl({"events", "tail", "--events-db", db, "--from", "0", "--type", "InboundMessage",
                   "--max-events", "1", "--interval", "100"});
  });
  auto sent = RunGhl(
      {"trigger", "InboundMessage", "--key", key_, "--url", serve.base_url() + "/webhooks/ghl",
       "-f", "contactId=" + contact_id, "-f", "body=Do you have any pricing info?"},
      {{"GHL_LOCATION_ID", env["GHL_LOCATION_ID"]}});
  follower.join();
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  EXPECT_NE(sent.out.find("(routed)"), std::string::npos) << sent.out;
  std::string id = After(sent.out, "stored as event ");
  ASSERT_FALSE(id.empty()) << sent.out;

  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_NE(tail.out.find(id), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("InboundMessage"), std::string::npos) << tail.out;
  EXPECT_NE(tail.out.find("done"), std::string::npos) << tail.out;

  auto shown = RunGhl({"events", "show", id, "--events-db", db});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("automations (what they did with this event"), std::string::npos)
      << shown.out;
  EXPECT_NE(shown.out.find("message_classification"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("outcome: done"), std::string::npos) << shown.out;
  auto as_json = json::parse(RunGhl({"events", "show", id, "--events-db", db, "--json"}).out);
  ASSERT_FALSE(as_json["actions"].empty());
  EXPECT_EQ(as_json["actions"].back()["text"], "outcome: done");
}

// The bash completion script loads in bash and completes methods, paths and subcommands.
TEST(CompletionTest, BashCompletesApiPathsAndSubcommands) {
  auto script = RunGhl({"completion", "bash"});
  ASSERT_EQ(script.exit_code, 0) << script.err;
  fs::path file = fs::temp_directory_path() / ("ghl_completion_" + std::to_string(::getpid()));
  { std::ofstream(file) << script.out; }
  auto complete = [&](const std::string& line) {
    // COMP_WORDS from the line; a trailing space means completing an empty word.
    std::string cmd = "bash --noprofile --norc -c 'source " + file.string() +
                      "; read -ra COMP_WORDS <<< \"" + line + "\"; " +
                      (line.back() == ' ' ? "COMP_WORDS+=(\"\"); " : "") +
                      "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _ghl; printf \"%s\\n\" "
                      "\"${COMPREPLY[@]}\"' 2>&1";
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    char buf[4096];
    size_t n;
    while (p && (n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (p) ::pclose(p);
    return out;
  };
  std::string paths = complete("ghl api POST /contacts/s");
  EXPECT_NE(paths.find("/contacts/search\n"), std::string::npos) << paths;
  EXPECT_EQ(paths.find("/contacts/search/duplicate"), std::string::npos) << "GET only: " << paths;
  EXPECT_EQ(paths.find("/calendars"), std::string::npos) << paths;
  EXPECT_NE(complete("ghl api P").find("POST\nPUT\nPATCH"), std::string::npos);
  EXPECT_NE(complete("ghl ev").find("events"), std::string::npos);
  EXPECT_NE(complete("ghl events t").find("tail"), std::string::npos);
  EXPECT_NE(complete("ghl trigger ContactC").find("ContactCreate"), std::string::npos);
  EXPECT_NE(complete("ghl api --").find("--paginate"), std::string::npos);
  std::string after_flag = complete("ghl api -f x=1 GET /contacts/sea");
  EXPECT_NE(after_flag.find("/contacts/search/duplicate"), std::string::npos) << after_flag;
  auto zsh = RunGhl({"completion", "zsh"});
  EXPECT_EQ(zsh.exit_code, 0);
  EXPECT_NE(zsh.out.find("bashcompinit"), std::string::npos);
  fs::remove(file);
}

}  // namespace
}  // namespace ghl::testing
