// What hangs off a contact besides tags: tasks (list, create, get, update, complete, delete),
// notes by id (get, update, delete), followers, and the contact's appointments
// (spec: shared/ghl-openapi/apps/contacts.json). Each write sends GHL's webhook where it has
// one (TaskCreate, TaskComplete, TaskDelete, NoteUpdate, NoteDelete).
#include <algorithm>

#include "handler.h"
#include "time_util.h"

namespace ghl::sandbox {
namespace {

// ---- tasks ----------------------------------------------------------------------------------

constexpr FieldRule kCreateTask[] = {
    {"title", FieldType::kString, true},   {"body", FieldType::kString},
    {"dueDate", FieldType::kString, true}, {"completed", FieldType::kBoolean, true},
    {"assignedTo", FieldType::kString},
};
constexpr FieldRule kUpdateTask[] = {
    {"title", FieldType::kString},      {"body", FieldType::kString},
    {"dueDate", FieldType::kString},    {"completed", FieldType::kBoolean},
    {"assignedTo", FieldType::kString},
};
constexpr FieldRule kCompleteTask[] = {{"completed", FieldType::kBoolean, true}};

void CheckDueDate(const json& body, std::vector<std::string>* msgs) {
  if (auto it = body.find("dueDate");
      it != body.end() && it->is_string() && !ParseIso(it->get_ref<const std::string&>())) {
    msgs->push_back("dueDate must be a valid ISO 8601 date string");
  }
}

// An empty or blank title gets one message naming the field and the fix (class-validator's pair
// "title should not be empty" + "title must be a string" reads as a type error).
void CheckTitle(const json& body, bool required, std::vector<std::string>* msgs) {
  auto it = body.is_object() ? body.find("title") : json::const_iterator();
  bool present = body.is_object() && it != body.end() && !it->is_null();
  bool blank = present && it->is_string() &&
               it->get_ref<const std::string&>().find_first_not_of(" \t\r\n") == std::string::npos;
  if (!blank && (present || !required)) return;
  std::erase(*msgs, std::string("title should not be empty"));
  std::erase(*msgs, std::string("title must be a string"));
  msgs->insert(msgs->begin(),
               "title should not be empty: give the task a title, e.g. \"Call back\"");
}

json TaskEvent(std::string_view type, const json& task) {
  json ev = {{"type", type}};
  for (auto k : {"locationId", "id", "assignedTo", "body", "contactId", "title", "dateAdded",
                 "dueDate", "completed"}) {
    if (task.contains(k)) ev[k] = task[k];
  }
  return ev;
}

// The task named by {taskId} of the contact named by {contactId}.
std::optional<http::Response> LoadTask(const Ctx& ctx, const Doc** out) {
  const Doc* contact = nullptr;
  if (auto err = LoadContact(ctx, &contact)) return err;
  const Doc* t = ctx.store.Get(Coll::kTasks, ctx.Path("taskId"));
  if (!t || Str(t->value, "contactId") != ctx.Path("contactId")) {
    return NotFound("Task not found");
  }
  *out = t;
  return std::nullopt;
}

http::Response ListTasks(Ctx& ctx) {
  const Doc* contact = nullptr;
  if (auto err = LoadContact(ctx, &contact)) return *err;
  std::vector<const Doc*> tasks;
  for (const auto& [id, t] : ctx.store.All(Coll::kTasks)) {
    if (Str(t.value, "contactId") == ctx.Path("contactId")) tasks.push_back(&t);
  }
  std::stable_sort(tasks.begin(), tasks.end(), [](const Doc* a, const Doc* b) {
    return Str(a->value, "dueDate") < Str(b->value, "dueDate");
  });
  std::string body = "{\"tasks\":[";
  for (size_t i = 0; i < tasks.size(); ++i) body += (i ? "," : "") + tasks[i]->text;
  return JsonText(200, body + "]}");
}

http::Response CreateTask(Ctx& ctx) {
  const Doc* contact = nullptr;
  if (auto err = LoadContact(ctx, &contact)) return *err;
  auto msgs = ValidateBody(ctx.body, kCreateTask);
  CheckTitle(ctx.body, /*required=*/true, &msgs);
  if (msgs.empty()) CheckDueDate(ctx.body, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json task = {{"id", ctx.store.NewId()},
               {"title", ctx.body["title"]},
               {"body", Str(ctx.body, "body")},
               {"dueDate", ctx.body["dueDate"]},
               {"completed", ctx.body["completed"]},
               {"assignedTo", Str(ctx.body, "assignedTo")},
               {"contactId", ctx.Path("contactId")},
               {"locationId", Str(contact->value, "locationId")},
               {"dateAdded", IsoUtcMs(ctx.now_ms)}};
  const Doc& d = ctx.store.Put(Coll::kTasks, Str(task, "id"), task);
  ctx.events.push_back({"TaskCreate", TaskEvent("TaskCreate", d.value)});
  return JsonText(201, "{\"task\":" + d.text + "}");
}

http::Response GetTask(Ctx& ctx) {
  const Doc* t = nullptr;
  if (auto err = LoadTask(ctx, &t)) return *err;
  return JsonText(200, "{\"task\":" + t->text + "}");
}

http::Response WriteTask(Ctx& ctx, std::span<const FieldRule> rules) {
  const Doc* t = nullptr;
  if (auto err = LoadTask(ctx, &t)) return *err;
  auto msgs = ValidateBody(ctx.body, rules);
  CheckTitle(ctx.body, /*required=*/false, &msgs);
  if (msgs.empty()) CheckDueDate(ctx.body, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json task = t->value;
  bool was_completed = task.value("completed", false);
  for (const auto& [k, v] : ctx.body.items()) {
    if (!v.is_null()) task[k] = v;
  }
  const Doc& d = ctx.store.Put(Coll::kTasks, Str(task, "id"), task);
  if (!was_completed && d.value.value("completed", false)) {
    ctx.events.push_back({"TaskComplete", TaskEvent("TaskComplete", d.value)});
  }
  return JsonText(200, "{\"task\":" + d.text + "}");
}

http::Response UpdateTask(Ctx& ctx) { return WriteTask(ctx, kUpdateTask); }
http::Response CompleteTask(Ctx& ctx) { return WriteTask(ctx, kCompleteTask); }

http::Response DeleteTask(Ctx& ctx) {
  const Doc* t = nullptr;
  if (auto err = LoadTask(ctx, &t)) return *err;
  json ev = TaskEvent("TaskDelete", t->value);
  ctx.store.Erase(Coll::kTasks, ctx.Path("taskId"));
  ctx.events.push_back({"TaskDelete", std::move(ev)});
  return Json(200, {{"succeded", true}});
}

// ---- notes by id -----------------------------------------------------------------------------

constexpr FieldRule kUpdateNote[] = {
    {"userId", FieldType::kString},  {"body", FieldType::kString, true},
    {"title", FieldType::kString},   {"color", FieldType::kString},
    {"pinned", FieldType::kBoolean},
};

std::optional<http::Response> LoadNote(const Ctx& ctx, const Doc** out) {
  const Doc* contact = nullptr;
  if (auto err = LoadContact(ctx, &contact)) return err;
  const Doc* n = ctx.store.Get(Coll::kNotes, ctx.Path("id"));
  if (!n || Str(n->value, "contactId") != ctx.Path("contactId")) return NotFound("Note not found");
  *out = n;
  return std::nullopt;
}

json NoteEvent(std::string_view type, const json& note) {
  return {
      {"type", type},         {"locationId", note["locationId"]}, {"id", note["id"]},
      {"body", note["body"]}, {"contactId", note["contactId"]},   {"dateAdded", note["dateAdded"]}};
}

http::Response GetNote(Ctx& ctx) {
  const Doc* n = nullptr;
  if (auto err = LoadNote(ctx, &n)) return *err;
  return JsonText(200, "{\"note\":" + n->text + "}");
}

http::Response UpdateNote(Ctx& ctx) {
  const Doc* n = nullptr;
  if (auto err = LoadNote(ctx, &n)) return *err;
  auto msgs = ValidateBody(ctx.body, kUpdateNote);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json note = n->value;
  for (const auto& [k, v] : ctx.body.items()) {
    if (!v.is_null()) note[k] = v;
  }
  const Doc& d = ctx.store.Put(Coll::kNotes, Str(note, "id"), note);
  ctx.events.push_back({"NoteUpdate", NoteEvent("NoteUpdate", d.value)});
  return JsonText(200, "{\"note\":" + d.text + "}");
}

http::Response DeleteNote(Ctx& ctx) {
  const Doc* n = nullptr;
  if (auto err = LoadNote(ctx, &n)) return *err;
  json ev = NoteEvent("NoteDelete", n->value);
  ctx.store.Erase(Coll::kNotes, ctx.Path("id"));
  ctx.events.push_back({"NoteDelete", std::move(ev)});
  return Json(200, {{"succeded", true}});
}

// ---- followers -------------------------------------------------------------------------------

http::Response ChangeFollowers(Ctx& ctx, bool add) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  return ApplyFollowers(ctx, Coll::kContacts, *d, add);
}

http::Response AddFollowers(Ctx& ctx) { return ChangeFollowers(ctx, true); }
http::Response RemoveFollowers(Ctx& ctx) { return ChangeFollowers(ctx, false); }

// ---- the contact's appointments --------------------------------------------------------------

http::Response ContactAppointments(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  std::vector<const Doc*> events;
  for (const auto& [id, a] : ctx.store.All(Coll::kAppointments)) {
    if (Str(a.value, "contactId") == ctx.Path("contactId")) events.push_back(&a);
  }
  std::stable_sort(events.begin(), events.end(), [](const Doc* a, const Doc* b) {
    return Str(a->value, "startTime") < Str(b->value, "startTime");
  });
  std::string body = "{\"events\":[";
  for (size_t i = 0; i < events.size(); ++i) body += (i ? "," : "") + events[i]->text;
  return JsonText(200, body + "]}");
}

constexpr RouteDef kRoutes[] = {
    {"contacts.get-all-tasks", ListTasks, false},
    {"contacts.create-task", CreateTask, true},
    {"contacts.get-task", GetTask, false},
    {"contacts.update-task", UpdateTask, true},
    {"contacts.update-task-completed", CompleteTask, true},
    {"contacts.delete-task", DeleteTask, true},
    {"contacts.get-note", GetNote, false},
    {"contacts.update-note", UpdateNote, true},
    {"contacts.delete-note", DeleteNote, true},
    {"contacts.add-followers-contact", AddFollowers, true},
    {"contacts.remove-followers-contact", RemoveFollowers, true},
    {"contacts.get-appointments-for-contact", ContactAppointments, false},
};

}  // namespace

std::span<const RouteDef> ContactTaskRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
