#include "ghl/ops/contacts.h"

#include <algorithm>
#include <cctype>

#include "call.h"
#include "ghl/ops/locations.h"
#include "ghl/phone/phone.h"

namespace ghl::ops {
namespace {

using namespace internal;

constexpr std::string_view kDuplicatePath = "/contacts/search/duplicate";

Result<std::optional<json>> DuplicateLookup(const Context& ctx, std::string_view key,
                                            const std::string& value) {
  auto r = Read(ctx, {.method = "GET",
                      .path = std::string(kDuplicatePath),
                      .query = {{"locationId", LocationOf(ctx)}, {std::string(key), value}}});
  if (!r.ok()) return r.error();
  if (!r->is_object()) return std::optional<json>();
  auto it = r->find("contact");
  if (it == r->end() || !it->is_object() || Str(*it, "id").empty()) return std::optional<json>();
  return std::optional<json>(*it);
}

// Contact fields with the phone in E.164 (GHL stores what it is given).
Result<json> PreparedFields(const Context& ctx, const ContactWrite& write) {
  if (!write.fields.is_object()) return UsageError("contact fields must be a JSON object");
  json body = write.fields;
  for (const char* reserved : {"tags", "customFields"}) {
    if (body.contains(reserved)) {
      return UsageError(std::string("contact field '") + reserved + "' goes in its own argument",
                        "pass tags and custom fields separately, not inside the fields object");
    }
  }
  // The email as the exact lookups read it, so an upsert matches what find_contact found.
  if (auto e = body.find("email"); e != body.end() && e->is_string()) {
    *e = NormalizeEmail(e->get<std::string>());
  }
  if (auto p = body.find("phone"); p != body.end() && p->is_string() && !p->empty()) {
    auto e164 = NormalizePhoneIn(ctx, p->get<std::string>());
    if (!e164.ok()) return e164.error();
    *p = *e164;
  }
  if (!write.tags.empty()) body["tags"] = write.tags;
  if (!write.custom_fields.empty()) {
    auto cf = ResolveCustomFields(ctx, write.custom_fields);
    if (!cf.ok()) return cf.error();
    body["customFields"] = std::move(*cf);
  }
  return body;
}

}  // namespace

Result<std::string> NormalizePhone(std::string_view phone) {
  auto parsed = phone::Parse(phone);
  if (!parsed.ok()) return parsed.error();
  return std::move(parsed->e164);
}

Result<std::string> NormalizePhoneIn(const Context& ctx, std::string_view phone) {
  std::string_view text = phone;
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  if (text.size() > 4 && Lower(text.substr(0, 4)) == "tel:") text.remove_prefix(4);
  if (text.empty() || text.front() == '+' || text.substr(0, 2) == "00") {
    return NormalizePhone(phone);
  }
  // A national number: the location's country says how to read it. Without the location
  // (a token without locations.readonly) it is read as before, North American.
  std::string region = "US";
  if (auto location = GetLocation(ctx); location.ok()) {
    std::string country = Str(*location, "country");
    if (country.size() == 2) region = country;
  }
  auto parsed = phone::Parse(phone, region);
  if (!parsed.ok()) return parsed.error();
  return std::move(parsed->e164);
}

std::string NormalizeEmail(std::string_view email) {
  auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!email.empty() && space(email.back())) email.remove_suffix(1);
  while (!email.empty() && space(email.front())) email.remove_prefix(1);
  if (email.size() > 7 && Lower(email.substr(0, 7)) == "mailto:") email.remove_prefix(7);
  return std::string(email);
}

Result<std::optional<json>> FindContactByEmail(const Context& ctx, std::string_view email) {
  std::string wanted = NormalizeEmail(email);
  auto at = wanted.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == wanted.size() ||
      std::any_of(wanted.begin(), wanted.end(),
                  [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; })) {
    return UsageError("email '" + std::string(email) + "' is not an email address",
                      "give the whole address, e.g. jane@example.com; for a partial match use "
                      "the fuzzy contact search");
  }
  auto found = DuplicateLookup(ctx, "email", wanted);
  if (!found.ok() || !found->has_value()) return found;
  // GHL's duplicate search may answer by its own "unique identifier" rules: keep exact only.
  if (Lower(Str(**found, "email")) != Lower(wanted)) return std::optional<json>();
  return found;
}

Result<std::optional<json>> FindContactByPhone(const Context& ctx, std::string_view phone) {
  auto e164 = NormalizePhoneIn(ctx, phone);
  if (!e164.ok()) return e164.error();
  auto found = DuplicateLookup(ctx, "number", *e164);
  if (!found.ok() || !found->has_value()) return found;
  auto theirs = NormalizePhoneIn(ctx, Str(**found, "phone"));
  if (!theirs.ok() || *theirs != *e164) return std::optional<json>();
  return found;
}

