// Toolset "operations": the long tail of the 576 catalog operations through three tools, so the
// schema cost stays fixed while everything stays reachable.
#include "ghl/catalog/catalog.h"
#include "ghl/core/json_depth.h"
#include "tools.h"

namespace ghl::mcp {
namespace {

// Whether an operation only reads, by its effect rather than its method: GET/HEAD, or a POST
// whose every required scope is a `.readonly` one (the searches: POST /contacts/search,
// /opportunities/search, /users/search/filter-by-email, …). An operation without scopes that
// is not a GET counts as a write.
bool ReadsOnly(const catalog::Endpoint& e) {
  if (e.method == "GET" || e.method == "HEAD") return true;
  if (e.scopes.empty()) return false;
  for (auto s : e.scopes) {
    if (!s.ends_with(".readonly")) return false;
  }
  return true;
}

std::string ScopesText(const catalog::Endpoint& e) {
  std::string out;
  for (auto s : e.scopes) out += (out.empty() ? "" : ", ") + std::string(s);
  return out.empty() ? "none declared" : out;
}

json Brief(const catalog::Endpoint& e) {
  json scopes = json::array();
  for (auto s : e.scopes) scopes.push_back(std::string(s));
  return {{"id", std::string(e.id)},     {"method", std::string(e.method)},
          {"path", std::string(e.path)}, {"title", std::string(e.title)},
          {"readOnly", ReadsOnly(e)},    {"scopes", std::move(scopes)}};
}

Result<const catalog::Endpoint*> Find(const std::string& id) {
  if (const auto* e = catalog::FindById(id)) return e;
  std::string near;
  for (const auto* e : catalog::NearestIds(id, 3))
    near += (near.empty() ? "" : ", ") + std::string(e->id);
  return UsageError("unknown operation '" + id + "'",
                    "find ids with search_operations" + (near.empty() ? "" : "; nearest: " + near));
}

// The path parameters naming an object whose location can be checked (see CheckOwnership).
std::vector<Owned> OwnedPathParams(const catalog::Endpoint& e) {
  std::vector<Owned> out;
  for (const auto& p : e.parameters) {
    if (p.in != catalog::ParamIn::kPath) continue;
    if (p.name == "contactId") out.push_back({"contactId", Owned::kContact});
    if (p.name == "conversationId") out.push_back({"conversationId", Owned::kConversation});
    if (p.name == "calendarId") out.push_back({"calendarId", Owned::kCalendar});
    if (p.name == "opportunityId" || (p.name == "id" && e.path.starts_with("/opportunities/"))) {
      out.push_back({std::string(p.name), Owned::kOpportunity});
    }
  }
  return out;
}

std::string Scalar(const json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

void AddOperationTools(std::vector<ToolDef>& out) {
  out.push_back(
      {.name = "search_operations",
       .toolset = "operations",
       .title = "Search GHL API operations",
       .description = "Finds any of the 576 GHL API v2 operations by what it does (e.g. 'send "
                      "sms', 'list invoices', 'move deal stage'), best match first, with its "
                      "id, method, path, title and readOnly. Then describe_operation and "
                      "execute_operation. Prefer the curated tools when one fits.",
       .input_schema = Object({{"query", Str("What to do, in words; empty lists all.")},
                               {"service", Str("Spec service, e.g. invoices.")},
                               {"limit", Int("At most (default 20).", 1, 100)}}),
       .output_schema =
           Output({{"operations", {{"type", "array"}}}, {"total", {{"type", "integer"}}}},
                  {"operations", "total"}),
       .run = [](const ToolCall& c) -> Result<json> {
         // Ranked like `ghl endpoints QUERY` and the playground's search box.
         std::string query = ArgStr(c.args, "query"), service = ArgStr(c.args, "service");
         size_t limit = static_cast<size_t>(ArgInt(c.args, "limit", 20));
         std::vector<const catalog::Endpoint*> hits;
         if (query.find_first_not_of(" \t") == std::string::npos) {
           hits = catalog::Search("", service);
         } else {
           for (const auto& h :
                catalog::SearchByPurpose(query, catalog::AllEndpoints().size(), service)) {
             hits.push_back(h.endpoint);
           }
         }
         json list = json::array();
         for (size_t i = 0; i < hits.size() && i < limit; ++i) list.push_back(Brief(*hits[i]));
         return Members("operations", std::move(list), "total", hits.size());
       }});
  out.push_back(
      {.name = "describe_operation",
       .toolset = "operations",
       .title = "Describe a GHL API operation",
       .description = "Method, path, Version header, scopes, token kinds, parameters and body "
                      "fields of one operation (id from search_operations).",
       .input_schema = Object({{"operationId", Str("Operation id, e.g. invoices.list-invoices.")}},
                              {"operationId"}),
       .output_schema = Output({{"operation", {{"type", "object"}}}}, {"operation"}),
       .run = [](const ToolCall& c) -> Result<json> {
         auto e = Find(ArgStr(c.args, "operationId"));
         if (!e.ok()) return e.error();
         return Members("operation", ParseJsonBounded(catalog::EndpointJson(**e)));
       }});
  out.push_back(
      {.name = "execute_operation",
       .toolset = "operations",
       .title = "Execute a GHL API operation",
       .description = "Calls one operation with the right Version header; locationId is filled "
                      "where the operation takes one. Operations that change data (readOnly "
                      "false in search_operations) need the server's --allow-writes.",
       .input_schema = Object({{"operationId", Str("Operation id.")},
                               {"pathParams", AnyObject("Path parameters by name.")},
                               {"query", AnyObject("Query parameters by name.")},
                               {"body", AnyObject("JSON body.")}},
                              {"operationId"}),
       .output_schema = Output({{"operationId", {{"type", "string"}}}, {"result", json::object()}},
                               {"operationId", "result"}),
       .read_only = false,
       .destructive = true,
       .idempotent = false,
       .self_gated = true,
       .run = [](const ToolCall& c) -> Result<json> {
         auto e = Find(ArgStr(c.args, "operationId"));
         if (!e.ok()) return e.error();
         const catalog::Endpoint& ep = **e;
         const std::string what =
             std::string(ep.method) + " " + std::string(ep.path) + " (" + std::string(ep.id) + ")";
         if (!ReadsOnly(ep) && !c.options.read_only && !c.options.allow_writes && c.confirm) {
           if (auto st = (*c.confirm)(what); !st.ok()) return st.error();
         } else if (!ReadsOnly(ep) && (c.options.read_only || !c.options.allow_writes)) {
           return UsageError(
               std::string(ep.method) + " " + std::string(ep.path) + " (" + std::string(ep.id) +
                   ") may change data (its scopes: " + ScopesText(ep) + "): refused",
               c.options.read_only
                   ? "the server runs --read-only: only operations that read run (GET, and "
                     "searches whose scopes are all .readonly)"
                   : "restart the server with --allow-writes to run operations that change "
                     "data");
         }
         client::ApiRequest req{.method = std::string(ep.method), .path = std::string(ep.path)};
         const json path_params = c.args.value("pathParams", json::object());
         // Objects named in the path must be in the call's location, as for the curated tools.
         if (auto st = CheckOwnership(c.ctx, path_params, OwnedPathParams(ep)); !st.ok()) {
           return st.error();
         }
         const json query = c.args.value("query", json::object());
         for (const auto& [k, v] : path_params.items()) {
           req.path_params.emplace_back(k, Scalar(v));
         }
         for (const auto& [k, v] : query.items()) {
           if (v.is_array()) {
             for (const auto& item : v) req.query.emplace_back(k, Scalar(item));
           } else {
             req.query.emplace_back(k, Scalar(v));
           }
         }
         if (auto b = c.args.find("body"); b != c.args.end()) req.body = b->dump();
         req.location_id = c.ctx.location_id;
         auto r = c.ctx.client.Call(req);
         if (!r.ok()) return r.error();
         return Members("operationId", std::string(ep.id), "result", std::move(*r));
       }});
}

}  // namespace ghl::mcp
