// The automations config file: TOML (toml++), validated completely with line-numbered errors.
// toml++ stays inside this file (its header is heavy); the rest of ghlkit sees plain structs.
#include "ghl/automations/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "ghl/core/text.h"
#include "template.h"

namespace ghl::automations {

std::string_view ToString(Category category) {
  switch (category) {
    case Category::kBookingRequest:
      return "booking_request";
    case Category::kInquiry:
      return "inquiry";
    case Category::kComplaint:
      return "complaint";
    case Category::kSpam:
      return "spam";
  }
  return "inquiry";
}

std::optional<Category> ParseCategory(std::string_view text) {
  for (int i = 0; i < kCategoryCount; ++i) {
    if (ToString(static_cast<Category>(i)) == text) return static_cast<Category>(i);
  }
  return std::nullopt;
}

std::vector<std::string> Config::EnabledRecipes() const {
  std::vector<std::string> out;
  if (dedup_tagging.enabled) out.push_back("dedup_tagging");
  if (lead_scoring.enabled) out.push_back("lead_scoring");
  if (form_to_opportunity.enabled) out.push_back("form_to_opportunity");
  if (form_to_object.enabled) out.push_back("form_to_object");
  if (booking.enabled) out.push_back("booking");
  if (pipeline_advance.enabled) out.push_back("pipeline_advance");
  if (message_classification.enabled) out.push_back("message_classification");
  if (form_to_onboarding.enabled) out.push_back("form_to_onboarding");
  return out;
}

std::string FormToOnboardingConfig::SourceOf(std::string_view target) const {
  for (const auto& f : fields) {
    if (f.target == target) return f.source;
  }
  return "";
}

namespace {

// The closest known name when it is plausibly a typo, else "".
std::string Suggest(std::string_view key, const std::vector<std::string>& known) {
  std::string best;
  size_t best_d = std::string::npos;
  for (const auto& k : known) {
    size_t d = EditDistance(key, k);
    if (d < best_d) {
      best_d = d;
      best = k;
    }
  }
  size_t limit = std::max<size_t>(2, key.size() / 3);
  return best_d <= limit ? best : std::string();
}

std::string TypeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    case toml::node_type::date:
      return "a date";
    case toml::node_type::time:
      return "a time";
    case toml::node_type::date_time:
      return "a date-time";
    default:
      return "nothing";
  }
}

int LineOf(const toml::node& n) { return static_cast<int>(n.source().begin.line); }

// Collects every problem with its line.
class Problems {
 public:
  explicit Problems(std::string source) : source_(std::move(source)) {}
  void Add(int line, std::string message) {
    entries_.emplace_back(line, source_ + ":" + std::to_string(line) + ": " + std::move(message));
  }
  bool empty() const { return entries_.empty(); }
  Error ToError() const {
    auto sorted = entries_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    Error e;
    e.kind = ErrorKind::kUsage;
    for (auto& [line, text] : sorted) e.messages.push_back(text);
    e.hint =
        "fix the config file (format: doc/automations.md), then run "
        "`ghl automations check FILE`";
    return e;
  }

 private:
  std::string source_;
  std::vector<std::pair<int, std::string>> entries_;
};

// One TOML table being read: typed getters that report wrong types, and at the end every key
// that was never asked for (unknown key, with the nearest known one).
class Section {
 public:
  Section(const toml::table& table, std::string path, Problems& problems)
      : table_(table), path_(std::move(path)), problems_(problems) {}

  const std::string& path() const { return path_; }
  int line() const { return std::max(1, LineOf(table_)); }
  bool Has(std::string_view key) const { return table_.contains(key); }

  const toml::node* Node(std::string_view key) {
    known_.emplace_back(key);
    return table_.get(key);
  }

  void Error(const toml::node& at, std::string message) { problems_.Add(LineOf(at), message); }
  void ErrorHere(std::string message) { problems_.Add(line(), std::move(message)); }
  void ErrorAtKey(std::string_view key, std::string message) {
    const toml::node* n = table_.get(key);
    problems_.Add(n ? LineOf(*n) : line(), std::move(message));
  }

  std::string Where(std::string_view key) const {
    return "'" + std::string(key) + "' in [" + path_ + "]";
  }

