// A calendar by id (get, update, delete), deleting an event (AppointmentDelete webhook), and
// taking a contact out of a workflow (specs: shared/ghl-openapi/apps/calendars.json,
// contacts.json).
#include "handler.h"
#include "time_util.h"

namespace ghl::sandbox {
namespace {

std::optional<http::Response> LoadCalendar(const Ctx& ctx, const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kCalendars, ctx.Path("calendarId"));
  if (!d) return NotFound("Calendar not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  *out = d;
  return std::nullopt;
}

http::Response GetCalendar(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadCalendar(ctx, &d)) return *err;
  return JsonText(200, "{\"calendar\":" + d->text + "}");
}

// The fields of CalendarUpdateDTO the sandbox keeps and checks (GHL's spelling, appoinment…);
// the free slots follow the new slotDuration, slotInterval, slotBuffer and openHours.
constexpr FieldRule kUpdateCalendar[] = {
    {"name", FieldType::kString},
    {"description", FieldType::kString},
    {"slug", FieldType::kString},
    {"widgetSlug", FieldType::kString},
    {"eventTitle", FieldType::kString},
    {"eventColor", FieldType::kString},
    {"groupId", FieldType::kString},
    {"teamMembers", FieldType::kArray},
    {"eventType", FieldType::kString},
    {"slotDuration", FieldType::kNumber},
    {"slotDurationUnit", FieldType::kString},
    {"slotInterval", FieldType::kNumber},
    {"slotIntervalUnit", FieldType::kString},
    {"slotBuffer", FieldType::kNumber},
    {"preBuffer", FieldType::kNumber},
    {"preBufferUnit", FieldType::kString},
    {"appoinmentPerSlot", FieldType::kNumber},
    {"appoinmentPerDay", FieldType::kNumber},
    {"allowBookingAfter", FieldType::kNumber},
    {"allowBookingAfterUnit", FieldType::kString},
    {"allowBookingFor", FieldType::kNumber},
    {"allowBookingForUnit", FieldType::kString},
    {"openHours", FieldType::kArray},
    {"autoConfirm", FieldType::kBoolean},
    {"allowReschedule", FieldType::kBoolean},
    {"allowCancellation", FieldType::kBoolean},
    {"isActive", FieldType::kBoolean},
    {"notes", FieldType::kString},
};

http::Response UpdateCalendar(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadCalendar(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kUpdateCalendar);
  for (auto k : {"slotDuration", "slotInterval"}) {
    if (ctx.body.is_object() && ctx.body.contains(k) && ctx.body[k].is_number() &&
        ctx.body[k].get<double>() < 1) {
      msgs.push_back(std::string(k) + " must not be less than 1");
    }
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json c = d->value;
  if (ctx.body.is_object()) {
    for (const auto& [k, v] : ctx.body.items()) {
      if (!v.is_null()) c[k] = v;
    }
  }
  const Doc& nd = ctx.store.Put(Coll::kCalendars, std::move(c));
  return JsonText(200, "{\"calendar\":" + nd.text + "}");
}

http::Response DeleteCalendar(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadCalendar(ctx, &d)) return *err;
  ctx.store.Erase(Coll::kCalendars, ctx.Path("calendarId"));
  return Json(200, {{"success", true}});
}

http::Response DeleteEvent(Ctx& ctx) {
  const Doc* d = ctx.store.Get(Coll::kAppointments, ctx.Path("eventId"));
  if (!d) return NotFound("Event not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  json appointment = d->value;
  appointment.erase("toNotify");
  ctx.store.Erase(Coll::kAppointments, ctx.Path("eventId"));
  ctx.events.push_back({"AppointmentDelete",
                        {{"type", "AppointmentDelete"},
                         {"locationId", appointment["locationId"]},
                         {"appointment", std::move(appointment)}}});
  return Json(201, {{"succeeded", true}});
}

constexpr FieldRule kWorkflowRules[] = {{"eventStartTime", FieldType::kString}};

http::Response RemoveFromWorkflow(Ctx& ctx) {
  const Doc* contact = nullptr;
  if (auto err = LoadContact(ctx, &contact)) return *err;
  auto msgs = ValidateBody(ctx.body, kWorkflowRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const Doc* wf = ctx.store.Get(Coll::kWorkflows, ctx.Path("workflowId"));
  if (!wf || !SameLocation(ctx, wf->value)) return NotFound("Workflow not found");
  std::vector<std::string> gone;
  for (const auto& [id, e] : ctx.store.All(Coll::kEnrollments)) {
    if (Str(e.value, "contactId") == ctx.Path("contactId") &&
        Str(e.value, "workflowId") == ctx.Path("workflowId")) {
      gone.push_back(id);
    }
  }
  for (const auto& id : gone) ctx.store.Erase(Coll::kEnrollments, id);
  return Json(200, {{"succeded", true}});
}

constexpr RouteDef kRoutes[] = {
    {"calendars.get-calendar", GetCalendar, false},
    {"calendars.update-calendar", UpdateCalendar, true},
    {"calendars.delete-calendar", DeleteCalendar, true},
    {"calendars.delete-event", DeleteEvent, true},
    {"contacts.delete-contact-from-workflow", RemoveFromWorkflow, true},
};

}  // namespace

std::span<const RouteDef> CalendarRecordRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
