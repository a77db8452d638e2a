/// \file
/// Custom objects and associations (specs: shared/ghl-openapi/apps/objects.json and
/// associations.json, Version 2021-07-28).
///
/// GHL's quirks handled here:
///  - object keys carry the `custom_objects.` prefix ("pet" is sent as "custom_objects.pet");
///    record properties are written without it;
///  - record search pages with `searchAfter` (each record's own cursor), not `page`;
///  - creating a relation that exists answers 400 "Could not create relation: duplicate relation
///    of object Ids for given association <id>" — EnsureRelation treats it as success and returns
///    the existing relation;
///  - relations of a record page with `skip`/`limit` (at most 100) up to `total`.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// "custom_objects.pet" for "pet"; "contact", "opportunity", "business" and keys that already
/// have the prefix are returned lower-cased as they are.
std::string ObjectKey(const std::string& key);

/// GET /objects/{key}?locationId → the object schema (`key`, `labels`, `primaryDisplayProperty`,
/// `searchableProperties` …). A 404 stays the API error.
Result<nlohmann::json> GetObjectSchema(const Context& ctx, const std::string& object_key);

/// POST /objects/{key}/records {locationId, properties[, owner]} → the record ({id, properties,
/// …}). kUsage error when `properties` is not a JSON object.
Result<nlohmann::json> CreateRecord(const Context& ctx, const std::string& object_key,
                                    const nlohmann::json& properties,
                                    const std::vector<std::string>& owner = {});

/// GET /objects/{key}/records/{id} → the record.
Result<nlohmann::json> GetRecord(const Context& ctx, const std::string& object_key,
                                 const std::string& record_id);

/// POST /objects/{key}/records/search with `query` ("field:value" on a searchable property,
/// or free text), following `searchAfter` until `max_records` records or the end. The records
/// as GHL returns them (each with `properties`).
Result<nlohmann::json> SearchRecords(const Context& ctx, const std::string& object_key,
                                     const std::string& query, int max_records = 100);

/// GET /associations/key/{key}?locationId → the association ({id, key, firstObjectKey,
/// secondObjectKey, …}).
Result<nlohmann::json> GetAssociationByKey(const Context& ctx, const std::string& key);

/// GET /associations/relations/{recordId}?locationId&skip&limit, every page (limit 100) up to
/// `total`; only relations of `association_id` when it is not empty. The relations array.
Result<nlohmann::json> ListRelations(const Context& ctx, const std::string& record_id,
                                     const std::string& association_id = "");

/// What EnsureRelation did.
struct EnsuredRelation {
  nlohmann::json relation;  ///< {id, associationId, firstRecordId, secondRecordId, …}.
  bool created = false;     ///< false: the pair was already related (GHL's duplicate 400).
};

/// POST /associations/relations {locationId, associationId, firstRecordId, secondRecordId};
/// GHL's duplicate-relation 400 is success: the existing relation is read back (ListRelations
/// of the first record) and returned with `created` false. firstRecordId must be a record of
/// the association's first object (GHL answers 400 otherwise; that error is returned).
Result<EnsuredRelation> EnsureRelation(const Context& ctx, const std::string& association_id,
                                       const std::string& first_record_id,
                                       const std::string& second_record_id);

/// True when `e` is GHL's duplicate-relation 400.
bool IsDuplicateRelation(const Error& e);

}  // namespace ghl::ops
