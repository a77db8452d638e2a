// Test-only MCP server for the conformance suite's `--suite active`: the fixture tools, resources
// and prompts the suite's scenarios call (names and outputs from each scenario's description in
// @modelcontextprotocol/conformance 0.1.16), registered on our own MCP library (ghl::mcp::Protocol
// behind ghl::mcp::HttpTransport on ghl::server::HttpServer), so the suite checks our JSON-RPC,
// lifecycle, logging, progress, requests to the client (sampling, elicitation) and HTTP
// transport (streamed answers), not a stand-in. No authentication (the suite
// sends no headers); loopback only.
//
// Usage: mcp_conformance_fixtures   → prints "URL=http://127.0.0.1:PORT/mcp", serves until
// SIGINT/SIGTERM.
#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>
#include <variant>
#include <vector>

#include "ghl/mcp/http.h"
#include "ghl/mcp/protocol.h"
#include "ghl/server/blocking_pool.h"
#include "ghl/server/http_server.h"

namespace {

using ghl::mcp::MethodCall;
using ghl::mcp::RpcError;
using nlohmann::json;
using Out = ghl::mcp::MethodResult;

// 1x1 red PNG and a 44-byte silent WAV.
constexpr char kPng[] =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg"
    "==";
constexpr char kWav[] = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA=";

json Text(const std::string& text) { return {{"type", "text"}, {"text", text}}; }
json Image() { return {{"type", "image"}, {"data", kPng}, {"mimeType", "image/png"}}; }

json NoArgs() { return {{"type", "object"}, {"properties", json::object()}}; }

json Tool(const std::string& name, const std::string& description) {
  return {{"name", name}, {"description", description}, {"inputSchema", NoArgs()}};
}

json ToolWith(const std::string& name, const std::string& description, const char* argument) {
  json schema = {{"type", "object"},
                 {"properties", {{argument, {{"type", "string"}}}}},
                 {"required", {argument}}};
  return {{"name", name}, {"description", description}, {"inputSchema", std::move(schema)}};
}

void Progress(const MethodCall& c, int done) {
  json meta = c.params.value("_meta", json::object());
  if (!meta.is_object() || !meta.contains("progressToken") || !c.notify) return;
  c.notify(ghl::mcp::Protocol::Dump(
      {{"jsonrpc", "2.0"},
       {"method", "notifications/progress"},
       {"params",
        {{"progressToken", meta["progressToken"]}, {"progress", done}, {"total", 100}}}}));
}

void Pause() { std::this_thread::sleep_for(std::chrono::milliseconds(50)); }

json Failed(const std::string& text) {
  return {{"content", json::array({Text(text)})}, {"isError", true}};
}

// Asks the client (elicitation/create or sampling/createMessage) and words its answer; a client
// that cannot be asked, or does not answer, makes the tool fail (isError).
json AskClient(const MethodCall& c, const std::string& method, json params,
               const std::function<std::string(const json&)>& word) {
  auto reply = c.Ask(method, std::move(params), std::chrono::seconds(60));
  if (auto* err = std::get_if<RpcError>(&reply)) return Failed(method + " failed: " + err->message);
  return {{"content", json::array({Text(word(std::get<json>(reply)))})}};
}

std::string Elicited(const json& r) {
  return "action=" + r.value("action", std::string("?")) +
         ", content=" + r.value("content", json::object()).dump();
}

json ElicitForm(std::string message, json properties, json required = json::array()) {
  return {{"message", std::move(message)},
          {"requestedSchema",
           {{"type", "object"}, {"properties", std::move(properties)}, {"required", required}}}};
}

Out CallTool(const MethodCall& c) {
  std::string name = c.params.value("name", "");
  json args = c.params.value("arguments", json::object());
  auto arg = [&](const char* k) {
    return args.is_object() && args.contains(k) && args[k].is_string() ? args[k].get<std::string>()
                                                                       : std::string();
  };
  auto result = [](json content) { return json{{"content", std::move(content)}}; };
  if (name == "test_sampling") {
    json params = {
        {"messages", json::array({{{"role", "user"},
                                   {"content", {{"type", "text"}, {"text", arg("prompt")}}}}})},
        {"maxTokens", 100}};
    return AskClient(c, "sampling/createMessage", std::move(params), [](const json& r) {
      json content = r.value("content", json::object());
      return "LLM response: " +
             (content.is_object() ? content.value("text", std::string()) : std::string());
    });
  }
  if (name == "test_elicitation") {
    json params =
        ElicitForm(arg("message"),
                   {{"username", {{"type", "string"}, {"description", "User's response"}}},
                    {"email", {{"type", "string"}, {"description", "User's email address"}}}},
                   {"username", "email"});
    return AskClient(c, "elicitation/create", std::move(params),
                     [](const json& r) { return "User response: " + Elicited(r); });
  }
  if (name == "test_elicitation_sep1034_defaults") {
    json params = ElicitForm(
        "Test client default value handling - please accept with defaults",
        {{"name", {{"type", "string"}, {"description", "User name"}, {"default", "John Doe"}}},
         {"age", {{"type", "integer"}, {"description", "User age"}, {"default", 30}}},
         {"score", {{"type", "number"}, {"description", "User score"}, {"default", 95.5}}},
         {"status",
          {{"type", "string"},
           {"description", "User status"},
           {"enum", {"active", "inactive", "pending"}},
           {"default", "active"}}},
         {"verified",
          {{"type", "boolean"}, {"description", "Verification status"}, {"default", true}}}});
    return AskClient(c, "elicitation/create", std::move(params),
                     [](const json& r) { return "Elicitation completed: " + Elicited(r); });
  }
  if (name == "test_elicitation_sep1330_enums") {
    auto titled = [](const char* prefix, std::vector<const char*> titles) {
      json out = json::array();
      for (size_t i = 0; i < titles.size(); ++i) {
        out.push_back(
            {{"const", std::string(prefix) + std::to_string(i + 1)}, {"title", titles[i]}});
      }
      return out;
    };
    json params = ElicitForm(
        "Pick options",
        {{"untitledSingle", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}},
         {"titledSingle",
          {{"type", "string"},
           {"oneOf", titled("value", {"First Option", "Second Option", "Third Option"})}}},
         {"legacyEnum",
          {{"type", "string"},
           {"enum", {"opt1", "opt2", "opt3"}},
           {"enumNames", {"Option One", "Option Two", "Option Three"}}}},
         {"untitledMulti",
          {{"type", "array"},
           {"items", {{"type", "string"}, {"enum", {"option1", "option2", "option3"}}}}}},
         {"titledMulti",
          {{"type", "array"},
           {"items",
            {{"anyOf", titled("value", {"First Choice", "Second Choice", "Third Choice"})}}}}}});
    return AskClient(c, "elicitation/create", std::move(params),
                     [](const json& r) { return "Elicitation completed: " + Elicited(r); });
  }
  if (name == "test_simple_text") {
    return result({Text("This is a simple text response for testing.")});
  }
  if (name == "test_image_content") return result({Image()});
  if (name == "test_audio_content") {
    return result({{{"type", "audio"}, {"data", kWav}, {"mimeType", "audio/wav"}}});
  }
  if (name == "test_embedded_resource") {
    return result({{{"type", "resource"},
                    {"resource",
                     {{"uri", "test://embedded-resource"},
                      {"mimeType", "text/plain"},
                      {"text", "This is an embedded resource content."}}}}});
  }
  if (name == "test_multiple_content_types") {
    return result({Text("Multiple content types test:"),
                   Image(),
                   {{"type", "resource"},
                    {"resource",
                     {{"uri", "test://mixed-content-resource"},
                      {"mimeType", "application/json"},
                      {"text", R"({"test":"data","value":123})"}}}}});
  }
  if (name == "test_tool_with_logging") {
    ghl::mcp::Protocol::Log(c.session, c.notify, 1, "Tool execution started");
    Pause();
    ghl::mcp::Protocol::Log(c.session, c.notify, 1, "Tool processing data");
    Pause();
    ghl::mcp::Protocol::Log(c.session, c.notify, 1, "Tool execution completed");
    return result({Text("Tool with logging executed successfully")});
  }
  if (name == "test_tool_with_progress") {
    Progress(c, 0);
    Pause();
    Progress(c, 50);
    Pause();
    Progress(c, 100);
    return result({Text("Tool with progress executed successfully")});
  }
  if (name == "test_error_handling") {
    json r = result({Text("This tool intentionally returns an error for testing")});
    r["isError"] = true;
    return r;
  }
  return RpcError{ghl::mcp::kInvalidParams, "Unknown tool: " + name, nullptr};
}

