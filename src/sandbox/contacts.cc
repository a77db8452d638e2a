// Contacts: create, get, update, delete, upsert, duplicate search, tags, notes, add to
// workflow (spec: shared/ghl-openapi/apps/contacts.json). Search lives in contact_search.cc.
#include <algorithm>
#include <cstdlib>

#include "handler.h"

namespace ghl::sandbox {
namespace {

constexpr FieldRule kContactFields[] = {
    {"firstName", FieldType::kString},
    {"lastName", FieldType::kString},
    {"name", FieldType::kString},
    {"email", FieldType::kEmail},
    {"locationId", FieldType::kString, true},
    {"gender", FieldType::kString},
    {"phone", FieldType::kString},
    {"address1", FieldType::kString},
    {"city", FieldType::kString},
    {"state", FieldType::kString},
    {"postalCode", FieldType::kString},
    {"website", FieldType::kString},
    {"timezone", FieldType::kString},
    {"dnd", FieldType::kBoolean},
    {"dndSettings", FieldType::kObject},
    {"inboundDndSettings", FieldType::kObject},
    {"tags", FieldType::kArray},
    {"customFields", FieldType::kArray},
    {"source", FieldType::kString},
    {"dateOfBirth", FieldType::kAny},
    {"country", FieldType::kString},
    {"companyName", FieldType::kString},
    {"assignedTo", FieldType::kString},
};

// UpdateContactDto: no locationId (GHL answers "property locationId should not exist") and no
// gender; companyName is accepted (the spec omits it, GHL takes it).
constexpr FieldRule kUpdateFields[] = {
    {"firstName", FieldType::kString},   {"lastName", FieldType::kString},
    {"name", FieldType::kString},        {"email", FieldType::kEmail},
    {"phone", FieldType::kString},       {"address1", FieldType::kString},
    {"city", FieldType::kString},        {"state", FieldType::kString},
    {"postalCode", FieldType::kString},  {"website", FieldType::kString},
    {"timezone", FieldType::kString},    {"dnd", FieldType::kBoolean},
    {"dndSettings", FieldType::kObject}, {"inboundDndSettings", FieldType::kObject},
    {"tags", FieldType::kArray},         {"customFields", FieldType::kArray},
    {"source", FieldType::kString},      {"dateOfBirth", FieldType::kAny},
    {"country", FieldType::kString},     {"companyName", FieldType::kString},
    {"assignedTo", FieldType::kString},
};

std::vector<FieldRule> UpsertRules() {
  std::vector<FieldRule> r(std::begin(kContactFields), std::end(kContactFields));
  r.push_back({"createNewIfDuplicateAllowed", FieldType::kBoolean});
  return r;
}

void CheckStringArray(const json& body, std::string_view key, std::vector<std::string>* msgs) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_array()) return;
  for (const auto& v : *it) {
    if (!v.is_string()) {
      msgs->push_back("each value in " + std::string(key) + " must be a string");
      return;
    }
  }
}

// The custom field a `customFields` entry names by `id`, or by `key` ("score" or
// "contact.score"); nullptr when none does.
const Doc* FindCustomField(const Store& store, const json& entry) {
  if (std::string id = Str(entry, "id"); !id.empty()) return store.Get(Coll::kCustomFields, id);
  std::string key = Str(entry, "key");
  if (key.empty()) return nullptr;
  for (const auto& [fid, def] : store.All(Coll::kCustomFields)) {
    std::string fk = Str(def.value, "fieldKey");
    if (fk == key || fk == "contact." + key) return &def;
  }
  return nullptr;
}

// What a value of `data_type` may be, as "a …" for the message; "" when `v` fits.
std::string CustomValueMismatch(std::string_view data_type, const json& v) {
  if (v.is_null()) return {};  // clears the value
  auto is_text_list = [&] {
    if (v.is_string()) return true;
    if (!v.is_array()) return false;
    for (const auto& e : v) {
      if (!e.is_string()) return false;
    }
    return true;
  };
  if (data_type == "NUMERICAL" || data_type == "MONETORY" || data_type == "FLOAT") {
    if (v.is_number()) return {};
    if (v.is_string()) {
      const std::string& t = v.get_ref<const std::string&>();
      char* end = nullptr;
      std::strtod(t.c_str(), &end);
      if (!t.empty() && end == t.c_str() + t.size()) return {};
    }
    return "a number";
  }
  if (data_type == "CHECKBOX" || data_type == "MULTIPLE_OPTIONS") {
    return is_text_list() ? std::string() : "a string or an array of strings";
  }
  if (data_type == "TEXTBOX_LIST") {
    if (v.is_object()) {
      for (const auto& [k, e] : v.items()) {
        if (e.is_structured()) return "an object of option id → text";
      }
      return {};
    }
    return is_text_list() ? std::string() : "an object of option id → text";
  }
  if (data_type == "FILE_UPLOAD" || data_type == "SIGNATURE") {
    return v.is_structured() || v.is_string() ? std::string() : "file metadata (object or array)";
  }
  // TEXT, LARGE_TEXT, PHONE, EMAIL, DATE, TIME, SINGLE_OPTIONS, RADIO and unknown types.
  return v.is_primitive() ? std::string() : "a string";
}

