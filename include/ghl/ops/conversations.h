/// \file
/// Conversations and messages (spec: shared/ghl-openapi/apps/conversations.json, Version
/// 2021-04-15). GHL's quirk: the messages list nests its page, {"messages":{"lastMessageId",
/// "nextPage","messages":[…]}}; `ListMessages` unwraps it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

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

/// A conversation provider's report on one message (PUT /conversations/messages/{id}/status).
struct MessageStatusUpdate {
  std::string status;  ///< "delivered", "failed", "pending" or "read" (GHL's enum).
  /// For "failed": GHL's ErrorDto {code, type, message}; all three are sent when `error_code`
  /// is set (empty type → "carrier").
  std::string error_code;
  std::string error_type;
  std::string error_message;
};

/// PUT /conversations/messages/{messageId}/status. Only the app that owns the provider may call
/// it. GHL answers 403 "No conversation provider found for this message" for seconds after the
/// hand-off (`IsProviderNotReady`): the caller retries with backoff and never treats that as a
/// token problem. kUsage error for an empty id or a status outside GHL's enum.
Result<nlohmann::json> UpdateMessageStatus(const Context& ctx, const std::string& message_id,
                                           const MessageStatusUpdate& update);

/// True for GHL's "not downstreamed yet" answer to a status update: HTTP 403 (401 before June
/// 2025) with "No conversation provider found for this message" (highlevel-api-docs issue 4).
/// Retry it with backoff; it says nothing about the token.
bool IsProviderNotReady(const Error& error);

/// A message to log in a contact's conversation (POST /conversations/messages/inbound).
struct InboundMessageWrite {
  std::string type = "SMS";
  std::string contact_id;       ///< This or `conversation_id` (GHL's docs: either is enough).
  std::string conversation_id;  ///< Optional.
  std::string message;
  std::vector<std::string> attachments;  ///< Media URLs.
  std::string alt_id;  ///< The carrier's message id (lets a retry find the logged message).
  std::string conversation_provider_id;  ///< Needed for a custom (extra-channel) provider only.
  std::string direction = "inbound";     ///< Always sent: GHL's default is "outbound".
};

/// POST /conversations/messages/inbound with `direction` always set (GHL defaults it to
/// outbound, which would show a reply as sent) → {"conversationId","messageId",…}. kUsage error
/// without contact and conversation, or without text and attachments.
Result<nlohmann::json> AddInboundMessage(const Context& ctx, const InboundMessageWrite& write);

/// The message with `altId == alt_id` among the newest `limit` (1..100) of the conversation, or
/// nullopt: how a retried inbound log finds out whether its first attempt already landed.
Result<std::optional<nlohmann::json>> FindMessageByAltId(const Context& ctx,
                                                         const std::string& conversation_id,
                                                         const std::string& alt_id,
                                                         int limit = 100);

}  // namespace ghl::ops
