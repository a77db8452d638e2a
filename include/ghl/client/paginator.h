/// \file
/// Pagination as a range: `for (const Page& page : client.Paginate(request)) { ... }`, then
/// check `status()`. Each page is one HTTP call; the next call is the original request with
/// only the paging parameter(s) changed, so every original query parameter (e.g. the
/// snake_case `location_id` of GET /opportunities/search) and body field is kept on every page.
///
/// Paging styles (catalog::Paging), and where the cursor comes from:
/// - kBodyPage (POST /contacts/search): body `page` 1, 2, 3 … (with the caller's `pageLimit`).
/// - kBodySearchAfter (POST /contacts/search): body `searchAfter` = the last item's
///   `searchAfter` array (GHL returns it on every contact); `page` is removed from the body.
///   A body that already has `searchAfter` selects this style, one with `page` selects kBodyPage.
/// - kStartAfter (GET /opportunities/search): query `startAfter` (epoch ms) and `startAfterId`
///   from the answer's `meta.startAfter` / `meta.startAfterId`.
/// - kSkipLimit / kOffsetLimit: query `skip` / `offset` advanced by the items received.
/// - kPageLimit: query `page` 1, 2, 3 … (with the caller's `limit`).
/// - kLastMessageId (GET /conversations/{conversationId}/messages): query `lastMessageId` from
///   the nested page object {"messages":{"lastMessageId","nextPage","messages":[…]}}.
///
/// Iteration stops after a page that is empty, that reports `nextPage` false or null, that
/// brings the item count to `total` (top-level or `meta.total`), whose cursor does not
/// advance or repeats an earlier one, or that repeats the previous page; an empty or repeated
/// page after the first is not yielded. A page that fails ends iteration; `status()` then
/// holds the `Error`. `stop()` says which of these ended it (see StopReason): the first four
/// mean every item was received, the others that the range ended early.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "ghl/catalog/catalog.h"
#include "ghl/client/connection.h"
#include "ghl/client/request.h"
#include "ghl/core/result.h"

namespace ghl::client {

/// Why a Paginator stopped. Reasons up to kNoCursor mean the data ended (`IsComplete`); the
/// others mean pages may be missing.
enum class StopReason {
  kRunning,             ///< Not stopped yet (or not started).
  kSinglePage,          ///< The endpoint does not paginate: its one answer was the range.
  kEmptyPage,           ///< A page had no items.
  kNextPageFalse,       ///< The answer said `nextPage` false or null.
  kTotalReached,        ///< The items received reached the answer's `total`.
  kNoCursor,            ///< The answer gave no cursor for a next page (no `meta.startAfter`, no
                        ///< `searchAfter` on the last item, no `lastMessageId`): GHL's end of data.
  kCursorNotAdvancing,  ///< The next cursor equals the one just sent: the server would answer
                        ///< the same page forever.
  kCursorRepeated,      ///< The next cursor is one sent earlier (a cycle A → B → A).
  kPageRepeated,        ///< A page held the same items as the one before (the server
                        ///< ignored the cursor); that page was not yielded.
  kMaxPages,  ///< `PageOptions::max_pages` pages were fetched and the last one pointed to more.
  kError,     ///< A page failed; `Paginator::status()` holds the error.
};

/// True for the reasons that mean every item was received (kSinglePage, kEmptyPage,
/// kNextPageFalse, kTotalReached, kNoCursor); false for kRunning and the early stops.
bool IsComplete(StopReason reason);

/// Short lower-case text: "single page", "empty page", "nextPage is false", "total reached",
/// "no cursor", "cursor did not advance", "cursor repeated", "page repeated", "max pages",
/// "error"; "" for kRunning.
std::string_view ToString(StopReason reason);

/// Paging settings; defaults follow the catalog.
struct PageOptions {
  /// Paging style; nullopt = detected from the body (see above) or the catalog's.
  std::optional<catalog::Paging> style;
  /// Response key holding the items ("contacts"); "" = the catalog's `items_key`, else the
  /// first top-level array in the answer.
  std::string items_key;
  /// Stop after this many pages; 0 = no limit.
  int max_pages = 0;
};

/// One fetched page.
struct Page {
  int number = 0;            ///< 1-based position in this iteration.
  nlohmann::json body;       ///< The whole parsed answer.
  nlohmann::json items;      ///< The page's items (a JSON array; empty when none found).
  bool items_found = false;  ///< True when the answer holds an items array (see `items`).
  ApiResponse response;      ///< Status, headers, raw body of the call.
};

/// Single-pass range over pages. Not thread-safe; cheap to move.
class Paginator {
 public:
  /// Input iterator over `const Page&`; the page stays valid until the next increment.
  class Iterator {
   public:
    using iterator_category = std::input_iterator_tag;
    using value_type = Page;
    using difference_type = std::ptrdiff_t;
    using pointer = const Page*;
    using reference = const Page&;

