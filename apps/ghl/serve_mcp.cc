// `ghl serve --mcp`: options, key and startup of the MCP endpoint (see serve_mcp.h).
#include "serve_mcp.h"

#include <cstdio>
#include <cstdlib>
#include <sstream>

#include "commands.h"
#include "ghl/server/listen_address.h"
#include "secret_file.h"

namespace ghl::cli {
namespace {

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

constexpr size_t kMinKeyLength = 16;

Result<std::string> ReadKeyFile(const std::string& path) {
  std::string warning;
  auto read = ReadSecretFile(path, "--mcp-key-file", &warning);
  if (!warning.empty()) std::fprintf(stderr, "ghl serve: warning: %s\n", warning.c_str());
  if (!read.ok()) return read.error();
  const std::string& key = *read;
  if (key.size() < kMinKeyLength || key.find_first_of(" \t\r\n") != std::string::npos) {
    return UsageError("--mcp-key-file " + path + ": the key must be one word of at least " +
                          std::to_string(kMinKeyLength) + " characters",
                      "e.g. `openssl rand -hex 32 > " + path + "`");
  }
  return key;
}

int Fail(const Error& e, int* exit_code) {
  std::fprintf(stderr, "ghl serve: %s\n", e.Describe().c_str());
  *exit_code = kExitUsage;
  return kExitUsage;
}

}  // namespace

std::string DefaultMcpAuditLog() {
  std::string state = Env("XDG_STATE_HOME");
  if (state.empty() && !Env("HOME").empty()) state = Env("HOME") + "/.local/state";
  return state.empty() ? "ghl-mcp-audit.jsonl" : state + "/ghl/mcp-audit.jsonl";
}

mcp::ServerOptions McpOptionsFromFlags(const std::string& toolsets, bool read_only,
                                       bool allow_writes, const std::string& audit_log,
                                       const std::string& location) {
  mcp::ServerOptions so;
  std::stringstream sets(toolsets);
  for (std::string t; std::getline(sets, t, ',');) {
    if (!t.empty()) so.toolsets.push_back(t);
  }
  so.read_only = read_only;
  so.allow_writes = allow_writes;
  so.default_location_id = location;
  std::string audit = audit_log.empty() ? DefaultMcpAuditLog() : audit_log;
  if (audit != "none") so.audit_path = audit;
  return so;
}

void AddServeMcpOptions(CLI::App* cmd, ServeMcpArgs& args) {
  cmd->add_flag("--mcp", args.enabled,
                "Also serve the MCP server (streamable HTTP) at /mcp, with this server's GHL "
                "credentials (GHL_TOKEN, else the token store of `ghl auth login`: each "
                "locationId gets its own token; or the embedded sandbox with --sandbox)");
  cmd->add_option("--mcp-key-file", args.key_file,
                  "File holding the bearer key MCP clients must send (default: a key generated "
                  "at start and printed once)");
  cmd->add_flag("--mcp-no-auth", args.no_auth,
                "Loopback only: no bearer key (for local clients that cannot send headers, "
                "e.g. the MCP conformance suite)");
  cmd->add_option("--mcp-toolsets", args.toolsets,
                  "Comma-separated toolsets for /mcp (default: all; see `ghl mcp --help`)");
  cmd->add_flag("--mcp-read-only", args.read_only,
                "/mcp offers only tools that read; writes are refused");
  cmd->add_flag("--mcp-allow-writes", args.allow_writes,
                "/mcp offers tools that overwrite or remove data, and execute_operation on "
                "operations that change data");
  cmd->add_option("--mcp-audit-log", args.audit_log,
                  "JSON-lines audit trail of every /mcp tool call (default as `ghl mcp`; "
                  "'none' = off)");
  cmd->add_option("--mcp-allowed-host", args.allowed_hosts,
                  "Also accept this host name in Host/Origin (e.g. the name a TLS reverse proxy "
                  "forwards); repeatable. Others get 403 (DNS-rebinding protection)");
}

std::optional<ServeMcp> StartServeMcp(const ServeMcpArgs& args, const std::string& host,
                                      const client::ClientOptions& client_options,
                                      const Result<GhlCredentials>& credentials, int* exit_code) {
  if (args.read_only && args.allow_writes) {
    Fail(UsageError("--mcp-read-only and --mcp-allow-writes contradict each other"), exit_code);
    return std::nullopt;
  }
  if (args.no_auth && !server::IsLoopbackHost(host)) {
    Fail(UsageError("--mcp-no-auth is refused with --host " + host +
                        ": anyone who reaches the port could use the GHL credentials",
                    "use --mcp-key-file, or listen on 127.0.0.1"),
         exit_code);
    return std::nullopt;
  }
  if (args.no_auth && !args.key_file.empty()) {
    Fail(UsageError("--mcp-no-auth and --mcp-key-file contradict each other"), exit_code);
    return std::nullopt;
  }
  if (!credentials.ok()) {
    Error e = credentials.error();
    if (!e.messages.empty()) e.messages.front() = "--mcp: " + e.messages.front();
    Fail(e, exit_code);
    return std::nullopt;
  }
  ServeMcp out;
  if (!args.no_auth) {
    if (!args.key_file.empty()) {
      auto key = ReadKeyFile(args.key_file);
      if (!key.ok()) {
        Fail(key.error(), exit_code);
        return std::nullopt;
      }
      out.key = *key;
    } else {
      out.key = mcp::NewSecret();
      out.key_generated = true;
    }
  }
  out.client = std::make_unique<client::Client>(client_options);
  mcp::ServerOptions so = McpOptionsFromFlags(args.toolsets, args.read_only, args.allow_writes,
                                              args.audit_log, client_options.default_location_id);
  UseStoreLocations(so, credentials->store);  // list_locations and locationId from the store
  out.audit_path = so.audit_path;
  auto server = mcp::Server::Create(*out.client, so);
  if (!server.ok()) {
    Fail(server.error(), exit_code);
    return std::nullopt;
  }
  out.server = std::move(*server);
  mcp::HttpOptions ho;
  ho.bearer_key = out.key;
  ho.allowed_hosts = args.allowed_hosts;
  if (!server::IsLoopbackHost(host) && !server::IsWildcardHost(host)) {
    ho.allowed_hosts.push_back(
        host.find(':') != std::string::npos && host.front() != '[' ? "[" + host + "]" : host);
  }
  mcp::Server* s = out.server.get();
  out.transport = std::make_unique<mcp::HttpTransport>(
      [s](mcp::Session& session, std::string_view message, const mcp::Notify& notify) {
        return s->Handle(session, message, notify);
      },
      ho);
  return out;
}

void PrintServeMcp(const ServeMcp& mcp, const std::string& base_url) {
  std::printf("MCP:        %s/mcp  (streamable HTTP; %zu tools; audit %s)\n", base_url.c_str(),
              mcp.server->ToolNames().size(),
              mcp.audit_path.empty() ? "off" : mcp.audit_path.c_str());
  if (mcp.key.empty()) {
    std::printf("            no key (--mcp-no-auth): loopback clients only\n");
  } else if (mcp.key_generated) {
    std::printf(
        "MCP key:    %s  (generated, shown once; send it as Authorization: Bearer KEY, "
        "or use --mcp-key-file)\n",
        mcp.key.c_str());
  } else {
    std::printf("            clients send Authorization: Bearer KEY (the key in --mcp-key-file)\n");
  }
}

}  // namespace ghl::cli
