// POST /contacts/search (contacts.search-contacts-advanced): filters with AND/OR groups,
// operators eq, not_eq, contains, not_contains, exists, not_exists, range; free-text `query`;
// `sort`; `page`/`pageLimit` or the `searchAfter` cursor every returned contact carries.
// Answer: {"contacts":[… each with "searchAfter":[sort values…, id]],"total":N}.
#include <algorithm>
#include <map>

#include "handler.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kOperators[] = {"eq",     "not_eq",     "contains", "not_contains",
                                           "exists", "not_exists", "range"};
constexpr std::string_view kGroups[] = {"AND", "OR"};
constexpr std::string_view kDirections[] = {"asc", "desc"};

constexpr FieldRule kSearchRules[] = {
    {"locationId", FieldType::kString, true},
    {"page", FieldType::kNumber},
    {"pageLimit", FieldType::kNumber},
    {"searchAfter", FieldType::kArray},
    {"filters", FieldType::kArray},
    {"sort", FieldType::kArray},
    {"query", FieldType::kString},
};

// Contact fields filters and sort may name (the stored contact's keys), besides custom fields.
constexpr std::string_view kSearchableFields[] = {
    "id",
    "locationId",
    "type",
    "firstName",
    "lastName",
    "firstNameLowerCase",
    "lastNameLowerCase",
    "fullNameLowerCase",
    "email",
    "emailLowerCase",
    "phone",
    "companyName",
    "address1",
    "city",
    "state",
    "postalCode",
    "country",
    "website",
    "timezone",
    "source",
    "gender",
    "dnd",
    "tags",
    "assignedTo",
    "dateOfBirth",
    "dateAdded",
    "dateUpdated",
    "lastActivity",
};

bool IsDateField(std::string_view f) {
  return f == "dateAdded" || f == "dateUpdated" || f == "lastActivity" || f == "dateOfBirth";
}

void ValidateFilters(const json& filters, const std::string& prefix,
                     std::vector<std::string>* msgs) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const json& f = filters[i];
    std::string p = prefix + "." + std::to_string(i);
    if (!f.is_object()) {
      msgs->push_back(p + " must be an object");
      continue;
    }
    if (f.contains("group")) {
      static constexpr FieldRule kGroupRules[] = {{"group", FieldType::kString, true, kGroups},
                                                  {"filters", FieldType::kArray, true}};
      for (auto& m : ValidateBody(f, kGroupRules)) msgs->push_back(p + "." + m);
      if (f.contains("filters") && f["filters"].is_array()) {
        ValidateFilters(f["filters"], p + ".filters", msgs);
      }
      continue;
    }
    static constexpr FieldRule kFilterRules[] = {{"field", FieldType::kString, true},
                                                 {"operator", FieldType::kString, true, kOperators},
                                                 {"value", FieldType::kAny}};
    for (auto& m : ValidateBody(f, kFilterRules)) msgs->push_back(p + "." + m);
    std::string op = Str(f, "operator");
    bool has_value = f.contains("value") && !f["value"].is_null();
    if (op == "range") {
      const json& v = f.value("value", json());
      bool ok = v.is_object() && !v.empty();
      if (ok) {
        for (const auto& [k, bound] : v.items()) {
          ok = ok && (k == "gt" || k == "gte" || k == "lt" || k == "lte");
        }
      }
      if (!ok) {
        msgs->push_back(p + ".value must be an object with gt, gte, lt or lte for operator range");
      }
    } else if (op != "exists" && op != "not_exists" && !op.empty() && !has_value) {
      msgs->push_back(p + ".value should not be empty");
    }
  }
}

/// Field → custom field id for "customFields.<id>", "customFields.<key>", "contact.<key>".
struct FieldResolver {
  std::map<std::string, std::string, std::less<>> key_to_id;
  const Store::Map* custom_fields = nullptr;
  explicit FieldResolver(const Store& store) : custom_fields(&store.All(Coll::kCustomFields)) {
    for (const auto& [id, def] : store.All(Coll::kCustomFields)) {
      std::string key = Str(def.value, "fieldKey");
      key_to_id[key] = id;
      if (key.rfind("contact.", 0) == 0) key_to_id[key.substr(8)] = id;
    }
  }
  // The custom field id when `field` names one, else "".
  std::string CustomId(std::string_view field) const {
    std::string_view rest = field;
    if (rest.rfind("customFields.", 0) == 0)
      rest.remove_prefix(13);
    else if (rest.rfind("customField.", 0) == 0)
      rest.remove_prefix(12);
    else if (rest.rfind("contact.", 0) != 0)
      return "";
    if (auto it = key_to_id.find(rest); it != key_to_id.end()) return it->second;
    return std::string(rest);
  }
  // True when `field` is a standard contact field or names an existing custom field.
  bool Known(std::string_view field) const {
    std::string cf = CustomId(field);
    if (!cf.empty()) return custom_fields->contains(cf);
    return std::find(std::begin(kSearchableFields), std::end(kSearchableFields), field) !=
           std::end(kSearchableFields);
  }
};