    /// The end iterator.
    Iterator() = default;
    /// The current page.
    reference operator*() const { return owner_->current_; }
    /// The current page.
    pointer operator->() const { return &owner_->current_; }
    /// Fetches the next page (one HTTP call); becomes end() when iteration stops.
    Iterator& operator++();
    /// Same as prefix ++ (input iterator: the old position is not kept).
    void operator++(int) { ++*this; }
    /// Equal when both are end() or both point into the same Paginator.
    friend bool operator==(const Iterator& a, const Iterator& b) { return a.owner_ == b.owner_; }

   private:
    friend class Paginator;
    explicit Iterator(Paginator* owner) : owner_(owner) {}
    Paginator* owner_ = nullptr;
  };

  /// Pages through `request` over `connection`. `request` may carry a query string in its path.
  Paginator(std::shared_ptr<Connection> connection, ApiRequest request, PageOptions options = {});

  /// Fetches the first page (once) and returns an iterator to it, or end() when it failed.
  Iterator begin();
  /// The end iterator.
  Iterator end() { return Iterator(); }

  /// Ok while iterating and after a normal end; the failing page's `Error` otherwise.
  const Status& status() const { return status_; }
  /// Why iteration ended; kRunning while running.
  StopReason stop() const { return stop_; }
  /// `ToString(stop())`: "total reached", "cursor did not advance" …; "" while running.
  std::string_view stop_reason() const { return ToString(stop_); }
  /// The cursor that ended the range for kCursorNotAdvancing / kCursorRepeated (e.g.
  /// "1700000000000/opp9" for startAfter/startAfterId, a JSON `searchAfter` array, a message
  /// id), else "".
  const std::string& stop_cursor() const { return stop_cursor_; }
  /// Items yielded so far (over every page yielded).
  size_t items_seen() const { return items_seen_; }
  /// Pages fetched so far (including a final empty one that was not yielded).
  int pages_fetched() const { return pages_fetched_; }
  /// The paging style in use.
  catalog::Paging style() const { return style_; }

  /// Iterates (what is left of) the range and returns every item of every page as ONE JSON
  /// array; the error of the failing page if one fails.
  Result<nlohmann::json> CollectItems();

 private:
  bool Advance();
  bool PrepareNext(const Page& page);

  std::shared_ptr<Connection> connection_;
  ApiRequest request_;
  nlohmann::json body_;  // parsed request body (body styles)
  PageOptions options_;
  catalog::Paging style_ = catalog::Paging::kNone;
  std::string items_key_;
  bool started_ = false;
  bool done_ = false;
  bool has_current_ = false;
  Page current_;
  Status status_ = Ok{};
  StopReason stop_ = StopReason::kRunning;
  std::string stop_cursor_;
  int pages_fetched_ = 0;
  size_t items_seen_ = 0;
  std::string last_cursor_;
  std::set<std::string> cursors_sent_;
  std::string last_page_signature_;
};

}  // namespace ghl::client