// Each entry names a field (by id or key) and its value fits the field's dataType.
void CheckCustomFields(const Store& store, const json& body, std::vector<std::string>* msgs) {
  auto it = body.find("customFields");
  if (it == body.end() || !it->is_array()) return;
  for (size_t i = 0; i < it->size(); ++i) {
    const json& f = (*it)[i];
    std::string at = "customFields." + std::to_string(i);
    if (!f.is_object() || (!f.contains("id") && !f.contains("key"))) {
      msgs->push_back(at + ".id should not be empty");
      continue;
    }
    std::string value_key = f.contains("field_value") ? "field_value" : "value";
    json value = f.value(value_key, json());
    const Doc* def = FindCustomField(store, f);
    std::string data_type = def ? Str(def->value, "dataType") : "";
    if (std::string want = CustomValueMismatch(data_type, value); !want.empty()) {
      msgs->push_back(at + "." + value_key + " must be " + want +
                      (def ? " for the " + data_type + " field " + Str(def->value, "fieldKey")
                           : std::string()));
    }
  }
}

// Longest text a contact field (or one tag) may hold, in Unicode characters. GHL documents no
// limit; NestJS-style MaxLength with a generous bound keeps a 300,000-character firstName out.
constexpr size_t kMaxContactStringChars = 1000;

size_t Utf8Chars(const std::string& s) {
  size_t n = 0;
  for (unsigned char ch : s) n += (ch & 0xC0) != 0x80;
  return n;
}

void CheckStringLengths(const json& body, std::vector<std::string>* msgs) {
  std::string limit = std::to_string(kMaxContactStringChars);
  for (const auto& [key, value] : body.items()) {
    bool too_long = value.is_string() &&
                    Utf8Chars(value.get_ref<const std::string&>()) > kMaxContactStringChars;
    if (key == "tags" && value.is_array()) {
      for (const auto& t : value) {
        too_long = too_long || (t.is_string() && Utf8Chars(t.get_ref<const std::string&>()) >
                                                     kMaxContactStringChars);
      }
      if (too_long) {
        msgs->push_back("each value in tags must be shorter than or equal to " + limit +
                        " characters");
        continue;
      }
    }
    if (too_long) {
      msgs->push_back(key + " must be shorter than or equal to " + limit + " characters");
    }
  }
}

std::vector<std::string> TagList(const json& tags) {
  std::vector<std::string> out;
  if (!tags.is_array()) return out;
  for (const auto& t : tags) {
    if (!t.is_string()) continue;
    std::string s = Lower(t.get<std::string>());
    auto b = s.find_first_not_of(' ');
    auto e = s.find_last_not_of(' ');
    if (b == std::string::npos) continue;
    s = s.substr(b, e - b + 1);
    if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
  }
  return out;
}

bool LocationAllows(const Store& store, const std::string& location_id, std::string_view key) {
  const Doc* loc = store.Get(Coll::kLocations, location_id);
  if (!loc) return false;
  auto s = loc->value.find("settings");
  return s != loc->value.end() && s->value(std::string(key), false);
}

void EmitContactChange(Ctx& ctx, const json& before, const json& after) {
  ctx.events.push_back({"ContactUpdate", ContactEvent("ContactUpdate", after)});
  if (before.value("tags", json::array()) != after.value("tags", json::array())) {
    ctx.events.push_back({"ContactTagUpdate", ContactEvent("ContactTagUpdate", after)});
  }
}