  bool String(std::string_view key, std::string* out, bool allow_empty = false) {
    const toml::node* n = Node(key);
    if (!n) return false;
    if (!n->is_string()) {
      Error(*n, Where(key) + " must be a string, got " + TypeName(*n) + "; write " +
                    std::string(key) + " = \"...\"");
      return false;
    }
    std::string v = n->as_string()->get();
    if (v.empty() && !allow_empty) {
      Error(*n, Where(key) + " must not be empty");
      return false;
    }
    *out = std::move(v);
    return true;
  }

  bool Ref(std::string_view key, RecordRef* out) {
    std::string v;
    const toml::node* n = table_.get(key);
    if (!String(key, &v)) return false;
    out->text = std::move(v);
    out->line = LineOf(*n);
    return true;
  }

  bool Bool(std::string_view key, bool* out) {
    const toml::node* n = Node(key);
    if (!n) return false;
    if (!n->is_boolean()) {
      Error(*n, Where(key) + " must be true or false, got " + TypeName(*n) + "; write " +
                    std::string(key) + " = true");
      return false;
    }
    *out = n->as_boolean()->get();
    return true;
  }

  // The fix for a number of the wrong type: the value the user meant when it is one (a quoted
  // "30" → key = 30), else the allowed range — never a made-up value such as the minimum.
  static std::string NumberFix(const toml::node& n, std::string_view key, const std::string& min,
                               const std::string& max, bool whole) {
    std::string meant;
    if (n.is_string()) {
      const std::string& text = n.as_string()->get();
      char* end = nullptr;
      double v = text.empty() ? 0 : std::strtod(text.c_str(), &end);
      if (!text.empty() && end == text.c_str() + text.size() && std::isfinite(v) &&
          (!whole || v == std::floor(v))) {
        meant = text;
      }
    } else if (whole && n.is_floating_point()) {
      double v = n.as_floating_point()->get();
      if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 9e15) {
        meant = std::to_string(static_cast<int64_t>(v));
      }
    }
    std::string range = std::string(whole ? "a whole number" : "a number") + " from " + min +
                        " to " + max + ", without quotes";
    if (!meant.empty()) return std::string(key) + " = " + meant + " (" + range + ")";
    return std::string(key) + " = " + range;
  }

  bool Int(std::string_view key, int* out, int64_t min, int64_t max) {
    const toml::node* n = Node(key);
    if (!n) return false;
    if (!n->is_integer()) {
      Error(*n, Where(key) + " must be a whole number, got " + TypeName(*n) + "; write " +
                    NumberFix(*n, key, std::to_string(min), std::to_string(max), true));
      return false;
    }
    int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      Error(*n, Where(key) + " is " + std::to_string(v) + "; it must be between " +
                    std::to_string(min) + " and " + std::to_string(max));
      return false;
    }
    *out = static_cast<int>(v);
    return true;
  }

  bool Number(std::string_view key, double* out, double min, double max) {
    const toml::node* n = Node(key);
    if (!n) return false;
    double v = 0;
    if (n->is_integer()) {
      v = static_cast<double>(n->as_integer()->get());
    } else if (n->is_floating_point()) {
      v = n->as_floating_point()->get();
    } else {
      auto text = [](double d) {
        if (d == std::floor(d) && std::fabs(d) < 9e15) {
          return std::to_string(static_cast<int64_t>(d));
        }
        std::ostringstream o;
        o << d;
        return o.str();
      };
      Error(*n, Where(key) + " must be a number, got " + TypeName(*n) + "; write " +
                    NumberFix(*n, key, text(min), text(max), false));
      return false;
    }
    if (!(v >= min && v <= max)) {
      std::ostringstream s;
      s << Where(key) << " is " << v << "; it must be between " << min << " and " << max;
      Error(*n, s.str());
      return false;
    }
    *out = v;
    return true;
  }

  bool Seconds(std::string_view key, std::chrono::milliseconds* out, double min, double max) {
    double v = 0;
    if (!Number(key, &v, min, max)) return false;
    *out = std::chrono::milliseconds(static_cast<int64_t>(v * 1000.0 + 0.5));
    return true;
  }

  bool StringArray(std::string_view key, std::vector<std::string>* out) {
    const toml::node* n = Node(key);
    if (!n) return false;
    const toml::array* a = n->as_array();
    if (!a) {
      Error(*n, Where(key) + " must be an array of strings, got " + TypeName(*n) + "; write " +
                    std::string(key) + " = [\"a\", \"b\"]");
      return false;
    }
    std::vector<std::string> v;
    for (const auto& item : *a) {
      if (!item.is_string() || item.as_string()->get().empty()) {
        Error(item, Where(key) + " must hold non-empty strings only, found " + TypeName(item));
        return false;
      }
      v.push_back(item.as_string()->get());
    }
    *out = std::move(v);
    return true;
  }

  // A sub-table; nullptr (and an error) when the key holds something else.
  const toml::table* Table(std::string_view key) {
    const toml::node* n = Node(key);
    if (!n) return nullptr;
    if (!n->is_table()) {
      Error(*n, Where(key) + " must be a table ([" + path_ + "." + std::string(key) + "]), got " +
                    TypeName(*n));
      return nullptr;
    }
    return n->as_table();
  }

  // Reports every key that no getter asked for.
  void Finish(const std::map<std::string, std::string>& special = {}) {
    for (auto&& [key, node] : table_) {
      std::string k(key.str());
      if (std::find(known_.begin(), known_.end(), k) != known_.end()) continue;
      int at = static_cast<int>(key.source().begin.line);
      if (at == 0) at = LineOf(node);
      if (auto it = special.find(k); it != special.end()) {
        problems_.Add(at, it->second);
        continue;
      }
      std::string msg = "unknown key '" + k + "' in [" + path_ + "]";
      if (auto s = Suggest(k, known_); !s.empty()) {
        msg += "; did you mean '" + s + "'?";
      } else {
        msg += "; known keys: ";
        for (size_t i = 0; i < known_.size(); ++i) msg += (i ? ", " : "") + known_[i];
      }
      problems_.Add(at, msg);
    }
  }

 private:
  const toml::table& table_;
  std::string path_;
  Problems& problems_;
  std::vector<std::string> known_;
};

