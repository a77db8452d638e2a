// GET /contacts/ (contacts.get-contacts; deprecated by GHL in favour of POST /contacts/search,
// still called every day): `limit` ≤ 100, `query`, startAfter/startAfterId cursors and `meta`
// as GHL answers (spec: shared/ghl-openapi/apps/contacts.json).
#include "cursor_page.h"
#include "handler.h"
#include "time_util.h"

namespace ghl::sandbox {
namespace {

http::Response ListContacts(Ctx& ctx) {
  std::vector<std::string> msgs;
  CursorQuery cq = ReadCursorQuery(ctx, &msgs);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string loc = ctx.LocationId();
  std::string text = ctx.Query("query").value_or("");
  std::vector<CursorHit> hits;
  for (const auto& [id, c] : ctx.store.All(Coll::kContacts)) {
    if (Str(c.value, "locationId") != loc || !MatchesQuery(c.value, text)) continue;
    hits.push_back({&c, ParseIso(Str(c.value, "dateAdded")).value_or(0), id});
  }
  CursorPage page = PageByCursor(ctx, hits, /*ascending=*/true, cq);
  if (!page.error.empty()) return ErrorResponse(400, page.error);
  std::string body = "{\"contacts\":[";
  for (size_t i = page.start; i < page.end; ++i) {
    if (i > page.start) body += ',';
    body += hits[i].doc->text;
  }
  body += "],\"count\":" + std::to_string(page.end - page.start) + ",\"meta\":" + page.meta.dump() +
          "}";
  return JsonText(200, std::move(body));
}

constexpr RouteDef kRoutes[] = {
    {"contacts.get-contacts", ListContacts, false},
};

}  // namespace

std::span<const RouteDef> ContactListRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