http::Response CreateContact(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kContactFields);
  if (ctx.body.is_object()) {
    CheckStringArray(ctx.body, "tags", &msgs);
    CheckCustomFields(ctx.store, ctx.body, &msgs);
    CheckStringLengths(ctx.body, &msgs);
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = ctx.body["locationId"].get<std::string>();
  if (!LocationAllows(ctx.store, loc, "allowDuplicateContact")) {
    std::string field;
    if (const Doc* dup =
            FindDuplicate(ctx.store, loc, Str(ctx.body, "email"), Str(ctx.body, "phone"), &field)) {
      std::string name = Str(dup->value, "firstName") + " " + Str(dup->value, "lastName");
      return ErrorResponse(
          400, "This location does not allow duplicated contacts.",
          {{"meta",
            {{"contactName", name}, {"contactId", dup->value["id"]}, {"matchingField", field}}}});
    }
  }
  json c = NewContact(ctx.store.NewId(), loc, ctx.now_ms);
  ApplyContactFields(c, ctx.body, ctx.store, ctx.now_ms, false);
  const Doc& d = ctx.store.Put(Coll::kContacts, std::move(c));
  ctx.events.push_back({"ContactCreate", ContactEvent("ContactCreate", d.value)});
  return JsonText(201, "{\"contact\":" + d.text + "}");
}

http::Response GetContact(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  std::string body;
  body.reserve(d->text.size() + 16);
  body += "{\"contact\":";
  body += d->text;
  body += '}';
  return JsonText(200, std::move(body));
}

http::Response UpdateContact(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kUpdateFields);
  if (ctx.body.is_object()) {
    CheckStringArray(ctx.body, "tags", &msgs);
    CheckCustomFields(ctx.store, ctx.body, &msgs);
    CheckStringLengths(ctx.body, &msgs);
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json before = d->value;
  json c = before;
  ApplyContactFields(c, ctx.body, ctx.store, ctx.now_ms, false);
  const Doc& nd = ctx.store.Put(Coll::kContacts, std::move(c));
  EmitContactChange(ctx, before, nd.value);
  return JsonText(200, "{\"succeded\":true,\"contact\":" + nd.text + "}");
}

http::Response DeleteContact(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  json ev = ContactEvent("ContactDelete", d->value);
  ctx.store.Erase(Coll::kContacts, ctx.Path("contactId"));
  ctx.events.push_back({"ContactDelete", std::move(ev)});
  return Json(200, {{"succeded", true}});
}

http::Response UpsertContact(Ctx& ctx) {
  static const auto kRules = UpsertRules();
  auto msgs = ValidateBody(ctx.body, kRules);
  if (ctx.body.is_object()) {
    CheckStringArray(ctx.body, "tags", &msgs);
    CheckCustomFields(ctx.store, ctx.body, &msgs);
    CheckStringLengths(ctx.body, &msgs);
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = ctx.body["locationId"].get<std::string>();
  json input = ctx.body;
  input.erase("createNewIfDuplicateAllowed");
  std::string field;
  const Doc* dup = FindDuplicate(ctx.store, loc, Str(input, "email"), Str(input, "phone"), &field);
  if (dup) {
    json before = dup->value;
    json c = before;
    ApplyContactFields(c, input, ctx.store, ctx.now_ms, true);
    const Doc& nd = ctx.store.Put(Coll::kContacts, std::move(c));
    EmitContactChange(ctx, before, nd.value);
    return JsonText(
        200, "{\"new\":false,\"contact\":" + nd.text + ",\"traceId\":\"" + NewTraceId() + "\"}");
  }
  json c = NewContact(ctx.store.NewId(), loc, ctx.now_ms);
  ApplyContactFields(c, input, ctx.store, ctx.now_ms, false);
  const Doc& nd = ctx.store.Put(Coll::kContacts, std::move(c));
  ctx.events.push_back({"ContactCreate", ContactEvent("ContactCreate", nd.value)});
  return JsonText(
      200, "{\"new\":true,\"contact\":" + nd.text + ",\"traceId\":\"" + NewTraceId() + "\"}");
}

http::Response DuplicateContact(Ctx& ctx) {
  std::string email = ctx.Query("email").value_or("");
  std::string phone = ctx.Query("number").value_or(ctx.Query("phone").value_or(""));
  std::string field;
  const Doc* d = (email.empty() && phone.empty())
                     ? nullptr
                     : FindDuplicate(ctx.store, ctx.LocationId(), email, phone, &field);
  if (!d) return JsonText(200, "{\"contact\":null}");
  return JsonText(200, "{\"contact\":" + d->text + "}");
}

constexpr FieldRule kTagsRules[] = {{"tags", FieldType::kArray, true}};

http::Response ChangeTags(Ctx& ctx, bool add) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kTagsRules);
  if (ctx.body.is_object()) CheckStringArray(ctx.body, "tags", &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json before = d->value;
  json c = before;
  auto tags = TagList(c.value("tags", json::array()));
  for (const auto& t : TagList(ctx.body["tags"])) {
    auto it = std::find(tags.begin(), tags.end(), t);
    if (add && it == tags.end()) tags.push_back(t);
    if (!add && it != tags.end()) tags.erase(it);
  }
  c["tags"] = tags;
  if (c["tags"] != before.value("tags", json::array())) {
    c["dateUpdated"] = IsoUtcMs(ctx.now_ms);
    const Doc& nd = ctx.store.Put(Coll::kContacts, std::move(c));
    ctx.events.push_back({"ContactTagUpdate", ContactEvent("ContactTagUpdate", nd.value)});
  }
  return Json(add ? 201 : 200, {{"tags", tags}});
}

