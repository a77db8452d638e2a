// Location custom fields list/create and the location itself
// (spec: shared/ghl-openapi/apps/locations.json).
#include <algorithm>

#include "handler.h"

namespace ghl::sandbox {
namespace {

constexpr std::string_view kDataTypes[] = {
    "TEXT",           "LARGE_TEXT",   "NUMERICAL", "PHONE",    "MONETORY",
    "CHECKBOX",       "SINGLE_OPTIONS", "MULTIPLE_OPTIONS", "FLOAT", "TIME",
    "DATE",           "TEXTBOX_LIST", "FILE_UPLOAD", "SIGNATURE", "RADIO", "EMAIL"};
constexpr std::string_view kModels[] = {"contact", "opportunity"};

http::Response ListCustomFields(Ctx& ctx) {
  std::string loc = ctx.Path("locationId");
  std::string model = ctx.Query("model").value_or("contact");
  if (model != "contact" && model != "opportunity" && model != "all") {
    return Unprocessable({"model must be one of the following values: contact, opportunity, all"});
  }
  std::string body = "{\"customFields\":[";
  bool first = true;
  for (const auto& [id, f] : ctx.store.All(Coll::kCustomFields)) {
    if (Str(f.value, "locationId") != loc) continue;
    if (model != "all" && Str(f.value, "model") != model) continue;
    if (!first) body += ',';
    first = false;
    body += f.text;
  }
  body += "]}";
  return JsonText(200, std::move(body));
}

constexpr FieldRule kCreateRules[] = {
    {"name", FieldType::kString, true},
    {"dataType", FieldType::kString, true, kDataTypes},
    {"placeholder", FieldType::kString},
    {"acceptedFormat", FieldType::kArray},
    {"isMultipleFile", FieldType::kBoolean},
    {"maxNumberOfFiles", FieldType::kNumber},
    {"textBoxListOptions", FieldType::kArray},
    {"position", FieldType::kNumber},
    {"model", FieldType::kString, false, kModels},
    {"options", FieldType::kArray},
};

std::string KeyOf(const std::string& name) {
  std::string key;
  for (char c : Lower(name)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) key.push_back(c);
    else if (!key.empty() && key.back() != '_') key.push_back('_');
  }
  while (!key.empty() && key.back() == '_') key.pop_back();
  return key;
}

http::Response CreateCustomField(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateRules);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  const json& b = ctx.body;
  std::string loc = ctx.Path("locationId");
  std::string model = b.contains("model") ? Str(b, "model") : "contact";
  std::string key = model + "." + KeyOf(Str(b, "name"));
  for (const auto& [id, f] : ctx.store.All(Coll::kCustomFields)) {
    if (Str(f.value, "locationId") == loc && Str(f.value, "fieldKey") == key) {
      return ErrorResponse(400, "Custom field with the same name already exists",
                           {{"meta", {{"customFieldId", id}}}});
    }
  }
  json f = {{"id", ctx.store.NewId()},
            {"name", b["name"]},
            {"fieldKey", key},
            {"placeholder", Str(b, "placeholder")},
            {"dataType", b["dataType"]},
            {"position", b.value("position", 0)},
            {"picklistOptions", json::array()},
            {"isAllowedCustomOption", false},
            {"locationId", loc},
            {"model", model}};
  for (const auto& o : b.value("options", json::array())) f["picklistOptions"].push_back(o);
  for (const auto& o : b.value("textBoxListOptions", json::array())) {
    f["picklistOptions"].push_back(o.is_object() ? o.value("label", "") : o.dump());
  }
  const Doc& d = ctx.store.Put(Coll::kCustomFields, std::move(f));
  return JsonText(201, "{\"customField\":" + d.text + "}");
}

http::Response GetLocation(Ctx& ctx) {
  const Doc* d = ctx.store.Get(Coll::kLocations, ctx.Path("locationId"));
  if (!d) return NotFound("Location not found");
  json view = d->value;
  view.erase("settings");
  return Json(200, {{"location", view}, {"traceId", NewTraceId()}});
}

constexpr RouteDef kRoutes[] = {
    {"locations.get-custom-fields", ListCustomFields, false},
    {"locations.create-custom-field", CreateCustomField, true},
    {"locations.get-location", GetLocation, false},
};

}  // namespace

std::span<const RouteDef> CustomFieldRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
