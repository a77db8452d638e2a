/// \file
/// Locations, custom field definitions and workflows (specs: shared/ghl-openapi/apps/
/// locations.json, workflows.json, contacts.json for add-to-workflow; Version 2021-07-28).
#pragma once

#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

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

/// A sub-account to create (POST /locations/, CreateLocationDto; agency token, Agency Pro).
struct LocationWrite {
  std::string company_id;  ///< Required: the agency's company id.
  std::string name;        ///< Required: the business name.
  std::string email;       ///< The owner's email (sent as prospectInfo.email, with the names).
  std::string first_name;  ///< prospectInfo.firstName.
  std::string last_name;   ///< prospectInfo.lastName.
  std::string phone, address, city, state, country, postal_code, website;
  std::string timezone;  ///< IANA zone, e.g. "America/Chicago"; empty = GHL's default.
};

/// POST /locations/ with an agency token → the created location (id, name, …). kUsage error
/// without company id or name.
Result<nlohmann::json> CreateLocation(const Context& ctx, const LocationWrite& write);

/// GET /locations/search?companyId&email (agency token) → the company's locations whose owner
/// email is `email` (case-insensitive), as GHL shows them.
Result<nlohmann::json> SearchLocationsByEmail(const Context& ctx, const std::string& company_id,
                                              const std::string& email);

/// POST /oauth/locationToken (form-encoded companyId, locationId) with an agency token → GHL's
/// answer {access_token, refresh_token, expires_in, locationId, …}. The answer holds secrets:
/// never log it. kUsage error for an empty id.
Result<nlohmann::json> MintLocationToken(const Context& ctx, const std::string& company_id,
                                         const std::string& location_id);

/// A custom field definition to ensure (POST /locations/{locationId}/customFields).
struct CustomFieldWrite {
  std::string name;                ///< Required; GHL derives the key from it.
  std::string data_type = "TEXT";  ///< GHL's dataType enum (TEXT, NUMERICAL, DATE, …).
  std::string model = "contact";   ///< "contact" or "opportunity".
};

/// GHL's custom field `dataType` values (POST /locations/{locationId}/customFields answers 422
/// to any other): TEXT, LARGE_TEXT, NUMERICAL, PHONE, MONETORY, CHECKBOX, SINGLE_OPTIONS,
/// MULTIPLE_OPTIONS, FLOAT, TIME, DATE, TEXTBOX_LIST, FILE_UPLOAD, SIGNATURE, RADIO, EMAIL
/// (GHL's spelling; the spec's CreateCustomFieldsDTO gives only the example "TEXT").
std::span<const std::string_view> CustomFieldDataTypes();

/// The field key GHL derives from a name: "<model>." + the name lower-cased with runs of other
/// characters turned into one '_' ("Lead Source" → "contact.lead_source").
std::string CustomFieldKey(const std::string& model, const std::string& name);

/// The location's custom field with the derived key (or the same name), creating it only when
/// none exists: look up first, so a retry after a lost answer never makes a second one.
/// → the definition; `*created` tells which path ran.
Result<nlohmann::json> EnsureCustomField(const Context& ctx, const CustomFieldWrite& write,
                                         bool* created = nullptr);

}  // namespace ghl::ops
