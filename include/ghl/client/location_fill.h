/// \file
/// Filling the location (sub-account) id into a call. GHL endpoints take it under different
/// names and places: query `locationId` (GET /contacts/), query snake_case `location_id`
/// (GET /opportunities/search), body `locationId` (POST /contacts/search, POST /contacts/),
/// path `{locationId}` (GET /locations/{locationId}/customFields). The catalog says which; these
/// helpers put the default location id there when the call did not give one. Used by the
/// `Connection` for `ClientOptions::default_location_id` and by `ghl api --location`.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ghl/catalog/catalog.h"
#include "ghl/client/request.h"
#include "ghl/core/result.h"

namespace ghl::client {

/// Where an endpoint takes a location id.
struct LocationSlot {
  /// Path parameter, query parameter or top-level JSON body field.
  enum class In { kPath, kQuery, kBody };
  /// Where the id goes.
  In in;
  std::string name;  ///< "locationId" or "location_id" (as the catalog spells it).
};

/// Every place `endpoint` takes a location id: path/query parameters and top-level body fields
/// named `locationId` or `location_id`. Empty when it takes none.
std::vector<LocationSlot> LocationSlots(const catalog::Endpoint& endpoint);

/// The location id a call already carries, looked up in `path_params` (as returned by
/// catalog::Match), then `request.query`, then the top-level `locationId`/`location_id` of a
/// JSON object body. "" when none.
std::string FindLocationId(const ApiRequest& request,
                           const std::vector<std::pair<std::string, std::string>>& path_params);

/// Fills `location_id` into every query / body slot of `endpoint` that `request` leaves
/// empty: appends a query parameter, or sets the top-level body field (creating the body `{}`
/// when the call has none and the endpoint declares a body). A body that is not a JSON object
/// is left alone. Path slots are filled earlier, as `{locationId}` placeholders, by the
/// Connection. Returns the names filled (e.g. {"location_id"}); nothing when `location_id` is
/// empty.
std::vector<std::string> FillLocation(const catalog::Endpoint& endpoint,
                                      std::string_view location_id, ApiRequest& request);

}  // namespace ghl::client