Result<json> EnsureContactByPhone(const Context& ctx, std::string_view phone, bool* created) {
  if (created) *created = false;
  auto e164 = NormalizePhoneIn(ctx, phone);
  if (!e164.ok()) return e164.error();
  auto found = FindContactByPhone(ctx, *e164);
  if (!found.ok()) return found.error();
  if (found->has_value()) return **found;
  ContactWrite write;
  write.fields["phone"] = *e164;
  auto up = UpsertContact(ctx, write);
  if (!up.ok()) return up.error();
  if (created) *created = up->created;
  return up->contact;
}

Result<json> SearchContacts(const Context& ctx, const ContactSearch& search) {
  if (search.limit < 1 || search.limit > 100) {
    return UsageError("limit " + std::to_string(search.limit) + " is outside 1..100");
  }
  if (search.page < 1) return UsageError("page must be 1 or more");
  json filters = json::array();
  for (const auto& tag : search.tags) {
    filters.push_back({{"field", "tags"}, {"operator", "contains"}, {"value", tag}});
  }
  if (!search.any_of.empty()) {
    json ors = json::array();
    for (const auto& f : search.any_of) {
      ors.push_back({{"field", f.field}, {"operator", f.op}, {"value", f.value}});
    }
    filters.push_back({{"group", "OR"}, {"filters", std::move(ors)}});
  }
  json body = {{"locationId", LocationOf(ctx)},
               {"page", search.page},
               {"pageLimit", search.limit},
               {"filters", std::move(filters)}};
  if (!search.query.empty()) body["query"] = search.query;
  auto r = Read(ctx, {.method = "POST",
                      .path = "/contacts/search",
                      .body = body.dump(),
                      .retry_non_idempotent = true});  // a read-only POST
  if (!r.ok()) return r.error();
  json contacts = ArrayAt(*r, "contacts");
  json total = r->is_object() ? r->value("total", json(contacts.size())) : json(contacts.size());
  return json{{"contacts", std::move(contacts)}, {"total", std::move(total)}};
}

Result<json> ListContactsByUpdate(const Context& ctx, const json& search_after, int limit) {
  if (limit < 1 || limit > 100) {
    return UsageError("limit " + std::to_string(limit) + " is outside 1..100");
  }
  json body = {{"locationId", LocationOf(ctx)},
               {"pageLimit", limit},
               {"sort", json::array({{{"field", "dateUpdated"}, {"direction", "asc"}}})}};
  if (search_after.is_array() && !search_after.empty()) body["searchAfter"] = search_after;
  auto r = Read(ctx, {.method = "POST",
                      .path = "/contacts/search",
                      .body = body.dump(),
                      .retry_non_idempotent = true});  // a read-only POST
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "contacts");
}

Result<json> GetContact(const Context& ctx, const std::string& contact_id) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/contacts/{contactId}",
                      .path_params = {{"contactId", contact_id}}});
  if (!r.ok()) return r.error();
  if (!r->is_object() || !r->contains("contact") || !(*r)["contact"].is_object()) {
    return Malformed("GET /contacts/" + contact_id, "a contact object");
  }
  return (*r)["contact"];
}

const json* FindCustomField(const json& definitions, std::string_view ref) {
  if (!definitions.is_array()) return nullptr;
  for (const auto& d : definitions) {
    if (Str(d, "id") == ref) return &d;
  }
  std::string want = Lower(ref);
  std::string bare = want.rfind("contact.", 0) == 0 ? want.substr(8) : want;
  for (const auto& d : definitions) {
    std::string key = Lower(Str(d, "fieldKey"));
    std::string key_bare = key.rfind("contact.", 0) == 0 ? key.substr(8) : key;
    if (key == want || key_bare == bare || Lower(Str(d, "name")) == want) return &d;
  }
  return nullptr;
}

Result<json> ResolveCustomFields(const Context& ctx, const std::vector<CustomFieldValue>& values) {
  json out = json::array();
  bool lookup = false;
  for (const auto& v : values) lookup = lookup || !v.is_id;
  if (!lookup) {
    for (const auto& v : values) out.push_back({{"id", v.ref}, {"field_value", v.value}});
    return out;
  }
  auto defs = Read(ctx, {.method = "GET",
                         .path = "/locations/{locationId}/customFields",
                         .path_params = {{"locationId", LocationOf(ctx)}}});
  if (!defs.ok()) return defs.error();
  json list = ArrayAt(*defs, "customFields");
  std::vector<std::string> unknown;
  for (const auto& v : values) {
    if (v.is_id) {
      out.push_back({{"id", v.ref}, {"field_value", v.value}});
      continue;
    }
    const json* hit = FindCustomField(list, v.ref);
    if (!hit) {
      unknown.push_back(v.ref);
      continue;
    }
    out.push_back({{"id", Str(*hit, "id")}, {"field_value", v.value}});
  }
  if (!unknown.empty()) {
    std::string names, known;
    for (const auto& u : unknown) names += (names.empty() ? "'" : ", '") + u + "'";
    for (size_t i = 0; i < list.size() && i < 8; ++i) {
      known += (known.empty() ? "" : ", ") + Str(list[i], "fieldKey");
    }
    return UsageError("unknown custom field " + names + " in location " + LocationOf(ctx),
                      "use a field id, a fieldKey or a field name from list_custom_fields" +
                          (known.empty() ? std::string() : " (e.g. " + known + ")"));
  }
  return out;
}