Out ReadResource(const MethodCall& c) {
  std::string uri = c.params.value("uri", "");
  auto one = [&](json content) {
    content["uri"] = uri;
    return json{{"contents", json::array({std::move(content)})}};
  };
  if (uri == "test://static-text") {
    return one(
        {{"mimeType", "text/plain"}, {"text", "This is the content of the static text resource."}});
  }
  if (uri == "test://static-binary") return one({{"mimeType", "image/png"}, {"blob", kPng}});
  if (uri == "test://watched-resource") {
    return one({{"mimeType", "text/plain"}, {"text", "Watched resource content."}});
  }
  const std::string prefix = "test://template/", suffix = "/data";
  if (uri.rfind(prefix, 0) == 0 && uri.size() > prefix.size() + suffix.size() &&
      uri.compare(uri.size() - suffix.size(), suffix.size(), suffix) == 0) {
    std::string id = uri.substr(prefix.size(), uri.size() - prefix.size() - suffix.size());
    return one({{"mimeType", "application/json"},
                {"text",
                 json{{"id", id}, {"templateTest", true}, {"data", "Data for ID: " + id}}.dump()}});
  }
  return RpcError{ghl::mcp::kResourceNotFound, "Resource not found", {{"uri", uri}}};
}

Out GetPrompt(const MethodCall& c) {
  std::string name = c.params.value("name", "");
  json args = c.params.value("arguments", json::object());
  auto user = [](json content) { return json{{"role", "user"}, {"content", std::move(content)}}; };
  auto arg = [&](const char* k) -> std::string {
    return args.is_object() && args.contains(k) && args[k].is_string() ? args[k].get<std::string>()
                                                                       : std::string();
  };
  if (name == "test_simple_prompt") {
    return json{{"messages", {user(Text("This is a simple prompt for testing."))}}};
  }
  if (name == "test_prompt_with_arguments") {
    return json{{"messages",
                 {user(Text("Prompt with arguments: arg1='" + arg("arg1") + "', arg2='" +
                            arg("arg2") + "'"))}}};
  }
  if (name == "test_prompt_with_embedded_resource") {
    return json{{"messages",
                 {user({{"type", "resource"},
                        {"resource",
                         {{"uri", arg("resourceUri")},
                          {"mimeType", "text/plain"},
                          {"text", "Embedded resource content for testing."}}}}),
                  user(Text("Please process the embedded resource above."))}}};
  }
  if (name == "test_prompt_with_image") {
    return json{{"messages", {user(Image()), user(Text("Please analyze the image above."))}}};
  }
  return RpcError{ghl::mcp::kInvalidParams, "Unknown prompt: " + name, nullptr};
}

