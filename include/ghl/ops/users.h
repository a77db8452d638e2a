/// \file
/// Users (team members) of a location (spec: shared/ghl-openapi/apps/users.json, Version
/// 2021-07-28).
#pragma once

#include <nlohmann/json.hpp>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// GET /users/?locationId → the users array (id, name, firstName, lastName, email, phone,
/// roles …). GHL marks this route deprecated in favour of GET /users/search, which needs an
/// agency token and `companyId`; the location route is the one a location token can call.
Result<nlohmann::json> ListUsers(const Context& ctx);

}  // namespace ghl::ops
