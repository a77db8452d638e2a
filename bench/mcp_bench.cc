// MCP benchmarks (issue 7), each printed as a ratio measured in this run:
//  1. Schema cost: bytes of `tools/list` for the default toolsets ÷ 4 ≈ tokens (target ≤ 12k),
//     and how many of the catalog's operations stay reachable (describe_operation answers for
//     each id, which execute_operation then runs).
//  2. One exact contact lookup (find_contact by email) as `tools/call` over stdio to a `ghl mcp`
//     process, against the same lookup through the library (ops::FindContactByEmail) in this
//     process; both against the same `ghl sandbox`, interleaved in blocks (target ≤ 1.2×).
// Usage: bench_mcp GHL_BIN [CALLS]  with GHL_BASE_URL, GHL_TOKEN, GHL_LOCATION_ID set (bench/run).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "ghl/catalog/catalog.h"
#include "ghl/client/client.h"
#include "ghl/mcp/server.h"
#include "ghl/ops/contacts.h"

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

json Request(int id, const std::string& method, json params) {
  return {{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", std::move(params)}};
}

json Init() {
  return Request(1, "initialize",
                 {{"protocolVersion", "2025-11-25"},
                  {"capabilities", json::object()},
                  {"clientInfo", {{"name", "bench"}, {"version", "1"}}}});
}

// `ghl mcp` as a child with its stdin/stdout piped to us.
struct Child {
  pid_t pid = -1;
  FILE* in = nullptr;   // its stdin
  FILE* out = nullptr;  // its stdout

  static Child Start(const std::string& ghl, const std::string& audit) {
    int to[2], from[2];
    if (pipe(to) != 0 || pipe(from) != 0) std::exit(1);
    Child c;
    c.pid = fork();
    if (c.pid == 0) {
      dup2(to[0], 0);
      dup2(from[1], 1);
      close(to[1]);
      close(from[0]);
      int devnull = open("/dev/null", O_WRONLY);
      dup2(devnull, 2);
      execl(ghl.c_str(), ghl.c_str(), "mcp", "--audit-log", audit.c_str(), nullptr);
      _exit(127);
    }
    close(to[0]);
    close(from[1]);
    c.in = fdopen(to[1], "w");
    c.out = fdopen(from[0], "r");
    return c;
  }
  std::string Ask(const std::string& line) {
    std::fputs(line.c_str(), in);
    std::fputc('\n', in);
    std::fflush(in);
    std::string answer;
    char buf[65536];
    while (std::fgets(buf, sizeof buf, out)) {
      answer += buf;
      if (!answer.empty() && answer.back() == '\n') break;
    }
    return answer;
  }
  void Stop() {
    std::fclose(in);
    std::fclose(out);
    int status;
    waitpid(pid, &status, 0);
  }
};

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || Env("GHL_BASE_URL").empty()) {
    std::fprintf(stderr, "usage: GHL_BASE_URL=… GHL_TOKEN=… GHL_LOCATION_ID=… %s GHL_BIN [CALLS]\n",
                 argv[0]);
    return 2;
  }
  std::string ghl = argv[1];
  int calls = argc > 2 ? std::atoi(argv[2]) : 1000;
  ghl::client::ClientOptions co;
  co.base_url = Env("GHL_BASE_URL");
  co.token = Env("GHL_TOKEN");
  co.default_location_id = Env("GHL_LOCATION_ID");
  ghl::client::Client client(co);

  // 1. Schema cost of the default server (all curated toolsets; writes that overwrite off).
  auto server = ghl::mcp::Server::Create(client, {.default_location_id = co.default_location_id});
  if (!server.ok()) {
    std::fprintf(stderr, "%s\n", server.error().Describe().c_str());
    return 1;
  }
  ghl::mcp::Session session;
  (*server)->Handle(session, Init().dump());
  std::string list = *(*server)->Handle(session, Request(2, "tools/list", json::object()).dump());
  size_t tools = json::parse(list)["result"]["tools"].size();
  size_t reachable = 0, total = ghl::catalog::AllEndpoints().size();
  for (const auto& e : ghl::catalog::AllEndpoints()) {
    json r = json::parse(*(*server)->Handle(
        session, Request(3, "tools/call",
                         {{"name", "describe_operation"},
                          {"arguments", {{"operationId", std::string(e.id)}}}})
                     .dump()));
    if (!r["result"].value("isError", false)) ++reachable;
  }
  double tokens = static_cast<double>(list.size()) / 4;
  std::printf(
      "   tools/list (default toolsets): %zu tools, %zu bytes ≈ %.0f tokens, ratio to the 12k "
      "budget %.2f (target <= 1.00); %zu/%zu operations reachable\n",
      tools, list.size(), tokens, tokens / 12000, reachable, total);

  // 2. One contact lookup: tools/call over stdio vs the library.
  std::string email = "bench-mcp-" + std::to_string(getpid()) + "@example.com";
  auto created =
      client.Call({.method = "POST",
                   .path = "/contacts/",
                   .body = json{{"email", email}, {"firstName", "Bench"}}.dump()});
  if (!created.ok()) {
    std::fprintf(stderr, "create contact: %s\n", created.error().Describe().c_str());
    return 1;
  }
  ghl::ops::Context ctx{client, co.default_location_id, nullptr};
  std::string audit = "/tmp/ghl-bench-mcp-audit-" + std::to_string(getpid()) + ".jsonl";
  setenv("GHL_TOKEN", co.token.c_str(), 1);
  Child child = Child::Start(ghl, audit);
  child.Ask(Init().dump());
  std::string call =
      Request(4, "tools/call", {{"name", "find_contact"}, {"arguments", {{"email", email}}}})
          .dump();
  // Warm both paths (connections, pacing adopting the sandbox's limits), then interleave.
  for (int i = 0; i < 50; ++i) {
    if (!ghl::ops::FindContactByEmail(ctx, email).ok()) return 1;
    if (child.Ask(call).find("\"found\":true") == std::string::npos) {
      std::fprintf(stderr, "find_contact over stdio did not find the contact\n");
      return 1;
    }
  }
  // The same server in this process (Server::Handle, no pipe): the protocol's own share.
  auto local = ghl::mcp::Server::Create(
      client, {.default_location_id = co.default_location_id, .audit_path = audit + ".local"});
  if (!local.ok()) return 1;
  ghl::mcp::Session local_session;
  (*local)->Handle(local_session, Init().dump());
  Clock::duration direct{}, stdio{}, in_process{};
  const int blocks = 10;
  for (int b = 0; b < blocks; ++b) {
    auto t0 = Clock::now();
    for (int i = 0; i < calls / blocks; ++i) (void)ghl::ops::FindContactByEmail(ctx, email);
    auto t1 = Clock::now();
    for (int i = 0; i < calls / blocks; ++i) (void)child.Ask(call);
    auto t2 = Clock::now();
    for (int i = 0; i < calls / blocks; ++i) (void)(*local)->Handle(local_session, call);
    auto t3 = Clock::now();
    direct += t1 - t0;
    stdio += t2 - t1;
    in_process += t3 - t2;
  }
  std::remove((audit + ".local").c_str());
  child.Stop();
  std::remove(audit.c_str());
  int n = calls / blocks * blocks;
  double d = Ms(direct) / n, s = Ms(stdio) / n, p = Ms(in_process) / n;
  std::printf(
      "   find_contact by email: tools/call over stdio %.3f ms, library %.3f ms per lookup "
      "(%d each), ratio %.2f (target <= 1.2)\n",
      s, d, n, s / d);
  std::printf(
      "   the same tools/call through Server::Handle in this process (no pipe, no second "
      "process) %.3f ms, ratio %.2f to the library\n",
      p, p / d);
  return 0;
}
