// Cookbook 5.x: classify an inbound message, tag the contact, auto-reply only when confident
// (else ask a human), and turn a confident booking request into the `book-now` tag.
#include <cstdio>

#include "ghl/ops/conversations.h"
#include "ghl/webhooks/replay.h"
#include "util.h"

namespace ghl::automations {
namespace {

// The message id: messageId, else emailMessageId, else a digest of conversation, date and
// text (stable across GHL's retries of the same message).
std::string MessageId(const json& body) {
  std::string id = Str(body, "messageId");
  if (id.empty()) id = Str(body, "emailMessageId");
  if (id.empty()) {
    id = "h" + webhooks::Sha256Hex(Str(body, "conversationId") + "\n" + Str(body, "dateAdded") +
                                   "\n" + Str(body, "body"))
                   .substr(0, 32);
  }
  return id;
}

// Whether an outbound message with exactly `text` was sent after message `after_id` in the
// contact's conversation (messages come newest first).
Result<bool> RepliedAfter(const RecipeContext& ctx, const std::string& conversation_id,
                          const std::string& after_id, const std::string& text) {
  auto page = ops::ListMessages(Ops(ctx), conversation_id, 100);
  if (!page.ok()) return page.error();
  for (const auto& m : page->messages) {
    if (Str(m, "id") == after_id) return false;
    if (Str(m, "direction") == "outbound" && Str(m, "body") == text) return true;
  }
  return false;
}

class MessageClassification final : public Recipe {
 public:
  std::string_view name() const override { return "message_classification"; }
  bool Handles(std::string_view type) const override { return type == "InboundMessage"; }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& cfg = ctx.config.message_classification;
    const json& body = event.body;
    if (Str(body, "direction") == "outbound") return Ok{};
    std::string text = Str(body, "body");
    std::string contact_id = Str(body, "contactId");
    if (text.empty() || contact_id.empty()) {
      ctx.Note(name(), "message without text or contact (call, attachment); skipped");
      return Ok{};
    }
    if (!ctx.classifier) return UsageError("message_classification has no classifier");
    auto cls = ctx.classifier->Classify(text);
    if (!cls.ok()) return Context(cls.error(), "classify message");
    bool confident = cls->confidence >= cfg.confidence_threshold;
    char conf[16];
    std::snprintf(conf, sizeof conf, "%.2f", cls->confidence);
    ctx.Note(name(), std::string(ToString(cls->category)) + " " + conf + " (" + cls->reason + ")");

    int c = static_cast<int>(cls->category);
    std::vector<std::string> tags;
    if (!cfg.tags[c].empty()) tags.push_back(cfg.tags[c]);
    if (!confident) {
      tags.push_back(ctx.config.tags.needs_human_review);
    } else if (cls->category == Category::kBookingRequest && cfg.tag_book_now) {
      tags.push_back(ctx.config.tags.book_now);
    }
    if (auto st = AddTags(ctx, contact_id, tags); !st.ok()) {
      if (IsNotFound(st.error())) {
        ctx.Note(name(), "contact " + contact_id + " no longer exists; skipped");
        return Ok{};
      }
      return Context(st.error(), "tag message class");
    }
    std::string joined;
    for (const auto& t : tags) joined += (joined.empty() ? "" : ", ") + t;
    ctx.Note(name(), "tagged " + joined);

    const std::string& reply = cfg.replies[c];
    if (!confident || reply.empty()) return Ok{};
    // Reply on the channel the message came in on, for text channels only.
    std::string channel = Str(body, "messageType");
    if (channel.empty() || channel == "SMS" || channel == "TYPE_SMS") {
      channel = "SMS";
    } else if (channel == "WhatsApp" || channel == "TYPE_WHATSAPP") {
      channel = "WhatsApp";
    } else {
      ctx.Note(name(), "no auto-reply on channel " + channel);
      return Ok{};
    }
    std::string message_id = MessageId(body);
    std::string key = "reply:" + ctx.ids.location_id + ":" + message_id;
    auto done = RunOnce(
        ctx, key,
        [&](bool resumed) -> Result<std::optional<std::string>> {
          std::string conversation = Str(body, "conversationId");
          if (!resumed || conversation.empty()) return std::optional<std::string>();
          auto sent = RepliedAfter(ctx, conversation, Str(body, "messageId"), reply);
          if (!sent.ok()) return sent.error();
          return *sent ? std::optional<std::string>("sent") : std::optional<std::string>();
        },
        [&](bool) -> Result<std::string> {
          auto id = SendMessage(ctx, contact_id, reply, channel);
          if (!id.ok()) return Context(id.error(), "send auto-reply");
          return *id;
        });
    if (!done.ok()) return done.error();
    ctx.Note(name(), done->already_done || done->found ? "auto-reply already sent"
                                                       : "sent auto-reply " + done->result);
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeMessageClassificationRecipe() {
  return std::make_unique<MessageClassification>();
}

}  // namespace ghl::automations
