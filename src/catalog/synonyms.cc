// The vocabulary of SearchByPurpose: words, stems, filler, and the project's synonym table.
#include "synonyms.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <iterator>
#include <unordered_map>
#include <utility>

namespace ghl::catalog::internal {
namespace {

bool IsAlnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool IsLower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

constexpr std::string_view kStopWords[] = {
    "a",    "an",       "the",   "to",    "for",   "of",  "my",    "in",   "on",     "with",
    "by",   "i",        "me",    "we",    "want",  "how", "do",    "does", "can",    "from",
    "into", "and",      "or",    "is",    "it",    "its", "this",  "that", "please", "some",
    "at",   "be",       "as",    "their", "them",  "our", "your",  "you",  "way",    "api",
    "ghl",  "endpoint", "using", "all",   "every", "any", "which", "what", "where",  "there"};

/// Verbs that name no particular action ("check calendar availability"): half weight.
constexpr std::string_view kWeakVerbs[] = {"check", "get",    "list",   "show", "find",
                                           "see",   "view",   "fetch",  "read", "retrieve",
                                           "look",  "lookup", "detail", "info"};

/// Action words: a query with none of them ("team members") leans to listing operations.
constexpr std::string_view kVerbs[] = {
    "add",    "create", "new",      "make",   "insert",   "register",   "send",     "book",
    "move",   "change", "modify",   "edit",   "set",      "update",     "remove",   "delete",
    "erase",  "drop",   "cancel",   "enroll", "unenroll", "buy",        "purchase", "upload",
    "log",    "record", "mark",     "pay",    "charge",   "reschedule", "schedule", "block",
    "text",   "email",  "reply",    "void",   "publish",  "pause",      "resume",   "verify",
    "import", "export", "download", "assign", "refresh",  "upsert"};

/// Words that, first in a query of several words, are the verb "send" ("email a customer",
/// "text a lead").
constexpr std::string_view kSendNouns[] = {"email",   "text", "sms", "whatsapp",
                                           "message", "msg",  "dm"};  // followed by a person

template <typename List>
bool In(const List& list, std::string_view word) {
  return std::find(std::begin(list), std::end(list), word) != std::end(list);
}

/// What people type -> GHL's words, with how much each counts (the typed word itself always
/// counts 1). Keys and terms are stemmed when the table is built. Our own table, from the
/// words users of the CRM use (SMS, deal, sub-account, booking) and the ones GHL's API uses
/// (message, opportunity, location, appointment).
struct SynonymRow {
  std::string_view word;
  std::string_view alternatives;  // "term:weight term:weight"
};
constexpr SynonymRow kSynonyms[] = {
    // Messages and conversations.
    {"sms", "message:0.9 text:0.8"},
    {"text", "sms:0.9 message:0.9"},
    {"texting", "sms:0.9 message:0.9"},
    {"whatsapp", "message:0.9"},
    {"imessage", "message:0.9"},
    {"dm", "message:0.9"},
    {"msg", "message:1"},
    {"chat", "message:0.8 conversation:0.8"},
    {"email", "message:0.6 mail:0.8"},
    {"mail", "email:1 message:0.6"},
    {"inbox", "conversation:0.9"},
    {"thread", "conversation:0.9"},
    {"history", "conversation:0.6 message:0.6 transaction:0.6 list:0.5"},
    {"reply", "send:0.7 message:0.6"},
    {"respond", "send:0.7 message:0.6 reply:0.9"},
    {"optout", "unsubscribe:1 unsubscription:1"},
    {"unsubscribe", "unsubscription:1 optout:1"},
    {"dnd", "unsubscribe:0.8 unsubscription:0.8"},
    // Contacts.
    {"lead", "contact:0.9"},
    {"prospect", "contact:0.9"},
    {"customer", "contact:0.8"},
    {"person", "contact:0.8"},
    {"people", "contact:0.8"},
    {"label", "tag:1"},
    {"comment", "note:0.9"},
    {"todo", "task:0.9"},
    {"reminder", "task:0.8"},
    {"dedupe", "duplicate:1"},
    {"dedup", "duplicate:1"},
    {"dupe", "duplicate:1"},
    {"watcher", "follower:1"},
    // Opportunities and pipelines.
    {"deal", "opportunity:1"},
    {"sale", "opportunity:0.7"},
    {"stage", "pipeline:0.6"},
    {"won", "status:0.8"},
    {"win", "status:0.8 won:1"},
    {"lost", "status:0.8"},
    {"lose", "status:0.8 lost:1"},
    {"abandon", "status:0.8 abandoned:1"},
    {"owner", "assign:0.8 user:0.6"},
    {"assign", "owner:0.8"},
    // Sub-accounts and users.
    {"subaccount", "location:1"},
    {"client", "location:0.9 subaccount:0.8"},
    {"agency", "company:0.9"},
    {"staff", "user:0.9"},
    {"team", "user:0.8"},
    {"member", "user:0.7"},
    {"employee", "user:0.9"},
    // Calendars.
    {"book", "appointment:0.9 create:0.6"},
    {"booking", "appointment:1 book:1"},
    {"meeting", "appointment:0.9"},
    {"appt", "appointment:1"},
    {"reschedule", "update:0.7 appointment:0.6"},
    {"schedule", "book:0.8 create:0.6"},
    {"availability", "free:0.8 slot:0.8"},
    {"available", "free:0.8 slot:0.6 availability:1"},
    {"open", "free:0.6"},
    {"busy", "block:0.8 blocked:0.8"},
    {"diary", "calendar:0.9"},
    // Verbs: what people say -> what operationIds say.
    {"add", "create:0.8"},
    {"new", "create:0.8"},
    {"make", "create:0.8"},
    {"insert", "create:0.8"},
    {"register", "create:0.7"},
    {"create", "add:0.8"},
    {"move", "update:0.8 change:0.8"},
    {"change", "update:0.8"},
    {"modify", "update:0.9"},
    {"edit", "update:0.9"},
    {"set", "update:0.7"},
    {"update", "edit:0.9"},
    {"remove", "delete:0.8"},
    {"delete", "remove:0.8"},
    {"erase", "delete:0.9"},
    {"drop", "delete:0.8 remove:0.8"},
    {"cancel", "delete:0.6"},
    {"unenroll", "remove:0.8 workflow:0.6"},
    {"enroll", "add:0.8 workflow:0.6"},
    {"fetch", "get:0.9 list:0.6"},
    {"show", "get:0.9 list:0.6"},
    {"read", "get:0.9 list:0.6"},
    {"view", "get:0.9 list:0.6"},
    {"retrieve", "get:0.9"},
    {"see", "get:0.8 list:0.6"},
    {"get", "list:0.6 fetch:0.8"},
    {"list", "get:0.6 search:0.6"},
    {"browse", "list:0.8 search:0.6"},
    {"find", "search:0.9 get:0.6"},
    {"lookup", "search:0.9 get:0.6"},
    {"look", "search:0.9 get:0.6"},
    {"query", "search:0.9"},
    {"filter", "search:0.8"},
    {"buy", "purchase:1"},
    {"log", "record:0.9 add:0.6"},
    {"incoming", "inbound:1"},
    {"received", "inbound:1"},
    {"outgoing", "outbound:1"},
    {"detail", "get:0.8"},
    {"info", "get:0.8"},
    // Other things.
    {"automation", "workflow:0.9"},
    {"sequence", "workflow:0.7 campaign:0.7"},
    {"drip", "campaign:0.8 workflow:0.7"},
    {"pay", "payment:0.9"},
    {"charge", "payment:0.6"},
    {"bill", "invoice:0.9"},
    {"discount", "coupon:0.9"},
    {"promo", "coupon:0.9"},
    {"voucher", "coupon:0.9"},
    {"item", "product:0.8"},
    {"sku", "product:0.8"},
    {"image", "media:0.8 file:0.7"},
    {"photo", "media:0.8 file:0.7"},
    {"picture", "media:0.8 file:0.7"},
    {"video", "media:0.8 file:0.7"},
    {"attachment", "file:0.8 upload:0.6"},
    {"login", "token:0.7 oauth:0.7"},
    {"auth", "token:0.7 oauth:0.8"},
    {"refresh", "token:0.7"},
    {"property", "field:0.8"},
    {"attribute", "field:0.8"},
    {"response", "submission:0.8"},
    {"entry", "submission:0.8"},
    {"answer", "submission:0.7"},
    {"url", "link:0.7"},
    {"rating", "review:0.9"},
    {"number", "phone:0.6"},
    {"timezone", "timezones:1"},
};

/// Joined before synonyms: consecutive stemmed words -> one word.
struct PhraseRow {
  std::string_view first, second, joined;
};
constexpr PhraseRow kPhrases[] = {
    {"sub", "account", "subaccount"}, {"opt", "out", "optout"}, {"look", "up", "lookup"},
    {"time", "zone", "timezone"},     {"do", "not", "dnd"},     {"phone", "number", "phone"},
};

using SynonymMap = std::unordered_map<std::string, std::vector<Alternative>>;

const SynonymMap& Synonyms() {
  static const SynonymMap map = [] {
    SynonymMap m;
    for (const SynonymRow& row : kSynonyms) {
      std::vector<Alternative>& alts = m[Stem(row.word)];
      std::string_view rest = row.alternatives;
      while (!rest.empty()) {
        size_t space = rest.find(' ');
        std::string_view item = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        size_t colon = item.find(':');
        std::string weight(item.substr(colon + 1));
        alts.push_back({Stem(item.substr(0, colon)), std::strtod(weight.c_str(), nullptr), false});
      }
    }
    return m;
  }();
  return map;
}

}  // namespace

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string cur;
  auto flush = [&] {
    if (!cur.empty()) out.push_back(std::move(cur));
    cur.clear();
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (!IsAlnum(c)) {
      flush();
      continue;
    }
    // camelCase: a capital after a lower-case letter starts a word ("getFree" -> get, free).
    if (IsUpper(c) && i > 0 && IsLower(text[i - 1])) flush();
    cur += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  flush();
  return out;
}

std::string Stem(std::string_view word) {
  std::string w(word);
  if (w.size() > 4 && EndsWith(w, "ies")) return w.substr(0, w.size() - 3) + "y";
  if (w.size() > 4 &&
      (EndsWith(w, "sses") || EndsWith(w, "ches") || EndsWith(w, "shes") || EndsWith(w, "xes"))) {
    return w.substr(0, w.size() - 2);
  }
  if (w.size() > 3 && w.back() == 's' && !EndsWith(w, "ss") && !EndsWith(w, "us") &&
      !EndsWith(w, "is")) {
    w.pop_back();
  }
  return w;
}

bool IsStopWord(std::string_view word) { return word.size() <= 1 || In(kStopWords, word); }

bool IsEmptyInDocs(std::string_view word) { return word == "new"; }

std::string_view MethodVerbs(std::string_view method) {
  if (method == "GET") return "get list";
  if (method == "POST") return "create";
  if (method == "PUT" || method == "PATCH") return "update";
  if (method == "DELETE") return "delete remove";
  return "";
}

std::vector<std::string> JoinPhrases(std::vector<std::string> words) {
  std::vector<std::string> joined;
  for (size_t i = 0; i < words.size(); ++i) {
    bool merged = false;
    if (i + 1 < words.size()) {
      for (const PhraseRow& p : kPhrases) {
        if (words[i] == p.first && words[i + 1] == p.second) {
          joined.emplace_back(p.joined);
          ++i;
          merged = true;
          break;
        }
      }
    }
    if (!merged) joined.push_back(std::move(words[i]));
  }
  return joined;
}

std::vector<Concept> QueryConcepts(std::string_view query) {
  std::vector<std::string> words;
  for (const std::string& w : Words(query)) {
    // "do not disturb": keep "do" for the phrase table, drop other filler.
    if (IsStopWord(w) && w != "do") continue;
    words.push_back(Stem(w));
  }
  std::vector<std::string> joined;
  for (std::string& w : JoinPhrases(std::move(words))) {
    if (w != "do") joined.push_back(std::move(w));
  }
  std::vector<Concept> out;
  const SynonymMap& synonyms = Synonyms();
  bool has_verb = false;
  for (const std::string& w : joined) {
    Concept c;
    c.alternatives.push_back({w, 1.0, true});
    if (auto it = synonyms.find(w); it != synonyms.end()) {
      c.alternatives.insert(c.alternatives.end(), it->second.begin(), it->second.end());
    }
    if (In(kWeakVerbs, w)) c.weight = 0.5;
    has_verb = has_verb || In(kVerbs, w) || In(kWeakVerbs, w);
    out.push_back(std::move(c));
  }
  // "email a customer", "text a lead": a message word first, a person after it.
  bool to_person =
      std::any_of(out.begin() + (out.empty() ? 0 : 1), out.end(), [](const Concept& c) {
        return std::any_of(c.alternatives.begin(), c.alternatives.end(),
                           [](const Alternative& a) { return a.term == "contact"; });
      });
  if (joined.size() > 1 && In(kSendNouns, joined.front()) && to_person) {
    out.push_back({{{"send", 1.0, false}}, 1.0, true});
  } else if (!out.empty() && !has_verb) {
    out.push_back({{{"list", 0.3, false}, {"search", 0.3, false}, {"get", 0.2, false}}, 1.0, true});
  }
  return out;
}

}  // namespace ghl::catalog::internal
