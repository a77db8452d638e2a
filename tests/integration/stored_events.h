// Reading back what a crash test's event store holds (header-only; the tests link ghl_store).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghl/store/event_store.h"

namespace ghl::testing {

/// Every event of `store`, newest first (List page by page), or the first error.
inline Result<std::vector<store::Event>> ListAllEvents(store::EventStore& store) {
  std::vector<store::Event> all;
  std::optional<int64_t> before_id;
  for (;;) {
    store::ListFilter filter;
    filter.limit = 10000;
    filter.before_id = before_id;
    auto page = store.List(filter);
    if (!page.ok()) return page.error();
    if (page->empty()) return all;
    before_id = page->back().id;
    for (auto& e : *page) all.push_back(std::move(e));
  }
}

}  // namespace ghl::testing
