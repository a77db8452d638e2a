#include "ghl/ops/users.h"

#include "call.h"

namespace ghl::ops {

using namespace internal;

Result<json> ListUsers(const Context& ctx) {
  auto r =
      Read(ctx, {.method = "GET", .path = "/users/", .query = {{"locationId", LocationOf(ctx)}}});
  if (!r.ok()) return r.error();
  return ArrayAt(*r, "users");
}

}  // namespace ghl::ops

namespace ghl::ops {

using namespace internal;

Result<std::optional<json>> FindUserByEmail(const Context& ctx, const std::string& email) {
  auto users = ListUsers(ctx);
  if (!users.ok()) return users.error();
  for (const auto& u : *users) {
    if (Lower(Str(u, "email")) == Lower(email)) return std::optional<json>(u);
  }
  return std::optional<json>();
}

Result<json> CreateUser(const Context& ctx, const UserWrite& write) {
  if (write.company_id.empty()) return UsageError("user: companyId is empty");
  if (write.email.empty()) return UsageError("user: email is empty");
  if (write.location_ids.empty()) return UsageError("user: no locationIds");
  json body = {{"companyId", write.company_id},
               {"firstName", write.first_name},
               {"lastName", write.last_name},
               {"email", write.email},
               {"password", write.password},
               {"type", write.type},
               {"role", write.role},
               {"locationIds", write.location_ids}};
  if (!write.phone.empty()) body["phone"] = write.phone;
  auto r = Write(ctx, {.method = "POST", .path = "/users/", .body = body.dump()});
  if (!r.ok()) return r.error();
  return Unwrap(*r, "user");
}

}  // namespace ghl::ops
