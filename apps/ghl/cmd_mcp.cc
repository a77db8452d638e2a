// `ghl mcp`: the MCP server over stdio (one JSON-RPC message per line on stdin/stdout; logs on
// stderr), for Claude Desktop, Claude Code, Cursor and any MCP client. GHL credentials come from
// the environment (GHL_TOKEN, else the token store: credentials.h) and never from the client;
// `--sandbox` serves an in-process sandbox instead, so an agent can be tried safely.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "commands.h"
#include "credentials.h"
#include "ghl/mcp/server.h"
#include "ghl/sandbox/sandbox.h"
#include "serve_mcp.h"

namespace ghl::cli {
namespace {

struct McpArgs {
  bool sandbox = false;
  std::string toolsets;
  bool read_only = false;
  bool allow_writes = false;
  std::string audit_log;
  std::string location;
  std::string base_url;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

int Fail(const Error& e, int code) {
  std::fprintf(stderr, "ghl mcp: %s\n", e.Describe().c_str());
  return code;
}

int RunMcp(const McpArgs& args) {
  if (args.read_only && args.allow_writes) {
    return Fail(UsageError("--read-only and --allow-writes contradict each other",
                           "pick one: --read-only for an agent that only reads"),
                kExitUsage);
  }
  client::ClientOptions options;
  std::string base = !args.base_url.empty() ? args.base_url : Env("GHL_BASE_URL");
  if (!base.empty()) options.base_url = base;
  options.default_location_id = !args.location.empty() ? args.location : Env("GHL_LOCATION_ID");
  std::unique_ptr<sandbox::RunningSandbox> embedded;
  if (args.sandbox) {
    auto started = sandbox::RunningSandbox::Start(sandbox::Options{});
    if (!started.ok()) return Fail(started.error(), kExitUsage);
    embedded = std::move(*started);
    options.base_url = embedded->base_url();
    options.token = embedded->token();
    if (args.location.empty()) options.default_location_id = embedded->location_id();
  }
  // GHL_TOKEN, else the token store (`ghl auth login`): each location's own token.
  auto credentials = UseGhlCredentials(options, nullptr, /*sandbox_hint=*/true);
  if (!credentials.ok()) return Fail(credentials.error(), kExitUsage);
  client::Client client(options);

  mcp::ServerOptions so = McpOptionsFromFlags(args.toolsets, args.read_only, args.allow_writes,
                                              args.audit_log, options.default_location_id);
  UseStoreLocations(so, credentials->store);  // list_locations and locationId from the store
  auto write = mcp::StdioWriter(stdout);
  so.notify = write;
  auto server = mcp::Server::Create(client, so);
  if (!server.ok()) return Fail(server.error(), kExitUsage);
  std::fprintf(
      stderr, "ghl mcp: %zu tools over stdio; location %s%s%s; audit %s\n",
      (*server)->ToolNames().size(),
      so.default_location_id.empty() ? "(none: pass locationId)" : so.default_location_id.c_str(),
      embedded ? "; sandbox " : "", embedded ? embedded->base_url().c_str() : "",
      so.audit_path.empty() ? "off" : so.audit_path.c_str());
  mcp::ServeStdio(**server, stdin, write);
  if (embedded) embedded->Stop();
  return kExitOk;
}

}  // namespace

void AddMcpCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<McpArgs>();
  auto* cmd = app.add_subcommand(
      "mcp",
      "Serve GoHighLevel to AI agents over MCP (stdio): curated tools, the whole API through "
      "search/describe/execute_operation, prompts");
  cmd->footer(
      "Credentials: GHL_TOKEN (one location), else the token store of `ghl auth login` "
      "(GHL_TOKENS_DB or ./ghl-tokens.db: each locationId gets its own token; list_locations "
      "lists the stored locations); GHL_BASE_URL, GHL_LOCATION_ID. Protocol "
      "2025-11-25 (2025-06-18 and 2025-03-26 accepted). Writes that overwrite or remove data, "
      "and execute_operation on operations that change data, need --allow-writes.");
  cmd->add_flag("--sandbox", args->sandbox,
                "Serve an in-process sandbox (demo data) instead of GHL: try an agent safely");
  cmd->add_option("--toolsets", args->toolsets,
                  "Comma-separated: contacts, opportunities, calendars, conversations, "
                  "workflows, locations, operations (default: all)");
  cmd->add_flag("--read-only", args->read_only, "Offer only tools that read; writes are refused");
  cmd->add_flag("--allow-writes", args->allow_writes,
                "Offer tools that overwrite or remove data, and execute_operation on operations "
                "that change data");
  cmd->add_option("--audit-log", args->audit_log,
                  "JSON-lines audit trail of every tool call (default "
                  "$XDG_STATE_HOME/ghl/mcp-audit.jsonl or ~/.local/state/ghl/mcp-audit.jsonl; "
                  "'none' = off)");
  cmd->add_option("--location", args->location,
                  "Default location id (env GHL_LOCATION_ID); tools also take locationId");
  cmd->add_option("--base-url", args->base_url,
                  "API base URL (env GHL_BASE_URL; default https://services.leadconnectorhq.com)");
  cmd->callback([args, exit_code] { *exit_code = RunMcp(*args); });
}

}  // namespace ghl::cli
