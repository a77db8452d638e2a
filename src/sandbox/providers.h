// Conversation providers inside the sandbox: the registry (a collection of provider documents
// per location), choosing the provider a send goes to, and the hand-off to its Delivery URL.
#pragma once

#include <optional>
#include <string>

#include "handler.h"

namespace ghl::sandbox {

/// The provider a `POST /conversations/messages` goes to: the one its `conversationProviderId`
/// names (400 "Invalid conversationProviderId" in `*refusal` when that is not a provider of
/// the location), else the location's non-custom provider of the message's type, else null
/// (the sandbox's default channel).
const Doc* ProviderForSend(const Ctx& ctx, const json& body,
                           std::optional<http::Response>* refusal);

/// The provider `id` of location `location_id`, or null.
const Doc* FindProvider(const Store& store, const std::string& location_id, const std::string& id);

/// Marks `message` (a new message document, not yet stored) as handed to `provider`: status
/// "pending", its conversationProviderId, the hand-off instant. Then, once stored, call
/// `QueueHandOff`.
void MarkHandedOff(const Ctx& ctx, const Doc& provider, json& message);

/// Queues GHL's flat ProviderOutboundMessage body for the provider's Delivery URL.
void QueueHandOff(Ctx& ctx, const Doc& provider, const json& message, const json& contact);

/// Handles `GET|POST /sandbox/conversation-providers` for `token`'s location.
http::Response HandleProviderRegistry(Store& store, const Token& token, const http::Request& req,
                                      int64_t now_ms);

/// Validates and stores a provider; kUsage error naming the bad field.
Result<json> PutProvider(Store& store, ConversationProvider provider, int64_t now_ms);

}  // namespace ghl::sandbox
