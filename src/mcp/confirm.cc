// Confirmation of a write by the user through MCP elicitation.
#include "confirm.h"

#include <variant>

#include "audit.h"

namespace ghl::mcp {

using nlohmann::json;

Status ConfirmWrite(const MethodCall& call, const std::string& tool, const std::string& action,
                    const json& args, std::chrono::milliseconds timeout) {
  const std::string fix =
      "restart the server with --allow-writes to allow such writes without "
      "asking";
  json shown = MaskSecrets(args);
  std::string message = "The AI agent wants to change data in GoHighLevel: " + action + " (tool " +
                        tool + ").\nArguments: " + Protocol::Dump(shown) +
                        "\nThis server runs without --allow-writes. Accept to run this one call.";
  json params = {{"message", std::move(message)},
                 {"requestedSchema",
                  {{"type", "object"},
                   {"properties",
                    {{"confirm",
                      {{"type", "boolean"},
                       {"title", "Run this change"},
                       {"description", "Run " + action + " once"},
                       {"default", true}}}}},
                   {"required", json::array()}}}};
  ClientReply reply = call.Ask("elicitation/create", std::move(params), timeout);
  if (auto* err = std::get_if<RpcError>(&reply)) {
    return UsageError("tool " + tool + " needs confirmation and none came: " + err->message, fix);
  }
  const json& r = std::get<json>(reply);
  std::string answer = r.is_object() && r.contains("action") && r["action"].is_string()
                           ? r["action"].get<std::string>()
                           : std::string("(none)");
  bool confirmed = answer == "accept";
  if (confirmed && r.contains("content") && r["content"].is_object()) {
    const json& content = r["content"];
    if (content.contains("confirm") && content["confirm"] == false) confirmed = false;
  }
  if (!confirmed) {
    return UsageError(
        "the user did not confirm " + action + " (answer: " + answer + "); nothing was changed",
        fix);
  }
  return Ok{};
}

}  // namespace ghl::mcp
