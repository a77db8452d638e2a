// The endpoint catalog: lookups over the generated table (catalog_data.cc). Indexes are built
// lazily, once, on first use, so a process that never asks pays nothing at start.
#include "ghl/catalog/catalog.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <nlohmann/json.hpp>
#include <string>
#include <tuple>
#include <unordered_map>

#include "catalog_data.h"
#include "ghl/core/text.h"

namespace ghl::catalog {
namespace {

bool IsParamSegment(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

/// Calls `fn(segment)` for each segment of "/a/b/": empty segments from leading, trailing or
/// doubled '/' are skipped.
template <typename Fn>
void ForEachSegment(std::string_view path, Fn&& fn) {
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) fn(path.substr(i, j - i));
    i = j + 1;
  }
}

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segs;
  ForEachSegment(path, [&](std::string_view seg) { segs.push_back(seg); });
  return segs;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// One operation's path template, pre-split (views into RouteIndex::segments).
struct Route {
  const Endpoint* endpoint;
  std::span<const std::string_view> segments;
};

/// Path index for Match/MatchAnyMethod/Nearest, built once with three allocations: all
/// segments in one array, one Route per operation, and the routes sorted by (method, segment
/// count) so a lookup is a binary search to a handful of candidates.
struct RouteIndex {
  std::vector<std::string_view> segments;
  std::vector<Route> routes;        // catalog order
  std::vector<const Route*> shape;  // sorted by (segment count, method), then catalog order

