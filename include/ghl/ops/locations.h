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

/// POST /locations/{locationId}/customFields {"name","dataType"} → the created field (id,
/// name, fieldKey "contact.<snake_name>", dataType). `data_type`: TEXT, NUMERICAL, … (GHL's
/// dataType enum). GHL answers 400 when a field with that name exists: use EnsureCustomField.
Result<nlohmann::json> CreateCustomField(const Context& ctx, const std::string& name,
                                         const std::string& data_type = "TEXT");

/// The contact custom field `name` (matched in `definitions`, a customFields list, by id,
/// fieldKey or name as FindCustomField does), created with CreateCustomField only when none
/// matches; a created field is appended to `definitions`, so it is looked up, never created
/// twice. kUsage error for an empty name.
Result<nlohmann::json> EnsureCustomField(const Context& ctx, nlohmann::json& definitions,
                                         const std::string& name,
                                         const std::string& data_type = "TEXT");

/// GET /workflows/?locationId → the workflows array.
Result<nlohmann::json> ListWorkflows(const Context& ctx);

/// POST /contacts/{contactId}/workflow/{workflowId}.
Status AddContactToWorkflow(const Context& ctx, const std::string& contact_id,
                            const std::string& workflow_id);

}  // namespace ghl::ops
