// Crash test of the provider bridge (issue 10 item 3): while 4 threads send SMS through the
// sandbox (each a conversation-provider message, handed to `ghl serve --carrier telnyx` twice)
// and handsets send replies, the test SIGKILLs `ghl serve` three times at random moments and
// restarts it on the same port, queue and journal. The carrier simulator answers each send
// 80 ms after taking the message (the window where a kill leaves a message sent but not
// journaled), sends each webhook twice and retries while serve is down; the sandbox retries
// hand-offs (network errors) the same way.
//
// At the end every message must have reached the carrier exactly once (one simulator message
// per GHL messageId: a re-send after a kill carries the same Idempotency-Key and is answered
// from the simulator's record, counted as a replay) and its status must be `delivered` in the
// sandbox (reported through the 403 window), and every reply must be logged once. Prints:
// messages, hand-offs POSTed, carrier send requests, distinct carrier messages, idempotent
// replays, replies logged, kills, seconds to settle.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <mutex>
#include <random>
#include <set>

#include "carrier_rig.h"

namespace ghl::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kMessages = 80;
constexpr int kKills = 3;
constexpr int kReplies = 20;

TEST(CarrierCrashTest, EachMessageReachesTheCarrierOnceAndItsStatusIsReported) {
  // A slow carrier answer (80 ms after it took the message) widens the window a kill must
  // survive: the carrier has the message, the journal does not say `sent` yet.
  CarrierRig rig(/*status_delay_ms=*/800, {"--answer-delay-ms", "80"});
  std::vector<std::string> contacts;
  for (const auto& c : rig.ContactsWithPhone(20)) contacts.push_back(c["id"]);
  ASSERT_GE(contacts.size(), 5u);

  std::mutex mu;
  std::map<std::string, std::string> conversation_of;  // GHL messageId → conversationId
  std::map<std::string, std::string> contact_conversation;
  std::atomic<int> next{0};
  std::atomic<int> send_errors{0};
  auto sender = [&] {
    auto c = rig.Client();
    for (int i = next++; i < kMessages; i = next++) {
      json body = {{"type", "SMS"},
                   {"contactId", contacts[static_cast<size_t>(i) % contacts.size()]},
                   {"message", "crash test message " + std::to_string(i)}};
      auto r = c.Call({.method = "POST", .path = "/conversations/messages", .body = body.dump()});
      if (!r.ok()) {
        ++send_errors;
        continue;
      }
      std::lock_guard lock(mu);
      conversation_of[(*r)["messageId"]] = (*r)["conversationId"];
      contact_conversation[body["contactId"]] = (*r)["conversationId"];
      std::this_thread::sleep_for(40ms);
    }
  };
  auto started = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(sender);
  json phones = rig.ContactsWithPhone(20);
  threads.emplace_back([&] {  // handsets replying while serve is killed
    for (int i = 0; i < kReplies; ++i) {
      const json& c = phones[static_cast<size_t>(i) % phones.size()];
      HttpJson("POST", rig.sim_url() + "/sim/inbound",
               json{{"from", c["phone"]}, {"text", "reply " + std::to_string(i)}}.dump());
      std::this_thread::sleep_for(60ms);
    }
  });

  std::mt19937 rng(std::random_device{}());
  for (int k = 0; k < kKills; ++k) {
    std::this_thread::sleep_for(std::chrono::milliseconds(250 + rng() % 400));
    ASSERT_EQ(kill(rig.serve().pid(), SIGKILL), 0);
    rig.serve_ptr().reset();
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    rig.StartServe();
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(send_errors.load(), 0);
  ASSERT_EQ(conversation_of.size(), static_cast<size_t>(kMessages));

  // Settle: every message delivered in the sandbox.
  auto undelivered = [&] {
    std::set<std::string> delivered;
    std::set<std::string> conversations;
    for (const auto& [id, conv] : conversation_of) conversations.insert(conv);
    for (const auto& conv : conversations) {
      for (const auto& m : rig.Messages(conv)) {
        if (m.value("status", "") == "delivered") delivered.insert(m["id"]);
      }
    }
    int n = 0;
    for (const auto& [id, conv] : conversation_of) n += delivered.count(id) == 0;
    return n;
  };
  int left = kMessages;
  WaitFor([&] { return (left = undelivered()) == 0; }, 90s);
  double settle_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(left, 0) << "messages not delivered; serve stderr:\n" << rig.serve().Stderr();

  // Every reply logged once, inbound, in its contact's conversation.
  auto reply_counts = [&] {
    std::map<std::string, int> counts;
    std::set<std::string> conversations;
    for (const auto& [contact, conv] : contact_conversation) conversations.insert(conv);
    for (const auto& conv : conversations) {
      for (const auto& m : rig.Messages(conv)) {
        std::string body = m.value("body", "");
        if (body.rfind("reply ", 0) == 0 && m["direction"] == "inbound") ++counts[body];
      }
    }
    return counts;
  };
  WaitFor([&] { return reply_counts().size() == static_cast<size_t>(kReplies); }, 60s);
  std::this_thread::sleep_for(1s);  // late duplicates would land now
  auto replies = reply_counts();
  int replies_once = 0;
  for (const auto& [body, n] : replies) {
    EXPECT_EQ(n, 1) << body;
    replies_once += n == 1;
  }
  EXPECT_EQ(replies.size(), static_cast<size_t>(kReplies)) << rig.serve().Stderr();

  json sim = rig.SimMessages();
  std::map<std::string, int> per_message;
  for (const auto& m : sim["messages"]) {
    for (const auto& t : m["tags"]) {
      std::string tag = t;
      if (tag.rfind("ghl:", 0) == 0) ++per_message[tag.substr(4)];
    }
  }
  int once = 0, twice_or_more = 0, missing = 0;
  for (const auto& [id, conv] : conversation_of) {
    int n = per_message.count(id) ? per_message[id] : 0;
    once += n == 1;
    twice_or_more += n > 1;
    missing += n == 0;
  }
  EXPECT_EQ(once, kMessages);
  EXPECT_EQ(twice_or_more, 0);
  EXPECT_EQ(missing, 0);
  std::printf(
      "carrier crash test: %d messages, %d hand-offs POSTed (2 per message), %d carrier send "
      "requests, %zu distinct carrier messages, %d idempotent replays, %d sent once, %d sent "
      "twice+, %d delivered, %d/%d replies logged once, %d kills, settled in %.1f s, slowest "
      "carrier webhook answer %d ms\n",
      kMessages, 2 * kMessages, sim["sendRequests"].get<int>(), sim["messages"].size(),
      sim["replays"].get<int>(), once, twice_or_more, kMessages - left, replies_once, kReplies,
      kKills, settle_s, sim["slowestWebhookAnswerMs"].get<int>());
}

}  // namespace
}  // namespace ghl::testing
