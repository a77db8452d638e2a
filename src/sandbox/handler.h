// What resource handlers see: the request context, response builders, body validation, and
// the route table each resource file contributes (contacts.cc, opportunities.cc, …).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "ghl/http/message.h"
#include "ghl/sandbox/sandbox.h"
#include "store.h"
#include "time_util.h"

namespace ghl::sandbox {

/// A webhook event produced by a handler, delivered after the state lock is released.
struct Event {
  std::string type;
  json body;
  /// Set for a conversation-provider hand-off: the body goes as is (flat, no webhookId or
  /// timestamp added) to this Delivery URL instead of the webhook sink.
  std::string delivery_url = {};
};

/// Location-level settings the handlers consult (from the location document).
inline constexpr std::string_view kLocationTimezone = "America/New_York";

/// Everything a handler needs. Handlers run under the state lock (shared for reads, exclusive
/// for writes) and must not block.
struct Ctx {
  const http::Request& request;
  const catalog::Endpoint& endpoint;
  std::vector<std::pair<std::string, std::string>> path_params;  // decoded
  std::vector<std::pair<std::string, std::string>> query;        // decoded
  json body;                                                     // object, or null when none
  const Token& token;
  int64_t now_ms = 0;
  Store& store;
  std::vector<Event>& events;
  /// `Options::provider_status_delay` in milliseconds (the status update's 403 window).
  int64_t provider_status_delay_ms = 5000;