std::string SearchableFieldList() {
  std::string out;
  for (auto f : kSearchableFields) out += (out.empty() ? "" : ", ") + std::string(f);
  return out + ", customFields.<id or fieldKey>";
}

// Unknown field names in filters (recursively) and sort: GHL answers 422, not an empty page.
void CheckFieldNames(const json& filters, const std::string& prefix, const FieldResolver& fr,
                     std::vector<std::string>* msgs) {
  for (size_t i = 0; i < filters.size(); ++i) {
    const json& f = filters[i];
    std::string p = prefix + "." + std::to_string(i);
    if (f.contains("group")) {
      if (f.contains("filters") && f["filters"].is_array()) {
        CheckFieldNames(f["filters"], p + ".filters", fr, msgs);
      }
      continue;
    }
    std::string field = Str(f, "field");
    if (!field.empty() && !fr.Known(field)) {
      msgs->push_back(p + ".field '" + field +
                      "' is not a searchable contact field; valid: " + SearchableFieldList());
    }
  }
}

std::vector<json> FieldValues(const json& c, std::string_view field, const FieldResolver& fr) {
  std::vector<json> out;
  std::string cf = fr.CustomId(field);
  if (!cf.empty()) {
    for (const auto& f : c.value("customFields", json::array())) {
      if (Str(f, "id") == cf && !f.value("value", json()).is_null()) {
        const json& v = f["value"];
        if (v.is_array()) {
          for (const auto& x : v) out.push_back(x);
        } else if (!(v.is_string() && v.get_ref<const std::string&>().empty())) {
          out.push_back(v);
        }
      }
    }
    return out;
  }
  auto it = c.find(field);
  if (it == c.end() || it->is_null()) return out;
  if (it->is_array()) {
    for (const auto& x : *it) out.push_back(x);
  } else if (!(it->is_string() && it->get_ref<const std::string&>().empty())) {
    out.push_back(*it);
  }
  return out;
}

// A comparable number for range filters and sorting: dates → epoch ms, numeric strings → value.
std::optional<double> AsNumber(const json& v, bool date) {
  if (v.is_number()) return v.get<double>();
  if (!v.is_string()) return std::nullopt;
  const auto& s = v.get_ref<const std::string&>();
  if (date) {
    if (auto ms = ParseIso(s)) return static_cast<double>(*ms);
  }
  try {
    size_t pos = 0;
    double d = std::stod(s, &pos);
    if (pos == s.size()) return d;
  } catch (...) {
  }
  if (auto ms = ParseIso(s)) return static_cast<double>(*ms);
  return std::nullopt;
}

bool ValueEquals(const json& have, const json& want, std::string_view field) {
  if (have.is_string() && want.is_string()) {
    if (field == "phone") {
      return NormalizePhone(have.get<std::string>()) == NormalizePhone(want.get<std::string>());
    }
    return Lower(have.get<std::string>()) == Lower(want.get<std::string>());
  }
  auto a = AsNumber(have, IsDateField(field));
  auto b = AsNumber(want, IsDateField(field));
  if (a && b) return *a == *b;
  return have == want;
}

