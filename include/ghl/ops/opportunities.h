/// \file
/// Pipelines and opportunities (spec: shared/ghl-openapi/apps/opportunities.json, Version
/// 2021-07-28). GHL's quirk: the opportunity search takes snake_case `location_id`,
/// `pipeline_id`, `contact_id` in the query, unlike every other route.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// GET /opportunities/pipelines?locationId → the pipelines array (each with `stages`).
Result<nlohmann::json> ListPipelines(const Context& ctx);

/// GET /opportunities/search filters (empty = not filtered).
struct OpportunitySearch {
  std::string contact_id;
  std::string pipeline_id;
  std::string stage_id;
  std::string status;          ///< "open", "won", "lost", "abandoned" or "all".
  std::string query;           ///< GHL's `q` (name, contact).
  int limit = 20;              ///< 1..100.
  std::string start_after;     ///< Cursor from the previous page's meta.startAfter.
  std::string start_after_id;  ///< … and meta.startAfterId.
};

/// {"opportunities":[…],"meta":{…}} with `location_id` sent as GHL wants it. The
/// opportunities are filtered again by contact and pipeline when those are given (belt and
/// braces: a GHL that ignored a filter would otherwise hand back another contact's deals).
Result<nlohmann::json> SearchOpportunities(const Context& ctx, const OpportunitySearch& search);

/// GET /opportunities/{id} → the opportunity.
Result<nlohmann::json> GetOpportunity(const Context& ctx, const std::string& id);

/// Fields of an opportunity write; unset fields are not sent.
struct OpportunityWrite {
  std::string pipeline_id;
  std::string stage_id;  ///< pipelineStageId.
  std::string name;
  std::string status;           ///< "open", "won", "lost", "abandoned".
  std::string contact_id;       ///< Create only.
  std::optional<double> value;  ///< monetaryValue.
};

/// POST /opportunities/ → the opportunity. kUsage error without pipeline, contact or name.
Result<nlohmann::json> CreateOpportunity(const Context& ctx, const OpportunityWrite& write);
/// PUT /opportunities/{id} (stage, value, status, name) → the opportunity. kUsage error when
/// nothing is to change.
Result<nlohmann::json> UpdateOpportunity(const Context& ctx, const std::string& id,
                                         const OpportunityWrite& write);

}  // namespace ghl::ops
