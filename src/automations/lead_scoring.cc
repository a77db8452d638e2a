// Cookbook 3.x: score a new lead from the configured rules, write the score custom field, tag
// hot / warm / cold, and make sure hot leads have an opportunity at the hot stage or beyond.
#include "event_contact.h"
#include "ghl/automations/scoring.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/opportunities.h"
#include "util.h"

namespace ghl::automations {
namespace {

class LeadScoring final : public Recipe {
 public:
  std::string_view name() const override { return "lead_scoring"; }
  bool Handles(std::string_view type) const override { return type == "ContactCreate"; }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& cfg = ctx.config.lead_scoring;
    const auto& tags = ctx.config.tags;
    auto loaded = LoadEventContact(event, ctx, name());
    if (!loaded.ok()) return loaded.error();
    if (!loaded->has_value()) return Ok{};
    const json& contact = **loaded;
    std::string contact_id = Str(contact, "id");
    int score = ScoreContact(cfg.rules, contact,
                             [&](const std::string& ref) { return ctx.ids.RuleFieldId(ref); });
    const std::string& tier = ScoreTier(cfg, tags, score);
    ctx.Note(name(), "score " + std::to_string(score) + " → " + tier);

    if (CustomFieldText(contact, ctx.ids.score_field_id) != std::to_string(score)) {
      ops::ContactWrite write;
      write.custom_fields.push_back({ctx.ids.score_field_id, score, /*is_id=*/true});
      auto put = ops::UpdateContact(Ops(ctx), contact_id, write);
      if (!put.ok()) return Context(put.error(), "write score field");
      ctx.Note(name(), "wrote score field");
    }
    if (!HasTag(contact, tier)) {
      if (auto st = AddTags(ctx, contact_id, {tier}); !st.ok()) {
        return Context(st.error(), "tag " + tier);
      }
      ctx.Note(name(), "tagged " + tier);
    }
    std::vector<std::string> stale;
    for (const std::string* other : {&tags.hot, &tags.warm, &tags.cold}) {
      if (*other != tier && HasTag(contact, *other)) stale.push_back(*other);
    }
    if (!stale.empty()) {
      if (auto st = RemoveTags(ctx, contact_id, stale); !st.ok()) {
        return Context(st.error(), "remove old tier tags");
      }
    }
    if (tier == tags.hot && ctx.ids.hot_stage) {
      return RouteHotLead(ctx, contact);
    }
    return Ok{};
  }

 private:
  Status RouteHotLead(RecipeContext& ctx, const json& contact) {
    const auto& cfg = ctx.config.lead_scoring;
    const Pipeline& pipeline = ctx.ids.scoring_pipeline;
    const Stage& hot = *ctx.ids.hot_stage;
    auto ensured =
        EnsureOpportunity(ctx, contact, pipeline, hot, cfg.monetary_value, cfg.name_template);
    if (!ensured.ok()) return ensured.error();
    if (!ensured->already_done && !ensured->found) {
      ctx.Note(name(), "created opportunity " + ensured->result + " at " + hot.name);
      return Ok{};
    }
    // It existed (e.g. form_to_opportunity made it at the first stage): move it forward to the
    // hot stage, never backwards.
    auto open = SearchOpportunities(ctx, Str(contact, "id"), pipeline.id, "open");
    if (!open.ok()) return Context(open.error(), "search opportunities");
    for (const auto& opp : *open) {
      const Stage* current = pipeline.FindStage(Str(opp, "pipelineStageId"));
      if (current && current->position >= hot.position) continue;
      auto put = ops::UpdateOpportunity(Ops(ctx), Str(opp, "id"), {.stage_id = hot.id});
      if (!put.ok()) return Context(put.error(), "move hot lead's opportunity");
      ctx.Note(name(), "moved opportunity " + Str(opp, "id") + " to " + hot.name);
    }
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeLeadScoringRecipe() { return std::make_unique<LeadScoring>(); }

}  // namespace ghl::automations
