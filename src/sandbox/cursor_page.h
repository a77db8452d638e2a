// GHL's startAfter/startAfterId paging (GET /contacts/, GET /opportunities/search): items in
// (time, id) order, the page after the cursor (or the `page`-th), and the `meta` GHL answers
// with, nextPageUrl included. One implementation for every list that pages this way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "handler.h"

namespace ghl::sandbox {

/// One listed document and its sort keys.
struct CursorHit {
  const Doc* doc = nullptr;
  int64_t time_ms = 0;  ///< dateAdded / createdAt, epoch ms.
  std::string id;
};

/// The query values a cursor list reads: `limit` (default 20, 1..100), `page` (≥ 1),
/// `startAfter` (epoch ms), `startAfterId`. Bad values add GHL's 422 messages to `*msgs`.
struct CursorQuery {
  int64_t limit = 20;
  int64_t page = 1;
  int64_t start_after = -1;  ///< -1 = none
  std::string start_after_id;
};
CursorQuery ReadCursorQuery(const Ctx& ctx, std::vector<std::string>* msgs);

/// The page of `hits` to answer: [start, end) after sorting (ascending or not), and `meta`
/// {total, currentPage, nextPage, prevPage, startAfterId, startAfter, nextPageUrl}.
///
/// The cursor is (startAfter, startAfterId): a contact deleted since the previous page keeps its
/// place through its timestamp. `startAfterId` alone is looked up among `hits` for its time;
/// when it is not there (deleted, or never listed) the page cannot be placed and `error` says so
/// (answered 400): restarting at page 1 would repeat every item a paginating caller has.
struct CursorPage {
  size_t start = 0;
  size_t end = 0;
  json meta;
  std::string error;  ///< Not empty: answer 400 with this message.
};
CursorPage PageByCursor(const Ctx& ctx, std::vector<CursorHit>& hits, bool ascending,
                        const CursorQuery& q);

}  // namespace ghl::sandbox