json WithCustomFieldNames(json contact, const json& definitions) {
  if (!contact.is_object()) return contact;
  auto it = contact.find("customFields");
  if (it == contact.end() || !it->is_array()) return contact;
  for (auto& f : *it) {
    if (!f.is_object()) continue;
    std::string id = Str(f, "id");
    for (const auto& d : definitions) {
      if (Str(d, "id") != id) continue;
      f["key"] = Str(d, "fieldKey");
      f["name"] = Str(d, "name");
    }
    if (!f.contains("value") && f.contains("field_value")) f["value"] = f["field_value"];
  }
  return contact;
}

Result<json> CreateContact(const Context& ctx, const ContactWrite& write) {
  auto body = PreparedFields(ctx, write);
  if (!body.ok()) return body.error();
  if (!body->contains("locationId")) (*body)["locationId"] = LocationOf(ctx);
  return WriteCreated(ctx, {.method = "POST", .path = "/contacts/", .body = body->dump()},
                      "contact", "a contact id");
}

Result<json> UpdateContact(const Context& ctx, const std::string& contact_id,
                           const ContactWrite& write) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  auto body = PreparedFields(ctx, write);
  if (!body.ok()) return body.error();
  if (body->empty()) return UsageError("nothing to update: give fields, tags or custom fields");
  auto r = Write(ctx, {.method = "PUT",
                       .path = "/contacts/{contactId}",
                       .path_params = {{"contactId", contact_id}},
                       .body = body->dump()});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "contact");
}

Result<UpsertOutcome> UpsertContact(const Context& ctx, const ContactWrite& write) {
  std::string email = Str(write.fields, "email"), phone = Str(write.fields, "phone");
  if (email.empty() && phone.empty()) {
    return UsageError("upsert needs an email or a phone to match on",
                      "give email and/or phone; to create without them use create_contact");
  }
  std::string by_email, by_phone;
  if (!email.empty()) {
    auto f = FindContactByEmail(ctx, email);
    if (!f.ok()) return f.error();
    if (f->has_value()) by_email = Str(**f, "id");
  }
  if (!phone.empty()) {
    auto f = FindContactByPhone(ctx, phone);
    if (!f.ok()) return f.error();
    if (f->has_value()) by_phone = Str(**f, "id");
  }
  if (!by_email.empty() && !by_phone.empty() && by_email != by_phone) {
    return UsageError("email " + email + " belongs to contact " + by_email + " and phone " + phone +
                          " to contact " + by_phone + ": not upserted",
                      "update one of them by id (update_contact), or merge the two contacts in "
                      "GHL first");
  }
  auto body = PreparedFields(ctx, write);
  if (!body.ok()) return body.error();
  (*body)["locationId"] = LocationOf(ctx);
  auto r = Write(ctx, {.method = "POST", .path = "/contacts/upsert", .body = body->dump()});
  if (!r.ok()) return r.error();
  UpsertOutcome out;
  out.contact = Unwrap(*r, "contact");
  out.created = r->is_object() && r->value("new", false);
  if (Str(out.contact, "id").empty()) return Malformed("POST /contacts/upsert", "a contact id");
  return out;
}

namespace {

Status TagCall(const Context& ctx, const std::string& method, const std::string& contact_id,
               const std::vector<std::string>& tags) {
  if (tags.empty()) return Ok{};
  if (contact_id.empty()) return UsageError("contactId is empty");
  auto r = Write(ctx, {.method = method,
                       .path = "/contacts/{contactId}/tags",
                       .path_params = {{"contactId", contact_id}},
                       .body = json{{"tags", tags}}.dump()});
  if (!r.ok()) return r.error();
  return Ok{};
}

}  // namespace

Status AddTags(const Context& ctx, const std::string& contact_id,
               const std::vector<std::string>& tags) {
  return TagCall(ctx, "POST", contact_id, tags);
}

Status RemoveTags(const Context& ctx, const std::string& contact_id,
                  const std::vector<std::string>& tags) {
  return TagCall(ctx, "DELETE", contact_id, tags);
}

Result<json> AddNote(const Context& ctx, const std::string& contact_id, const std::string& body) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  if (body.empty()) return UsageError("the note's body is empty");
  auto r = Write(ctx, {.method = "POST",
                       .path = "/contacts/{contactId}/notes",
                       .path_params = {{"contactId", contact_id}},
                       .body = json{{"body", body}}.dump()});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "note");
}

Result<json> ListNotes(const Context& ctx, const std::string& contact_id) {
  if (contact_id.empty()) return UsageError("contactId is empty");
  auto r = Read(ctx, {.method = "GET",
                      .path = "/contacts/{contactId}/notes",
                      .path_params = {{"contactId", contact_id}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "notes");
}

}  // namespace ghl::ops
