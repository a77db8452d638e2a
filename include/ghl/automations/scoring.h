/// \file
/// Lead scoring rules (cookbook 3.x), shared by the `lead_scoring` recipe and `ghl enrich`:
/// the sum of the points of the `[[recipes.lead_scoring.rules]]` a contact meets, and its tier.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ghl/automations/config.h"

namespace ghl::automations {

/// Maps a rule's custom field reference (id, fieldKey or name) to the field id ("" = unknown).
using FieldIdOf = std::function<std::string(const std::string& ref)>;

/// A contact custom field's value as text ("" when unset); whole numbers without ".0". Reads
/// GHL's `customFields` entries ({"id","value"} or {"id","fieldValue"}).
std::string CustomFieldText(const nlohmann::json& contact, const std::string& field_id);

/// The score of `contact` (a GHL contact object): the sum of `points` of every rule it meets
/// (has = non-empty standard field; source = equal, case-insensitive; tag = has the tag;
/// custom_field = set, or equal to `equals`, case-insensitive).
int ScoreContact(const std::vector<ScoringRule>& rules, const nlohmann::json& contact,
                 const FieldIdOf& field_id_of);

/// "hot", "warm" or "cold" as configured in `tags` for `score` and the thresholds of `config`.
const std::string& ScoreTier(const LeadScoringConfig& config, const TagNames& tags, int score);

}  // namespace ghl::automations
