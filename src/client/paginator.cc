#include "ghl/client/paginator.h"

#include <cctype>

#include "ghl/client/error_mapping.h"
#include "ghl/core/json_depth.h"

namespace ghl::client {
namespace {

using catalog::Paging;
using nlohmann::json;

void SetQuery(QueryParams& query, const std::string& name, const std::string& value) {
  bool set = false;
  for (auto it = query.begin(); it != query.end();) {
    if (it->first == name) {
      if (set) {
        it = query.erase(it);
        continue;
      }
      it->second = value;
      set = true;
    }
    ++it;
  }
  if (!set) query.emplace_back(name, value);
}

std::optional<std::string> GetQuery(const QueryParams& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

int64_t QueryInt(const QueryParams& query, std::string_view name, int64_t fallback) {
  auto v = GetQuery(query, name);
  if (!v || v->empty()) return fallback;
  try {
    return std::stoll(*v);
  } catch (...) {
    return fallback;
  }
}

std::string ScalarText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
  if (v.is_number_unsigned()) return std::to_string(v.get<uint64_t>());
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      return std::to_string(static_cast<int64_t>(d));
    }
    return v.dump();
  }
  return v.dump();
}

// Finds the items array and the object that holds it. `key` may be a '.'-separated path for
// nested page objects ("messages.messages" for {"messages":{"lastMessageId":..,"nextPage":..,
// "messages":[..]}}); an array met early on the path (the flat shape) is taken as well.
std::pair<const json*, const json*> FindItems(const json& body, const std::string& key) {
  if (body.is_array()) return {&body, nullptr};
  if (!body.is_object()) return {nullptr, nullptr};
  if (!key.empty()) {
    const json* node = &body;
    const json* parent = nullptr;
    size_t start = 0;
    while (node != nullptr && node->is_object() && start <= key.size()) {
      size_t dot = key.find('.', start);
      std::string part =
          key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      auto it = node->find(part);
      if (it == node->end()) {
        node = nullptr;
        break;
      }
      parent = node;
      node = &*it;
      if (node->is_array()) return {node, parent};
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (node != nullptr && node->is_object()) {
      for (auto it = node->begin(); it != node->end(); ++it) {
        if (it->is_array()) return {&*it, node};
      }
    }
  }
  for (auto it = body.begin(); it != body.end(); ++it) {
    if (it->is_array()) return {&*it, &body};
  }
  return {nullptr, &body};
}

// Looks `key` up in the page container, the top level, then `meta`.
const json* FindMeta(const json& body, const json* container, const char* key) {
  if (container != nullptr && container->is_object()) {
    auto it = container->find(key);
    if (it != container->end()) return &*it;
  }
  if (!body.is_object()) return nullptr;
  auto it = body.find(key);
  if (it != body.end()) return &*it;
  auto meta = body.find("meta");
  if (meta != body.end() && meta->is_object()) {
    auto mt = meta->find(key);
    if (mt != meta->end()) return &*mt;
  }
  return nullptr;
}

std::string PageSignature(const json& items) {
  if (!items.is_array() || items.empty()) return {};
  auto id_of = [](const json& item) {
    if (item.is_object()) {
      auto id = item.find("id");
      if (id != item.end()) return id->dump();
    }
    return item.dump();
  };
  return std::to_string(items.size()) + "|" + id_of(items.front()) + "|" + id_of(items.back());
}

}  // namespace

bool IsComplete(StopReason reason) {
  switch (reason) {
    case StopReason::kSinglePage:
    case StopReason::kEmptyPage:
    case StopReason::kNextPageFalse:
    case StopReason::kTotalReached:
    case StopReason::kNoCursor:
      return true;
    default:
      return false;
  }
}

std::string_view ToString(StopReason reason) {
  switch (reason) {
    case StopReason::kRunning:
      return "";
    case StopReason::kSinglePage:
      return "single page";
    case StopReason::kEmptyPage:
      return "empty page";
    case StopReason::kNextPageFalse:
      return "nextPage is false";
    case StopReason::kTotalReached:
      return "total reached";
    case StopReason::kNoCursor:
      return "no cursor";
    case StopReason::kCursorNotAdvancing:
      return "cursor did not advance";
    case StopReason::kCursorRepeated:
      return "cursor repeated";
    case StopReason::kPageRepeated:
      return "page repeated";
    case StopReason::kMaxPages:
      return "max pages";
    case StopReason::kError:
      return "error";
  }
  return "";
}

