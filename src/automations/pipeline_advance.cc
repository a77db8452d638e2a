// Cookbook 2.4: an appointment marked showed moves the contact's open opportunity forward to
// the configured stage and logs a note with the UTC time.
#include "ghl/core/time_format.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/opportunities.h"
#include "template.h"
#include "util.h"

namespace ghl::automations {
namespace {

class PipelineAdvance final : public Recipe {
 public:
  std::string_view name() const override { return "pipeline_advance"; }
  bool Handles(std::string_view type) const override {
    // GHL's own AppointmentUpdate example is typed "AppointmentCreate": take both.
    return type == "AppointmentCreate" || type == "AppointmentUpdate";
  }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const json& payload = event.body.value("appointment", json::object());
    std::string appointment_id = Str(payload, "id");
    if (appointment_id.empty()) {
      ctx.Note(name(), "event has no appointment.id; skipped");
      return Ok{};
    }
    std::string payload_status = Str(payload, "appointmentStatus");
    if (!payload_status.empty() && payload_status != "showed") return Ok{};
    auto r = ops::GetAppointment(Ops(ctx), appointment_id);
    if (!r.ok()) {
      if (IsNotFound(r.error())) {
        ctx.Note(name(), "appointment " + appointment_id + " no longer exists; skipped");
        return Ok{};
      }
      return Context(r.error(), "get appointment");
    }
    const json& appt = *r;
    if (Str(appt, "appointmentStatus") != "showed") {
      ctx.Note(name(), "appointment " + appointment_id + " is " + Str(appt, "appointmentStatus") +
                           " (now), not showed; skipped");
      return Ok{};
    }
    std::string contact_id = Str(appt, "contactId");
    const Pipeline& pipeline = ctx.ids.advance_pipeline;
    const Stage& target = ctx.ids.advance_stage;
    auto open = SearchOpportunities(ctx, contact_id, pipeline.id, "open");
    if (!open.ok()) return Context(open.error(), "search opportunities");
    if (open->empty()) {
      // Not recorded as done: a replay after the opportunity exists will act.
      ctx.Note(name(), "contact " + contact_id + " has no open opportunity in '" + pipeline.name +
                           "'; skipped");
      return Ok{};
    }
    std::string key = "advance:" + ctx.ids.location_id + ":" + appointment_id + ":" + target.id;
    auto done = RunOnce(ctx, key, nullptr, [&](bool resumed) -> Result<std::string> {
      const json& opp = (*open)[0];
      std::string opp_id = Str(opp, "id");
      const Stage* current = pipeline.FindStage(Str(opp, "pipelineStageId"));
      int current_pos = current ? current->position : -1;
      bool moved = false;
      if (current_pos < target.position) {
        auto put = ops::UpdateOpportunity(Ops(ctx), opp_id, {.stage_id = target.id});
        if (!put.ok()) return Context(put.error(), "move opportunity");
        moved = true;
        ctx.Note(name(), "moved opportunity " + opp_id + " to " + target.name);
      } else if (current_pos > target.position) {
        ctx.Note(name(), "opportunity " + opp_id + " is already past " + target.name);
        return "past:" + opp_id;
      }
      if (!moved && !resumed) {
        ctx.Note(name(), "opportunity " + opp_id + " already at " + target.name);
        return "at:" + opp_id;
      }
      if (resumed && !moved) {
        // An earlier attempt moved it and may have died before the note.
        auto notes = ops::ListNotes(Ops(ctx), contact_id);
        if (!notes.ok()) return Context(notes.error(), "list notes");
        for (const auto& n : *notes) {
          if (Str(n, "body").find(appointment_id) != std::string::npos) return "moved:" + opp_id;
        }
      }
      std::string text = Render(ctx.config.pipeline_advance.note_template,
                                {{"stage", target.name},
                                 {"opportunity", Str(opp, "name")},
                                 {"time_utc", FormatUtcIso(ctx.now, IsoPrecision::kMilliseconds)},
                                 {"appointment_id", appointment_id}});
      auto note = ops::AddNote(Ops(ctx), contact_id, text);
      if (!note.ok()) return Context(note.error(), "add note");
      ctx.Note(name(), "added note");
      return "moved:" + opp_id;
    });
    if (!done.ok()) return done.error();
    if (done->already_done) ctx.Note(name(), "already advanced for this appointment");
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Recipe> MakePipelineAdvanceRecipe() { return std::make_unique<PipelineAdvance>(); }

}  // namespace ghl::automations