http::Response AddTags(Ctx& ctx) { return ChangeTags(ctx, true); }
http::Response RemoveTags(Ctx& ctx) { return ChangeTags(ctx, false); }

constexpr FieldRule kNoteRules[] = {
    {"userId", FieldType::kString},  {"body", FieldType::kString, true},
    {"title", FieldType::kString},   {"color", FieldType::kString},
    {"pinned", FieldType::kBoolean},
};

http::Response CreateNote(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kNoteRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  json note = {{"id", ctx.store.NewId()},
               {"body", ctx.body["body"]},
               {"userId", Str(ctx.body, "userId")},
               {"dateAdded", IsoUtcMs(ctx.now_ms)},
               {"contactId", ctx.Path("contactId")},
               {"locationId", ctx.LocationId()}};
  for (auto k : {"title", "color", "pinned"}) {
    if (ctx.body.contains(k) && !ctx.body[k].is_null()) note[k] = ctx.body[k];
  }
  const Doc& nd = ctx.store.Put(Coll::kNotes, Str(note, "id"), note);
  json ev = {
      {"type", "NoteCreate"}, {"locationId", note["locationId"]}, {"id", note["id"]},
      {"body", note["body"]}, {"contactId", note["contactId"]},   {"dateAdded", note["dateAdded"]}};
  ctx.events.push_back({"NoteCreate", std::move(ev)});
  return JsonText(201, "{\"note\":" + nd.text + "}");
}

http::Response ListNotes(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  std::vector<const Doc*> notes;
  const std::string& cid = ctx.Path("contactId");
  for (const auto& [id, n] : ctx.store.All(Coll::kNotes)) {
    if (Str(n.value, "contactId") == cid) notes.push_back(&n);
  }
  std::stable_sort(notes.begin(), notes.end(), [](const Doc* a, const Doc* b) {
    return Str(a->value, "dateAdded") > Str(b->value, "dateAdded");
  });
  std::string body = "{\"notes\":[";
  for (size_t i = 0; i < notes.size(); ++i) {
    if (i) body += ',';
    body += notes[i]->text;
  }
  body += "]}";
  return JsonText(200, std::move(body));
}

constexpr FieldRule kWorkflowRules[] = {{"eventStartTime", FieldType::kString}};

http::Response AddToWorkflow(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadContact(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kWorkflowRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const Doc* wf = ctx.store.Get(Coll::kWorkflows, ctx.Path("workflowId"));
  if (!wf || !SameLocation(ctx, wf->value)) return NotFound("Workflow not found");
  json e = {{"id", ctx.store.NewId()},
            {"contactId", ctx.Path("contactId")},
            {"workflowId", ctx.Path("workflowId")},
            {"locationId", ctx.LocationId()},
            {"eventStartTime", Str(ctx.body, "eventStartTime")},
            {"dateAdded", IsoUtcMs(ctx.now_ms)}};
  ctx.store.Put(Coll::kEnrollments, Str(e, "id"), e);
  return Json(200, {{"succeded", true}});
}

constexpr RouteDef kRoutes[] = {
    {"contacts.create-contact", CreateContact, true},
    {"contacts.get-contact", GetContact, false},
    {"contacts.update-contact", UpdateContact, true},
    {"contacts.delete-contact", DeleteContact, true},
    {"contacts.upsert-contact", UpsertContact, true},
    {"contacts.search-contacts-advanced", SearchContacts, false},
    {"contacts.get-duplicate-contact", DuplicateContact, false},
    {"contacts.add-tags", AddTags, true},
    {"contacts.remove-tags", RemoveTags, true},
    {"contacts.create-note", CreateNote, true},
    {"contacts.get-all-notes", ListNotes, false},
    {"contacts.add-contact-to-workflow", AddToWorkflow, true},
};

}  // namespace

