// Conversation providers: the per-location registry, the hand-off of a provider-channel message
// to its Delivery URL (GHL's flat ProviderOutboundMessage body), and
// `PUT /conversations/messages/{messageId}/status` with GHL's "not downstreamed yet" 403 window
// (spec: shared/ghl-openapi/apps/conversations.json `update-message-status`, Version 2021-04-15;
// the race: GoHighLevel/highlevel-api-docs issue 4).
#include "providers.h"

#include "ghl/core/json_depth.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kNoProvider = "No conversation provider found for this message";
constexpr std::string_view kStatuses[] = {"delivered", "failed", "pending", "read"};

bool IsHttpUrl(std::string_view url) {
  return (url.rfind("http://", 0) == 0 && url.size() > 7) ||
         (url.rfind("https://", 0) == 0 && url.size() > 8);
}

json ProviderView(const json& p) {
  return {{"id", p["id"]},     {"locationId", p["locationId"]},   {"name", p["name"]},
          {"type", p["type"]}, {"deliveryUrl", p["deliveryUrl"]}, {"custom", p["custom"]}};
}

constexpr FieldRule kErrorRules[] = {{"code", FieldType::kString, true},
                                     {"type", FieldType::kString, true},
                                     {"message", FieldType::kString, true}};

constexpr FieldRule kStatusRules[] = {
    {"status", FieldType::kString, true, kStatuses},
    {"error", FieldType::kObject},
    {"emailMessageId", FieldType::kString},
    {"recipients", FieldType::kArray},
};

http::Response UpdateMessageStatus(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kStatusRules);
  if (msgs.empty() && ctx.body.contains("error") && ctx.body["error"].is_object()) {
    for (auto& m : ValidateBody(ctx.body["error"], kErrorRules)) msgs.push_back("error." + m);
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const Doc* d = ctx.store.Get(Coll::kMessages, ctx.Path("messageId"));
  if (!d) return NotFound("Message not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  // Only the provider's messages take status updates, and only once GHL's own bookkeeping has
  // caught up with the hand-off (seconds): until then the same 403.
  if (Str(d->value, "conversationProviderId").empty()) return ErrorResponse(403, kNoProvider);
  int64_t handed = d->value.value("providerHandoffAtMs", int64_t{0});
  if (ctx.now_ms < handed + ctx.provider_status_delay_ms) return ErrorResponse(403, kNoProvider);
  json m = d->value;
  m["status"] = ctx.body["status"];
  if (ctx.body.contains("error") && ctx.body["error"].is_object()) {
    m["error"] = ctx.body["error"];
  } else {
    m.erase("error");
  }
  m["dateUpdated"] = IsoUtcMs(ctx.now_ms);
  const Doc& stored = ctx.store.Put(Coll::kMessages, std::move(m));
  return Json(200, {{"success", true},
                    {"conversationId", stored.value["conversationId"]},
                    {"messageId", stored.value["id"]},
                    {"status", stored.value["status"]},
                    {"traceId", NewTraceId()}});
}

constexpr RouteDef kRoutes[] = {
    {"conversations.update-message-status", UpdateMessageStatus, true},
};

http::Response RegistryError(std::string message) {
  return ErrorResponse(422, message, {{"error", "Unprocessable Entity"}});
}

}  // namespace

std::span<const RouteDef> ConversationProviderRoutes() { return kRoutes; }

const Doc* FindProvider(const Store& store, const std::string& location_id, const std::string& id) {
  const Doc* p = store.Get(Coll::kConversationProviders, id);
  if (!p || Str(p->value, "locationId") != location_id) return nullptr;
  return p;
}

const Doc* ProviderForSend(const Ctx& ctx, const json& body,
                           std::optional<http::Response>* refusal) {
  std::string loc = ctx.LocationId();
  if (auto id = Str(body, "conversationProviderId"); !id.empty()) {
    const Doc* p = FindProvider(ctx.store, loc, id);
    if (!p) *refusal = ErrorResponse(400, "Invalid conversationProviderId");
    return p;
  }
  std::string type = Str(body, "type");
  for (const auto& [id, p] : ctx.store.All(Coll::kConversationProviders)) {
    if (Str(p.value, "locationId") == loc && Str(p.value, "type") == type &&
        !p.value.value("custom", false)) {
      return &p;
    }
  }
  return nullptr;
}

