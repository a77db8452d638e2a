// Path router over every catalog operation (built once from catalog::AllEndpoints()): a trie
// of path segments where literal segments win over {param} segments, so routing a request
// costs a few map lookups and no allocation-heavy template matching.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "handler.h"

namespace ghl::sandbox {

/// Hash for unordered maps keyed by std::string that are looked up with string_view.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

class Router {
 public:
  struct Entry {
    const catalog::Endpoint* endpoint = nullptr;
    const RouteDef* route = nullptr;  ///< null: in the catalog, not emulated (→ 501)
    std::vector<std::string> param_names;
  };
  struct Match {
    const Entry* entry = nullptr;
    std::vector<std::pair<std::string, std::string>> params;  ///< (name, percent-decoded value)
  };

  /// Builds the trie from the catalog and attaches `routes` by catalog id. Ids in `routes` that
  /// the catalog does not know are returned in `*unknown_ids`.
  void Build(std::span<const RouteDef* const> routes, std::vector<std::string>* unknown_ids);
  /// Finds the operation for `method` + `path` (no query; trailing '/' ignored).
  bool Find(std::string_view method, std::string_view path, Match* out) const;
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  struct Node {
    std::unordered_map<std::string, int, StringHash, std::equal_to<>> literal;
    int param = -1;
    std::vector<std::pair<std::string_view, int>> ends;  // method → entry index
  };
  bool Walk(int node, const std::vector<std::string_view>& segs, size_t i, std::string_view method,
            std::vector<std::string_view>& values, int* entry) const;
  std::vector<Node> nodes_;
  std::vector<Entry> entries_;
};

}  // namespace ghl::sandbox
