/// \file
/// Conversations and messages (spec: shared/ghl-openapi/apps/conversations.json, Version
/// 2021-04-15). GHL's quirk: the messages list nests its page, {"messages":{"lastMessageId",
/// "nextPage","messages":[…]}}; `ListMessages` unwraps it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// GET /conversations/search filters (empty = not filtered).
struct ConversationSearch {
  std::string contact_id;
  std::string query;
  std::string status;  ///< "all", "read", "unread", "starred".
  int limit = 20;      ///< 1..100.
  std::string sort;    ///< "asc" or "desc" by last message date; empty = GHL's default (desc).
  /// Only conversations whose lastMessageDate (epoch ms) is after this one (before it when
  /// sorting desc): GHL's `startAfterDate` cursor. 0 = from the start.
  int64_t start_after_date = 0;
};

/// {"conversations":[…],"total":N}.
Result<nlohmann::json> SearchConversations(const Context& ctx, const ConversationSearch& search);

/// The id of the contact's conversation, or "" when it has none.
Result<std::string> ConversationOf(const Context& ctx, const std::string& contact_id);

/// One page of messages, newest first.
struct MessagePage {
  nlohmann::json messages = nlohmann::json::array();
  std::string last_message_id;  ///< Cursor for the next page ("" at the end).
  bool next_page = false;
};

/// GET /conversations/{id}/messages?limit[&lastMessageId]. kUsage error for limit outside 1..100.
Result<MessagePage> ListMessages(const Context& ctx, const std::string& conversation_id,
                                 int limit = 20, const std::string& last_message_id = {});

/// A message to send.
struct MessageWrite {
  std::string type = "SMS";  ///< "SMS", "Email" or "WhatsApp".
  std::string contact_id;
  std::string message;  ///< Text (SMS, WhatsApp; Email plain text).
  std::string subject;  ///< Email.
  std::string html;     ///< Email.
};

/// POST /conversations/messages → {"messageId","conversationId",…}. kUsage error for an unknown
/// type, no contact, no text, or an Email without subject.
Result<nlohmann::json> SendMessage(const Context& ctx, const MessageWrite& write);

}  // namespace ghl::ops