Paginator::Iterator& Paginator::Iterator::operator++() {
  if (owner_ != nullptr && !owner_->Advance()) owner_ = nullptr;
  return *this;
}

Paginator::Paginator(std::shared_ptr<Connection> connection, ApiRequest request,
                     PageOptions options)
    : connection_(std::move(connection)),
      request_(std::move(request)),
      options_(std::move(options)) {
  // Move a query string in the path into the query list, so paging params replace cleanly.
  if (auto q = request_.path.find('?'); q != std::string::npos) {
    QueryParams from_path = http::ParseQuery(std::string_view(request_.path).substr(q + 1));
    request_.path.resize(q);
    from_path.insert(from_path.end(), request_.query.begin(), request_.query.end());
    request_.query = std::move(from_path);
  }
  for (auto& c : request_.method) {
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  const catalog::Endpoint* endpoint = nullptr;
  if (auto match = catalog::Match(request_.method, request_.path)) endpoint = match->endpoint;

  if (!request_.body.empty()) {
    body_ = ghl::ParseJsonBounded<json>(request_.body);
    if (body_.is_discarded()) body_ = json();
  }
  if (options_.style) {
    style_ = *options_.style;
  } else if (endpoint != nullptr) {
    style_ = endpoint->paging;
    if (style_ == Paging::kBodyPage || style_ == Paging::kBodySearchAfter) {
      if (body_.is_object() && body_.contains("searchAfter")) {
        style_ = Paging::kBodySearchAfter;
      } else if (body_.is_object() && body_.contains("page")) {
        style_ = Paging::kBodyPage;
      }
    }
  }
  items_key_ = !options_.items_key.empty() ? options_.items_key
               : endpoint != nullptr       ? std::string(endpoint->items_key)
                                           : std::string();
  if (style_ == Paging::kBodyPage || style_ == Paging::kBodySearchAfter) {
    // Body-paged endpoints are read-only searches sent as POST: safe to retry.
    request_.retry_non_idempotent = true;
    if (!body_.is_object()) body_ = json::object();
  }
}

Paginator::Iterator Paginator::begin() {
  if (!started_) {
    started_ = true;
    if (!Advance()) return end();
  }
  return has_current_ ? Iterator(this) : end();
}

bool Paginator::Advance() {
  if (done_) {
    has_current_ = false;
    return false;
  }
  if (options_.max_pages > 0 && pages_fetched_ >= options_.max_pages) {
    done_ = true;
    has_current_ = false;
    stop_ = StopReason::kMaxPages;
    return false;
  }
  if (style_ == Paging::kBodyPage || style_ == Paging::kBodySearchAfter) {
    request_.body = body_.dump();
  }
  auto response = connection_->Execute(request_);
  ++pages_fetched_;
  auto fail = [&](Error e) {
    status_ = std::move(e);
    done_ = true;
    has_current_ = false;
    stop_ = StopReason::kError;
    return false;
  };
  if (!response.ok()) return fail(response.error());
  if (!response->ok()) return fail(ErrorFromResponse(response.value()));
  auto parsed = response->Json();
  if (!parsed.ok()) return fail(parsed.error());

  Page page;
  page.number = pages_fetched_;
  page.body = std::move(parsed.value());
  auto [items, container] = FindItems(page.body, items_key_);
  page.items = items != nullptr ? *items : json::array();
  page.items_found = items != nullptr;
  page.response = std::move(response.value());

  bool first = pages_fetched_ == 1;
  std::string signature = PageSignature(page.items);
  if (!first && page.items.empty()) {
    done_ = true;
    has_current_ = false;
    stop_ = StopReason::kEmptyPage;
    return false;
  }
  if (!first && !signature.empty() && signature == last_page_signature_) {
    done_ = true;
    has_current_ = false;
    stop_ = StopReason::kPageRepeated;
    return false;
  }
  last_page_signature_ = signature;
  items_seen_ += page.items.size();
  current_ = std::move(page);
  has_current_ = true;
  if (!PrepareNext(current_)) done_ = true;
  return true;
}

bool Paginator::PrepareNext(const Page& page) {
  auto stop = [&](StopReason reason) {
    stop_ = reason;
    return false;
  };
  if (style_ == Paging::kNone) return stop(StopReason::kSinglePage);
  if (page.items.empty()) return stop(StopReason::kEmptyPage);
  auto [items, container] = FindItems(page.body, items_key_);
  (void)items;
  if (const json* next = FindMeta(page.body, container, "nextPage")) {
    if (next->is_null() || (next->is_boolean() && !next->get<bool>())) {
      return stop(StopReason::kNextPageFalse);
    }
  }
  if (const json* total = FindMeta(page.body, container, "total")) {
    if (total->is_number() && static_cast<double>(items_seen_) >= total->get<double>()) {
      return stop(StopReason::kTotalReached);
    }
  }

  std::string cursor;
  switch (style_) {
    case Paging::kNone:
      return stop(StopReason::kSinglePage);
    case Paging::kBodyPage: {
      int64_t current = 1;
      auto it = body_.find("page");
      if (it != body_.end() && it->is_number_integer()) current = it->get<int64_t>();
      body_["page"] = current + 1;
      cursor = std::to_string(current + 1);
      break;
    }
    case Paging::kBodySearchAfter: {
      const json& last = page.items.back();
      auto it = last.is_object() ? last.find("searchAfter") : last.end();
      if (!last.is_object() || it == last.end() || !it->is_array() || it->empty()) {
        return stop(StopReason::kNoCursor);
      }
      body_["searchAfter"] = *it;
      body_.erase("page");
      cursor = it->dump();
      break;
    }
    case Paging::kStartAfter: {
      const json* after = FindMeta(page.body, container, "startAfter");
      const json* after_id = FindMeta(page.body, container, "startAfterId");
      if (after == nullptr || after_id == nullptr || after->is_null() || after_id->is_null()) {
        return stop(StopReason::kNoCursor);
      }
      SetQuery(request_.query, "startAfter", ScalarText(*after));
      SetQuery(request_.query, "startAfterId", ScalarText(*after_id));
      cursor = ScalarText(*after) + "/" + ScalarText(*after_id);
      break;
    }
    case Paging::kSkipLimit:
    case Paging::kOffsetLimit: {
      const char* name = style_ == Paging::kSkipLimit ? "skip" : "offset";
      int64_t next = QueryInt(request_.query, name, 0) + static_cast<int64_t>(page.items.size());
      SetQuery(request_.query, name, std::to_string(next));
      cursor = std::to_string(next);
      break;
    }
    case Paging::kPageLimit: {
      int64_t next = QueryInt(request_.query, "page", 1) + 1;
      SetQuery(request_.query, "page", std::to_string(next));
      cursor = std::to_string(next);
      break;
    }
    case Paging::kLastMessageId: {
      const json* last_id = FindMeta(page.body, container, "lastMessageId");
      std::string id;
      if (last_id != nullptr && last_id->is_string()) {
        id = last_id->get<std::string>();
      } else if (page.items.back().is_object() && page.items.back().contains("id")) {
        id = ScalarText(page.items.back()["id"]);
      }
      if (id.empty()) return stop(StopReason::kNoCursor);
      SetQuery(request_.query, "lastMessageId", id);
      cursor = id;
      break;
    }
  }
  if (cursor == last_cursor_) {
    stop_cursor_ = cursor;
    return stop(StopReason::kCursorNotAdvancing);
  }
  if (!cursors_sent_.insert(cursor).second) {
    stop_cursor_ = cursor;
    return stop(StopReason::kCursorRepeated);
  }
  last_cursor_ = cursor;
  return true;
}

Result<nlohmann::json> Paginator::CollectItems() {
  json all = json::array();
  for (const Page& page : *this) {
    for (const auto& item : page.items) all.push_back(item);
  }
  if (!status_.ok()) return status_.error();
  return all;
}

}  // namespace ghl::client