void CheckTemplate(Section& s, std::string_view key, const std::string& text,
                   const std::vector<std::string_view>& allowed) {
  auto unknown = UnknownPlaceholders(text, allowed);
  if (unknown.empty()) return;
  std::string known;
  for (auto a : allowed) known += (known.empty() ? "{" : " {") + std::string(a) + "}";
  s.ErrorAtKey(key, s.Where(key) + " uses unknown placeholder {" + unknown.front() +
                        "}; known placeholders: " + known);
}

void RequireRef(Section& s, const RecordRef& ref, std::string_view key, std::string_view what) {
  if (!ref.empty() || s.Has(key)) return;
  s.ErrorHere("[" + s.path() + "] is enabled but '" + std::string(key) + "' is missing; add " +
              std::string(key) + " = \"<" + std::string(what) + " id or name>\"");
}

bool ReadEnabled(Section& s) {
  bool enabled = true;  // a recipe table that is present is on unless it says otherwise
  s.Bool("enabled", &enabled);
  return enabled;
}

void ReadWorker(Section& s, WorkerConfig& w) {
  s.Int("concurrency", &w.concurrency, 1, 64);
  s.Seconds("lease_seconds", &w.lease, 0.05, 3600);
  s.Int("max_attempts", &w.max_attempts, 1, 100);
  s.Seconds("initial_backoff_seconds", &w.initial_backoff, 0, 86400);
  s.Seconds("max_backoff_seconds", &w.max_backoff, 0, 7 * 86400);
  int poll = static_cast<int>(w.poll_interval.count());
  if (s.Int("poll_interval_ms", &poll, 1, 60000)) w.poll_interval = std::chrono::milliseconds(poll);
  s.Seconds("lock_wait_seconds", &w.lock_wait, 0, 3600);
  if (w.max_backoff < w.initial_backoff) {
    s.ErrorAtKey("max_backoff_seconds",
                 "max_backoff_seconds in [worker] is smaller than initial_backoff_seconds; "
                 "raise max_backoff_seconds");
  }
  s.Finish();
}

void ReadTags(Section& s, TagNames& t) {
  s.String("new_lead", &t.new_lead);
  s.String("returning_lead", &t.returning_lead);
  s.String("book_now", &t.book_now);
  s.String("hot", &t.hot);
  s.String("warm", &t.warm);
  s.String("cold", &t.cold);
  s.String("needs_human_review", &t.needs_human_review);
  s.Finish();
}

