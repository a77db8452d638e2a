// Location-level records: custom values (CRUD), users (list by location; create, get, update,
// delete and search for agency tokens), and the agency's location search
// (spec: shared/ghl-openapi/apps/locations.json, users.json).
#include <algorithm>

#include "handler.h"

namespace ghl::sandbox {
namespace {

// ---- custom values ---------------------------------------------------------------------------

constexpr FieldRule kCustomValue[] = {{"name", FieldType::kString, true},
                                      {"value", FieldType::kString, true}};

// "deal_size" from "Deal Size": the merge-field key GHL derives from the name ("" when the name
// has no letter or digit).
std::string CustomValueWord(const std::string& name) {
  std::string key;
  for (char c : Lower(name)) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      key.push_back(c);
    } else if (!key.empty() && key.back() != '_') {
      key.push_back('_');
    }
  }
  while (!key.empty() && key.back() == '_') key.pop_back();
  return key;
}

std::string CustomValueKey(const std::string& word) { return "{{ custom_values." + word + " }}"; }

// The merge-field key for the body's name, or the answer refusing it: 422 when the name gives
// no key, 400 naming the custom value (other than `self_id`) that already has the key.
std::optional<http::Response> KeyFor(const Ctx& ctx, const std::string& self_id, std::string* key) {
  std::string name = Str(ctx.body, "name");
  std::string word = CustomValueWord(name);
  if (word.empty()) {
    return Unprocessable({"name '" + name +
                          "' has no letter or digit, so it gives no merge-field key "
                          "({{ custom_values.<key> }}); use a name with letters or digits, e.g. "
                          "'Deal Size'"});
  }
  *key = CustomValueKey(word);
  for (const auto& [id, v] : ctx.store.All(Coll::kCustomValues)) {
    if (id != self_id && Str(v.value, "locationId") == ctx.Path("locationId") &&
        Str(v.value, "fieldKey") == *key) {
      return ErrorResponse(400,
                           "the key " + *key + " is already used by custom value '" +
                               Str(v.value, "name") + "' (" + id +
                               "); pick a name that differs in letters or digits",
                           {{"meta", {{"customValueId", id}}}});
    }
  }
  return std::nullopt;
}

std::optional<http::Response> LoadCustomValue(const Ctx& ctx, const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kCustomValues, ctx.Path("id"));
  if (!d || Str(d->value, "locationId") != ctx.Path("locationId")) {
    return NotFound("Custom value not found");
  }
  *out = d;
  return std::nullopt;
}

http::Response ListCustomValues(Ctx& ctx) {
  std::string body = "{\"customValues\":[";
  bool first = true;
  for (const auto& [id, v] : ctx.store.All(Coll::kCustomValues)) {
    if (Str(v.value, "locationId") != ctx.Path("locationId")) continue;
    body += (first ? "" : ",") + v.text;
    first = false;
  }
  return JsonText(200, body + "]}");
}

http::Response CreateCustomValue(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCustomValue);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string key;
  if (auto refused = KeyFor(ctx, "", &key)) return *refused;
  json v = {{"id", ctx.store.NewId()},
            {"name", ctx.body["name"]},
            {"fieldKey", key},
            {"value", ctx.body["value"]},
            {"locationId", ctx.Path("locationId")}};
  const Doc& d = ctx.store.Put(Coll::kCustomValues, Str(v, "id"), v);
  return JsonText(200, "{\"customValue\":" + d.text + "}");
}

http::Response GetCustomValue(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadCustomValue(ctx, &d)) return *err;
  return JsonText(200, "{\"customValue\":" + d->text + "}");
}

http::Response UpdateCustomValue(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadCustomValue(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kCustomValue);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  std::string key;
  if (auto refused = KeyFor(ctx, ctx.Path("id"), &key)) return *refused;
  json v = d->value;
  v["name"] = ctx.body["name"];
  v["value"] = ctx.body["value"];
  v["fieldKey"] = key;
  const Doc& nd = ctx.store.Put(Coll::kCustomValues, Str(v, "id"), v);
  return JsonText(200, "{\"customValue\":" + nd.text + "}");
}

http::Response DeleteCustomValue(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadCustomValue(ctx, &d)) return *err;
  ctx.store.Erase(Coll::kCustomValues, ctx.Path("id"));
  return Json(200, {{"succeded", true}});
}

// ---- users -----------------------------------------------------------------------------------

