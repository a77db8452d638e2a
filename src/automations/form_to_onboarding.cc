// Cookbook 4.x on a form: the contact a form submission created becomes a sub-account through
// the same onboarding code and journal as `ghl onboard` (ghl/onboard/onboard.h).
#include "event_contact.h"
#include "ghl/automations/scoring.h"
#include "ghl/onboard/onboard.h"
#include "template.h"
#include "util.h"

namespace ghl::automations {
namespace {

// Sets `path` ("business.name") of `input` to `value` (skipped when empty).
void Put(json& input, const std::string& path, const std::string& value) {
  if (value.empty()) return;
  auto dot = path.find('.');
  input[path.substr(0, dot)][path.substr(dot + 1)] = value;
}

class FormToOnboarding final : public Recipe {
 public:
  std::string_view name() const override { return "form_to_onboarding"; }
  bool Handles(std::string_view type) const override { return type == "ContactCreate"; }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& cfg = ctx.config.form_to_onboarding;
    auto loaded = LoadEventContact(event, ctx, name());
    if (!loaded.ok()) return loaded.error();
    if (!loaded->has_value()) return Ok{};
    const json& contact = **loaded;
    if (!FromSources(ctx, name(), cfg.sources, contact)) return Ok{};
    json input = InputOf(contact, ctx);
    if (auto parsed = onboard::ParseInput(input); !parsed.ok()) {
      Error e = parsed.error();
      e.messages.front() = "contact " + Str(contact, "id") +
                           " cannot be onboarded: " + e.messages.front() +
                           " (mapped by [recipes.form_to_onboarding.fields])";
      e.hint = "fill that form field, or map another one; then `ghl events retry`";
      return e;
    }
    // The same request id for every delivery of this submission (GHL's retries carry a new
    // webhookId; a replay repeats it): the location and the contact it created.
    std::string location = event.location_id.empty() ? ctx.ids.location_id : event.location_id;
    std::string id = "form-" + location + "-" + Str(contact, "id");
    onboard::Options o;
    o.agency = ctx.client.connection().options();
    o.agency.token = cfg.agency_token;
    o.agency.default_location_id.clear();
    o.company_id = cfg.company_id;
    o.journal_path = cfg.journal;
    o.crash = onboard::ParseCrashHook(cfg.crash_after);
    o.before_write = ctx.check_lock;  // the per-contact lock, renewed before every write
    auto done = onboard::OnboardOnce(o, id, input);
    if (!done.ok()) {
      return automations::Context(done.error(), "onboarding request " + id +
                                                    " (resumable: `ghl onboard resume " + id +
                                                    "`, `ghl onboard status " + id + "`)");
    }
    std::string made = done->steps.empty() ? "" : done->steps.front().result_id;
    ctx.Note(name(), "request " + id + " finished: location " + made);
    return Ok{};
  }

 private:
  // The `ghl onboard --input` JSON of a contact, through the configured mapping.
  static json InputOf(const json& contact, const RecipeContext& ctx) {
    const auto& cfg = ctx.config.form_to_onboarding;
    json input = json::object();
    for (const auto& f : cfg.fields) {
      bool custom = f.source.rfind("contact.", 0) == 0;
      Put(input, f.target,
          custom ? CustomFieldText(contact, ctx.ids.RuleFieldId(f.source))
                 : Str(contact, f.source));
    }
    if (!cfg.custom_fields.empty()) {
      input["customFields"] = json::array();
      for (const auto& n : cfg.custom_fields) input["customFields"].push_back({{"name", n}});
    }
    if (!cfg.welcome_sms.empty()) {
      auto vars = ContactVars(contact);
      vars["business"] = input.contains("business") ? input["business"].value("name", "") : "";
      input["welcomeSms"]["text"] = Render(cfg.welcome_sms, vars);
    }
    return input;
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeFormToOnboardingRecipe() {
  return std::make_unique<FormToOnboarding>();
}

}  // namespace ghl::automations
