/// \file
/// Resolves the config's record references (ids or names) to GHL ids, once, at start:
///  - pipelines and stages: GET /opportunities/pipelines?locationId=… (opportunities spec);
///  - calendars: GET /calendars/?locationId=… (calendars spec, Version 2021-04-15);
///  - custom fields: GET /locations/{locationId}/customFields (locations spec);
///  - custom object and association (form_to_object): GET /objects/{key}, GET
///    /associations/key/{key} (objects and associations specs).
/// A reference matches a record's id exactly, else its name case-insensitively (custom fields
/// also their `fieldKey`, with or without the "contact." prefix). A reference that matches
/// nothing is an error naming the config line and listing what exists.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ghl/automations/config.h"
#include "ghl/client/client.h"
#include "ghl/core/result.h"

namespace ghl::automations {

/// A pipeline stage as GHL lists it.
struct Stage {
  std::string id;
  std::string name;
  int position = 0;  ///< Order in the pipeline (0 = first); "advance" never moves backwards.
};

/// A pipeline with its stages in position order.
struct Pipeline {
  std::string id;
  std::string name;
  std::vector<Stage> stages;

  /// The stage with this id, or nullptr.
  const Stage* FindStage(const std::string& stage_id) const;
};

/// Every id the enabled recipes need, resolved. Empty strings for recipes that are off.
struct ResolvedIds {
  std::string location_id;
  Pipeline opportunity_pipeline;  ///< form_to_opportunity.
  Stage opportunity_stage;
  Pipeline object_pipeline;  ///< form_to_object.
  Stage object_stage;
  std::string object_key;       ///< form_to_object: "custom_objects.job".
  std::string association_id;   ///< form_to_object: the association object ↔ opportunity.
  bool object_is_first = true;  ///< Its firstObjectKey is the object (else the opportunity).
  std::string calendar_id;      ///< booking.
  std::string calendar_name;
  Pipeline advance_pipeline;  ///< pipeline_advance.
  Stage advance_stage;
  std::string score_field_id;  ///< lead_scoring.
  Pipeline scoring_pipeline;
  std::optional<Stage> hot_stage;
  /// lead_scoring custom_field rules and form_to_onboarding custom field sources: reference
  /// text → field id.
  std::vector<std::pair<std::string, std::string>> rule_fields;

  /// Field id for a rule's reference text, or "".
  std::string RuleFieldId(const std::string& ref) const;
};

/// Resolves `config` through `client` for `location_id` (the config's `location_id`, else the
/// client's default location). kUsage errors list every unresolved reference as
/// "SOURCE:LINE: …" (like config errors); API errors are returned as they come (with hints).
Result<ResolvedIds> ResolveIds(const Config& config, const client::Client& client);

/// Human-readable listing of the resolved ids (for `ghl automations check`).
std::string DescribeResolved(const Config& config, const ResolvedIds& ids);

}  // namespace ghl::automations
