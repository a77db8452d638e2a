// Toolsets "workflows" and "locations".
#include "ghl/ops/locations.h"
#include "tools.h"

namespace ghl::mcp {

void AddWorkflowTools(std::vector<ToolDef>& out) {
  out.push_back({.name = "list_workflows",
                 .toolset = "workflows",
                 .title = "List workflows",
                 .description = "Workflows of the location (id, name, status).",
                 .input_schema = Object(json::object()),
                 .output_schema = Output({{"workflows", {{"type", "array"}}}}, {"workflows"}),
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::ListWorkflows(c.ctx);
                   if (!r.ok()) return r.error();
                   return Members("workflows", std::move(*r));
                 }});
  out.push_back({.name = "add_contact_to_workflow",
                 .toolset = "workflows",
                 .title = "Add contact to workflow",
                 .description = "Enrols a contact in a workflow (its actions then run for real).",
                 .input_schema = Object({{"contactId", Str("Contact id.")},
                                         {"workflowId", Str("Workflow id (list_workflows).")}},
                                        {"contactId", "workflowId"}),
                 .output_schema = Output(
                     {{"contactId", {{"type", "string"}}}, {"workflowId", {{"type", "string"}}}},
                     {"contactId", "workflowId"}),
                 .read_only = false,
                 .owned = {{"contactId", Owned::kContact}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   std::string contact = ArgStr(c.args, "contactId");
                   std::string workflow = ArgStr(c.args, "workflowId");
                   auto st = ops::AddContactToWorkflow(c.ctx, contact, workflow);
                   if (!st.ok()) return st.error();
                   return Members("contactId", contact, "workflowId", workflow);
                 }});
}

void AddLocationTools(std::vector<ToolDef>& out) {
  out.push_back({.name = "list_locations",
                 .toolset = "locations",
                 .title = "List locations",
                 .description = "Locations (sub-accounts) these credentials reach; pass one's id "
                                "as locationId to any tool.",
                 .input_schema = Object(json::object()),
                 .output_schema = Output({{"locations", {{"type", "array"}}}}, {"locations"}),
                 .run = [](const ToolCall& c) -> Result<json> {
                   if (c.options.list_locations) {  // e.g. the token store's locations
                     auto held = c.options.list_locations();
                     if (!held.ok()) return held.error();
                     return Members("locations", std::move(*held));
                   }
                   auto r = ops::ListLocations(c.ctx);
                   if (!r.ok()) return r.error();
                   return Members("locations", std::move(*r));
                 }});
  out.push_back({.name = "get_location",
                 .toolset = "locations",
                 .title = "Get location",
                 .description = "The location's profile (name, address, time zone).",
                 .input_schema = Object(json::object()),
                 .output_schema = Output({{"location", {{"type", "object"}}}}, {"location"}),
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::GetLocation(c.ctx);
                   if (!r.ok()) return r.error();
                   return Members("location", std::move(*r));
                 }});
  out.push_back({.name = "list_custom_fields",
                 .toolset = "locations",
                 .title = "List custom fields",
                 .description = "Custom field definitions: id, name, fieldKey, dataType.",
                 .input_schema = Object(json::object()),
                 .output_schema = Output({{"customFields", {{"type", "array"}}}}, {"customFields"}),
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::ListCustomFields(c.ctx);
                   if (!r.ok()) return r.error();
                   json slim = json::array();
                   for (const auto& f : *r) {
                     slim.push_back({{"id", ArgStr(f, "id")},
                                     {"name", ArgStr(f, "name")},
                                     {"fieldKey", ArgStr(f, "fieldKey")},
                                     {"dataType", ArgStr(f, "dataType")}});
                   }
                   return Members("customFields", std::move(slim));
                 }});
}

}  // namespace ghl::mcp