std::span<const RouteDef> ContactRoutes() { return kRoutes; }

json NewContact(const std::string& id, const std::string& location_id, int64_t now_ms) {
  std::string now = IsoUtcMs(now_ms);
  return {{"id", id},         {"locationId", location_id}, {"type", "lead"},
          {"dnd", false},     {"tags", json::array()},     {"customFields", json::array()},
          {"dateAdded", now}, {"dateUpdated", now}};
}

void ApplyContactFields(json& c, const json& input, const Store& store, int64_t now_ms,
                        bool merge_tags) {
  if (!input.is_object()) return;
  for (const auto& [k, v] : input.items()) {
    if (k == "locationId" || k == "tags" || k == "customFields" || k == "name") continue;
    if (v.is_null()) {
      c.erase(k);
    } else if (k == "phone") {
      std::string p = NormalizePhone(v.get<std::string>());
      if (p.empty())
        c.erase("phone");
      else
        c["phone"] = p;
    } else {
      c[k] = v;
    }
  }
  if (auto n = input.find("name"); n != input.end() && n->is_string() &&
                                   !input.contains("firstName") && !input.contains("lastName")) {
    std::string name = n->get<std::string>();
    auto sp = name.find(' ');
    c["firstName"] = name.substr(0, sp);
    if (sp != std::string::npos) c["lastName"] = name.substr(sp + 1);
  }
  if (auto t = input.find("tags"); t != input.end() && t->is_array()) {
    auto tags = merge_tags ? TagList(c.value("tags", json::array())) : std::vector<std::string>{};
    for (const auto& s : TagList(*t)) {
      if (std::find(tags.begin(), tags.end(), s) == tags.end()) tags.push_back(s);
    }
    c["tags"] = tags;
  }
  if (auto cf = input.find("customFields"); cf != input.end() && cf->is_array()) {
    json& mine = c["customFields"];
    if (!mine.is_array()) mine = json::array();
    for (const auto& f : *cf) {
      if (!f.is_object()) continue;
      std::string id = Str(f, "id");
      if (id.empty()) {
        const Doc* def = FindCustomField(store, f);
        if (def == nullptr) continue;
        id = Str(def->value, "id");
      }
      json value = f.contains("field_value") ? f["field_value"] : f.value("value", json());
      bool replaced = false;
      for (auto& m : mine) {
        if (Str(m, "id") == id) {
          m["value"] = value;
          replaced = true;
        }
      }
      if (!replaced) mine.push_back({{"id", id}, {"value", value}});
    }
  }
  std::string first = Str(c, "firstName"), last = Str(c, "lastName");
  if (!first.empty()) c["firstNameLowerCase"] = Lower(first);
  if (!last.empty()) c["lastNameLowerCase"] = Lower(last);
  std::string full = first.empty() ? last : (last.empty() ? first : first + " " + last);
  if (!full.empty()) c["fullNameLowerCase"] = Lower(full);
  if (auto e = Str(c, "email"); !e.empty())
    c["emailLowerCase"] = Lower(e);
  else
    c.erase("emailLowerCase");
  c["dateUpdated"] = IsoUtcMs(now_ms);
}

const Doc* FindDuplicate(const Store& store, const std::string& location_id,
                         const std::string& email, const std::string& phone,
                         std::string* matching_field) {
  std::string e = Lower(email);
  std::string p = NormalizePhone(phone);
  const Doc* by_phone = nullptr;
  for (const auto& [id, d] : store.All(Coll::kContacts)) {
    if (Str(d.value, "locationId") != location_id) continue;
    if (!e.empty() && Str(d.value, "emailLowerCase") == e) {
      *matching_field = "email";
      return &d;
    }
    if (!p.empty() && !by_phone && Str(d.value, "phone") == p) by_phone = &d;
  }
  if (by_phone) *matching_field = "phone";
  return by_phone;
}

}  // namespace ghl::sandbox
