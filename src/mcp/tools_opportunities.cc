// Toolset "opportunities": pipelines, search, get, create, update (stage, value, status).
#include "ghl/ops/opportunities.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

json OppOut() { return Output({{"opportunity", {{"type", "object"}}}}, {"opportunity"}); }

ops::OpportunityWrite ReadWrite(const json& args) {
  ops::OpportunityWrite w;
  w.pipeline_id = ArgStr(args, "pipelineId");
  w.stage_id = ArgStr(args, "stageId");
  w.name = ArgStr(args, "name");
  w.status = ArgStr(args, "status");
  w.contact_id = ArgStr(args, "contactId");
  if (auto v = args.find("value"); v != args.end() && v->is_number()) w.value = v->get<double>();
  return w;
}

const std::vector<std::string> kStatuses = {"open", "won", "lost", "abandoned"};

}  // namespace

void AddOpportunityTools(std::vector<ToolDef>& out) {
  out.push_back({.name = "list_pipelines",
                 .toolset = "opportunities",
                 .title = "List pipelines",
                 .description = "Pipelines with their stages (ids, names, order).",
                 .input_schema = Object(json::object()),
                 .output_schema = Output({{"pipelines", {{"type", "array"}}}}, {"pipelines"}),
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::ListPipelines(c.ctx);
                   if (!r.ok()) return r.error();
                   return Members("pipelines", std::move(*r));
                 }});
  out.push_back(
      {.name = "search_opportunities",
       .toolset = "opportunities",
       .title = "Search opportunities",
       .description = "Opportunities filtered by contact, pipeline, stage, status or text. "
                      "Page with startAfter/startAfterId from meta.",
       .input_schema = Object(
           {{"contactId", Str("Contact id.")},
            {"pipelineId", Str("Pipeline id.")},
            {"stageId", Str("Stage id.")},
            {"status", Enum("Status (default all).", {"open", "won", "lost", "abandoned", "all"})},
            {"query", Str("Free text (name, contact).")},
            {"limit", Int("Page size (default 20).", 1, 100)},
            {"startAfter", Str("meta.startAfter of the previous page.")},
            {"startAfterId", Str("meta.startAfterId of the previous page.")}}),
       .output_schema =
           Output({{"opportunities", {{"type", "array"}}}, {"meta", {{"type", "object"}}}},
                  {"opportunities"}),
       .run = [](const ToolCall& c) -> Result<json> {
         const json& a = c.args;
         return ops::SearchOpportunities(c.ctx, {.contact_id = ArgStr(a, "contactId"),
                                                 .pipeline_id = ArgStr(a, "pipelineId"),
                                                 .stage_id = ArgStr(a, "stageId"),
                                                 .status = ArgStr(a, "status"),
                                                 .query = ArgStr(a, "query"),
                                                 .limit = static_cast<int>(ArgInt(a, "limit", 20)),
                                                 .start_after = ArgStr(a, "startAfter"),
                                                 .start_after_id = ArgStr(a, "startAfterId")});
       }});
  out.push_back(
      {.name = "get_opportunity",
       .toolset = "opportunities",
       .title = "Get opportunity",
       .description = "One opportunity by id.",
       .input_schema = Object({{"opportunityId", Str("Opportunity id.")}}, {"opportunityId"}),
       .output_schema = OppOut(),
       .run = [](const ToolCall& c) -> Result<json> {
         auto r = ops::GetOpportunity(c.ctx, ArgStr(c.args, "opportunityId"));
         if (!r.ok()) return r.error();
         if (auto st = RequireInLocation(c.ctx, "opportunity", ArgStr(c.args, "opportunityId"), *r);
             !st.ok()) {
           return st.error();
         }
         return Members("opportunity", std::move(*r));
       }});
  out.push_back({.name = "create_opportunity",
                 .toolset = "opportunities",
                 .title = "Create opportunity",
                 .description = "Creates an opportunity for a contact in a pipeline stage.",
                 .input_schema = Object({{"pipelineId", Str("Pipeline id.")},
                                         {"stageId", Str("Stage id (list_pipelines).")},
                                         {"contactId", Str("Contact id.")},
                                         {"name", Str("Opportunity name.")},
                                         {"value", Num("Monetary value.")},
                                         {"status", Enum("Status (default open).", kStatuses)}},
                                        {"pipelineId", "stageId", "contactId", "name"}),
                 .output_schema = OppOut(),
                 .read_only = false,
                 .idempotent = false,
                 .owned = {{"contactId", Owned::kContact}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::CreateOpportunity(c.ctx, ReadWrite(c.args));
                   if (!r.ok()) return r.error();
                   return Members("opportunity", std::move(*r));
                 }});
  out.push_back({.name = "update_opportunity",
                 .toolset = "opportunities",
                 .title = "Update opportunity",
                 .description = "Moves an opportunity to a stage and/or sets value, status, name.",
                 .input_schema = Object({{"opportunityId", Str("Opportunity id.")},
                                         {"stageId", Str("New stage id.")},
                                         {"pipelineId", Str("New pipeline id (with stageId).")},
                                         {"value", Num("Monetary value.")},
                                         {"status", Enum("Status.", kStatuses)},
                                         {"name", Str("Name.")}},
                                        {"opportunityId"}),
                 .output_schema = OppOut(),
                 .read_only = false,
                 .destructive = true,
                 .owned = {{"opportunityId", Owned::kOpportunity}},
                 .run = [](const ToolCall& c) -> Result<json> {
                   auto r = ops::UpdateOpportunity(c.ctx, ArgStr(c.args, "opportunityId"),
                                                   ReadWrite(c.args));
                   if (!r.ok()) return r.error();
                   return Members("opportunity", std::move(*r));
                 }});
}

}  // namespace ghl::mcp