void Register(ghl::mcp::Protocol& p) {
  p.On("tools/list", [](const MethodCall&) -> Out {
    return json{
        {"tools",
         {Tool("test_simple_text", "Returns a simple text."),
          Tool("test_image_content", "Returns an image."),
          Tool("test_audio_content", "Returns audio."),
          Tool("test_embedded_resource", "Returns an embedded resource."),
          Tool("test_multiple_content_types", "Returns text, image and resource."),
          Tool("test_tool_with_logging", "Logs three info lines while it runs."),
          Tool("test_tool_with_progress", "Reports progress 0, 50, 100 of 100."),
          Tool("test_error_handling", "Always fails (isError)."),
          ToolWith("test_sampling", "Asks the client's LLM (sampling/createMessage).", "prompt"),
          ToolWith("test_elicitation", "Asks the user (elicitation/create).", "message"),
          Tool("test_elicitation_sep1034_defaults",
               "Asks the user with a form whose fields have defaults."),
          Tool("test_elicitation_sep1330_enums", "Asks the user with the five enum variants.")}}};
  });
  p.On("tools/call", CallTool);
  p.On("resources/list", [](const MethodCall&) -> Out {
    auto res = [](const char* uri, const char* name, const char* mime) {
      return json{{"uri", uri}, {"name", name}, {"description", name}, {"mimeType", mime}};
    };
    return json{{"resources",
                 {res("test://static-text", "Static text", "text/plain"),
                  res("test://static-binary", "Static binary", "image/png"),
                  res("test://watched-resource", "Watched resource", "text/plain")}}};
  });
  p.On("resources/templates/list", [](const MethodCall&) -> Out {
    return json{{"resourceTemplates",
                 {{{"uriTemplate", "test://template/{id}/data"},
                   {"name", "Template data"},
                   {"description", "Data for an id"},
                   {"mimeType", "application/json"}}}}};
  });
  p.On("resources/read", ReadResource);
  // Subscriptions are accepted and forgotten: the fixtures never change.
  p.On("resources/subscribe", [](const MethodCall&) -> Out { return json::object(); });
  p.On("resources/unsubscribe", [](const MethodCall&) -> Out { return json::object(); });
  p.On("prompts/list", [](const MethodCall&) -> Out {
    auto prompt = [](const char* name, const char* description, json arguments) {
      json out = {{"name", name}, {"description", description}};
      if (!arguments.empty()) out["arguments"] = std::move(arguments);
      return out;
    };
    auto required = [](const char* name) {
      return json{{"name", name}, {"description", name}, {"required", true}};
    };
    return json{{"prompts",
                 {prompt("test_simple_prompt", "A simple prompt.", json::array()),
                  prompt("test_prompt_with_arguments", "A prompt with two arguments.",
                         {required("arg1"), required("arg2")}),
                  prompt("test_prompt_with_embedded_resource", "A prompt embedding a resource.",
                         {required("resourceUri")}),
                  prompt("test_prompt_with_image", "A prompt with an image.", json::array())}}};
  });
  p.On("prompts/get", GetPrompt);
  p.On("completion/complete", [](const MethodCall&) -> Out {
    return json{{"completion", {{"values", json::array()}, {"total", 0}, {"hasMore", false}}}};
  });
}

}  // namespace

