// Toolset "contacts": exact lookup, fuzzy search, get/create/update/upsert, tags, notes.
#include "ghl/ops/contacts.h"
#include "ghl/ops/locations.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

json ContactOut() { return Output({{"contact", {{"type", "object"}}}}, {"contact"}); }

// Writable contact properties shared by create / update / upsert.
json WriteProps() {
  return {{"firstName", Str("First name.")},
          {"lastName", Str("Last name.")},
          {"email", Str("Email address.")},
          {"phone", Str("Phone with country code (normalised to E.164, e.g. +15125550123).")},
          {"companyName", Str("Company.")},
          {"source", Str("Lead source.")},
          {"tags", StrList("Tags to set.")},
          {"customFields",
           AnyObject("Custom field values keyed by field key (contact.score), id or name, e.g. "
                     "{\"contact.budget\": 5000}. See list_custom_fields.")},
          {"fields", AnyObject("Other GHL contact fields by their GHL name (address1, city, "
                               "timezone, dnd, …).")}};
}

json With(json props, std::initializer_list<std::pair<const char*, json>> more) {
  for (const auto& [k, v] : more) props[k] = v;
  return props;
}

Result<ops::ContactWrite> ReadWrite(const json& args) {
  ops::ContactWrite w;
  if (auto f = args.find("fields"); f != args.end()) w.fields = *f;
  for (const char* k : {"firstName", "lastName", "email", "phone", "companyName", "source"}) {
    if (args.contains(k)) w.fields[k] = args[k];
  }
  w.tags = ArgList(args, "tags");
  if (auto cf = args.find("customFields"); cf != args.end()) {
    for (const auto& [ref, value] : cf->items()) w.custom_fields.push_back({ref, value});
  }
  return w;
}

// The contact with its custom fields named (one extra read of the definitions).
Result<json> Named(const ops::Context& ctx, json contact) {
  if (!contact.contains("customFields") || contact["customFields"].empty()) return contact;
  auto defs = ops::ListCustomFields(ctx);
  if (!defs.ok()) return contact;  // the values are still right; names are a convenience
  return ops::WithCustomFieldNames(std::move(contact), *defs);
}

}  // namespace