void MarkHandedOff(const Ctx& ctx, const Doc& provider, json& message) {
  message["status"] = "pending";
  message["conversationProviderId"] = provider.value["id"];
  message["providerHandoffAtMs"] = ctx.now_ms;
  message["messageType"] =
      Str(provider.value, "type") == "Email" ? "TYPE_CUSTOM_EMAIL" : "TYPE_CUSTOM_PROVIDER_SMS";
}

void QueueHandOff(Ctx& ctx, const Doc& provider, const json& message, const json& contact) {
  // GHL's flat body (no event envelope): shared/ghl-openapi/webhooks/ProviderOutboundMessage.
  json out = {{"contactId", message["contactId"]},
              {"locationId", message["locationId"]},
              {"messageId", message["id"]},
              {"type", Str(provider.value, "type")},
              {"attachments", message.value("attachments", json::array())}};
  if (Str(provider.value, "type") == "Email") {
    out["emailMessageId"] = message["id"];
    out["emailTo"] = json::array({Str(contact, "email")});
    out["html"] = Str(message, "body");
    out["subject"] = Str(message, "subject");
  } else {
    out["phone"] = Str(contact, "phone");
    out["message"] = Str(message, "body");
  }
  std::string user = Str(message, "userId");
  if (user.empty()) {
    for (const auto& [id, u] : ctx.store.All(Coll::kUsers)) {
      if (SameLocation(ctx, u.value) || Str(u.value, "locationId").empty()) {
        user = id;
        break;
      }
    }
  }
  if (!user.empty()) out["userId"] = user;
  ctx.events.push_back(
      {"ProviderOutboundMessage", std::move(out), Str(provider.value, "deliveryUrl")});
}

Result<json> PutProvider(Store& store, ConversationProvider p, int64_t now_ms) {
  if (!IsHttpUrl(p.delivery_url)) {
    return UsageError(
        "the provider's deliveryUrl must be an absolute http(s) URL, got '" + p.delivery_url + "'",
        "e.g. http://127.0.0.1:8080/providers/ghl/outbound");
  }
  if (p.type != "SMS" && p.type != "Email") {
    return UsageError("the provider's type must be SMS or Email, got '" + p.type + "'");
  }
  if (p.location_id.empty()) p.location_id = std::string(kDemoLocationId);
  if (!store.Get(Coll::kLocations, p.location_id)) {
    return UsageError("no location '" + p.location_id + "' in the sandbox");
  }
  if (p.id.empty()) p.id = store.NewId();
  json doc = {{"id", p.id},
              {"locationId", p.location_id},
              {"name", p.name.empty() ? "Custom provider" : p.name},
              {"type", p.type},
              {"deliveryUrl", p.delivery_url},
              {"custom", p.custom},
              {"dateAdded", IsoUtcMs(now_ms)}};
  const Doc& d = store.Put(Coll::kConversationProviders, std::move(doc));
  if (auto st = store.Flush(); !st.ok()) return st.error();
  return d.value;
}

http::Response HandleProviderRegistry(Store& store, const Token& token, const http::Request& req,
                                      int64_t now_ms) {
  if (token.agency) return ErrorResponse(401, "Token's user type mismatch!");
  if (req.method == "GET") {
    json list = json::array();
    for (const auto& [id, p] : store.All(Coll::kConversationProviders)) {
      if (Str(p.value, "locationId") == token.location_id) list.push_back(ProviderView(p.value));
    }
    return Json(200, {{"providers", list}});
  }
  if (req.method != "POST") {
    http::Response r = ErrorResponse(405, "use GET or POST", {{"error", "Method Not Allowed"}});
    r.headers.Set("Allow", "GET, POST");
    return r;
  }
  json body = ghl::ParseJsonBounded<json>(req.body);
  if (!body.is_object()) return ErrorResponse(400, "the body must be a JSON object");
  ConversationProvider p;
  p.location_id = token.location_id;
  p.delivery_url = Str(body, "deliveryUrl");
  if (auto v = Str(body, "name"); !v.empty()) p.name = v;
  if (auto v = Str(body, "type"); !v.empty()) p.type = v;
  if (auto v = Str(body, "id"); !v.empty()) p.id = v;
  auto custom = body.find("custom");
  p.custom = custom != body.end() && custom->is_boolean() && custom->get<bool>();
  auto stored = PutProvider(store, std::move(p), now_ms);
  if (!stored.ok()) return RegistryError(stored.error().Summary());
  return Json(201, {{"provider", ProviderView(*stored)}});
}

}  // namespace ghl::sandbox
