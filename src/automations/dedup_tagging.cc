// Cookbook 2.1: tag a new contact `returning-lead` when an older contact shares its email or
// phone, else `new-lead`.
#include "event_contact.h"
#include "ghl/ops/contacts.h"
#include "ghl/webhooks/replay.h"
#include "util.h"

namespace ghl::automations {
namespace {

// dateAdded as a comparable instant (ms); missing dates sort last.
int64_t AddedMs(const json& contact) {
  auto t = webhooks::ParseIsoTimestamp(Str(contact, "dateAdded"));
  return t ? EpochMs(*t) : INT64_MAX;
}

class DedupTagging final : public Recipe {
 public:
  std::string_view name() const override { return "dedup_tagging"; }
  bool Handles(std::string_view type) const override { return type == "ContactCreate"; }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& tags = ctx.config.tags;
    const auto& cfg = ctx.config.dedup_tagging;
    auto loaded = LoadEventContact(event, ctx, name());
    if (!loaded.ok()) return loaded.error();
    if (!loaded->has_value()) return Ok{};
    const json& contact = **loaded;
    if (HasTag(contact, tags.new_lead) || HasTag(contact, tags.returning_lead)) {
      ctx.Note(name(), "already tagged; skipped");
      return Ok{};
    }
    ops::ContactSearch search{.limit = 20};
    std::string email = Str(contact, "email"), phone = Str(contact, "phone");
    if (cfg.match_email && !email.empty()) search.any_of.push_back({"email", "eq", email});
    if (cfg.match_phone && !phone.empty()) search.any_of.push_back({"phone", "eq", phone});
    bool returning = false;
    if (!search.any_of.empty()) {
      auto found = ops::SearchContacts(Ops(ctx), search);
      if (!found.ok()) return Context(found.error(), "search duplicates");
      int64_t mine = AddedMs(contact);
      std::string my_id = Str(contact, "id");
      for (const auto& other : (*found)["contacts"]) {
        std::string id = Str(other, "id");
        if (id == my_id) continue;
        int64_t theirs = AddedMs(other);
        // Only contacts that were there first make this one "returning" (two duplicates
        // created together do not both become returning leads).
        if (theirs < mine || (theirs == mine && id < my_id)) returning = true;
      }
    }
    const std::string& tag = returning ? tags.returning_lead : tags.new_lead;
    if (auto st = AddTags(ctx, Str(contact, "id"), {tag}); !st.ok()) {
      return Context(st.error(), "tag " + tag);
    }
    ctx.Note(name(), "tagged " + tag);
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeDedupTaggingRecipe() { return std::make_unique<DedupTagging>(); }

}  // namespace ghl::automations
