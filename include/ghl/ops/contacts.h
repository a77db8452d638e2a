/// \file
/// Contact operations (spec: shared/ghl-openapi/apps/contacts.json, Version 2021-07-28;
/// custom field definitions from apps/locations.json).
///
/// Exact lookups (`FindContactByEmail`, `FindContactByPhone`) use GET /contacts/search/duplicate
/// with one key at a time and check the answer really carries that email (case-insensitive) or
/// that E.164 phone: GHL's fuzzy `query` search is never passed off as an exact match.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// `phone` in E.164 ("+15125550123"), parsed by ghl::phone::Parse (libphonenumber): spaces,
/// punctuation, a leading "+" or "00", vanity letters and national prefixes are handled; a
/// number without a country code is read as North American (+1); an extension is dropped.
/// Numbers of a possible length are accepted even when the installed numbering-plan metadata
/// does not assign them (a newer range must still find its contact). kUsage error (naming the
/// input and the form wanted) for text that is not a number, an unknown country code, or a
/// length no number of that country has.
Result<std::string> NormalizePhone(std::string_view phone);

/// `email` as the exact lookups and the writes use it: surrounding whitespace (spaces, tabs,
/// line breaks) and a leading "mailto:" removed; nothing else changed (GHL validates the rest).
std::string NormalizeEmail(std::string_view email);

/// `phone` in E.164 like NormalizePhone, but a number written without its country code (no
/// "+" or "00") is read in the location's country (GET /locations/{locationId} `country`, one
/// call, only for such numbers; North American when the location cannot be read): for a UK
/// location "020 7946 0958" is +442079460958, not a North American number.
Result<std::string> NormalizePhoneIn(const Context& ctx, std::string_view phone);

/// The contact whose email is exactly `email` (case-insensitive, after NormalizeEmail), or
/// nullopt.
/// GET /contacts/search/duplicate?locationId&email. kUsage error for text that is not an email.
Result<std::optional<nlohmann::json>> FindContactByEmail(const Context& ctx,
                                                         std::string_view email);
/// The contact whose phone is exactly `phone` after E.164 normalisation (NormalizePhoneIn), or
/// nullopt. GET /contacts/search/duplicate?locationId&number=<E.164>.
Result<std::optional<nlohmann::json>> FindContactByPhone(const Context& ctx,
                                                         std::string_view phone);

/// The contact with exactly this phone (FindContactByPhone), else a new one made by
/// POST /contacts/upsert {phone} (`*created` true). For a carrier's inbound SMS: the sender's
/// number is all there is. kUsage error for a phone that is not a number.
Result<nlohmann::json> EnsureContactByPhone(const Context& ctx, std::string_view phone,
                                            bool* created = nullptr);

/// One filter of POST /contacts/search: {"field","operator","value"} (e.g. "email","eq",…).
struct ContactFilter {
  std::string field;
  std::string op = "eq";
  nlohmann::json value;
};

/// A fuzzy contact search (POST /contacts/search).
struct ContactSearch {
  std::string query;                  ///< GHL's free-text search (name, email, phone …).
  std::vector<std::string> tags;      ///< Contacts having every one of these tags.
  std::vector<ContactFilter> any_of;  ///< Extra filters, OR-ed in one group.
  int limit = 20;                     ///< pageLimit, 1..100.
  int page = 1;                       ///< 1-based page.
};

/// {"contacts":[…],"total":N}. kUsage error when limit is outside 1..100 or page < 1.
Result<nlohmann::json> SearchContacts(const Context& ctx, const ContactSearch& search);

/// One page of every contact of the location in (dateUpdated, id) ascending order, after the
/// cursor `search_after` (null or [] = from the start): POST /contacts/search with
/// sort [{"field":"dateUpdated","direction":"asc"}] and `searchAfter`. Each returned contact
/// carries GHL's `searchAfter` array, the cursor for the next page; an empty array is the end.
/// The answer's `total` is not returned (GHL's is an estimate). kUsage error for limit outside
/// 1..100. Used by `ghl sync` for incremental contact pages (Nango's pattern).
Result<nlohmann::json> ListContactsByUpdate(const Context& ctx, const nlohmann::json& search_after,
                                            int limit = 100);

/// GET /contacts/{id} → the contact object (404 stays a kApi error).
Result<nlohmann::json> GetContact(const Context& ctx, const std::string& contact_id);

/// A custom field value to write: `ref` is the field's id, its fieldKey ("contact.score" or
/// "score") or its name (case-insensitive); resolved to the id by ResolveCustomFields.
struct CustomFieldValue {
  std::string ref;
  nlohmann::json value;
  /// `ref` is known to be the field's id (e.g. resolved at start): no lookup call.
  bool is_id = false;
};

/// Fields of a contact write. `fields` holds GHL's standard fields (firstName, email, phone,
/// companyName, …) as GHL names them; tags and custom fields are separate.
struct ContactWrite {
  nlohmann::json fields = nlohmann::json::object();
  std::vector<std::string> tags;
  std::vector<CustomFieldValue> custom_fields;
};

/// The definition in `definitions` (a customFields list) that `ref` names: its id exactly,
/// else its fieldKey with or without the "contact." prefix, else its name (both
/// case-insensitive). nullptr when none does.
const nlohmann::json* FindCustomField(const nlohmann::json& definitions, std::string_view ref);

/// GHL's `customFields` array ([{"id","field_value"}]) for `values`, every ref resolved
/// against GET /locations/{locationId}/customFields (one call; none when every value `is_id`).
/// kUsage error naming each unknown ref and some known keys.
Result<nlohmann::json> ResolveCustomFields(const Context& ctx,
                                           const std::vector<CustomFieldValue>& values);

/// The contact with its customFields read back normalised: each entry {"id","value"} also
/// gets "key" (fieldKey) and "name" from `definitions` (the customFields list).
nlohmann::json WithCustomFieldNames(nlohmann::json contact, const nlohmann::json& definitions);

/// POST /contacts/ → the created contact. The phone is normalised to E.164 first.
Result<nlohmann::json> CreateContact(const Context& ctx, const ContactWrite& write);
/// PUT /contacts/{id} → the updated contact. Tags given here replace the contact's tags (GHL).
Result<nlohmann::json> UpdateContact(const Context& ctx, const std::string& contact_id,
                                     const ContactWrite& write);

/// What an upsert did.
struct UpsertOutcome {
  nlohmann::json contact;  ///< The contact as GHL returned it.
  bool created = false;    ///< GHL made a new contact (else it updated one).
};

/// POST /contacts/upsert, after checking the email and the phone with exact lookups: when the
/// email matches one contact and the phone another, nothing is written and a kUsage error
/// names both ids (GHL would silently update only one of them).
Result<UpsertOutcome> UpsertContact(const Context& ctx, const ContactWrite& write);

/// POST /contacts/{id}/tags {"tags":[…]} (GHL merges; an existing tag is a no-op). Empty = no call.
Status AddTags(const Context& ctx, const std::string& contact_id,
               const std::vector<std::string>& tags);
/// DELETE /contacts/{id}/tags {"tags":[…]}. Empty = no call.
Status RemoveTags(const Context& ctx, const std::string& contact_id,
                  const std::vector<std::string>& tags);

/// POST /contacts/{id}/notes {"body"} → the note.
Result<nlohmann::json> AddNote(const Context& ctx, const std::string& contact_id,
                               const std::string& body);
/// GET /contacts/{id}/notes → the notes array.
Result<nlohmann::json> ListNotes(const Context& ctx, const std::string& contact_id);

}  // namespace ghl::ops
