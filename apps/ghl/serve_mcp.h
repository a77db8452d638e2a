// `ghl serve --mcp`: the MCP server over streamable HTTP at /mcp on the same server as the
// playground and the webhook receiver. Options, the key, and the endpoint's parts; cmd_serve.cc
// only registers the options, starts it and routes /mcp to it.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "credentials.h"
#include "ghl/client/client.h"
#include "ghl/mcp/http.h"
#include "ghl/mcp/server.h"

namespace ghl::cli {

/// The `--mcp*` options of `ghl serve`.
struct ServeMcpArgs {
  bool enabled = false;
  std::string key_file;
  bool no_auth = false;
  std::string toolsets;
  bool read_only = false;
  bool allow_writes = false;
  std::string audit_log;
  std::vector<std::string> allowed_hosts;
};

/// Registers --mcp, --mcp-key-file, --mcp-no-auth, --mcp-toolsets, --mcp-read-only,
/// --mcp-allow-writes, --mcp-audit-log, --mcp-allowed-host on `cmd`.
void AddServeMcpOptions(CLI::App* cmd, ServeMcpArgs& args);

/// The running endpoint: the GHL client it calls with (the server's credentials), the MCP
/// server and its HTTP transport.
struct ServeMcp {
  std::unique_ptr<client::Client> client;
  std::unique_ptr<mcp::Server> server;
  std::unique_ptr<mcp::HttpTransport> transport;
  std::string key;             ///< The bearer key ("" with --mcp-no-auth).
  bool key_generated = false;  ///< Made at start (print it once).
  std::string audit_path;      ///< "" = off.
};

/// Builds the endpoint for a server listening on `host`, calling GHL with `client_options`
/// and the server's `credentials` (`UseGhlCredentials`: the embedded sandbox's token, GHL_TOKEN,
/// else the token store, whose locations then answer list_locations and check each call's
/// locationId; never a client's). Prints why on stderr and sets `*exit_code` when it cannot
/// (no credentials, unreadable or short key file, --mcp-no-auth beyond loopback, contradictory
/// flags, bad toolset, unwritable audit log).
std::optional<ServeMcp> StartServeMcp(const ServeMcpArgs& args, const std::string& host,
                                      const client::ClientOptions& client_options,
                                      const Result<GhlCredentials>& credentials, int* exit_code);

/// The lines `ghl serve` prints for the endpoint (URL, key or how it is read, a client config).
void PrintServeMcp(const ServeMcp& mcp, const std::string& base_url);

/// $XDG_STATE_HOME/ghl/mcp-audit.jsonl, else ~/.local/state/ghl/mcp-audit.jsonl, else
/// ./ghl-mcp-audit.jsonl (shared with `ghl mcp`).
std::string DefaultMcpAuditLog();

/// The server options both `ghl mcp` and `ghl serve --mcp` build from their flags: toolsets
/// "a,b", the safety switches, the audit log ("" = DefaultMcpAuditLog(), "none" = off) and the
/// default location.
mcp::ServerOptions McpOptionsFromFlags(const std::string& toolsets, bool read_only,
                                       bool allow_writes, const std::string& audit_log,
                                       const std::string& location);

}  // namespace ghl::cli
