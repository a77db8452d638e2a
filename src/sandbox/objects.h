// Custom objects shared by the object, record and association handlers: schema lookup by key
// (standard objects contact, opportunity and business included) and record lookup by object key
// (spec: shared/ghl-openapi/apps/objects.json, associations.json).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "handler.h"

namespace ghl::sandbox {

/// "custom_objects." — GHL's prefix of every custom object key.
inline constexpr std::string_view kCustomObjectPrefix = "custom_objects.";

/// True for the standard objects GHL lists beside custom ones: contact, opportunity, business.
bool IsStandardObject(std::string_view key);

/// The full object key for `key` as a caller writes it: "contact" / "opportunity" / "business"
/// as is, "custom_objects.pet" as is, "pet" → "custom_objects.pet". Lower-cased.
std::string FullObjectKey(std::string_view key);

/// The schema of object `key` (FullObjectKey applied) in `location_id` as GHL shows it
/// (ICustomObjectSchema plus `searchableProperties`), or nullopt when the location has none.
std::optional<json> FindSchema(const Store& store, const std::string& location_id,
                               std::string_view key);

/// Whether `record_id` is a record of object `object_key` in `location_id`: a contact, an
/// opportunity, or a custom-object record. (business records are not emulated: always false.)
bool RecordExists(const Store& store, const std::string& location_id, const std::string& object_key,
                  const std::string& record_id);

/// Erases the relations that name `record_id` (a deleted record keeps no relations).
void EraseRelationsOf(Store& store, const std::string& record_id);

/// Validates `skip` (≥ 0) and `limit` (1..100) query values the association lists read; bad
/// values add messages naming the parameter and its range to `*msgs`.
void ReadSkipLimit(const Ctx& ctx, int64_t* skip, int64_t* limit, std::vector<std::string>* msgs);

}  // namespace ghl::sandbox