constexpr std::string_view kUserTypes[] = {"account", "agency"};
constexpr std::string_view kUserRoles[] = {"admin", "user"};
constexpr FieldRule kCreateUser[] = {
    {"companyId", FieldType::kString, true},
    {"firstName", FieldType::kString, true},
    {"lastName", FieldType::kString, true},
    {"email", FieldType::kEmail, true},
    {"password", FieldType::kString, true},
    {"phone", FieldType::kString},
    {"type", FieldType::kString, true, kUserTypes},
    {"role", FieldType::kString, true, kUserRoles},
    {"locationIds", FieldType::kArray, true},
    {"permissions", FieldType::kObject},
    {"scopes", FieldType::kArray},
    {"scopesAssignedToOnly", FieldType::kArray},
    {"profilePhoto", FieldType::kString},
    {"twilioPhone", FieldType::kObject},
    {"platformLanguage", FieldType::kString},
};
constexpr FieldRule kUpdateUser[] = {
    {"firstName", FieldType::kString},
    {"lastName", FieldType::kString},
    {"email", FieldType::kEmail},
    {"password", FieldType::kString},
    {"phone", FieldType::kString},
    {"type", FieldType::kString, false, kUserTypes},
    {"role", FieldType::kString, false, kUserRoles},
    {"companyId", FieldType::kString},
    {"locationIds", FieldType::kArray},
    {"permissions", FieldType::kObject},
    {"scopes", FieldType::kArray},
    {"scopesAssignedToOnly", FieldType::kArray},
    {"profilePhoto", FieldType::kString},
    {"twilioPhone", FieldType::kObject},
    {"platformLanguage", FieldType::kString},
};

// The user as GHL shows it: never the password; type, role and locations under `roles`.
json UserView(const json& u) {
  json view = {{"id", u["id"]},
               {"name", Str(u, "firstName") + " " + Str(u, "lastName")},
               {"firstName", u["firstName"]},
               {"lastName", u["lastName"]},
               {"email", u["email"]},
               {"phone", Str(u, "phone")},
               {"extension", ""},
               {"permissions", u.value("permissions", json::object())},
               {"scopes", u.value("scopes", json::array())},
               {"roles",
                {{"type", u["type"]},
                 {"role", u["role"]},
                 {"locationIds", u.value("locationIds", json::array())},
                 {"restrictSubAccount", false}}}};
  return view;
}

// The company the token acts for: an agency token's own; a location token's location's.
std::string CompanyOf(const Ctx& ctx) {
  if (ctx.token.agency) return ctx.token.company_id;
  const Doc* loc = ctx.store.Get(Coll::kLocations, ctx.token.location_id);
  return loc ? Str(loc->value, "companyId") : std::string();
}

bool InLocation(const json& user, const std::string& location_id) {
  for (const auto& l : user.value("locationIds", json::array())) {
    if (l.is_string() && l.get<std::string>() == location_id) return true;
  }
  return false;
}

http::Response ListLocationUsers(Ctx& ctx) {
  json users = json::array();
  std::string loc = ctx.LocationId();
  for (const auto& [id, u] : ctx.store.All(Coll::kUsers)) {
    if (InLocation(u.value, loc)) users.push_back(UserView(u.value));
  }
  return Json(200, {{"users", users}});
}

// 422 naming every locationIds entry that is not a location of `company` (break-it finding 7:
// an unknown id used to be stored as is).
std::optional<http::Response> CheckUserLocations(const Ctx& ctx, const std::string& company) {
  if (!ctx.body.contains("locationIds") || !ctx.body["locationIds"].is_array()) {
    return std::nullopt;
  }
  std::vector<std::string> bad;
  for (const auto& l : ctx.body["locationIds"]) {
    if (!l.is_string()) {
      bad.push_back("each value in locationIds must be a string");
      continue;
    }
    const Doc* loc = ctx.store.Get(Coll::kLocations, l.get_ref<const std::string&>());
    if (!loc || Str(loc->value, "companyId") != company) {
      bad.push_back("locationIds: '" + l.get<std::string>() + "' is not a location of company " +
                    company);
    }
  }
  if (bad.empty()) return std::nullopt;
  return Unprocessable(std::move(bad));
}

// 400 when another user (not `self`) already has `email` (case-insensitive); break-it finding 8:
// an update used to take a taken email.
std::optional<http::Response> CheckEmailFree(const Ctx& ctx, const std::string& email,
                                             const std::string& self) {
  std::string wanted = Lower(email);
  for (const auto& [id, u] : ctx.store.All(Coll::kUsers)) {
    if (id != self && Lower(Str(u.value, "email")) == wanted) {
      return ErrorResponse(400, "User with the same email already exists",
                           {{"meta", {{"userId", id}}}});
    }
  }
  return std::nullopt;
}

std::optional<http::Response> LoadUser(const Ctx& ctx, const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kUsers, ctx.Path("userId"));
  if (!d || Str(d->value, "companyId") != CompanyOf(ctx)) return NotFound("User not found");
  *out = d;
  return std::nullopt;
}

