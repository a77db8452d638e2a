/// \file
/// Locations, custom field definitions and workflows (specs: shared/ghl-openapi/apps/
/// locations.json, workflows.json, contacts.json for add-to-workflow; Version 2021-07-28).
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// GET /locations/{locationId} → the location.
Result<nlohmann::json> GetLocation(const Context& ctx);

/// The locations the credentials reach: GET /locations/search with an agency token; with a
/// location token (GHL: "Token's user type mismatch!") the token's own location alone.
/// → array of {"id","name"}.
Result<nlohmann::json> ListLocations(const Context& ctx);

/// GET /locations/{locationId}/customFields[?model=] → the customFields array (id, name,
/// fieldKey, dataType, model, …). `model`: "contact", "opportunity" or "all"; empty = GHL's
/// default (contact fields only).
Result<nlohmann::json> ListCustomFields(const Context& ctx, const std::string& model = {});

/// GET /workflows/?locationId → the workflows array.
Result<nlohmann::json> ListWorkflows(const Context& ctx);

/// POST /contacts/{contactId}/workflow/{workflowId}.
Status AddContactToWorkflow(const Context& ctx, const std::string& contact_id,
                            const std::string& workflow_id);

}  // namespace ghl::ops