bool Eval(const json& f, const json& c, const FieldResolver& fr) {
  if (f.contains("group")) {
    bool any = Lower(Str(f, "group")) == "or";
    for (const auto& sub : f["filters"]) {
      bool r = Eval(sub, c, fr);
      if (any && r) return true;
      if (!any && !r) return false;
    }
    return !any;
  }
  std::string field = Str(f, "field");
  std::string op = Str(f, "operator");
  const json value = f.value("value", json());
  auto values = FieldValues(c, field, fr);
  if (op == "exists") return !values.empty();
  if (op == "not_exists") return values.empty();
  if (op == "eq" || op == "not_eq") {
    bool eq = false;
    for (const auto& v : values) {
      if (value.is_array()) {
        for (const auto& w : value) eq = eq || ValueEquals(v, w, field);
      } else {
        eq = eq || ValueEquals(v, value, field);
      }
    }
    return op == "eq" ? eq : !eq;
  }
  if (op == "contains" || op == "not_contains") {
    std::string needle = value.is_string() ? Lower(value.get<std::string>()) : Lower(value.dump());
    bool found = false;
    for (const auto& v : values) {
      std::string hay = v.is_string() ? Lower(v.get<std::string>()) : v.dump();
      found = found || hay.find(needle) != std::string::npos;
    }
    return op == "contains" ? found : !found;
  }
  if (op == "range") {
    bool date = IsDateField(field);
    for (const auto& v : values) {
      auto x = AsNumber(v, date);
      if (!x) continue;
      bool ok = true;
      for (const auto& [k, bound] : value.items()) {
        auto b = AsNumber(bound, date);
        if (!b) return false;
        if (k == "gt") ok = ok && *x > *b;
        if (k == "gte") ok = ok && *x >= *b;
        if (k == "lt") ok = ok && *x < *b;
        if (k == "lte") ok = ok && *x <= *b;
      }
      if (ok) return true;
    }
    return false;
  }
  return false;
}

struct SortKey {
  std::string field;
  bool desc;
};

json SortValue(const json& c, const SortKey& k, const FieldResolver& fr) {
  auto values = FieldValues(c, k.field, fr);
  if (values.empty()) return nullptr;
  const json& v = values.front();
  if (IsDateField(k.field)) {
    if (auto n = AsNumber(v, true)) return static_cast<int64_t>(*n);
  }
  if (v.is_string()) return Lower(v.get<std::string>());
  return v;
}

int Rank(const json& v) { return v.is_null() ? 0 : v.is_number() ? 1 : v.is_boolean() ? 3 : 2; }

