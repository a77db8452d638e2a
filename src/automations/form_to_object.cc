// Cookbook "link custom objects to opportunities": a new contact (a form submission) gets its
// opportunity (found or created, the same effect as form_to_opportunity), one custom-object
// record for that opportunity, and one relation between the two, verified by reading the
// record's relations back (GET /associations/relations/{recordId}).
//
// Idempotent on replays, duplicates and crashes: each step is a ledger effect whose verify
// step reads GHL first — the record is found through the opportunity's relations (or the
// `match_property` search), and the relation through ops::EnsureRelation, which takes GHL's
// duplicate-relation 400 as the existing relation.
#include "event_contact.h"
#include "ghl/ops/objects.h"
#include "ghl/ops/opportunities.h"
#include "template.h"
#include "util.h"

namespace ghl::automations {
namespace {

class FormToObject final : public Recipe {
 public:
  std::string_view name() const override { return "form_to_object"; }
  bool Handles(std::string_view type) const override { return type == "ContactCreate"; }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& cfg = ctx.config.form_to_object;
    auto loaded = LoadEventContact(event, ctx, name());
    if (!loaded.ok()) return loaded.error();
    if (!loaded->has_value()) return Ok{};
    const json& contact = **loaded;

    auto opp = EnsureOpportunity(ctx, contact, ctx.ids.object_pipeline, ctx.ids.object_stage,
                                 cfg.monetary_value, cfg.name_template);
    if (!opp.ok()) return opp.error();
    const std::string& opportunity_id = opp->result;

    auto record = EnsureRecord(ctx, contact, opportunity_id);
    if (!record.ok()) return record.error();
    const std::string& record_id = record->result;

    // Relation: first/second follow the association's first and second objects.
    const std::string& first = ctx.ids.object_is_first ? record_id : opportunity_id;
    const std::string& second = ctx.ids.object_is_first ? opportunity_id : record_id;
    std::string key = "relation:" + ctx.ids.association_id + ":" + first + ":" + second;
    auto related = RunOnce(ctx, key, nullptr, [&](bool) -> Result<std::string> {
      auto r = ops::EnsureRelation(Ops(ctx), ctx.ids.association_id, first, second);
      if (!r.ok()) return Context(r.error(), "relate record and opportunity");
      return Str(r->relation, "id");
    });
    if (!related.ok()) return related.error();

    // Verify: the record's relations show the opportunity (GHL reads can lag a write; an
    // error here fails the event, which is retried, and every step above is then a no-op).
    auto relations = ops::ListRelations(Ops(ctx), record_id, ctx.ids.association_id);
    if (!relations.ok()) return relations.error();
    bool seen = false;
    for (const auto& rel : *relations) {
      seen = seen || (Str(rel, "firstRecordId") == first && Str(rel, "secondRecordId") == second);
    }
    if (!seen) {
      Error e;
      e.kind = ErrorKind::kInternal;
      e.messages.push_back("GET /associations/relations/" + record_id +
                           " does not show the relation to opportunity " + opportunity_id +
                           " yet; the event is retried");
      return e;
    }
    ctx.Note(name(),
             (record->already_done || record->found ? "record exists: " : "created record ") +
                 record_id + " for opportunity " + opportunity_id +
                 (related->already_done ? ", relation exists" : ", related"));
    return Ok{};
  }

 private:
  // One record of the object per opportunity: effect "record:<location>:<object>:<opportunity>".
  static Result<OnceOutcome> EnsureRecord(RecipeContext& ctx, const json& contact,
                                          const std::string& opportunity_id) {
    const auto& cfg = ctx.config.form_to_object;
    std::string key =
        "record:" + ctx.ids.location_id + ":" + ctx.ids.object_key + ":" + opportunity_id;
    auto verify = [&](bool) -> Result<std::optional<std::string>> {
      // A relation of the opportunity under the association names the record.
      auto rels = ops::ListRelations(Ops(ctx), opportunity_id, ctx.ids.association_id);
      if (!rels.ok()) return rels.error();
      for (const auto& rel : *rels) {
        std::string id = Str(rel, ctx.ids.object_is_first ? "firstRecordId" : "secondRecordId");
        if (!id.empty()) return std::optional<std::string>(id);
      }
      // Made just before a crash, not related yet: found by the property holding the id.
      if (!cfg.match_property.empty()) {
        auto found = ops::SearchRecords(Ops(ctx), ctx.ids.object_key,
                                        cfg.match_property + ":" + opportunity_id, 100);
        if (!found.ok()) return found.error();
        for (const auto& rec : *found) {
          const json& props = rec.value("properties", json::object());
          if (props.is_object() && Str(props, cfg.match_property) == opportunity_id) {
            return std::optional<std::string>(Str(rec, "id"));
          }
        }
      }
      return std::optional<std::string>();
    };
    auto act = [&](bool) -> Result<std::string> {
      auto opportunity = ops::GetOpportunity(Ops(ctx), opportunity_id);
      if (!opportunity.ok()) return opportunity.error();
      auto vars = ContactVars(contact);
      vars["contact_id"] = Str(contact, "id");
      vars["opportunity_id"] = opportunity_id;
      vars["opportunity_name"] = Str(*opportunity, "name");
      json properties = json::object();
      for (const auto& [field, text] : cfg.properties) properties[field] = Render(text, vars);
      if (!cfg.match_property.empty()) properties[cfg.match_property] = opportunity_id;
      auto rec = ops::CreateRecord(Ops(ctx), ctx.ids.object_key, properties);
      if (!rec.ok()) return Context(rec.error(), "create " + ctx.ids.object_key + " record");
      return Str(*rec, "id");
    };
    return RunOnce(ctx, key, verify, act);
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeFormToObjectRecipe() { return std::make_unique<FormToObject>(); }

}  // namespace ghl::automations
