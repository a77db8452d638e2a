// Conversations: create, get, search, send a message (outbound), log an inbound message, list a
// conversation's messages with GHL's nested page object
// (spec: shared/ghl-openapi/apps/conversations.json; Version 2021-04-15).
#include <algorithm>

#include "handler.h"
#include "providers.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kSendTypes[] = {"SMS", "RCS",    "Email",     "WhatsApp", "IG",
                                           "FB",  "Custom", "Live_Chat", "TIKTOK"};
constexpr std::string_view kInboundTypes[] = {"SMS",
                                              "RCS",
                                              "Email",
                                              "WhatsApp",
                                              "GMB",
                                              "IG",
                                              "FB",
                                              "Custom",
                                              "WebChat",
                                              "Live_Chat",
                                              "Call",
                                              "IVR_Call",
                                              "Campaign_Call",
                                              "Campaign_VoiceMail",
                                              "TIKTOK",
                                              "ALL_IN_ONE_CHAT",
                                              "FORM_SUBMISSION"};
constexpr std::string_view kStatuses[] = {"delivered", "failed", "pending", "read"};

// GHL's numeric message types and their names.
std::pair<int, std::string> MessageType(std::string_view type) {
  if (type == "SMS") return {2, "TYPE_SMS"};
  if (type == "Email") return {3, "TYPE_EMAIL"};
  if (type == "Call" || type == "IVR_Call") return {1, "TYPE_CALL"};
  if (type == "WhatsApp") return {19, "TYPE_WHATSAPP"};
  if (type == "FB") return {11, "TYPE_FACEBOOK"};
  if (type == "IG") return {18, "TYPE_INSTAGRAM"};
  if (type == "GMB") return {13, "TYPE_GMB"};
  if (type == "Live_Chat") return {29, "TYPE_LIVE_CHAT"};
  if (type == "WebChat") return {5, "TYPE_WEBCHAT"};
  if (type == "RCS") return {2, "TYPE_RCS"};
  if (type == "TIKTOK") return {2, "TYPE_TIKTOK"};
  return {2, "TYPE_CUSTOM_SMS"};
}

json NewConversation(Ctx& ctx, const json& contact) {
  std::string now = IsoUtcMs(ctx.now_ms);
  std::string name = Str(contact, "firstName");
  if (auto last = Str(contact, "lastName"); !last.empty()) name += " " + last;
  return {{"id", ctx.store.NewId()},
          {"contactId", contact["id"]},
          {"locationId", contact["locationId"]},
          {"deleted", false},
          {"inbox", true},
          {"type", 1},
          {"unreadCount", 0},
          {"starred", false},
          {"assignedTo", ""},
          {"fullName", name},
          {"contactName", name},
          {"email", Str(contact, "email")},
          {"phone", Str(contact, "phone")},
          {"lastMessageBody", ""},
          {"lastMessageType", ""},
          {"lastMessageDirection", ""},
          {"lastMessageDate", ctx.now_ms},
          {"dateAdded", now},
          {"dateUpdated", now}};
}

const Doc* ConversationFor(const Store& store, const std::string& contact_id) {
  for (const auto& [id, c] : store.All(Coll::kConversations)) {
    if (Str(c.value, "contactId") == contact_id && !c.value.value("deleted", false)) return &c;
  }
  return nullptr;
}

constexpr FieldRule kCreateRules[] = {{"locationId", FieldType::kString, true},
                                      {"contactId", FieldType::kString, true}};

http::Response CreateConversation(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const Doc* contact = ctx.store.Get(Coll::kContacts, Str(ctx.body, "contactId"));
  if (!contact || !SameLocation(ctx, contact->value)) return NotFound("Contact not found");
  // GHL keeps one conversation per contact; its 400 does not name the existing conversation
  // (GoHighLevel/highlevel-api-docs issue 5): search for it.
  if (ConversationFor(ctx.store, Str(ctx.body, "contactId"))) {
    return ErrorResponse(
        400, "Conversation with the contact id:" + Str(ctx.body, "contactId") + " already exists!");
  }
  json c = NewConversation(ctx, contact->value);
  const Doc& d = ctx.store.Put(Coll::kConversations, std::move(c));
  json view = d.value;
  for (auto k : {"fullName", "contactName", "email", "phone", "lastMessageBody", "lastMessageType",
                 "lastMessageDirection", "starred", "inbox", "type", "unreadCount"}) {
    view.erase(k);
  }
  return Json(201, {{"success", true}, {"conversation", view}});
}

