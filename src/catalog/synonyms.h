// Private: the words of SearchByPurpose — splitting text into words, stemming, filler words,
// and the project's synonym table mapping what people type to GHL's words (synonyms.cc).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace ghl::catalog::internal {

/// Lower-cased words of `text`: split on anything not a letter or digit and at camelCase
/// boundaries ("getFreeSlots" -> get, free, slots; "sub-account" -> sub, account).
std::vector<std::string> Words(std::string_view text);

/// Crude English plural folding, same on both sides of a match: "opportunities" ->
/// "opportunity", "messages" -> "message", "searches" -> "search"; "status", "sms", "business"
/// stay.
std::string Stem(std::string_view word);

/// Filler words that never decide a match ("a", "the", "to", "my", "please", ...).
bool IsStopWord(std::string_view word);

/// Words of operationIds and titles that say nothing about what an operation does ("new" in
/// "send-a-new-message"): left out of the index, still usable as query words (synonyms).
bool IsEmptyInDocs(std::string_view word);

/// What an HTTP method implies, as words: GET "get list", POST "create", PUT/PATCH "update",
/// DELETE "delete remove".
std::string_view MethodVerbs(std::string_view method);

/// Joins the phrase table's word pairs (stemmed): sub, account -> subaccount; phone, number ->
/// phone. Used on titles and queries alike.
std::vector<std::string> JoinPhrases(std::vector<std::string> words);

/// A term a query word may match, and how much that match counts (1 = the word itself).
struct Alternative {
  std::string term;
  double weight;
  bool prefix_ok;  ///< Also matches words it starts ("contac" -> "contact"): typed text only.
};

/// One query word (or phrase, "sub account") with its synonyms. The first alternative is the
/// typed word itself.
struct Concept {
  std::vector<Alternative> alternatives;
  /// Generic verbs ("check", "get", "show") count half: the thing asked for decides.
  double weight = 1.0;
  /// Implied by the query, not typed ("email a customer" implies "send"; a query without a
  /// verb leans to listing): adds to the score, not to the words an operation must cover.
  bool optional = false;
};

/// The concepts of a query: words, minus filler, stemmed, phrases joined, synonyms added.
std::vector<Concept> QueryConcepts(std::string_view query);

}  // namespace ghl::catalog::internal