  std::span<const Route* const> Candidates(std::string_view method, size_t count) const {
    auto key = [](const Route* r) { return std::pair(r->segments.size(), r->endpoint->method); };
    auto lo = std::lower_bound(shape.begin(), shape.end(), std::pair(count, method),
                               [&](const Route* r, const auto& k) { return key(r) < k; });
    auto hi = std::upper_bound(lo, shape.end(), std::pair(count, method),
                               [&](const auto& k, const Route* r) { return k < key(r); });
    return {lo, hi};
  }
};

/// Id index for FindById. Kept apart from the route index so that `ghl api METHOD PATH`
/// (which only matches a path) does not pay for hashing 576 ids.
struct IdIndex {
  std::unordered_map<std::string_view, const Endpoint*> by_id;
  /// Bare operationId -> endpoint, or nullptr when the operationId repeats across services.
  std::unordered_map<std::string_view, const Endpoint*> by_operation_id;
};

const RouteIndex& GetRoutes() {
  static const RouteIndex index = [] {
    RouteIndex idx;
    auto all = internal::GeneratedEndpoints();
    size_t total = 0;
    for (const Endpoint& e : all) {
      total += static_cast<size_t>(std::count(e.path.begin(), e.path.end(), '/'));
    }
    idx.segments.reserve(total);  // never reallocates below: the spans stay valid
    idx.routes.reserve(all.size());
    for (const Endpoint& e : all) {
      size_t first = idx.segments.size();
      ForEachSegment(e.path, [&](std::string_view seg) { idx.segments.push_back(seg); });
      idx.routes.push_back(
          Route{&e, std::span<const std::string_view>(idx.segments.data() + first,
                                                      idx.segments.size() - first)});
    }
    idx.shape.reserve(idx.routes.size());
    for (const Route& r : idx.routes) idx.shape.push_back(&r);
    std::sort(idx.shape.begin(), idx.shape.end(), [](const Route* x, const Route* y) {
      if (x->segments.size() != y->segments.size()) {
        return x->segments.size() < y->segments.size();
      }
      return x->endpoint->method != y->endpoint->method ? x->endpoint->method < y->endpoint->method
                                                        : x < y;  // then catalog order
    });
    return idx;
  }();
  return index;
}

const IdIndex& GetIds() {
  static const IdIndex index = [] {
    IdIndex idx;
    auto all = internal::GeneratedEndpoints();
    idx.by_id.reserve(all.size());
    idx.by_operation_id.reserve(all.size());
    for (const Endpoint& e : all) {
      idx.by_id.emplace(e.id, &e);
      auto [it, inserted] = idx.by_operation_id.emplace(e.operation_id, &e);
      if (!inserted) it->second = nullptr;
    }
    return idx;
  }();
  return index;
}

/// True when `segs` fits `route`; `literal_mask` gets one flag per segment (literal = true),
/// compared lexicographically so that a literal earlier in the path wins.
bool Fits(const Route& route, const std::vector<std::string_view>& segs,
          std::vector<bool>* literal_mask) {
  if (route.segments.size() != segs.size()) return false;
  literal_mask->assign(segs.size(), false);
  for (size_t i = 0; i < segs.size(); ++i) {
    if (IsParamSegment(route.segments[i])) continue;
    if (route.segments[i] != segs[i]) return false;
    (*literal_mask)[i] = true;
  }
  return true;
}

const Route* BestRoute(std::span<const Route* const> candidates,
                       const std::vector<std::string_view>& segs) {
  const Route* best = nullptr;
  std::vector<bool> best_mask, mask;
  for (const Route* r : candidates) {
    if (!Fits(*r, segs, &mask)) continue;
    if (best == nullptr || mask > best_mask) {
      best = r;
      best_mask = mask;
    }
  }
  return best;
}

/// Cost of putting `seg` where the template has `tmpl`: 0 equal, 0.5 a {param}, else the
/// character edit distance scaled to 0..1.
double SegmentCost(std::string_view tmpl, std::string_view seg) {
  if (tmpl == seg) return 0.0;
  if (IsParamSegment(tmpl)) return 0.5;
  double longest = static_cast<double>(std::max(tmpl.size(), seg.size()));
  return static_cast<double>(EditDistance(Lower(tmpl), Lower(seg))) / longest;
}

/// Edit distance over segments: insert/delete a segment costs 1, substitute SegmentCost.
double PathDistance(std::span<const std::string_view> tmpl,
                    const std::vector<std::string_view>& segs) {
  std::vector<double> prev(segs.size() + 1), cur(segs.size() + 1);
  for (size_t j = 0; j <= segs.size(); ++j) prev[j] = static_cast<double>(j);
  for (size_t i = 1; i <= tmpl.size(); ++i) {
    cur[0] = static_cast<double>(i);
    for (size_t j = 1; j <= segs.size(); ++j) {
      cur[j] = std::min(
          {prev[j] + 1.0, cur[j - 1] + 1.0, prev[j - 1] + SegmentCost(tmpl[i - 1], segs[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[segs.size()];
}

nlohmann::ordered_json ToJson(const Endpoint& e) {
  nlohmann::ordered_json kinds = nlohmann::ordered_json::array();
  if (e.token_kinds & kLocationToken) kinds.push_back("location");
  if (e.token_kinds & kAgencyToken) kinds.push_back("agency");
  nlohmann::ordered_json scopes = nlohmann::ordered_json::array();
  for (std::string_view s : e.scopes) scopes.push_back(s);
  nlohmann::ordered_json params = nlohmann::ordered_json::array();
  for (const Parameter& p : e.parameters) {
    std::string_view in = p.in == ParamIn::kPath    ? "path"
                          : p.in == ParamIn::kQuery ? "query"
                                                    : "header";
    params.push_back({{"name", p.name}, {"in", in}, {"required", p.required}, {"type", p.type}});
  }
  nlohmann::ordered_json fields = nlohmann::ordered_json::array();
  for (const BodyField& f : e.body_fields) {
    fields.push_back({{"name", f.name}, {"type", f.type}, {"required", f.required}});
  }
  // ordered_json keeps the documented key order (id first) for people reading the output.
  return {{"id", e.id},
          {"service", e.service},
          {"operationId", e.operation_id},
          {"method", e.method},
          {"path", e.path},
          {"version", e.version},
          {"tokenKinds", std::move(kinds)},
          {"oauthOnly", e.oauth_only},
          {"scopes", std::move(scopes)},
          {"parameters", std::move(params)},
          {"hasBody", e.has_body},
          {"bodyMediaType", e.body_media_type},
          {"bodyFields", std::move(fields)},
          {"paging", PagingText(e.paging)},
          {"itemsKey", e.items_key},
          {"overlaid", e.overlaid},
          {"title", e.title},
          {"deprecated", e.deprecated},
          {"replacedBy", e.replaced_by}};
}

}  // namespace

std::span<const Endpoint> AllEndpoints() { return internal::GeneratedEndpoints(); }

std::span<const std::string_view> KnownVersions() {
  static constexpr std::array<std::string_view, 4> kVersions = {"2021-04-15", "2021-07-28",
                                                                "2023-02-21", "v3"};
  return kVersions;
}

const Endpoint* FindById(std::string_view id) {
  const IdIndex& idx = GetIds();
  if (auto it = idx.by_id.find(id); it != idx.by_id.end()) return it->second;
  if (auto it = idx.by_operation_id.find(id); it != idx.by_operation_id.end()) return it->second;
  return nullptr;
}

std::vector<const Endpoint*> NearestIds(std::string_view id, size_t limit) {
  std::string want = Lower(id);
  std::vector<std::pair<size_t, const Endpoint*>> scored;
  for (const Endpoint& e : AllEndpoints()) {
    std::string full = Lower(e.id);
    // An id that contains what was typed ("get-contact" in "contacts.get-contact") ranks
    // first, shortest first; then character edit distance to the id or the operationId.
    size_t d =
        full.find(want) != std::string::npos
            ? full.size() - want.size()
            : 1000 + std::min(EditDistance(want, full), EditDistance(want, Lower(e.operation_id)));
    scored.emplace_back(d, &e);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Endpoint*> out;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second);
  return out;
}

std::optional<PathMatch> Match(std::string_view method, std::string_view path) {
  const RouteIndex& idx = GetRoutes();
  std::vector<std::string_view> segs = SplitPath(path);
  std::string upper = Upper(method);
  const Route* route = BestRoute(idx.Candidates(upper, segs.size()), segs);
  if (route == nullptr) return std::nullopt;
  PathMatch match;
  match.endpoint = route->endpoint;
  for (size_t i = 0; i < segs.size(); ++i) {
    std::string_view t = route->segments[i];
    if (IsParamSegment(t)) {
      match.path_params.emplace_back(std::string(t.substr(1, t.size() - 2)), std::string(segs[i]));
    }
  }
  return match;
}

std::vector<const Endpoint*> MatchAnyMethod(std::string_view path) {
  const RouteIndex& idx = GetRoutes();
  std::vector<std::string_view> segs = SplitPath(path);
  std::vector<const Endpoint*> out;
  for (std::string_view method : {"DELETE", "GET", "PATCH", "POST", "PUT"}) {
    if (const Route* r = BestRoute(idx.Candidates(method, segs.size()), segs)) {
      out.push_back(r->endpoint);
    }
  }
  std::sort(out.begin(), out.end(), [](const Endpoint* a, const Endpoint* b) {
    return std::tie(a->service, a->path, a->method) < std::tie(b->service, b->path, b->method);
  });
  return out;
}

std::vector<const Endpoint*> Nearest(std::string_view method, std::string_view path, size_t limit) {
  const RouteIndex& idx = GetRoutes();
  std::vector<std::string_view> segs = SplitPath(path);
  std::string want_method = Upper(method);
  std::vector<std::pair<double, const Route*>> scored;
  scored.reserve(idx.routes.size());
  for (const Route& r : idx.routes) {
    double d = PathDistance(r.segments, segs);
    if (!want_method.empty() && r.endpoint->method != want_method) d += 1.0;
    scored.emplace_back(d, &r);
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<const Endpoint*> out;
  for (size_t i = 0; i < scored.size() && i < limit; ++i) out.push_back(scored[i].second->endpoint);
  return out;
}

std::vector<const Endpoint*> Search(std::string_view query, std::string_view service) {
  std::vector<std::string> words;  // split on whitespace, lower-cased
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    size_t j = i;
    while (j < query.size() && !std::isspace(static_cast<unsigned char>(query[j]))) ++j;
    if (j > i) words.push_back(Lower(query.substr(i, j - i)));
    i = j;
  }
  std::vector<const Endpoint*> out;
  for (const Endpoint& e : AllEndpoints()) {
    if (!service.empty() && e.service != service) continue;
    std::string hay =
        Lower(e.id) + '\n' + Lower(e.path) + '\n' + Lower(e.method) + '\n' + Lower(e.service);
    bool all = std::all_of(words.begin(), words.end(),
                           [&](const std::string& w) { return hay.find(w) != std::string::npos; });
    if (all) out.push_back(&e);
  }
  return out;
}

const Parameter* FindParameter(const Endpoint& endpoint, std::string_view name, ParamIn in) {
  for (const Parameter& p : endpoint.parameters) {
    if (p.name == name && p.in == in) return &p;
  }
  return nullptr;
}

std::string TokenKindsText(uint8_t kinds) {
  std::string out;
  if (kinds & kLocationToken) out = "location";
  if (kinds & kAgencyToken) out += out.empty() ? "agency" : "|agency";
  return out;
}

std::string_view PagingText(Paging paging) {
  switch (paging) {
    case Paging::kNone:
      return "none";
    case Paging::kBodyPage:
      return "body-page";
    case Paging::kBodySearchAfter:
      return "search-after";
    case Paging::kStartAfter:
      return "start-after";
    case Paging::kSkipLimit:
      return "skip-limit";
    case Paging::kOffsetLimit:
      return "offset-limit";
    case Paging::kPageLimit:
      return "page-limit";
    case Paging::kLastMessageId:
      return "last-message-id";
  }
  return "none";
}

const std::string& CatalogJson() {
  static const std::string json = [] {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const Endpoint& e : AllEndpoints()) all.push_back(ToJson(e));
    return all.dump();
  }();
  return json;
}

std::string EndpointJson(const Endpoint& endpoint) { return ToJson(endpoint).dump(); }

}  // namespace ghl::catalog
