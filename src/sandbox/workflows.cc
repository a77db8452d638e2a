// Workflows list (spec: shared/ghl-openapi/apps/workflows.json). Enrolment is in contacts.cc.
#include "handler.h"

namespace ghl::sandbox {
namespace {

http::Response ListWorkflows(Ctx& ctx) {
  std::string loc = ctx.LocationId();
  std::string body = "{\"workflows\":[";
  bool first = true;
  for (const auto& [id, w] : ctx.store.All(Coll::kWorkflows)) {
    if (Str(w.value, "locationId") != loc) continue;
    if (!first) body += ',';
    first = false;
    body += w.text;
  }
  body += "]}";
  return JsonText(200, std::move(body));
}

constexpr RouteDef kRoutes[] = {{"workflows.get-workflow", ListWorkflows, false}};

}  // namespace

std::span<const RouteDef> WorkflowRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
