#include "ghl/automations/scoring.h"

#include <cmath>

#include "util.h"

namespace ghl::automations {
namespace {

bool HasField(const json& contact, const std::string& what) {
  if (what == "email") return !Str(contact, "email").empty();
  if (what == "phone") return !Str(contact, "phone").empty();
  if (what == "company_name") return !Str(contact, "companyName").empty();
  if (what == "address") return !Str(contact, "address1").empty();
  if (what == "website") return !Str(contact, "website").empty();
  return false;
}

}  // namespace

std::string CustomFieldText(const json& contact, const std::string& field_id) {
  for (const auto& f : contact.value("customFields", json::array())) {
    if (Str(f, "id") != field_id) continue;
    const json& v = f.contains("value") ? f["value"] : f.value("fieldValue", json());
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    if (v.is_number()) {
      double d = v.get<double>();
      if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<int64_t>(d));
      return v.dump();
    }
    if (v.is_null()) return "";
    return v.dump();
  }
  return "";
}

int ScoreContact(const std::vector<ScoringRule>& rules, const json& contact,
                 const FieldIdOf& field_id_of) {
  int score = 0;
  for (const auto& rule : rules) {
    bool hit = false;
    switch (rule.kind) {
      case RuleKind::kHas:
        hit = HasField(contact, rule.subject);
        break;
      case RuleKind::kSource:
        hit = EqualsNoCase(Str(contact, "source"), rule.subject);
        break;
      case RuleKind::kTag:
        hit = HasTag(contact, rule.subject);
        break;
      case RuleKind::kCustomField: {
        std::string value = CustomFieldText(contact, field_id_of(rule.subject));
        hit = rule.equals ? EqualsNoCase(value, *rule.equals) : !value.empty();
        break;
      }
    }
    if (hit) score += rule.points;
  }
  return score;
}

const std::string& ScoreTier(const LeadScoringConfig& config, const TagNames& tags, int score) {
  return score >= config.hot_threshold    ? tags.hot
         : score >= config.warm_threshold ? tags.warm
                                          : tags.cold;
}

}  // namespace ghl::automations