void ReadDedup(Section& s, DedupTaggingConfig& c) {
  c.enabled = ReadEnabled(s);
  std::vector<std::string> match;
  if (s.StringArray("match_on", &match)) {
    c.match_email = c.match_phone = false;
    for (const auto& m : match) {
      if (m == "email") {
        c.match_email = true;
      } else if (m == "phone") {
        c.match_phone = true;
      } else {
        s.ErrorAtKey("match_on", "'match_on' in [" + s.path() + "] has '" + m +
                                     "'; allowed values are \"email\" and \"phone\"");
      }
    }
    if (match.empty()) {
      s.ErrorAtKey("match_on", "'match_on' in [" + s.path() +
                                   "] is empty; write match_on = [\"email\", "
                                   "\"phone\"]");
    }
  }
  s.Finish();
}

const std::vector<std::string_view> kNamePlaceholders = {"name", "first_name", "last_name", "email",
                                                         "phone"};

void ReadFormToObject(Section& s, FormToObjectConfig& c, Problems& problems) {
  c.enabled = ReadEnabled(s);
  c.line = s.line();
  s.Ref("pipeline", &c.pipeline);
  s.Ref("stage", &c.stage);
  s.Number("monetary_value", &c.monetary_value, 0, 1e12);
  if (s.String("name_template", &c.name_template)) {
    CheckTemplate(s, "name_template", c.name_template, kNamePlaceholders);
  }
  s.String("object", &c.object);
  s.String("association", &c.association);
  s.String("match_property", &c.match_property);
  if (const toml::table* t = s.Table("properties")) {
    Section props(*t, s.path() + ".properties", problems);
    std::vector<std::string_view> allowed = kNamePlaceholders;
    for (auto extra : {"contact_id", "opportunity_id", "opportunity_name"})
      allowed.push_back(extra);
    for (auto&& [key, node] : *t) {
      std::string k(key.str());
      std::string text;
      if (props.String(k, &text, /*allow_empty=*/true)) {
        CheckTemplate(props, k, text, allowed);
        c.properties.emplace_back(k, text);
      }
    }
    props.Finish();
  }
  s.Finish();
  if (!c.enabled) return;
  RequireRef(s, c.pipeline, "pipeline", "pipeline");
  RequireRef(s, c.stage, "stage", "stage");
  if (c.object.empty()) {
    s.ErrorHere("[" + s.path() +
                "] is enabled but 'object' is missing; add object = "
                "\"custom_objects.<key>\" (GET /objects/ lists the location's objects)");
  }
  if (c.association.empty()) {
    s.ErrorHere("[" + s.path() +
                "] is enabled but 'association' is missing; add association = "
                "\"<association key>\" (GET /associations/ lists them; create one with POST "
                "/associations/ between the object and opportunity)");
  }
}

// [recipes.form_to_onboarding] and its [fields] mapping: every target and source is checked
// here (unknown ones name the nearest known one); custom field sources are resolved at start.
void ReadFormToOnboarding(Section& s, FormToOnboardingConfig& c, Problems& problems) {
  c.enabled = ReadEnabled(s);
  c.line = s.line();
  s.String("company_id", &c.company_id);
  s.String("agency_token_env", &c.agency_token_env);
  s.String("journal", &c.journal);
  s.StringArray("sources", &c.sources);
  s.StringArray("custom_fields", &c.custom_fields);
  if (s.String("welcome_sms", &c.welcome_sms)) {
    CheckTemplate(s, "welcome_sms", c.welcome_sms, {"first_name", "name", "business"});
  }
  c.fields = {{"business.name", "companyName", 0},
              {"owner.firstName", "firstName", 0},
              {"owner.lastName", "lastName", 0},
              {"owner.email", "email", 0},
              {"owner.phone", "phone", 0}};
  if (const toml::table* t = s.Table("fields")) {
    Section map(*t, s.path() + ".fields", problems);
    for (auto&& [key, node] : *t) {
      std::string target(key.str());
      std::string source;
      if (!map.String(target, &source)) continue;
      int line = static_cast<int>(key.source().begin.line);
      if (std::find(kOnboardingTargets.begin(), kOnboardingTargets.end(), target) ==
          kOnboardingTargets.end()) {
        std::string msg = "unknown onboarding field '" + target + "' in [" + map.path() + "]";
        auto near = Suggest(target, kOnboardingTargets);
        msg += near.empty() ? "; onboarding fields: business.name, business.timezone, "
                              "owner.email, owner.firstName, … (doc/automations.md)"
                            : "; did you mean '" + near + "'?";
        map.ErrorAtKey(target, msg);
        continue;
      }
      bool custom = source.rfind("contact.", 0) == 0 && source.size() > 8;
      if (!custom && std::find(kOnboardingContactFields.begin(), kOnboardingContactFields.end(),
                               source) == kOnboardingContactFields.end()) {
        std::string msg = "'" + target + "' in [" + map.path() + "] reads '" + source +
                          "', which is not a contact field";
        auto near = Suggest(source, kOnboardingContactFields);
        msg += near.empty() ? "" : "; did you mean '" + near + "'?";
        msg += " (a custom field is named by its key: \"contact.<key>\")";
        map.ErrorAtKey(target, msg);
        continue;
      }
      auto same = std::find_if(c.fields.begin(), c.fields.end(),
                               [&](const OnboardingField& f) { return f.target == target; });
      if (same != c.fields.end()) c.fields.erase(same);
      c.fields.push_back({target, source, line});
    }
    map.Finish();
  }
  s.Finish();
  if (!c.enabled) return;
  if (c.company_id.empty()) {
    s.ErrorHere("[" + s.path() +
                "] is enabled but 'company_id' is missing; add company_id = \"<agency company "
                "id>\" (`ghl sandbox` prints it; GET /oauth/installedLocations shows it)");
  }
  if (c.agency_token_env.empty()) {
    s.ErrorAtKey("agency_token_env", "'agency_token_env' in [" + s.path() +
                                         "] is empty; name the variable that holds the agency "
                                         "token, e.g. agency_token_env = \"GHL_AGENCY_TOKEN\"");
  }
}