http::Response GetConversation(Ctx& ctx) {
  const Doc* d = ctx.store.Get(Coll::kConversations, ctx.Path("conversationId"));
  if (!d) return NotFound("Conversation not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  return JsonText(200, d->text);
}

http::Response SearchConversations(Ctx& ctx) {
  std::string loc = ctx.LocationId();
  auto q = [&](std::string_view n) { return ctx.Query(n).value_or(""); };
  std::string contact = q("contactId"), id = q("id"), text = Lower(q("query")),
              status = q("status"), assigned = q("assignedTo");
  int64_t limit = ParseInt(q("limit")).value_or(20);
  std::vector<std::string> bad;
  CheckRange("limit", limit, 1, 100, &bad);
  if (!bad.empty()) return Unprocessable(std::move(bad));
  bool asc = q("sort") == "asc";
  std::optional<int64_t> after = ParseInt(q("startAfterDate"));
  std::vector<const Doc*> hits;
  for (const auto& [cid, c] : ctx.store.All(Coll::kConversations)) {
    const json& v = c.value;
    if (Str(v, "locationId") != loc || v.value("deleted", false)) continue;
    if (!contact.empty() && Str(v, "contactId") != contact) continue;
    if (!id.empty() && cid != id) continue;
    if (!assigned.empty() && Str(v, "assignedTo") != assigned) continue;
    if (status == "unread" && v.value("unreadCount", 0) == 0) continue;
    if (status == "read" && v.value("unreadCount", 0) != 0) continue;
    if (status == "starred" && !v.value("starred", false)) continue;
    if (!text.empty()) {
      std::string hay = Lower(Str(v, "fullName") + " " + Str(v, "email") + " " + Str(v, "phone") +
                              " " + Str(v, "lastMessageBody"));
      if (hay.find(text) == std::string::npos) continue;
    }
    hits.push_back(&c);
  }
  auto date = [](const Doc* d) { return d->value.value("lastMessageDate", int64_t{0}); };
  std::sort(hits.begin(), hits.end(), [&](const Doc* a, const Doc* b) {
    if (date(a) != date(b)) return asc ? date(a) < date(b) : date(a) > date(b);
    return Str(a->value, "id") < Str(b->value, "id");
  });
  size_t total = hits.size();
  if (after) {
    std::erase_if(hits, [&](const Doc* d) { return asc ? date(d) <= *after : date(d) >= *after; });
  }
  std::string body = "{\"conversations\":[";
  for (size_t i = 0; i < hits.size() && i < static_cast<size_t>(limit); ++i) {
    if (i) body += ',';
    body += hits[i]->text;
  }
  body += "],\"total\":" + std::to_string(total) + "}";
  return JsonText(200, std::move(body));
}

// "SMS" for "TYPE_SMS", "Email" for "TYPE_EMAIL": the webhook events' messageType.
std::string Channel(const std::string& message_type) {
  if (message_type == "TYPE_EMAIL") return "Email";
  if (message_type == "TYPE_CALL") return "Call";
  if (message_type == "TYPE_WHATSAPP") return "WhatsApp";
  if (message_type == "TYPE_FACEBOOK") return "FB";
  if (message_type == "TYPE_INSTAGRAM") return "IG";
  if (message_type == "TYPE_LIVE_CHAT") return "Live_Chat";
  return message_type.rfind("TYPE_", 0) == 0 ? message_type.substr(5) : message_type;
}

json MessageEvent(std::string_view type, const json& m) {
  json e = {{"type", type},
            {"locationId", m["locationId"]},
            {"attachments", m.value("attachments", json::array())},
            {"body", m.value("body", "")},
            {"contactId", m["contactId"]},
            {"contentType", m.value("contentType", "text/plain")},
            {"conversationId", m["conversationId"]},
            {"dateAdded", m["dateAdded"]},
            {"direction", m["direction"]},
            {"messageType", Channel(Str(m, "messageType"))},
            {"messageId", m["id"]},
            {"status", m.value("status", "delivered")}};
  if (m.contains("source")) e["source"] = m["source"];
  if (m.contains("conversationProviderId"))
    e["conversationProviderId"] = m["conversationProviderId"];
  return e;
}

// Stores a message and updates its conversation; returns the message document. A message on a
// conversation provider's channel is stored `pending`, marked as handed to `provider`.
const Doc& AddMessage(Ctx& ctx, json conversation, const json& input, std::string_view direction,
                      std::string_view status, const Doc* provider = nullptr) {
  std::string type = Str(input, "type");
  auto [num, name] = MessageType(type);
  std::string text = Str(input, "message");
  if (text.empty()) text = Str(input, "html");
  json m = {{"id", ctx.store.NewId()},
            {"type", num},
            {"messageType", name},
            {"locationId", conversation["locationId"]},
            {"contactId", conversation["contactId"]},
            {"conversationId", conversation["id"]},
            {"dateAdded", IsoUtcMs(ctx.now_ms)},
            {"body", text},
            {"direction", direction},
            {"status", status},
            {"contentType", Str(input, "html").empty() ? "text/plain" : "text/html"},
            {"attachments", input.value("attachments", json::array())},
            {"source", "api"}};
  if (type == "Email") {
    m["meta"] = {{"email", {{"messageIds", {m["id"]}}}}};
    m["subject"] = Str(input, "subject");
  }
  if (auto p = Str(input, "conversationProviderId"); !p.empty()) m["conversationProviderId"] = p;
  if (auto alt = Str(input, "altId"); !alt.empty()) m["altId"] = alt;
  if (provider) MarkHandedOff(ctx, *provider, m);
  const Doc& d = ctx.store.Put(Coll::kMessages, std::move(m));
  conversation["lastMessageBody"] = text;
  conversation["lastMessageType"] = name;
  conversation["lastMessageDirection"] = direction;
  conversation["lastMessageDate"] = ctx.now_ms;
  conversation["dateUpdated"] = IsoUtcMs(ctx.now_ms);
  if (direction == "inbound") {
    conversation["unreadCount"] = conversation.value("unreadCount", 0) + 1;
  }
  ctx.store.Put(Coll::kConversations, std::move(conversation));
  return d;
}

constexpr FieldRule kSendRules[] = {
    {"type", FieldType::kString, true, kSendTypes},
    {"subType", FieldType::kAny},
    {"contactId", FieldType::kString, true},
    {"appointmentId", FieldType::kString},
    {"attachments", FieldType::kArray},
    {"emailFrom", FieldType::kString},
    {"emailCc", FieldType::kArray},
    {"emailBcc", FieldType::kArray},
    {"html", FieldType::kString},
    {"message", FieldType::kString},
    {"subject", FieldType::kString},
    {"replyMessageId", FieldType::kString},
    {"templateId", FieldType::kString},
    {"threadId", FieldType::kString},
    {"scheduledTimestamp", FieldType::kNumber},
    {"conversationProviderId", FieldType::kString},
    {"emailTo", FieldType::kString},
    {"customSubtypeId", FieldType::kString},
    {"emailReplyMode", FieldType::kString},
    {"fromNumber", FieldType::kString},
    {"toNumber", FieldType::kString},
    {"forward", FieldType::kObject},
    {"status", FieldType::kString, false, kStatuses},
    {"usesNativeSchedulingAi", FieldType::kBoolean},
    {"optimizationPeriod", FieldType::kString},
};

http::Response SendMessage(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kSendRules);
  const json& b = ctx.body;
  if (msgs.empty()) {
    std::string type = Str(b, "type");
    bool has_text = !Str(b, "message").empty() || !Str(b, "html").empty() ||
                    !b.value("attachments", json::array()).empty();
    if (!has_text) msgs.push_back("message should not be empty");
    if (type == "Email" && Str(b, "subject").empty() && Str(b, "templateId").empty()) {
      msgs.push_back("subject should not be empty");
    }
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const Doc* contact = ctx.store.Get(Coll::kContacts, Str(b, "contactId"));
  if (!contact) return NotFound("Contact not found");
  if (!SameLocation(ctx, contact->value)) return ForbiddenLocation();
  std::string type = Str(b, "type");
  if ((type == "SMS" || type == "WhatsApp") && Str(contact->value, "phone").empty()) {
    return ErrorResponse(400, "Contact does not have a phone number");
  }
  if (type == "Email" && Str(contact->value, "email").empty() && Str(b, "emailTo").empty()) {
    return ErrorResponse(400, "Contact does not have an email address");
  }
  if (contact->value.value("dnd", false)) {
    return ErrorResponse(400, "Cannot send message as DND is active for " + type + ".");
  }
  std::optional<http::Response> refusal;
  const Doc* provider = ProviderForSend(ctx, b, &refusal);
  if (refusal) return std::move(*refusal);
  const Doc* conv = ConversationFor(ctx.store, Str(b, "contactId"));
  json conversation = conv ? conv->value : NewConversation(ctx, contact->value);
  const Doc& m = AddMessage(ctx, std::move(conversation), b, "outbound", "delivered", provider);
  ctx.events.push_back({"OutboundMessage", MessageEvent("OutboundMessage", m.value)});
  if (provider) QueueHandOff(ctx, *provider, m.value, contact->value);
  json out = {{"conversationId", m.value["conversationId"]},
              {"messageId", m.value["id"]},
              {"msg", "Message queued successfully."},
              {"status", m.value["status"]},
              {"traceId", NewTraceId()}};
  if (type == "Email") {
    out["emailMessageId"] = m.value["id"];
    out["messageIds"] = {m.value["id"]};
  }
  return Json(200, out);
}

constexpr FieldRule kInboundRules[] = {
    {"type", FieldType::kString, true, kInboundTypes},
    {"attachments", FieldType::kArray},
    {"message", FieldType::kString},
    {"conversationId", FieldType::kString},
    {"contactId", FieldType::kString},
    {"conversationProviderId", FieldType::kString},
    {"html", FieldType::kString},
    {"subject", FieldType::kString},
    {"emailFrom", FieldType::kString},
    {"emailTo", FieldType::kString},
    {"emailCc", FieldType::kArray},
    {"emailBcc", FieldType::kArray},
    {"emailMessageId", FieldType::kString},
    {"altId", FieldType::kString},
    {"direction", FieldType::kAny},
    {"date", FieldType::kString},
    {"call", FieldType::kObject},
};

// GHL's quirks (conversations.json `add-an-inbound-message` and its docs page): either
// `conversationId` or `contactId` is enough (the spec's "both required" is stale); `direction`
// defaults to **outbound**, so a reply logged without `direction: "inbound"` shows as sent.
http::Response InboundMessage(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kInboundRules);
  const json& b = ctx.body;
  std::string direction = "outbound";
  if (msgs.empty()) {
    if (Str(b, "conversationId").empty() && Str(b, "contactId").empty()) {
      msgs.push_back("conversationId or contactId should not be empty");
    }
    if (b.contains("direction") && !b["direction"].is_null()) {
      direction = b["direction"].is_string() ? b["direction"].get<std::string>() : "";
      if (direction != "inbound" && direction != "outbound") {
        msgs.push_back("direction must be one of the following values: inbound, outbound");
      }
    }
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  if (auto p = Str(b, "conversationProviderId");
      !p.empty() && !FindProvider(ctx.store, ctx.LocationId(), p)) {
    return ErrorResponse(400, "Invalid conversationProviderId");
  }
  json conversation;
  if (auto conv_id = Str(b, "conversationId"); !conv_id.empty()) {
    const Doc* conv = ctx.store.Get(Coll::kConversations, conv_id);
    if (!conv) return NotFound("Conversation not found");
    if (!SameLocation(ctx, conv->value)) return ForbiddenLocation();
    if (!Str(b, "contactId").empty() && Str(conv->value, "contactId") != Str(b, "contactId")) {
      return Unprocessable({"contactId does not match the conversation's contact"});
    }
    conversation = conv->value;
  } else {
    const Doc* contact = ctx.store.Get(Coll::kContacts, Str(b, "contactId"));
    if (!contact) return NotFound("Contact not found");
    if (!SameLocation(ctx, contact->value)) return ForbiddenLocation();
    const Doc* conv = ConversationFor(ctx.store, Str(b, "contactId"));
    conversation = conv ? conv->value : NewConversation(ctx, contact->value);
  }
  const Doc& m = AddMessage(ctx, std::move(conversation), b, direction, "delivered");
  std::string event = direction == "inbound" ? "InboundMessage" : "OutboundMessage";
  ctx.events.push_back({event, MessageEvent(event, m.value)});
  return Json(200, {{"success", true},
                    {"conversationId", m.value["conversationId"]},
                    {"messageId", m.value["id"]},
                    {"message", "Message added successfully"},
                    {"contactId", m.value["contactId"]},
                    {"dateAdded", m.value["dateAdded"]},
                    {"traceId", NewTraceId()}});
}

http::Response ListMessages(Ctx& ctx) {
  const Doc* conv = ctx.store.Get(Coll::kConversations, ctx.Path("conversationId"));
  if (!conv) return NotFound("Conversation not found");
  if (!SameLocation(ctx, conv->value)) return ForbiddenLocation();
  int64_t limit = ParseInt(ctx.Query("limit").value_or("20")).value_or(20);
  std::vector<std::string> bad;
  CheckRange("limit", limit, 1, 100, &bad);
  if (!bad.empty()) return Unprocessable(std::move(bad));
  std::string last = ctx.Query("lastMessageId").value_or("");
  std::string type_filter = ctx.Query("type").value_or("");
  std::vector<const Doc*> msgs;
  for (const auto& [id, m] : ctx.store.All(Coll::kMessages)) {
    if (Str(m.value, "conversationId") != Str(conv->value, "id")) continue;
    if (!type_filter.empty() &&
        type_filter.find(Str(m.value, "messageType")) == std::string::npos) {
      continue;
    }
    msgs.push_back(&m);
  }
  // Newest first: ids are ordered by creation.
  std::reverse(msgs.begin(), msgs.end());
  size_t start = 0;
  if (!last.empty()) {
    while (start < msgs.size() && Str(msgs[start]->value, "id") >= last) ++start;
  }
  size_t end = std::min(msgs.size(), start + static_cast<size_t>(limit));
  std::string items;
  for (size_t i = start; i < end; ++i) {
    if (i > start) items += ',';
    items += msgs[i]->text;
  }
  bool next = end < msgs.size();
  std::string last_id = end > start ? Str(msgs[end - 1]->value, "id") : "";
  std::string body = "{\"messages\":{\"lastMessageId\":" + json(last_id).dump() +
                     ",\"nextPage\":" + (next ? "true" : "false") + ",\"messages\":[" + items +
                     "]},\"traceId\":\"" + NewTraceId() + "\"}";
  return JsonText(200, std::move(body));
}

constexpr RouteDef kRoutes[] = {
    {"conversations.create-conversation", CreateConversation, true},
    {"conversations.get-conversation", GetConversation, false},
    {"conversations.search-conversation", SearchConversations, false},
    {"conversations.send-a-new-message", SendMessage, true},
    {"conversations.add-an-inbound-message", InboundMessage, true},
    {"conversations.get-messages", ListMessages, false},
};

}  // namespace

std::span<const RouteDef> ConversationRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
