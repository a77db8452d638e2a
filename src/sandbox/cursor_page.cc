#include "cursor_page.h"

#include <algorithm>

#include "time_util.h"

namespace ghl::sandbox {

CursorQuery ReadCursorQuery(const Ctx& ctx, std::vector<std::string>* msgs) {
  CursorQuery q;
  q.limit = QueryInt(ctx, "limit", 20, msgs);
  q.page = QueryInt(ctx, "page", 1, msgs);
  q.start_after = QueryInt(ctx, "startAfter", -1, msgs);
  q.start_after_id = ctx.Query("startAfterId").value_or("");
  CheckRange("limit", q.limit, 1, 100, msgs);
  CheckRange("page", q.page, 1, INT64_MAX, msgs);
  return q;
}

CursorPage PageByCursor(const Ctx& ctx, std::vector<CursorHit>& hits, bool ascending,
                        const CursorQuery& q) {
  auto before = [&](const CursorHit& a, int64_t time, const std::string& id) {
    if (a.time_ms != time) return ascending ? a.time_ms < time : a.time_ms > time;
    return ascending ? a.id < id : a.id > id;
  };
  std::sort(hits.begin(), hits.end(),
            [&](const CursorHit& a, const CursorHit& b) { return before(a, b.time_ms, b.id); });
  CursorPage out;
  if (q.start_after >= 0 || !q.start_after_id.empty()) {
    // Items strictly after the cursor (time ms, id) in this order.
    int64_t cursor_time = q.start_after;
    if (cursor_time < 0) {
      for (const auto& h : hits) {
        if (h.id == q.start_after_id) cursor_time = h.time_ms;
      }
      if (cursor_time < 0) {
        out.error = "startAfterId " + q.start_after_id +
                    " is not in this list (deleted, or never listed) and no startAfter was "
                    "sent, so the next page cannot be placed; send startAfter and startAfterId "
                    "together, both from the previous page's meta (nextPageUrl has them)";
        return out;
      }
    }
    CursorHit cursor{nullptr, cursor_time, q.start_after_id};
    while (out.start < hits.size() &&
           !before(cursor, hits[out.start].time_ms, hits[out.start].id)) {
      ++out.start;
    }
  } else {
    out.start = std::min(hits.size(), static_cast<size_t>((q.page - 1) * q.limit));
  }
  out.end = std::min(hits.size(), out.start + static_cast<size_t>(q.limit));
  bool more = out.end < hits.size();
  out.meta = {{"total", hits.size()},
              {"currentPage", q.page},
              {"nextPage", more ? json(q.page + 1) : json(nullptr)},
              {"prevPage", q.page > 1 ? json(q.page - 1) : json(nullptr)},
              {"startAfterId", nullptr},
              {"startAfter", nullptr},
              {"nextPageUrl", nullptr}};
  if (out.end > out.start) {
    out.meta["startAfterId"] = hits[out.end - 1].id;
    out.meta["startAfter"] = hits[out.end - 1].time_ms;
  }
  if (more && out.end > out.start) {
    std::string url = ctx.BaseUrl() + std::string(ctx.request.Path()) + "?";
    bool first = true;
    for (const auto& [k, v] : ctx.query) {
      if (k == "startAfter" || k == "startAfterId" || k == "page") continue;
      url += (first ? "" : "&") + http::UrlEncode(k) + "=" + http::UrlEncode(v);
      first = false;
    }
    url += (first ? "" : "&") + std::string("startAfter=") +
           std::to_string(hits[out.end - 1].time_ms) + "&startAfterId=" + hits[out.end - 1].id +
           "&page=" + std::to_string(q.page + 1);
    out.meta["nextPageUrl"] = url;
  }
  return out;
}

}  // namespace ghl::sandbox
