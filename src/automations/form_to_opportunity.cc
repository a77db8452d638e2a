// Cookbook 2.2: a new contact (a form submission) gets one opportunity in the pipeline.
#include "event_contact.h"
#include "util.h"

namespace ghl::automations {
namespace {

class FormToOpportunity final : public Recipe {
 public:
  std::string_view name() const override { return "form_to_opportunity"; }
  bool Handles(std::string_view type) const override { return type == "ContactCreate"; }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& cfg = ctx.config.form_to_opportunity;
    auto loaded = LoadEventContact(event, ctx, name());
    if (!loaded.ok()) return loaded.error();
    if (!loaded->has_value()) return Ok{};
    const json& contact = **loaded;
    if (!FromSources(ctx, name(), cfg.sources, contact)) return Ok{};
    auto done = EnsureOpportunity(ctx, contact, ctx.ids.opportunity_pipeline,
                                  ctx.ids.opportunity_stage, cfg.monetary_value, cfg.name_template);
    if (!done.ok()) return done.error();
    ctx.Note(name(),
             (done->already_done || done->found ? "opportunity exists: " : "created opportunity ") +
                 done->result);
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeFormToOpportunityRecipe() {
  return std::make_unique<FormToOpportunity>();
}

}  // namespace ghl::automations
