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