void ReadFormToOpportunity(Section& s, FormToOpportunityConfig& c) {
  c.enabled = ReadEnabled(s);
  s.Ref("pipeline", &c.pipeline);
  s.Ref("stage", &c.stage);
  s.Number("monetary_value", &c.monetary_value, 0, 1e12);
  if (s.String("name_template", &c.name_template)) {
    CheckTemplate(s, "name_template", c.name_template, kNamePlaceholders);
  }
  s.StringArray("sources", &c.sources);
  s.Finish();
  if (c.enabled) {
    RequireRef(s, c.pipeline, "pipeline", "pipeline");
    RequireRef(s, c.stage, "stage", "stage");
  }
}

bool LooksLikeTimeZone(std::string_view tz) {
  if (tz == "UTC") return true;
  if (tz.find('/') == std::string_view::npos || tz.front() == '/' || tz.back() == '/') {
    return false;
  }
  return std::all_of(tz.begin(), tz.end(), [](char ch) {
    return std::isalnum(static_cast<unsigned char>(ch)) || ch == '/' || ch == '_' || ch == '-' ||
           ch == '+';
  });
}

void ReadBooking(Section& s, BookingConfig& c) {
  c.enabled = ReadEnabled(s);
  s.Ref("calendar", &c.calendar);
  if (const toml::node* n = s.Node("timezone"); n) {
    if (!n->is_string() || !LooksLikeTimeZone(n->as_string()->get())) {
      s.Error(*n, s.Where("timezone") +
                      " must be an IANA time zone name such as "
                      "\"America/New_York\" or \"UTC\"");
    } else {
      c.timezone = n->as_string()->get();
    }
  }
  s.Int("search_days", &c.search_days, 1, 31);
  int notice = static_cast<int>(c.min_notice.count());
  if (s.Int("min_notice_minutes", &notice, 0, 7 * 24 * 60)) {
    c.min_notice = std::chrono::minutes(notice);
  }
  s.Bool("remove_trigger_tag", &c.remove_trigger_tag);
  s.Bool("send_sms", &c.send_sms);
  if (s.String("sms_template", &c.sms_template)) {
    CheckTemplate(s, "sms_template", c.sms_template, {"first_name", "name", "calendar", "start"});
  }
  s.Finish();
  if (c.enabled) RequireRef(s, c.calendar, "calendar", "calendar");
}

void ReadPipelineAdvance(Section& s, PipelineAdvanceConfig& c) {
  c.enabled = ReadEnabled(s);
  s.Ref("pipeline", &c.pipeline);
  s.Ref("stage", &c.stage);
  if (s.String("note_template", &c.note_template)) {
    CheckTemplate(s, "note_template", c.note_template,
                  {"stage", "opportunity", "time_utc", "appointment_id"});
  }
  s.Finish();
  if (c.enabled) {
    RequireRef(s, c.pipeline, "pipeline", "pipeline");
    RequireRef(s, c.stage, "stage", "stage");
  }
}

