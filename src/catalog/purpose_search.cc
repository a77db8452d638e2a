// SearchByPurpose: ranks catalog operations by what a user says they want to do ("send sms",
// "move deal stage"). One implementation for the CLI, the playground and MCP. The index (terms
// per operation, document frequencies) is built once, on first use.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "synonyms.h"

namespace ghl::catalog {
namespace {

/// One term of an operation and how much a match on it counts (the best field it appears in).
struct DocTerm {
  std::string term;
  double weight;
  bool in_title;
  bool field_only;  ///< Only a parameter or body field name: not counted in document frequency.
};

struct PurposeIndex {
  std::vector<std::vector<DocTerm>> docs;  // catalog order
  std::vector<size_t> title_terms;         // distinct title terms per operation
  std::unordered_map<std::string, size_t> doc_frequency;
  double total = 0;

  double Idf(const std::string& term) const {
    auto it = doc_frequency.find(term);
    double df = it == doc_frequency.end() ? 0.0 : static_cast<double>(it->second);
    return std::log(1.0 + total / (1.0 + df));
  }
};

// How much a word counts by where it appears in the operation.
constexpr double kTitleWeight = 1.0;
constexpr double kIdWeight = 0.8;
constexpr double kPathWeight = 0.8;
constexpr double kServiceWeight = 0.6;
constexpr double kMethodWeight = 0.6;      // the method itself: "post contacts search"
constexpr double kMethodVerbWeight = 0.3;  // what the method implies: GET lists, POST creates
constexpr double kFieldWeight = 0.3;  // parameter and body field names: "phone", "pipelineStageId"
// Of two operations matching the query equally, the one whose title the query covers more
// ("Update a contact" over "Create or update a contact (upsert)") ranks first.
constexpr double kTitleCoverageBonus = 0.2;
// A query word that is only the start of an operation's word ("contac", typed so far).
constexpr double kPrefixFactor = 0.5;
constexpr double kDeprecatedFactor = 0.6;

void AddTerms(std::string_view text, double weight, std::vector<DocTerm>* terms, bool title = false,
              bool field = false) {
  std::vector<std::string> words;
  for (std::string& word : internal::Words(text)) {
    if (internal::IsStopWord(word) || internal::IsEmptyInDocs(word)) continue;
    words.push_back(internal::Stem(word));
  }
  for (std::string& term : internal::JoinPhrases(std::move(words))) {
    auto it = std::find_if(terms->begin(), terms->end(),
                           [&](const DocTerm& t) { return t.term == term; });
    if (it == terms->end()) {
      terms->push_back({std::move(term), weight, title, field});
    } else {
      it->weight = std::max(it->weight, weight);
      it->in_title = it->in_title || title;
      it->field_only = it->field_only && field;
    }
  }
}

std::vector<DocTerm> TermsOf(const Endpoint& e) {
  std::vector<DocTerm> terms;
  AddTerms(e.title, kTitleWeight, &terms, true);
  AddTerms(e.operation_id, kIdWeight, &terms);
  std::string literal_path;  // path without {param} segments
  for (size_t i = 0; i < e.path.size();) {
    if (e.path[i] == '{') {
      size_t close = e.path.find('}', i);
      i = close == std::string_view::npos ? e.path.size() : close + 1;
      continue;
    }
    literal_path += e.path[i++];
  }
  AddTerms(literal_path, kPathWeight, &terms);
  AddTerms(e.service, kServiceWeight, &terms);
  AddTerms(e.method, kMethodWeight, &terms);
  AddTerms(internal::MethodVerbs(e.method), kMethodVerbWeight, &terms);
  // Field names last, so a word also in the title or path keeps that weight and counts in
  // document frequency; "locationId" in nearly every operation must not make "location" rare
  // or common by accident.
  for (const Parameter& p : e.parameters) AddTerms(p.name, kFieldWeight, &terms, false, true);
  for (const BodyField& f : e.body_fields) AddTerms(f.name, kFieldWeight, &terms, false, true);
  return terms;
}

const PurposeIndex& GetIndex() {
  static const PurposeIndex index = [] {
    PurposeIndex idx;
    auto all = AllEndpoints();
    idx.docs.reserve(all.size());
    for (const Endpoint& e : all) {
      idx.docs.push_back(TermsOf(e));
      size_t in_title = 0;
      for (const DocTerm& t : idx.docs.back()) {
        if (!t.field_only) ++idx.doc_frequency[t.term];
        in_title += t.in_title ? 1 : 0;
      }
      idx.title_terms.push_back(in_title);
    }
    idx.total = static_cast<double>(all.size());
    return idx;
  }();
  return index;
}

/// The best score one concept (a query word and its synonyms) earns in one operation (0: no
/// match). Adds to `title_hits` every title term any of its alternatives matches.
double ConceptScore(const internal::Concept& want, const std::vector<DocTerm>& doc,
                    const PurposeIndex& idx, std::vector<const DocTerm*>* title_hits) {
  double best = 0.0;
  // A synonym never counts more than the typed word would: "add" is rarer than "create" in
  // the catalog, but "create a deal" must not prefer "Add followers to an opportunity".
  double typed_idf = idx.Idf(want.alternatives.front().term);
  for (const internal::Alternative& alt : want.alternatives) {
    for (const DocTerm& t : doc) {
      double s = 0.0;
      if (t.term == alt.term) {
        s = alt.weight * t.weight * std::min(idx.Idf(t.term), typed_idf);
      } else if (alt.prefix_ok && alt.term.size() >= 3 && t.term.size() > alt.term.size() &&
                 t.term.compare(0, alt.term.size(), alt.term) == 0) {
        s = kPrefixFactor * alt.weight * t.weight * idx.Idf(t.term);
      }
      if (s <= 0.0) continue;
      best = std::max(best, s);
      if (t.in_title &&
          std::find(title_hits->begin(), title_hits->end(), &t) == title_hits->end()) {
        title_hits->push_back(&t);
      }
    }
  }
  return best * want.weight;
}

std::string LowerTrimmedPath(std::string_view path) {
  std::string out;
  for (char c : path) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

/// The query's path ("conversations/messages" in "POST conversations/messages"), normalised
/// like LowerTrimmedPath, or "" when no word of it holds a '/'.
std::string QueryPath(std::string_view query) {
  size_t i = 0;
  while (i < query.size()) {
    while (i < query.size() && std::isspace(static_cast<unsigned char>(query[i]))) ++i;
    size_t j = i;
    while (j < query.size() && !std::isspace(static_cast<unsigned char>(query[j]))) ++j;
    std::string_view word = query.substr(i, j - i);
    if (word.find('/') != std::string_view::npos) return LowerTrimmedPath(word);
    i = j;
  }
  return "";
}

/// A query that names an operation exactly (its path, or its id) puts that operation first:
/// x3 for the same path or id, x1.3 for a path the query is a leading part of.
double ReferenceFactor(const Endpoint& e, const std::string& query_path,
                       std::string_view trimmed_query) {
  if (!query_path.empty()) {
    std::string path = LowerTrimmedPath(e.path);
    if (path == query_path) return 3.0;
    if (path.size() > query_path.size() && path.compare(0, query_path.size(), query_path) == 0 &&
        path[query_path.size()] == '/') {
      return 1.3;
    }
  }
  if (trimmed_query == e.id || trimmed_query == e.operation_id) return 3.0;
  return 1.0;
}

}  // namespace

std::vector<ScoredEndpoint> SearchByPurpose(std::string_view query, size_t limit,
                                            std::string_view service) {
  std::vector<internal::Concept> concepts = internal::QueryConcepts(query);
  if (concepts.empty() || limit == 0) return {};
  const PurposeIndex& idx = GetIndex();
  auto all = AllEndpoints();
  std::string query_path = QueryPath(query);
  std::string_view trimmed = query;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.back()))) {
    trimmed.remove_suffix(1);
  }
  std::vector<double> raw(all.size(), 0.0);  // before the deprecation factor
  for (size_t i = 0; i < all.size(); ++i) {
    const Endpoint& e = all[i];
    if (!service.empty() && e.service != service) continue;
    double sum = 0.0;
    size_t matched = 0, counted = 0;
    std::vector<const DocTerm*> title_hits;
    for (const internal::Concept& c : concepts) {
      double s = ConceptScore(c, idx.docs[i], idx, &title_hits);
      counted += c.optional ? 0 : 1;
      if (s <= 0.0) continue;
      sum += s;
      matched += c.optional ? 0 : 1;
    }
    if (matched == 0) continue;
    // Covering every word of the query matters more than matching one word strongly.
    double coverage = static_cast<double>(matched) / static_cast<double>(counted);
    double title_share = idx.title_terms[i] == 0 ? 0.0
                                                 : static_cast<double>(title_hits.size()) /
                                                       static_cast<double>(idx.title_terms[i]);
    raw[i] = sum * coverage * coverage * (1.0 + kTitleCoverageBonus * title_share) *
             ReferenceFactor(e, query_path, trimmed);
  }
  // A replacement does what the deprecated operation did: it ranks at least where the
  // deprecated one would ("list contacts" finds POST /contacts/search, not GET /contacts/).
  std::vector<double> final_score = raw;
  for (size_t i = 0; i < all.size(); ++i) {
    if (raw[i] <= 0.0 || !all[i].deprecated) continue;
    final_score[i] = raw[i] * kDeprecatedFactor;
    const Endpoint* to = all[i].replaced_by.empty() ? nullptr : FindById(all[i].replaced_by);
    if (to == nullptr || (!service.empty() && to->service != service)) continue;
    size_t j = static_cast<size_t>(to - all.data());
    final_score[j] = std::max(final_score[j], raw[i]);
  }
  std::vector<ScoredEndpoint> scored;
  for (size_t i = 0; i < all.size(); ++i) {
    if (final_score[i] > 0.0) scored.push_back({&all[i], final_score[i]});
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const ScoredEndpoint& a, const ScoredEndpoint& b) {
                     if (a.score != b.score) return a.score > b.score;
                     return a.endpoint->title.size() < b.endpoint->title.size();
                   });
  if (scored.size() > limit) scored.resize(limit);
  return scored;
}

}  // namespace ghl::catalog
