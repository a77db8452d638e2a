#include "ghl/ops/conversations.h"

#include "call.h"

namespace ghl::ops {

using namespace internal;

Result<json> SearchConversations(const Context& ctx, const ConversationSearch& search) {
  if (search.limit < 1 || search.limit > 100) {
    return UsageError("limit " + std::to_string(search.limit) + " is outside 1..100");
  }
  client::QueryParams q = {{"locationId", LocationOf(ctx)}};
  if (!search.contact_id.empty()) q.emplace_back("contactId", search.contact_id);
  if (!search.query.empty()) q.emplace_back("query", search.query);
  if (!search.status.empty()) q.emplace_back("status", search.status);
  if (!search.sort.empty()) q.emplace_back("sort", search.sort);
  if (search.start_after_date > 0) {
    q.emplace_back("startAfterDate", std::to_string(search.start_after_date));
  }
  q.emplace_back("limit", std::to_string(search.limit));
  auto r = Read(ctx, {.method = "GET", .path = "/conversations/search", .query = q});
  if (!r.ok()) return r.error();
  json list = ArrayAt(*r, "conversations");
  json total = r->is_object() ? r->value("total", json(list.size())) : json(list.size());
  return json{{"conversations", std::move(list)}, {"total", std::move(total)}};
}

Result<std::string> ConversationOf(const Context& ctx, const std::string& contact_id) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/conversations/search",
                      .query = {{"locationId", LocationOf(ctx)}, {"contactId", contact_id}}});
  if (!r.ok()) return r.error();
  for (const auto& c : ArrayAt(*r, "conversations")) {
    if (Str(c, "contactId") == contact_id) return Str(c, "id");
  }
  return std::string();
}

Result<MessagePage> ListMessages(const Context& ctx, const std::string& conversation_id, int limit,
                                 const std::string& last_message_id) {
  if (conversation_id.empty()) return UsageError("conversationId is empty");
  if (limit < 1 || limit > 100) {
    return UsageError("limit " + std::to_string(limit) + " is outside 1..100");
  }
  client::QueryParams q = {{"limit", std::to_string(limit)}};
  if (!last_message_id.empty()) q.emplace_back("lastMessageId", last_message_id);
  auto r = Read(ctx, {.method = "GET",
                      .path = "/conversations/{conversationId}/messages",
                      .query = q,
                      .path_params = {{"conversationId", conversation_id}}});
  if (!r.ok()) return r.error();
  MessagePage page;
  // GHL nests the page: {"messages":{"lastMessageId","nextPage","messages":[…]}}; an older
  // shape put the array at the top.
  const json& inner = r->is_object() ? r->value("messages", json()) : json();
  if (inner.is_object()) {
    page.messages = ArrayAt(inner, "messages");
    page.last_message_id = Str(inner, "lastMessageId");
    page.next_page = inner.value("nextPage", false);
  } else if (inner.is_array()) {
    page.messages = inner;
  }
  return page;
}

Result<json> SendMessage(const Context& ctx, const MessageWrite& write) {
  if (write.type != "SMS" && write.type != "Email" && write.type != "WhatsApp") {
    return UsageError("message type '" + write.type + "' is not supported here",
                      "use SMS, Email or WhatsApp");
  }
  if (write.contact_id.empty()) return UsageError("contactId is empty");
  if (write.message.empty() && write.html.empty()) return UsageError("the message is empty");
  if (write.type == "Email" && write.subject.empty()) {
    return UsageError("an Email needs a subject");
  }
  json body = {{"type", write.type}, {"contactId", write.contact_id}};
  if (!write.message.empty()) body["message"] = write.message;
  if (!write.subject.empty()) body["subject"] = write.subject;
  if (!write.html.empty()) body["html"] = write.html;
  auto r = Write(ctx, {.method = "POST", .path = "/conversations/messages", .body = body.dump()});
  if (!r.ok()) return r.error();
  if (!r->is_object()) return Malformed("POST /conversations/messages", "a JSON object");
  return *r;
}

Result<json> UpdateMessageStatus(const Context& ctx, const std::string& message_id,
                                 const MessageStatusUpdate& update) {
  if (message_id.empty()) return UsageError("messageId is empty");
  const std::string& st = update.status;
  if (st != "delivered" && st != "failed" && st != "pending" && st != "read") {
    return UsageError("message status '" + st + "' is not one GHL accepts",
                      "use delivered, failed, pending or read");
  }
  json body = {{"status", st}};
  if (!update.error_code.empty()) {
    body["error"] = {
        {"code", update.error_code},
        {"type", update.error_type.empty() ? "carrier" : update.error_type},
        {"message", update.error_message.empty() ? update.error_code : update.error_message}};
  }
  auto r = Write(ctx, {.method = "PUT",
                       .path = "/conversations/messages/{messageId}/status",
                       .path_params = {{"messageId", message_id}},
                       .body = body.dump()});
  if (!r.ok()) return r.error();
  return r->is_object() ? *r : json::object();
}

bool IsProviderNotReady(const Error& error) {
  if (error.kind != ErrorKind::kApi) return false;
  if (error.http_status != 403 && error.http_status != 401) return false;
  for (const auto& m : error.messages) {
    if (Lower(m).find("no conversation provider found") != std::string::npos) return true;
  }
  return false;
}

Result<json> AddInboundMessage(const Context& ctx, const InboundMessageWrite& write) {
  if (write.contact_id.empty() && write.conversation_id.empty()) {
    return UsageError("an inbound message needs a contactId or a conversationId");
  }
  if (write.message.empty() && write.attachments.empty()) {
    return UsageError("the inbound message has no text and no attachments");
  }
  if (write.direction != "inbound" && write.direction != "outbound") {
    return UsageError("direction must be inbound or outbound, got '" + write.direction + "'");
  }
  json body = {{"type", write.type}, {"direction", write.direction}};
  if (!write.contact_id.empty()) body["contactId"] = write.contact_id;
  if (!write.conversation_id.empty()) body["conversationId"] = write.conversation_id;
  if (!write.message.empty()) body["message"] = write.message;
  if (!write.attachments.empty()) body["attachments"] = write.attachments;
  if (!write.alt_id.empty()) body["altId"] = write.alt_id;
  if (!write.conversation_provider_id.empty()) {
    body["conversationProviderId"] = write.conversation_provider_id;
  }
  auto r = Write(
      ctx, {.method = "POST", .path = "/conversations/messages/inbound", .body = body.dump()});
  if (!r.ok()) return r.error();
  if (!r->is_object() || Str(*r, "messageId").empty()) {
    // GHL's known misbehaviour: 201 with an empty body and nothing logged (issue 70).
    return Malformed("POST /conversations/messages/inbound", "a messageId (nothing was logged)");
  }
  return *r;
}

Result<std::optional<json>> FindMessageByAltId(const Context& ctx,
                                               const std::string& conversation_id,
                                               const std::string& alt_id, int limit) {
  if (alt_id.empty()) return UsageError("altId is empty");
  auto page = ListMessages(ctx, conversation_id, limit);
  if (!page.ok()) return page.error();
  for (const auto& m : page->messages) {
    if (Str(m, "altId") == alt_id) return std::optional<json>(m);
  }
  return std::optional<json>();
}

}  // namespace ghl::ops