constexpr std::string_view kHasFields[] = {"email", "phone", "company_name", "address", "website"};

void ReadRule(Section& r, std::vector<ScoringRule>& rules) {
  ScoringRule rule;
  rule.line = r.line();
  int kinds = 0;
  std::string v;
  if (r.String("has", &v)) {
    ++kinds;
    rule.kind = RuleKind::kHas;
    rule.subject = v;
    if (std::find(std::begin(kHasFields), std::end(kHasFields), v) == std::end(kHasFields)) {
      r.ErrorAtKey("has", "'has' in [[" + r.path() + "]] is \"" + v +
                              "\"; allowed: email, phone, company_name, address, website");
    }
  }
  if (r.String("source", &v)) {
    ++kinds;
    rule.kind = RuleKind::kSource;
    rule.subject = v;
  }
  if (r.String("tag", &v)) {
    ++kinds;
    rule.kind = RuleKind::kTag;
    rule.subject = v;
  }
  if (r.String("custom_field", &v)) {
    ++kinds;
    rule.kind = RuleKind::kCustomField;
    rule.subject = v;
  }
  std::string eq;
  if (r.String("equals", &eq, /*allow_empty=*/true)) {
    if (rule.kind != RuleKind::kCustomField || kinds != 1) {
      r.ErrorAtKey("equals",
                   "'equals' in [[" + r.path() + "]] only goes with custom_field = \"...\"");
    }
    rule.equals = eq;
  }
  bool has_points = r.Int("points", &rule.points, -1000, 1000);
  r.Finish();
  if (kinds != 1) {
    r.ErrorHere("a rule in [[" + r.path() +
                "]] needs exactly one of has, source, tag, "
                "custom_field (found " +
                std::to_string(kinds) + ")");
  }
  if (!has_points && !r.Has("points")) {
    r.ErrorHere("a rule in [[" + r.path() + "]] has no 'points'; add points = 10");
  }
  rules.push_back(std::move(rule));
}

void ReadLeadScoring(Section& s, LeadScoringConfig& c, Problems& problems) {
  c.enabled = ReadEnabled(s);
  s.Ref("score_field", &c.score_field);
  s.Int("hot_threshold", &c.hot_threshold, -100000, 100000);
  s.Int("warm_threshold", &c.warm_threshold, -100000, 100000);
  s.Ref("pipeline", &c.pipeline);
  s.Ref("hot_stage", &c.hot_stage);
  s.Number("monetary_value", &c.monetary_value, 0, 1e12);
  if (s.String("name_template", &c.name_template)) {
    CheckTemplate(s, "name_template", c.name_template, kNamePlaceholders);
  }
  if (const toml::node* n = s.Node("rules"); n) {
    const toml::array* a = n->as_array();
    if (!a || !a->is_array_of_tables()) {
      s.Error(*n, s.Where("rules") +
                      " must be an array of tables: write each rule as "
                      "[[" +
                      s.path() + ".rules]]");
    } else {
      for (const auto& item : *a) {
        Section r(*item.as_table(), s.path() + ".rules", problems);
        ReadRule(r, c.rules);
      }
    }
  }
  s.Finish();
  if (c.warm_threshold > c.hot_threshold) {
    s.ErrorAtKey("warm_threshold", "warm_threshold (" + std::to_string(c.warm_threshold) +
                                       ") is above hot_threshold (" +
                                       std::to_string(c.hot_threshold) + ") in [" + s.path() +
                                       "]; make warm_threshold <= hot_threshold");
  }
  if (c.enabled) {
    RequireRef(s, c.score_field, "score_field", "custom field");
    if (!c.hot_stage.empty() && c.pipeline.empty() && !s.Has("pipeline")) {
      s.ErrorHere("[" + s.path() +
                  "] has hot_stage but no 'pipeline'; add pipeline = "
                  "\"<pipeline id or name>\"");
    }
    if (c.rules.empty() && !s.Has("rules")) {
      s.ErrorHere("[" + s.path() + "] is enabled but has no rules; add [[" + s.path() +
                  ".rules]] tables (has / source / tag / custom_field + points)");
    }
  }
}

bool IsEnvName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char ch) {
    return std::isupper(static_cast<unsigned char>(ch)) ||
           std::isdigit(static_cast<unsigned char>(ch)) || ch == '_';
  });
}