void AddContactTools(std::vector<ToolDef>& out) {
  out.push_back(
      {.name = "find_contact",
       .toolset = "contacts",
       .title = "Find contact by exact email or phone",
       .description =
           "Exact lookup of one contact by email (case-insensitive) or phone (any format; "
           "normalised to E.164; without a country code it is read in the location's "
           "country). Returns found=false when no contact "
           "has exactly that value; never a fuzzy match. Use search_contacts for partial names.",
       .input_schema = Object({{"email", Str("Whole email address.")},
                               {"phone", Str("Phone number, e.g. +15125550123.")}}),
       .output_schema = Output({{"found", {{"type", "boolean"}}},
                                {"matchedBy", {{"type", "string"}}},
                                {"contact", {{"type", {"object", "null"}}}}},
                               {"found", "contact"}),
       .run = [](const ToolCall& c) -> Result<json> {
         std::string email = ArgStr(c.args, "email"), phone = ArgStr(c.args, "phone");
         if (email.empty() == phone.empty()) {
           return UsageError("give exactly one of email or phone");
         }
         auto r = email.empty() ? ops::FindContactByPhone(c.ctx, phone)
                                : ops::FindContactByEmail(c.ctx, email);
         if (!r.ok()) return r.error();
         if (!r->has_value()) return Members("found", false, "contact", nullptr);
         auto named = Named(c.ctx, std::move(**r));
         if (!named.ok()) return named.error();
         return Members("found", true, "matchedBy", email.empty() ? "phone" : "email", "contact",
                        std::move(*named));
       }});
  out.push_back(
      {.name = "search_contacts",
       .toolset = "contacts",
       .title = "Search contacts",
       .description = "Fuzzy search of contacts by free text (name, email, phone, company) and "
                      "tags, newest first, paged. For an exact email/phone use find_contact.",
       .input_schema = Object({{"query", Str("Free text.")},
                               {"tags", StrList("Only contacts having all these tags.")},
                               {"limit", Int("Page size (default 20).", 1, 100)},
                               {"page", Int("1-based page (default 1).", 1, 10000)}}),
       .output_schema = Output(
           {{"contacts", {{"type", "array"}}}, {"total", {{"type", "integer"}}}}, {"contacts"}),
       .run = [](const ToolCall& c) -> Result<json> {
         return ops::SearchContacts(c.ctx, {.query = ArgStr(c.args, "query"),
                                            .tags = ArgList(c.args, "tags"),
                                            .limit = static_cast<int>(ArgInt(c.args, "limit", 20)),
                                            .page = static_cast<int>(ArgInt(c.args, "page", 1))});
       }});
  out.push_back({.name = "get_contact",
                 .toolset = "contacts",
                 .title = "Get contact",
                 .description = "One contact by id, custom fields with their keys and names.",
                 .input_schema = Object({{"contactId", Str("Contact id.")}}, {"contactId"}),
                 .output_schema = ContactOut(),
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::GetContact(c.ctx, ArgStr(c.args, "contactId"));
                   if (!r.ok()) return r.error();
                   if (auto st =
                           RequireInLocation(c.ctx, "contact", ArgStr(c.args, "contactId"), *r);
                       !st.ok()) {
                     return st.error();
                   }
                   auto named = Named(c.ctx, std::move(*r));
                   if (!named.ok()) return named.error();
                   return Members("contact", std::move(*named));
                 }});
  out.push_back({.name = "create_contact",
                 .toolset = "contacts",
                 .title = "Create contact",
                 .description =
                     "Creates a contact. Check with find_contact first to avoid duplicates, or "
                     "use upsert_contact.",
                 .input_schema = Object(WriteProps()),
                 .output_schema = ContactOut(),
                 .read_only = false,
                 .idempotent = false,
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto w = ReadWrite(c.args);
                   if (!w.ok()) return w.error();
                   auto r = ops::CreateContact(c.ctx, *w);
                   if (!r.ok()) return r.error();
                   return Members("contact", std::move(*r));
                 }});
  out.push_back({.name = "update_contact",
                 .toolset = "contacts",
                 .title = "Update contact",
                 .description = "Overwrites the given fields of a contact (tags given here "
                                "replace all its tags; use add_contact_tags to add).",
                 .input_schema =
                     Object(With(WriteProps(), {{"contactId", Str("Contact id.")}}), {"contactId"}),
                 .output_schema = ContactOut(),
                 .read_only = false,
                 .destructive = true,
                 .owned = {{"contactId", Owned::kContact}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto w = ReadWrite(c.args);
                   if (!w.ok()) return w.error();
                   auto r = ops::UpdateContact(c.ctx, ArgStr(c.args, "contactId"), *w);
                   if (!r.ok()) return r.error();
                   return Members("contact", std::move(*r));
                 }});
  out.push_back({.name = "upsert_contact",
                 .toolset = "contacts",
                 .title = "Create or update contact by email/phone",
                 .description =
                     "Updates the contact with this email or phone, else creates one. Refuses "
                     "(naming both ids) when the email and the phone belong to two contacts.",
                 .input_schema = Object(WriteProps()),
                 .output_schema =
                     Output({{"contact", {{"type", "object"}}}, {"created", {{"type", "boolean"}}}},
                            {"contact", "created"}),
                 .read_only = false,
                 .destructive = true,
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto w = ReadWrite(c.args);
                   if (!w.ok()) return w.error();
                   auto r = ops::UpsertContact(c.ctx, *w);
                   if (!r.ok()) return r.error();
                   return Members("contact", std::move(r->contact), "created", r->created);
                 }});
  auto tags_schema = Object({{"contactId", Str("Contact id.")}, {"tags", StrList("Tags.")}},
                            {"contactId", "tags"});
  auto tags_out = Output({{"contactId", {{"type", "string"}}}, {"tags", {{"type", "array"}}}},
                         {"contactId", "tags"});
  out.push_back({.name = "add_contact_tags",
                 .toolset = "contacts",
                 .title = "Add tags to contact",
                 .description = "Adds tags (existing tags stay; adding one twice is a no-op).",
                 .input_schema = tags_schema,
                 .output_schema = tags_out,
                 .read_only = false,
                 .owned = {{"contactId", Owned::kContact}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto tags = ArgList(c.args, "tags");
                   auto st = ops::AddTags(c.ctx, ArgStr(c.args, "contactId"), tags);
                   if (!st.ok()) return st.error();
                   return Members("contactId", ArgStr(c.args, "contactId"), "tags", tags);
                 }});
  out.push_back({.name = "remove_contact_tags",
                 .toolset = "contacts",
                 .title = "Remove tags from contact",
                 .description = "Removes tags from a contact (may stop tag-triggered workflows).",
                 .input_schema = tags_schema,
                 .output_schema = tags_out,
                 .read_only = false,
                 .destructive = true,
                 .owned = {{"contactId", Owned::kContact}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto tags = ArgList(c.args, "tags");
                   auto st = ops::RemoveTags(c.ctx, ArgStr(c.args, "contactId"), tags);
                   if (!st.ok()) return st.error();
                   return Members("contactId", ArgStr(c.args, "contactId"), "tags", tags);
                 }});
  out.push_back(
      {.name = "add_contact_note",
       .toolset = "contacts",
       .title = "Add note to contact",
       .description = "Adds a note to a contact's record.",
       .input_schema = Object({{"contactId", Str("Contact id.")}, {"body", Str("Note text.")}},
                              {"contactId", "body"}),
       .output_schema = Output({{"note", {{"type", "object"}}}}, {"note"}),
       .read_only = false,
       .idempotent = false,
       .owned = {{"contactId", Owned::kContact}},
       .run = [](const ToolCall& c) -> Result<json> {
         auto r = ops::AddNote(c.ctx, ArgStr(c.args, "contactId"), ArgStr(c.args, "body"));
         if (!r.ok()) return r.error();
         return Members("note", std::move(*r));
       }});
  out.push_back({.name = "list_contact_notes",
                 .toolset = "contacts",
                 .title = "List contact notes",
                 .description = "The notes on a contact.",
                 .input_schema = Object({{"contactId", Str("Contact id.")}}, {"contactId"}),
                 .output_schema = Output({{"notes", {{"type", "array"}}}}, {"notes"}),
                 .owned = {{"contactId", Owned::kContact}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::ListNotes(c.ctx, ArgStr(c.args, "contactId"));
                   if (!r.ok()) return r.error();
                   return Members("notes", std::move(*r));
                 }});
}

}  // namespace ghl::mcp
