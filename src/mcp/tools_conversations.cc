// Toolset "conversations": search, messages (GHL's nested page unwrapped), send SMS/Email.
#include "ghl/ops/conversations.h"
#include "tools.h"

namespace ghl::mcp {

void AddConversationTools(std::vector<ToolDef>& out) {
  out.push_back(
      {.name = "search_conversations",
       .toolset = "conversations",
       .title = "Search conversations",
       .description = "Conversations, latest message first, by contact, text or read status.",
       .input_schema =
           Object({{"contactId", Str("Contact id.")},
                   {"query", Str("Free text.")},
                   {"status", Enum("Read status.", {"all", "read", "unread", "starred"})},
                   {"limit", Int("How many (default 20).", 1, 100)}}),
       .output_schema =
           Output({{"conversations", {{"type", "array"}}}, {"total", {{"type", "integer"}}}},
                  {"conversations"}),
       .owned = {{"contactId", Owned::kContact}},
       .run = [](const ToolCall& c) -> Result<json> {
         return ops::SearchConversations(c.ctx,
                                         {.contact_id = ArgStr(c.args, "contactId"),
                                          .query = ArgStr(c.args, "query"),
                                          .status = ArgStr(c.args, "status"),
                                          .limit = static_cast<int>(ArgInt(c.args, "limit", 20))});
       }});
  out.push_back(
      {.name = "get_messages",
       .toolset = "conversations",
       .title = "Get conversation messages",
       .description = "Messages of a conversation, newest first (direction, body, type, date). "
                      "Page with lastMessageId.",
       .input_schema = Object({{"conversationId", Str("Conversation id.")},
                               {"limit", Int("How many (default 20).", 1, 100)},
                               {"lastMessageId", Str("lastMessageId of the previous page.")}},
                              {"conversationId"}),
       .output_schema = Output({{"messages", {{"type", "array"}}},
                                {"nextPage", {{"type", "boolean"}}},
                                {"lastMessageId", {{"type", "string"}}}},
                               {"messages", "nextPage"}),
       .owned = {{"conversationId", Owned::kConversation}},
       .run = [](const ToolCall& c) -> Result<json> {
         auto r = ops::ListMessages(c.ctx, ArgStr(c.args, "conversationId"),
                                    static_cast<int>(ArgInt(c.args, "limit", 20)),
                                    ArgStr(c.args, "lastMessageId"));
         if (!r.ok()) return r.error();
         return Members("messages", std::move(r->messages), "nextPage", r->next_page,
                        "lastMessageId", r->last_message_id);
       }});
  out.push_back(
      {.name = "send_message",
       .toolset = "conversations",
       .title = "Send SMS or Email",
       .description = "Sends an SMS, WhatsApp or Email to a contact from the location. Real "
                      "messages reach real people: confirm the text with the user first.",
       .input_schema = Object({{"type", Enum("Channel.", {"SMS", "Email", "WhatsApp"})},
                               {"contactId", Str("Contact id.")},
                               {"message", Str("Text.")},
                               {"subject", Str("Email subject.")},
                               {"html", Str("Email HTML body.")}},
                              {"type", "contactId"}),
       .output_schema = Output(
           {{"messageId", {{"type", "string"}}}, {"conversationId", {{"type", "string"}}}}, {}),
       .read_only = false,
       .idempotent = false,
       .owned = {{"contactId", Owned::kContact}},
       .run = [](const ToolCall& c) -> Result<json> {
         return ops::SendMessage(c.ctx, {.type = ArgStr(c.args, "type"),
                                         .contact_id = ArgStr(c.args, "contactId"),
                                         .message = ArgStr(c.args, "message"),
                                         .subject = ArgStr(c.args, "subject"),
                                         .html = ArgStr(c.args, "html")});
       }});
}

}  // namespace ghl::mcp