http::Response CreateUser(Ctx& ctx) {
  auto msgs = ValidateBody(ctx.body, kCreateUser);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  if (Str(ctx.body, "companyId") != CompanyOf(ctx)) {
    return ErrorResponse(403, "The token does not have access to this company");
  }
  if (auto err = CheckUserLocations(ctx, CompanyOf(ctx))) return *err;
  if (auto err = CheckEmailFree(ctx, Str(ctx.body, "email"), "")) return *err;
  json u = ctx.body;
  u.erase("password");  // never kept: the sandbox does not log anyone in
  u["id"] = ctx.store.NewId();
  u["dateAdded"] = IsoUtcMs(ctx.now_ms);
  const Doc& d = ctx.store.Put(Coll::kUsers, Str(u, "id"), u);
  json locations = d.value.value("locationIds", json::array());
  json ev = {{"type", "UserCreate"},
             {"companyId", d.value["companyId"]},
             {"locationId", locations.empty() ? json("") : locations[0]},
             {"id", d.value["id"]},
             {"firstName", d.value["firstName"]},
             {"lastName", d.value["lastName"]},
             {"email", d.value["email"]},
             {"phone", Str(d.value, "phone")},
             {"extension", ""},
             {"role", d.value["role"]},
             {"permissions", d.value.value("permissions", json::object())},
             {"locations", locations}};
  ctx.events.push_back({"UserCreate", std::move(ev)});
  return Json(201, UserView(d.value));
}

http::Response GetUser(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadUser(ctx, &d)) return *err;
  return Json(200, UserView(d->value));
}

http::Response UpdateUser(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadUser(ctx, &d)) return *err;
  auto msgs = ValidateBody(ctx.body, kUpdateUser);
  if (!msgs.empty()) return Unprocessable(std::move(msgs));
  if (auto err = CheckUserLocations(ctx, CompanyOf(ctx))) return *err;
  if (std::string email = Str(ctx.body, "email"); !email.empty()) {
    if (auto err = CheckEmailFree(ctx, email, Str(d->value, "id"))) return *err;
  }
  json u = d->value;
  for (const auto& [k, v] : ctx.body.items()) {
    if (k != "password" && !v.is_null()) u[k] = v;
  }
  const Doc& nd = ctx.store.Put(Coll::kUsers, Str(u, "id"), u);
  return Json(200, UserView(nd.value));
}

http::Response DeleteUser(Ctx& ctx) {
  const Doc* d = nullptr;
  if (auto err = LoadUser(ctx, &d)) return *err;
  ctx.store.Erase(Coll::kUsers, ctx.Path("userId"));
  return Json(200, {{"succeded", true}, {"message", "Queued deleting user"}});
}

http::Response SearchUsers(Ctx& ctx) {
  std::string q = Lower(ctx.Query("query").value_or(""));
  std::string loc = ctx.Query("locationId").value_or("");
  json users = json::array();
  for (const auto& [id, u] : ctx.store.All(Coll::kUsers)) {
    if (Str(u.value, "companyId") != CompanyOf(ctx)) continue;
    if (!loc.empty() && !InLocation(u.value, loc)) continue;
    std::string hay = Lower(Str(u.value, "firstName") + " " + Str(u.value, "lastName") + " " +
                            Str(u.value, "email"));
    if (!q.empty() && hay.find(q) == std::string::npos) continue;
    users.push_back(UserView(u.value));
  }
  size_t count = users.size();
  return Json(200, {{"users", users}, {"count", count}});
}

// ---- locations (agency) ----------------------------------------------------------------------

http::Response SearchLocations(Ctx& ctx) {
  std::string company = ctx.Query("companyId").value_or(CompanyOf(ctx));
  std::string email = Lower(ctx.Query("email").value_or(""));
  json locations = json::array();
  for (const auto& [id, l] : ctx.store.All(Coll::kLocations)) {
    if (Str(l.value, "companyId") != company || company != CompanyOf(ctx)) continue;
    if (!email.empty() && Lower(Str(l.value, "email")) != email) continue;
    json view = l.value;
    view.erase("settings");
    locations.push_back(std::move(view));
  }
  return Json(200, {{"locations", locations}});
}

constexpr RouteDef kRoutes[] = {
    {"locations.get-custom-values", ListCustomValues, false},
    {"locations.create-custom-value", CreateCustomValue, true},
    {"locations.get-custom-value", GetCustomValue, false},
    {"locations.update-custom-value", UpdateCustomValue, true},
    {"locations.delete-custom-value", DeleteCustomValue, true},
    {"locations.search-locations", SearchLocations, false},
    {"users.get-user-by-location", ListLocationUsers, false},
    {"users.create-user", CreateUser, true},
    {"users.get-user", GetUser, false},
    {"users.update-user", UpdateUser, true},
    {"users.delete-user", DeleteUser, true},
    {"users.search-users", SearchUsers, false},
};

}  // namespace

std::span<const RouteDef> LocationRecordRoutes() { return kRoutes; }

}  // namespace ghl::sandbox