void ReadClassifier(Section& s, ClassifierConfig& c) {
  if (const toml::node* n = s.Node("kind"); n) {
    if (!n->is_string() ||
        (n->as_string()->get() != "local" && n->as_string()->get() != "openai")) {
      s.Error(*n, s.Where("kind") + " must be \"local\" or \"openai\"");
    } else {
      c.kind = n->as_string()->get();
    }
  }
  if (s.String("url", &c.url) && c.url.rfind("http://", 0) != 0 &&
      c.url.rfind("https://", 0) != 0) {
    s.ErrorAtKey("url", s.Where("url") +
                            " must start with http:// or https:// (the full "
                            "chat-completions URL, e.g. https://api.openai.com/v1/chat/"
                            "completions)");
  }
  s.String("model", &c.model);
  if (const toml::node* n = s.Node("api_key_env"); n) {
    if (!n->is_string() || !IsEnvName(n->as_string()->get())) {
      s.Error(*n, s.Where("api_key_env") +
                      " must be the NAME of an environment variable "
                      "(e.g. \"OPENAI_API_KEY\"), never the key itself");
    } else {
      c.api_key_env = n->as_string()->get();
    }
  }
  int timeout = static_cast<int>(c.timeout.count());
  if (s.Int("timeout_ms", &timeout, 100, 300000)) c.timeout = std::chrono::milliseconds(timeout);
  if (const toml::node* n = s.Node("on_error"); n) {
    if (!n->is_string() || (n->as_string()->get() != "local" && n->as_string()->get() != "fail")) {
      s.Error(*n, s.Where("on_error") +
                      " must be \"local\" (classify locally) or \"fail\" "
                      "(retry the event later)");
    } else {
      c.on_error = n->as_string()->get();
    }
  }
  s.Finish({{"api_key", "'api_key' is not allowed in [" + s.path() +
                            "]: secrets never go in the file; put the key in an environment "
                            "variable and name it with api_key_env = \"OPENAI_API_KEY\""}});
  if (c.kind == "openai") {
    for (auto [key, value] : {std::pair<std::string_view, const std::string*>{"url", &c.url},
                              {"model", &c.model},
                              {"api_key_env", &c.api_key_env}}) {
      if (value->empty() && !s.Has(key)) {
        s.ErrorHere("[" + s.path() + "] has kind = \"openai\" but no '" + std::string(key) +
                    "'; add " + std::string(key) + " = \"...\"");
      }
    }
  }
}

void ReadPerCategory(Section& s, std::array<std::string, kCategoryCount>& out) {
  for (int i = 0; i < kCategoryCount; ++i) {
    s.String(ToString(static_cast<Category>(i)), &out[i], /*allow_empty=*/true);
  }
  s.Finish();
}

void ReadMessageClassification(Section& s, MessageClassificationConfig& c, Problems& problems) {
  c.enabled = ReadEnabled(s);
  s.Number("confidence_threshold", &c.confidence_threshold, 0, 1);
  s.Bool("tag_book_now", &c.tag_book_now);
  if (const toml::table* t = s.Table("classifier")) {
    Section sub(*t, s.path() + ".classifier", problems);
    ReadClassifier(sub, c.classifier);
  }
  if (const toml::table* t = s.Table("tags")) {
    Section sub(*t, s.path() + ".tags", problems);
    ReadPerCategory(sub, c.tags);
  }
  if (const toml::table* t = s.Table("replies")) {
    Section sub(*t, s.path() + ".replies", problems);
    ReadPerCategory(sub, c.replies);
  }
  if (const toml::table* t = s.Table("keywords")) {
    Section sub(*t, s.path() + ".keywords", problems);
    for (int i = 0; i < kCategoryCount; ++i) {
      sub.StringArray(ToString(static_cast<Category>(i)), &c.extra_keywords[i]);
    }
    sub.Finish();
  }
  s.Finish();
}

}  // namespace

