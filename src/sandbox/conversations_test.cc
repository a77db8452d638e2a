// Conversations (Version 2021-04-15): send SMS (recipe 2.3), inbound (4.x), nested messages page.
#include "test_util.h"

namespace ghl::sandbox::testing {
namespace {

using ConversationsTest = SandboxFixture;

TEST_F(ConversationsTest, SendSmsCreatesTheConversationAndListsTheMessage) {
  std::string contact = FirstContact({{{"field", "phone"}, {"operator", "exists"}}})["id"];
  auto r = Call("POST", "/conversations/messages",
                {{"type", "SMS"}, {"contactId", contact}, {"message", "See you at 9:00!"}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto b = Body(r);
  std::string conv = b["conversationId"], msg = b["messageId"];
  EXPECT_EQ(b["msg"], "Message queued successfully.");

  auto page = Get("/conversations/" + conv + "/messages");
  ASSERT_TRUE(page["messages"].is_object());
  EXPECT_EQ(page["messages"]["lastMessageId"], msg);
  EXPECT_EQ(page["messages"]["nextPage"], false);
  ASSERT_EQ(page["messages"]["messages"].size(), 1u);
  auto m = page["messages"]["messages"][0];
  EXPECT_EQ(m["body"], "See you at 9:00!");
  EXPECT_EQ(m["direction"], "outbound");
  EXPECT_EQ(m["messageType"], "TYPE_SMS");
  EXPECT_EQ(m["contactId"], contact);

  auto found = Get("/conversations/search?locationId=" + Loc() + "&contactId=" + contact);
  ASSERT_EQ(found["conversations"].size(), 1u);
  EXPECT_EQ(found["conversations"][0]["id"], conv);
  EXPECT_EQ(found["conversations"][0]["lastMessageBody"], "See you at 9:00!");
}

TEST_F(ConversationsTest, SendValidatesAndChecksTheContact) {
  auto r = Call("POST", "/conversations/messages", {{"type", "Fax"}, {"contactId", "x"}});
  EXPECT_EQ(r.status, 422);
  r = Call("POST", "/conversations/messages", {{"type", "SMS"}, {"message", "hi"}});
  EXPECT_EQ(r.status, 422);
  r = Call("POST", "/conversations/messages",
           {{"type", "SMS"}, {"contactId", "nope"}, {"message", "hi"}});
  EXPECT_EQ(r.status, 404);
  std::string no_phone = FirstContact({{{"field", "phone"}, {"operator", "not_exists"}}})["id"];
  r = Call("POST", "/conversations/messages",
           {{"type", "SMS"}, {"contactId", no_phone}, {"message", "hi"}});
  EXPECT_EQ(r.status, 400);
}

TEST_F(ConversationsTest, CreateConversationThenLogInbound) {
  std::string contact = Body(Call(
      "POST", "/contacts/",
      {{"locationId", Loc()}, {"firstName", "In"}, {"phone", "+15550009999"}}))["contact"]["id"];
  auto c = Call("POST", "/conversations/", {{"locationId", Loc()}, {"contactId", contact}});
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(Body(c)["success"], true);
  std::string conv = Body(c)["conversation"]["id"];
  auto dup = Call("POST", "/conversations/", {{"locationId", Loc()}, {"contactId", contact}});
  EXPECT_EQ(dup.status, 400);
  EXPECT_EQ(Body(dup)["message"],
            "Conversation with the contact id:" + contact + " already exists!");
  EXPECT_FALSE(Body(dup).contains("conversationId"));  // GHL does not name it

  auto in = Call("POST", "/conversations/messages/inbound",
                 {{"type", "SMS"},
                  {"conversationId", conv},
                  {"contactId", contact},
                  {"direction", "inbound"},
                  {"message", "Can I book for Tuesday?"}});
  ASSERT_EQ(in.status, 200) << in.body;
  EXPECT_EQ(Body(in)["success"], true);
  auto page = Get("/conversations/" + conv + "/messages");
  EXPECT_EQ(page["messages"]["messages"][0]["direction"], "inbound");
  EXPECT_EQ(Get("/conversations/" + conv)["unreadCount"], 1);
}

TEST_F(ConversationsTest, MessagesPageWithLastMessageId) {
  std::string contact = FirstContact({{{"field", "phone"}, {"operator", "exists"}}})["id"];
  std::string conv;
  for (int i = 0; i < 5; ++i) {
    auto r = Call("POST", "/conversations/messages",
                  {{"type", "SMS"}, {"contactId", contact}, {"message", "m" + std::to_string(i)}});
    conv = Body(r)["conversationId"];
  }
  auto p1 = Get("/conversations/" + conv + "/messages?limit=2");
  ASSERT_EQ(p1["messages"]["messages"].size(), 2u);
  EXPECT_EQ(p1["messages"]["messages"][0]["body"], "m4");
  EXPECT_EQ(p1["messages"]["nextPage"], true);
  std::string last = p1["messages"]["lastMessageId"];
  auto p2 = Get("/conversations/" + conv + "/messages?limit=2&lastMessageId=" + last);
  EXPECT_EQ(p2["messages"]["messages"][0]["body"], "m2");
  auto p3 = Get("/conversations/" + conv + "/messages?limit=2&lastMessageId=" +
                p2["messages"]["lastMessageId"].get<std::string>());
  ASSERT_EQ(p3["messages"]["messages"].size(), 1u);
  EXPECT_EQ(p3["messages"]["nextPage"], false);
}

TEST_F(ConversationsTest, SeededConversationsHaveHistory) {
  auto all = Get("/conversations/search?locationId=" + Loc());
  EXPECT_EQ(all["total"], 3);
  std::string conv = all["conversations"][0]["id"];
  EXPECT_EQ(Get("/conversations/" + conv + "/messages")["messages"]["messages"].size(), 3u);
}

}  // namespace
}  // namespace ghl::sandbox::testing
