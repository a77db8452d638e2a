#include "router.h"

namespace ghl::sandbox {
namespace {

std::vector<std::string_view> Split(std::string_view path) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j + 1;
  }
  return out;
}

bool IsParam(std::string_view seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

}  // namespace

void Router::Build(std::span<const RouteDef* const> routes, std::vector<std::string>* unknown_ids) {
  nodes_.assign(1, Node{});
  entries_.clear();
  auto all = catalog::AllEndpoints();
  entries_.reserve(all.size());
  for (const auto& ep : all) {
    Entry e;
    e.endpoint = &ep;
    for (const RouteDef* r : routes) {
      if (r->id == ep.id) e.route = r;
    }
    int node = 0;
    for (auto seg : Split(ep.path)) {
      if (IsParam(seg)) {
        e.param_names.emplace_back(seg.substr(1, seg.size() - 2));
        if (nodes_[node].param < 0) {
          nodes_[node].param = static_cast<int>(nodes_.size());
          nodes_.emplace_back();
        }
        node = nodes_[node].param;
      } else {
        std::string key(seg);
        auto it = nodes_[node].literal.find(key);
        if (it == nodes_[node].literal.end()) {
          int idx = static_cast<int>(nodes_.size());
          nodes_[node].literal.emplace(key, idx);
          nodes_.emplace_back();
          node = idx;
        } else {
          node = it->second;
        }
      }
    }
    bool dup = false;
    for (const auto& [m, idx] : nodes_[node].ends) dup = dup || m == ep.method;
    entries_.push_back(std::move(e));
    if (!dup) nodes_[node].ends.emplace_back(ep.method, static_cast<int>(entries_.size() - 1));
  }
  if (unknown_ids) {
    for (const RouteDef* r : routes) {
      bool found = false;
      for (const auto& e : entries_) found = found || e.route == r;
      if (!found) unknown_ids->emplace_back(r->id);
    }
  }
}

bool Router::Walk(int node, const std::vector<std::string_view>& segs, size_t i,
                  std::string_view method, std::vector<std::string_view>& values,
                  int* entry) const {
  const Node& n = nodes_[node];
  if (i == segs.size()) {
    for (const auto& [m, idx] : n.ends) {
      if (m == method) {
        *entry = idx;
        return true;
      }
    }
    return false;
  }
  auto it = n.literal.find(segs[i]);
  if (it != n.literal.end() && Walk(it->second, segs, i + 1, method, values, entry)) return true;
  if (n.param >= 0) {
    values.push_back(segs[i]);
    if (Walk(n.param, segs, i + 1, method, values, entry)) return true;
    values.pop_back();
  }
  return false;
}

bool Router::Find(std::string_view method, std::string_view path, Match* out) const {
  if (nodes_.empty()) return false;
  auto segs = Split(path);
  std::vector<std::string_view> values;
  int idx = -1;
  if (!Walk(0, segs, 0, method, values, &idx)) return false;
  out->entry = &entries_[idx];
  out->params.clear();
  for (size_t k = 0; k < values.size() && k < out->entry->param_names.size(); ++k) {
    out->params.emplace_back(out->entry->param_names[k], http::UrlDecode(values[k], false));
  }
  return true;
}

}  // namespace ghl::sandbox