int Cmp(const json& a, const json& b) {
  int ra = Rank(a), rb = Rank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  if (ra == 1) {
    if (a.is_number_integer() && b.is_number_integer()) {
      int64_t x = a.get<int64_t>(), y = b.get<int64_t>();
      return x < y ? -1 : x > y ? 1 : 0;
    }
    double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ra == 2) {
    if (a.is_string() && b.is_string()) {
      int c = a.get_ref<const std::string&>().compare(b.get_ref<const std::string&>());
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    std::string x = a.is_string() ? a.get<std::string>() : a.dump();
    std::string y = b.is_string() ? b.get<std::string>() : b.dump();
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (ra == 3) return a.get<bool>() == b.get<bool>() ? 0 : a.get<bool>() ? 1 : -1;
  return 0;
}

// Compares sort tuples (last element: id, ascending).
int CmpTuple(const json& a, const json& b, const std::vector<SortKey>& keys) {
  for (size_t i = 0; i < keys.size(); ++i) {
    const json& x = a[i];
    const json& y = b[i];
    int c;
    if (x.is_number() && y.is_string()) {
      // A cursor may carry numbers as strings.
      c = Cmp(x, json(AsNumber(y, false).value_or(0)));
    } else if (y.is_number() && x.is_string()) {
      c = Cmp(json(AsNumber(x, false).value_or(0)), y);
    } else {
      c = Cmp(x, y);
    }
    if (c != 0) return keys[i].desc ? -c : c;
  }
  const json& ia = a[keys.size()];
  const json& ib = b[keys.size()];
  if (!ia.is_string() || !ib.is_string()) return ia.is_string() ? 1 : ib.is_string() ? -1 : 0;
  return ia.get_ref<const std::string&>().compare(ib.get_ref<const std::string&>());
}

}  // namespace

bool MatchesQuery(const json& c, const std::string& q) {
  if (q.empty()) return true;
  std::string lq = Lower(q);
  for (auto k : {"fullNameLowerCase", "emailLowerCase", "companyName", "firstNameLowerCase",
                 "lastNameLowerCase"}) {
    if (Lower(Str(c, k)).find(lq) != std::string::npos) return true;
  }
  std::string qd;
  for (char ch : q) {
    if (ch >= '0' && ch <= '9') qd.push_back(ch);
  }
  if (qd.size() < 3) return false;
  const std::string phone = Str(c, "phone");
  if (phone.find(qd) != std::string::npos) return true;
  // "0044 20 …": stored as "+44 20 …", the international prefix stands for the "+".
  return qd.size() >= 5 && qd.compare(0, 2, "00") == 0 &&
         phone.find(qd.substr(2)) != std::string::npos;
}

http::Response SearchContacts(Ctx& ctx) {
  const json& b = ctx.body;
  auto msgs = ValidateBody(b, kSearchRules);
  if (msgs.empty()) {
    if (b.contains("pageLimit") && b["pageLimit"].is_number()) {
      double pl = b["pageLimit"].get<double>();
      if (pl < 1) msgs.push_back("pageLimit must not be less than 1");
      if (pl > 500) msgs.push_back("pageLimit must not be greater than 500");
    }
    if (b.contains("page") && b["page"].is_number() && b["page"].get<double>() < 1) {
      msgs.push_back("page must not be less than 1");
    }
    if (b.contains("filters") && b["filters"].is_array()) {
      ValidateFilters(b["filters"], "filters", &msgs);
    }
    if (b.contains("sort") && b["sort"].is_array()) {
      static constexpr FieldRule kSortRules[] = {
          {"field", FieldType::kString, true},
          {"direction", FieldType::kString, true, kDirections}};
      for (size_t i = 0; i < b["sort"].size(); ++i) {
        for (auto& m : ValidateBody(b["sort"][i], kSortRules)) {
          msgs.push_back("sort." + std::to_string(i) + "." + m);
        }
      }
    }
  }
  FieldResolver fr(ctx.store);
  if (msgs.empty()) {
    if (b.contains("filters") && b["filters"].is_array()) {
      CheckFieldNames(b["filters"], "filters", fr, &msgs);
    }
    for (size_t i = 0; b.contains("sort") && i < b["sort"].size(); ++i) {
      std::string field = Str(b["sort"][i], "field");
      if (!fr.Known(field)) {
        msgs.push_back("sort." + std::to_string(i) + ".field '" + field +
                       "' is not a searchable contact field; valid: " + SearchableFieldList());
      }
    }
  }
  if (!msgs.empty()) return Unprocessable(std::move(msgs));

  std::vector<SortKey> keys;
  for (const auto& s : b.value("sort", json::array())) {
    keys.push_back({Str(s, "field"), Str(s, "direction") == "desc"});
  }
  if (keys.empty()) keys.push_back({"dateAdded", true});

  std::string location = ctx.LocationId();
  std::string q = Str(b, "query");
  const json filters = b.value("filters", json::array());
  struct Hit {
    const Doc* doc;
    json tuple;
  };
  std::vector<Hit> hits;
  for (const auto& [id, d] : ctx.store.All(Coll::kContacts)) {
    if (Str(d.value, "locationId") != location) continue;
    bool ok = MatchesQuery(d.value, q);
    for (const auto& f : filters) {
      if (!ok) break;
      ok = Eval(f, d.value, fr);
    }
    if (!ok) continue;
    json tuple = json::array();
    for (const auto& k : keys) tuple.push_back(SortValue(d.value, k, fr));
    tuple.push_back(id);
    hits.push_back({&d, std::move(tuple)});
  }
  auto before = [&](const Hit& x, const Hit& y) { return CmpTuple(x.tuple, y.tuple, keys) < 0; };
  // Only the page is put in order (partial_sort): sorting every match for each page made a
  // 100,000-contact walk quadratic in practice.
  const size_t total = hits.size();
  size_t limit = static_cast<size_t>(b.value("pageLimit", 20.0));
  size_t start = 0;
  const json after = b.value("searchAfter", json::array());
  if (!after.empty()) {
    if (after.size() != keys.size() + 1) {
      return Unprocessable({"searchAfter must have " + std::to_string(keys.size() + 1) +
                            " values (the sort values and the id of the last contact)"});
    }
    std::erase_if(hits, [&](const Hit& h) { return CmpTuple(h.tuple, after, keys) <= 0; });
  } else {
    size_t page = static_cast<size_t>(b.value("page", 1.0));
    start = (page - 1) * limit;
  }
  size_t needed = start + limit < start ? hits.size() : std::min(hits.size(), start + limit);
  std::partial_sort(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(needed), hits.end(),
                    before);
  std::string out = "{\"contacts\":[";
  for (size_t i = start, n = 0; i < hits.size() && n < limit; ++i, ++n) {
    const std::string& text = hits[i].doc->text;
    if (n) out += ',';
    out.append(text, 0, text.size() - 1);
    out += ",\"searchAfter\":";
    out += hits[i].tuple.dump();
    out += '}';
  }
  out += "],\"total\":" + std::to_string(total) + "}";
  return JsonText(200, std::move(out));
}

}  // namespace ghl::sandbox