Result<Config> ParseConfig(std::string_view text, std::string_view source_name) {
  Config config;
  config.source_name = std::string(source_name);
  Problems problems{std::string(source_name)};
  toml::table root;
  try {
    root = toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    problems.Add(static_cast<int>(e.source().begin.line),
                 "not valid TOML: " + std::string(e.description()));
    return problems.ToError();
  }
  Section top(root, "top level", problems);
  top.String("location_id", &config.location_id);
  if (const toml::table* t = top.Table("worker")) {
    Section s(*t, "worker", problems);
    ReadWorker(s, config.worker);
  }
  if (const toml::table* t = top.Table("tags")) {
    Section s(*t, "tags", problems);
    ReadTags(s, config.tags);
  }
  if (const toml::table* recipes = top.Table("recipes")) {
    Section r(*recipes, "recipes", problems);
    if (const toml::table* t = r.Table("dedup_tagging")) {
      Section s(*t, "recipes.dedup_tagging", problems);
      ReadDedup(s, config.dedup_tagging);
    }
    if (const toml::table* t = r.Table("form_to_opportunity")) {
      Section s(*t, "recipes.form_to_opportunity", problems);
      ReadFormToOpportunity(s, config.form_to_opportunity);
    }
    if (const toml::table* t = r.Table("form_to_object")) {
      Section s(*t, "recipes.form_to_object", problems);
      ReadFormToObject(s, config.form_to_object, problems);
    }
    if (const toml::table* t = r.Table("booking")) {
      Section s(*t, "recipes.booking", problems);
      ReadBooking(s, config.booking);
    }
    if (const toml::table* t = r.Table("pipeline_advance")) {
      Section s(*t, "recipes.pipeline_advance", problems);
      ReadPipelineAdvance(s, config.pipeline_advance);
    }
    if (const toml::table* t = r.Table("lead_scoring")) {
      Section s(*t, "recipes.lead_scoring", problems);
      ReadLeadScoring(s, config.lead_scoring, problems);
    }
    if (const toml::table* t = r.Table("message_classification")) {
      Section s(*t, "recipes.message_classification", problems);
      ReadMessageClassification(s, config.message_classification, problems);
    }
    if (const toml::table* t = r.Table("form_to_onboarding")) {
      Section s(*t, "recipes.form_to_onboarding", problems);
      ReadFormToOnboarding(s, config.form_to_onboarding, problems);
    }
    r.Finish();
  }
  top.Finish();
  if (problems.empty() && config.EnabledRecipes().empty()) {
    problems.Add(1,
                 "no recipe is enabled; add at least one [recipes.<name>] table "
                 "(dedup_tagging, form_to_opportunity, form_to_object, booking, "
                 "pipeline_advance, "
                 "lead_scoring, message_classification, form_to_onboarding)");
  }
  if (!problems.empty()) return problems.ToError();
  return config;
}

Result<Config> LoadConfig(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError("cannot read the automations config '" + path + "'",
                      "check the path (see doc/automations.md for the format)");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return ParseConfig(text.str(), path);
}

Status ResolveSecrets(Config& config, const EnvLookup& env) {
  if (auto& o = config.form_to_onboarding; o.enabled) {
    auto token = env ? env(o.agency_token_env) : std::nullopt;
    if (!token || token->empty()) {
      return UsageError(
          "form_to_onboarding's agency token variable " + o.agency_token_env + " is not set",
          "export " + o.agency_token_env +
              "=<agency (Company) token> before starting (creating a sub-account "
              "needs one; the token never goes in the config file)");
    }
    o.agency_token = *token;
  }
  auto& c = config.message_classification.classifier;
  if (!config.message_classification.enabled || c.kind != "openai") return Ok{};
  auto value = env ? env(c.api_key_env) : std::nullopt;
  if (!value || value->empty()) {
    return UsageError("the classifier's API key variable " + c.api_key_env + " is not set",
                      "export " + c.api_key_env +
                          "=<key> before starting (the key never goes "
                          "in the config file)");
  }
  c.api_key = *value;
  return Ok{};
}

std::string DescribeConfig(const Config& c) {
  std::ostringstream o;
  o << "config " << c.source_name << ": recipes";
  for (const auto& r : c.EnabledRecipes()) o << " " << r;
  o << "\nworker: concurrency " << c.worker.concurrency << ", lease " << c.worker.lease.count()
    << " ms, max attempts " << c.worker.max_attempts << ", backoff "
    << c.worker.initial_backoff.count() << ".." << c.worker.max_backoff.count() << " ms\n";
  if (c.message_classification.enabled) {
    const auto& k = c.message_classification.classifier;
    o << "classifier: " << k.kind;
    if (k.kind == "openai") o << " " << k.url << " model " << k.model << " key $" << k.api_key_env;
    o << ", confidence threshold " << c.message_classification.confidence_threshold << "\n";
  }
  return o.str();
}

}  // namespace ghl::automations
