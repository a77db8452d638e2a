// Test events for `ghl trigger`: the generated shapes with fresh values.
#include "ghl/webhooks/event_examples.h"

#include <openssl/rand.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "event_examples_data.h"
#include "ghl/core/text.h"
#include "ghl/core/time_format.h"

namespace ghl::webhooks {
namespace {

using nlohmann::json;

void Fill(json& node, const TestEventOptions& options, const std::function<std::string()>& id,
          const std::string& location, const std::string& now) {
  if (node.is_object() || node.is_array()) {
    for (auto& child : node) Fill(child, options, id, location, now);
    return;
  }
  if (!node.is_string()) return;
  const auto& s = node.get_ref<const std::string&>();
  if (s == "{{id}}") {
    node = id();
  } else if (s == "{{location}}") {
    node = location;
  } else if (s == "{{now}}") {
    node = now;
  } else if (s == "{{email}}") {
    node = "test-" + id().substr(0, 8) + "@example.com";
  } else if (s == "{{phone}}") {
    node = "+15550100100";
  }
}

}  // namespace

std::string NewGhlId() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  unsigned char bytes[20];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    // OpenSSL's generator failed: fall back to the clock, still unique enough for a test.
    auto t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (unsigned char& b : bytes) b = static_cast<unsigned char>((t >>= 3) & 0xff);
  }
  std::string out(20, 'A');
  for (size_t i = 0; i < out.size(); ++i) out[i] = kAlphabet[bytes[i] % 62];
  return out;
}

std::vector<std::string_view> ExampleEventTypes() {
  std::vector<std::string_view> out;
  for (const auto& s : internal::GeneratedEventShapes()) out.push_back(s.type);
  return out;
}

Result<std::string> BuildTestEvent(std::string_view event_type, const TestEventOptions& options) {
  const internal::EventShape* shape = nullptr;
  for (const auto& s : internal::GeneratedEventShapes()) {
    if (s.type == event_type) shape = &s;
  }
  if (shape == nullptr) {
    std::string known;
    for (std::string_view t : ExampleEventTypes())
      known += (known.empty() ? "" : ", ") + std::string(t);
    return UsageError("no example shape for event type '" + std::string(event_type) + "'",
                      "Use one of: " + known);
  }
  // JSON text is UTF-8: a raw byte such as 0x9b would make the body unprintable.
  auto not_utf8 = [](const std::string& what, std::string_view text) -> std::optional<Error> {
    auto bad = FirstInvalidUtf8(text);
    if (!bad) return std::nullopt;
    return UsageError(what + " is not UTF-8 text (byte " + std::to_string(*bad + 1) + ")",
                      "Webhook bodies are JSON, which holds UTF-8 text only: give the value as "
                      "text (e.g. $'\\u00e9' for an accented letter), not raw bytes.");
  };
  if (auto e = not_utf8("the location id", options.location_id)) return *e;
  for (const auto& [name, value] : options.fields) {
    if (auto e = not_utf8("-f field name '" + TerminalSafeLine(name) + "'", name)) return *e;
    if (auto e = not_utf8("-f " + TerminalSafeLine(name) + "=…: the value", value)) return *e;
  }
  std::function<std::string()> id = options.new_id ? options.new_id : NewGhlId;
  std::string location = options.location_id.empty() ? id() : options.location_id;
  json body = json::parse(shape->body);
  Fill(body, options, id, location, FormatUtcIso(options.now, IsoPrecision::kMilliseconds));
  body["webhookId"] = id();
  for (const auto& [name, value] : options.fields) {
    if (name.empty()) return UsageError("-f needs field=value, got '=" + value + "'");
    if (name == "type") {
      return UsageError("-f type=…: the type is the event type argument",
                        "Name the type as the first argument: ghl trigger " + value);
    }
    json* node = &body;
    size_t start = 0;
    while (true) {
      size_t dot = name.find('.', start);
      std::string part =
          name.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (part.empty()) return UsageError("-f " + name + ": empty part in the field name");
      if (!node->is_object()) {
        return UsageError("-f " + name + ": '" + name.substr(0, start - 1) +
                          "' is not an object in a " + std::string(event_type) + " event");
      }
      if (dot == std::string::npos) {
        (*node)[part] = value;
        break;
      }
      node = &(*node)[part];
      if (node->is_null()) *node = json::object();
      start = dot + 1;
    }
  }
  return body.dump();
}

}  // namespace ghl::webhooks
