// libFuzzer target: the MCP server's JSON-RPC reader and dispatcher (mcp/server.h), as `ghl mcp`
// runs it over stdio: one session, one message per line. GHL is a fake transport answering
// 200 {} to every call, so tool calls run their argument checks and result shaping offline.
//
// Input framing (doc/fuzzing.md): newline-separated messages, handled in order on one session
// (start with an `initialize` line to reach the tools).
//
// Properties checked besides "no crash, leak or UB": every answer is one JSON value that reads
// back (an object, or an array for a batch).
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "ghl/client/testing.h"
#include "ghl/mcp/server.h"

namespace {

ghl::mcp::Server& TheServer() {
  static ghl::client::Client* client = [] {
    ghl::client::ClientOptions options;
    options.base_url = "http://127.0.0.1:9";
    options.token = "pit-fuzz";
    options.default_location_id = "loc-fuzz";
    options.limits.enabled = false;
    options.retry.max_attempts = 1;
    options.transport = std::make_shared<ghl::client::testing::FakeTransport>(
        [](const ghl::http::Request&) -> ghl::Result<ghl::http::Response> {
          ghl::http::Response r;
          r.status = 200;
          r.body = "{}";
          return r;
        });
    return new ghl::client::Client(options);
  }();
  static std::unique_ptr<ghl::mcp::Server> server = [] {
    ghl::mcp::ServerOptions options;
    options.allow_writes = true;
    options.default_location_id = "loc-fuzz";
    auto created = ghl::mcp::Server::Create(*client, options);
    ghl::fuzz::Check(created.ok(), "the MCP server starts");
    return std::move(created.value());
  }();
  return *server;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ghl;
  std::string_view text = fuzz::AsText(data, size);
  mcp::Session session;
  while (!text.empty()) {
    std::string_view line = fuzz::NextLine(text);
    auto answer = TheServer().Handle(session, line);
    if (!answer) continue;
    auto parsed = nlohmann::json::parse(*answer, nullptr, false);
    fuzz::Check(!parsed.is_discarded() && (parsed.is_object() || parsed.is_array()),
                "an answer is one JSON object or batch array");
  }
  return 0;
}