  /// Path parameter `name` (empty when absent).
  const std::string& Path(std::string_view name) const;
  /// First query value of `name`.
  std::optional<std::string> Query(std::string_view name) const;
  /// The location this request acts on: the token's location (agency tokens: the location id
  /// named by the request, checked by the middleware).
  std::string LocationId() const;
  /// "http://<Host>" of the request, for URLs in answers (nextPageUrl).
  std::string BaseUrl() const;
};

using HandlerFn = http::Response (*)(Ctx&);

/// One emulated catalog operation.
struct RouteDef {
  std::string_view id;  ///< Catalog id, e.g. "contacts.get-contact".
  HandlerFn fn;
  bool writes;  ///< Needs the exclusive lock (and a write-through flush).
};

std::span<const RouteDef> ContactRoutes();
std::span<const RouteDef> ContactListRoutes();
std::span<const RouteDef> LocationRecordRoutes();  // custom values, users, location search
std::span<const RouteDef> ContactTaskRoutes();     // also notes by id, followers, appointments
std::span<const RouteDef> OpportunityRoutes();
std::span<const RouteDef> CalendarRoutes();
std::span<const RouteDef> CalendarRecordRoutes();  // calendar by id, delete event, leave workflow
std::span<const RouteDef> ConversationRoutes();
std::span<const RouteDef> CustomFieldRoutes();  // also locations.get-location
std::span<const RouteDef> WorkflowRoutes();
std::span<const RouteDef> ConversationProviderRoutes();  // message status (providers.cc)
std::span<const RouteDef> OAuthRoutes();                 // token, locationToken, installedLocations
std::span<const RouteDef> LocationCreateRoutes();        // POST /locations/
std::span<const RouteDef> ObjectRoutes();                // custom object schemas
std::span<const RouteDef> ObjectRecordRoutes();          // custom object records
std::span<const RouteDef> AssociationRoutes();           // associations and their relations

// ---- responses -------------------------------------------------------------------------------

/// A fresh UUID-v4 style trace id.
std::string NewTraceId();
/// Compact JSON text of `j`. Strings may hold bytes that are not UTF-8 (a raw path, a
/// percent-decoded query value): each such byte is written as U+FFFD instead of throwing.
std::string Dump(const json& j);
/// JSON response from a serialised body.
http::Response JsonText(int status, std::string body);
/// JSON response.
http::Response Json(int status, const json& body);
/// {"statusCode":S,"message":M,("error":reason for 400/401/422),"traceId":…} plus `extra` keys.
http::Response ErrorResponse(int status, std::string_view message, const json& extra = nullptr);
/// 422 {"statusCode":422,"message":[...],"error":"Unprocessable Entity","traceId":…}.
http::Response Unprocessable(std::vector<std::string> messages);
/// 404 with GHL's message for a missing record, e.g. "Contact not found".
inline http::Response NotFound(std::string_view message) { return ErrorResponse(404, message); }
/// 403 "The token does not have access to this location."
http::Response ForbiddenLocation();

// ---- body validation (class-validator style messages) ----------------------------------------

/// kTimeZone: an IANA zone name of the installed tz database ("America/Chicago").
enum class FieldType { kString, kNumber, kBoolean, kArray, kObject, kAny, kEmail, kTimeZone };

struct FieldRule {
  std::string_view name;
  FieldType type;
  bool required = false;
  std::span<const std::string_view> one_of = {};
};

/// Messages for missing required fields ("x should not be empty"), wrong types ("x must be a
/// string"), values outside `one_of`, then unknown properties ("property x should not exist").
/// A non-object body gives the required-field messages. null is accepted for optional fields.
std::vector<std::string> ValidateBody(const json& body, std::span<const FieldRule> rules);

// ---- shared helpers ----------------------------------------------------------------------------

/// Adds GHL's (class-validator's) message for the bound `value` breaks, naming `name` and that
/// bound: "limit must not be less than 1" below `lo`, "limit must not be greater than 100"
/// above `hi`; nothing when lo <= value <= hi.
void CheckRange(std::string_view name, int64_t value, int64_t lo, int64_t hi,
                std::vector<std::string>* msgs);
/// The integer query value `name`, `def` when absent or empty; a value that is not an integer
/// adds "NAME must be a number conforming to the specified constraints" and gives `def`.
int64_t QueryInt(const Ctx& ctx, std::string_view name, int64_t def,
                 std::vector<std::string>* msgs);

/// "+15551234567" from "+1 (555) 123-4567" / "555-123-4567" (10 digits → +1); "+442079460958"
/// from "0044 20 7946 0958" (a leading 00 is the international prefix). "" if no digits. The
/// one phone rule of the sandbox: stored phones, duplicate checks and phone filters all use it.
std::string NormalizePhone(std::string_view phone);
std::string Lower(std::string_view s);
/// The string at `key`, or "" when absent or not a string.
std::string Str(const json& obj, std::string_view key);
/// Webhook event body for a contact: {"type":T,"locationId":…,"id":…, contact fields…}.
json ContactEvent(std::string_view type, const json& contact);
/// True when the document's locationId is the request's location.
bool SameLocation(const Ctx& ctx, const json& doc);
/// Whether a contact with `id` exists in the request's location.
const Doc* FindContact(const Ctx& ctx, std::string_view id);

/// POST / DELETE …/followers {"followers":[userId…]} on a loaded contact or opportunity: adds
/// (201 {followers, followersAdded}) or removes (200 {followers, followersRemoved}) user ids;
/// 422 for a missing array or a non-string id.
http::Response ApplyFollowers(Ctx& ctx, Coll coll, const Doc& doc, bool add);

/// The contact named by the path's {contactId}: 404 "Contact not found" for an unknown id, 403
/// for another location's contact; else nullopt and `*out` set.
std::optional<http::Response> LoadContact(const Ctx& ctx, const Doc** out);

}  // namespace ghl::sandbox

namespace ghl::sandbox {

// ---- contact model (contacts.cc), shared with the seed -----------------------------------------

/// A new contact document {id, locationId, type:"lead", tags:[], customFields:[], dateAdded,
/// dateUpdated, …} before fields are applied.
json NewContact(const std::string& id, const std::string& location_id, int64_t now_ms);
/// Applies create/update/upsert input to `contact`: name split, lower-case copies, phone
/// normalised, tags lower-cased (replaced, or added when `merge_tags`), customFields merged by id
/// or key ({id|key, field_value|value}), dateUpdated.
void ApplyContactFields(json& contact, const json& input, const Store& store, int64_t now_ms,
                        bool merge_tags);
/// The contact in `location_id` with this email (case-insensitive) or, failing that, this phone
/// (normalised); "matchingField" tells which. nullptr when none.
const Doc* FindDuplicate(const Store& store, const std::string& location_id,
                         const std::string& email, const std::string& phone,
                         std::string* matching_field);
/// Handler of POST /contacts/search (contact_search.cc).
http::Response SearchContacts(Ctx& ctx);
/// True when free text `q` matches the contact's name, email or company (case-insensitive
/// substring), or 3+ of its digits appear in the phone; an empty `q` matches everything.
bool MatchesQuery(const json& contact, const std::string& q);

}  // namespace ghl::sandbox
