/// \file
/// Users (team members) of a location (spec: shared/ghl-openapi/apps/users.json, Version
/// 2021-07-28).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ghl/ops/context.h"

namespace ghl::ops {

/// GET /users/?locationId → the users array (id, name, firstName, lastName, email, phone,
/// roles …). GHL marks this route deprecated in favour of GET /users/search, which needs an
/// agency token and `companyId`; the location route is the one a location token can call.
Result<nlohmann::json> ListUsers(const Context& ctx);

/// The location's user with this email (case-insensitive), or nullopt.
Result<std::optional<nlohmann::json>> FindUserByEmail(const Context& ctx, const std::string& email);

/// A user (team member) to create (POST /users/, CreateUserDto).
struct UserWrite {
  std::string company_id;  ///< Required.
  std::string first_name, last_name, email, phone;
  std::string password;  ///< Required by GHL; never logged.
  std::string type = "account";
  std::string role = "admin";  ///< "admin" or "user".
  std::vector<std::string> location_ids;
};

/// POST /users/ → the created user. kUsage error without company, email or location.
Result<nlohmann::json> CreateUser(const Context& ctx, const UserWrite& write);

}  // namespace ghl::ops