int main() {
  ghl::mcp::Protocol protocol(ghl::mcp::ServerInfo{
      .name = "ghlkit-conformance-fixtures",
      .title = "ghlkit MCP conformance fixtures",
      .version = "0.1.0",
      .instructions = "",
      .capabilities = {{"tools", {{"listChanged", false}}},
                       {"resources", {{"subscribe", true}, {"listChanged", false}}},
                       {"prompts", {{"listChanged", false}}},
                       {"logging", json::object()},
                       {"completions", json::object()}}});
  Register(protocol);
  ghl::mcp::HttpTransport transport(
      [&protocol](ghl::mcp::Session& s, std::string_view m, const ghl::mcp::Notify& n) {
        return protocol.Handle(s, m, n);
      },
      ghl::mcp::HttpOptions{});
  // Tool calls block (one waits for the client's answer to its request): on pool threads, so
  // the server's I/O threads keep reading the POST that carries that answer.
  ghl::server::BlockingPool calls(8);
  ghl::server::AsyncHandler serve = [&transport](ghl::http::Request r,
                                                 ghl::server::Responder respond) {
    transport.Serve(r, respond);
  };
  ghl::server::HttpServer server(
      {.port = 0, .threads = 2, .on_stopping = [&] { transport.CloseAll(); }},
      [&](ghl::http::Request r, ghl::server::Responder respond) {
        if (!transport.Matches(r)) {
          return respond(ghl::server::JsonResponse(404, R"({"statusCode":404})"));
        }
        calls.RunAsync(serve, std::move(r), std::move(respond));
      });
  uint16_t port = server.Start();
  transport.SetPort(port);
  std::printf("URL=http://127.0.0.1:%u/mcp\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  server.Wait(/*handle_signals=*/true);
  return 0;
}
