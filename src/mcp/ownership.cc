// Every object a tool names by id must belong to the call's location: GHL answers a location
// token's GET /contacts/{id} (and the other by-id routes) without looking at the locationId the
// agent passed, so without this check get_contact would return another location's contact and
// the audit line would name the wrong location (break-it finding 15).
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/opportunities.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

// The object's location, looking inside GHL's envelope ({"conversation":{…}}) too.
std::string LocationOfObject(const json& object, std::string_view envelope) {
  const json& inner = object.contains(envelope) && object[envelope].is_object()
                          ? object[std::string(envelope)]
                          : object;
  return ArgStr(inner, "locationId");
}

}  // namespace

Status RequireInLocation(const ops::Context& ctx, std::string_view kind, std::string_view id,
                         const json& object) {
  std::string owner = LocationOfObject(object, kind);
  if (owner.empty() || owner == ctx.location_id) return Ok{};
  return UsageError(std::string(kind) + " " + std::string(id) + " belongs to location " + owner +
                        ", not to " + ctx.location_id + " (the call's location)",
                    "pass locationId " + owner + " to work on it, or find the " +
                        std::string(kind) + " in " + ctx.location_id);
}

Status CheckOwnership(const ops::Context& ctx, const json& args, const std::vector<Owned>& owned) {
  for (const auto& o : owned) {
    std::string id = ArgStr(args, o.argument);
    if (id.empty()) continue;
    Result<json> object = UsageError("unchecked");
    std::string_view kind;
    switch (o.kind) {
      case Owned::kContact:
        kind = "contact";
        object = ops::GetContact(ctx, id);
        break;
      case Owned::kOpportunity:
        kind = "opportunity";
        object = ops::GetOpportunity(ctx, id);
        break;
      case Owned::kConversation: {
        kind = "conversation";
        object = ctx.client.Call({.method = "GET",
                                  .path = "/conversations/{conversationId}",
                                  .path_params = {{"conversationId", id}},
                                  .location_id = ctx.location_id});
        break;
      }
      case Owned::kCalendar: {
        // Calendars are listed per location: the id must be among this location's.
        auto list = ops::ListCalendars(ctx);
        if (!list.ok()) return list.error();
        for (const auto& c : *list) {
          if (ArgStr(c, "id") == id) return Ok{};
        }
        return UsageError("calendar " + id + " is not a calendar of location " + ctx.location_id +
                              " (the call's location)",
                          "list_calendars shows this location's calendars; pass the calendar's "
                          "own locationId to use it");
      }
    }
    if (!object.ok()) return object.error();
    if (auto st = RequireInLocation(ctx, kind, id, *object); !st.ok()) return st;
  }
  return Ok{};
}

}  // namespace ghl::mcp
