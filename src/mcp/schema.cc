// JSON Schema builders for the tool table and the validator of tool arguments.
#include <algorithm>

#include "tools.h"

namespace ghl::mcp {

json Str(std::string description) {
  return {{"type", "string"}, {"description", std::move(description)}};
}
json Int(std::string description, int64_t minimum, int64_t maximum) {
  return {{"type", "integer"},
          {"description", std::move(description)},
          {"minimum", minimum},
          {"maximum", maximum}};
}
json Num(std::string description) {
  return {{"type", "number"}, {"description", std::move(description)}};
}
json Bool(std::string description) {
  return {{"type", "boolean"}, {"description", std::move(description)}};
}
json StrList(std::string description) {
  return {
      {"type", "array"}, {"items", {{"type", "string"}}}, {"description", std::move(description)}};
}
json Enum(std::string description, std::vector<std::string> values) {
  return {{"type", "string"}, {"enum", std::move(values)}, {"description", std::move(description)}};
}
json AnyObject(std::string description) {
  return {{"type", "object"}, {"description", std::move(description)}};
}
json Object(json properties, std::vector<std::string> required) {
  json o = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = std::move(required);
  o["additionalProperties"] = false;
  return o;
}
json Output(json properties, std::vector<std::string> required) {
  json o = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) o["required"] = std::move(required);
  return o;
}

namespace {

bool HasType(const json& v, const std::string& type) {
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_boolean();
  if (type == "array") return v.is_array();
  if (type == "object") return v.is_object();
  if (type == "null") return v.is_null();
  return true;
}

}  // namespace

Status ValidateArgs(const json& args, const json& schema) {
  if (!args.is_object()) return UsageError("arguments must be a JSON object");
  static const json kNone = json::object();
  auto props_it = schema.find("properties");
  const json& props = props_it == schema.end() ? kNone : *props_it;
  if (auto required = schema.find("required"); required != schema.end()) {
    for (const auto& r : *required) {
      const auto& key = r.get_ref<const std::string&>();
      if (!args.contains(key)) {
        auto p = props.find(key);
        return UsageError("missing required argument '" + key + "'",
                          p != props.end() ? p->value("description", "") : "");
      }
    }
  }
  for (const auto& [key, value] : args.items()) {
    auto p = props.find(key);
    if (p == props.end()) {
      std::string known;
      for (const auto& [k, _] : props.items()) known += (known.empty() ? "" : ", ") + k;
      return UsageError("unknown argument '" + key + "'", "arguments: " + known);
    }
    auto type_it = p->find("type");
    static const std::string kAny;
    const std::string& type =
        type_it != p->end() && type_it->is_string() ? type_it->get_ref<const std::string&>() : kAny;
    if (!HasType(value, type)) {
      // Models that fill every optional argument send null for "none": say to leave it out
      // (null is never taken as "clear the field").
      return UsageError("argument '" + key + "' must be " +
                            (type == "array" || type == "integer" ? "an " : "a ") + type +
                            (value.is_null() ? ", not null" : ""),
                        value.is_null() ? "leave out an argument that has no value" : "");
    }
    if (type == "array" && p->contains("items")) {
      std::string item = (*p)["items"].value("type", "");
      for (const auto& v : value) {
        if (!HasType(v, item)) return UsageError("argument '" + key + "' must hold " + item + "s");
      }
    }
    if (p->contains("enum")) {
      const json& e = (*p)["enum"];
      if (std::find(e.begin(), e.end(), value) == e.end()) {
        return UsageError("argument '" + key + "' must be one of " + e.dump());
      }
    }
    if (value.is_number()) {
      if (p->contains("minimum") && value.get<double>() < (*p)["minimum"].get<double>()) {
        return UsageError("argument '" + key + "' must be at least " + (*p)["minimum"].dump());
      }
      if (p->contains("maximum") && value.get<double>() > (*p)["maximum"].get<double>()) {
        return UsageError("argument '" + key + "' must be at most " + (*p)["maximum"].dump());
      }
    }
  }
  return Ok{};
}

std::string ArgStr(const json& args, std::string_view key) {
  auto it = args.find(key);
  return it != args.end() && it->is_string() ? it->get<std::string>() : std::string();
}

int64_t ArgInt(const json& args, std::string_view key, int64_t fallback) {
  auto it = args.find(key);
  return it != args.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::vector<std::string> ArgList(const json& args, std::string_view key) {
  std::vector<std::string> out;
  auto it = args.find(key);
  if (it == args.end() || !it->is_array()) return out;
  for (const auto& v : *it) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace ghl::mcp
