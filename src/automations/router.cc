#include "util.h"

namespace ghl::automations {

std::string IncomingEvent::ContactId() const {
  if (type.rfind("Contact", 0) == 0) return Str(body, "id");
  if (auto it = body.find("appointment"); it != body.end() && it->is_object()) {
    return Str(*it, "contactId");
  }
  return Str(body, "contactId");
}

void RecipeContext::Note(std::string_view recipe, std::string text) const {
  if (actions) actions->push_back(std::string(recipe) + ": " + std::move(text));
}

Router Router::FromConfig(const Config& config) {
  Router r;
  for (const auto& name : config.EnabledRecipes()) {
    if (name == "dedup_tagging") r.Add(MakeDedupTaggingRecipe());
    if (name == "lead_scoring") r.Add(MakeLeadScoringRecipe());
    if (name == "form_to_opportunity") r.Add(MakeFormToOpportunityRecipe());
    if (name == "form_to_object") r.Add(MakeFormToObjectRecipe());
    if (name == "booking") r.Add(MakeBookingRecipe());
    if (name == "pipeline_advance") r.Add(MakePipelineAdvanceRecipe());
    if (name == "message_classification") r.Add(MakeMessageClassificationRecipe());
    if (name == "form_to_onboarding") r.Add(MakeFormToOnboardingRecipe());
  }
  return r;
}

void Router::Add(std::shared_ptr<Recipe> recipe) { recipes_.push_back(std::move(recipe)); }

std::vector<Recipe*> Router::Route(std::string_view event_type) const {
  std::vector<Recipe*> out;
  for (const auto& r : recipes_) {
    if (r->Handles(event_type)) out.push_back(r.get());
  }
  return out;
}

}  // namespace ghl::automations
