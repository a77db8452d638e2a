// Response builders, body validation and small helpers shared by the resource handlers.
#include <algorithm>
#include <cctype>
#include <random>
#include <regex>

#include "ghl/core/text.h"
#include "ghl/core/time_format.h"
#include "ghl/server/http_server.h"
#include "handler.h"

namespace ghl::sandbox {

const std::string& Ctx::Path(std::string_view name) const {
  static const std::string kEmpty;
  for (const auto& [k, v] : path_params) {
    if (k == name) return v;
  }
  return kEmpty;
}

std::optional<std::string> Ctx::Query(std::string_view name) const {
  for (const auto& [k, v] : query) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::string Ctx::LocationId() const {
  if (!token.agency) return token.location_id;
  if (auto p = Path("locationId"); !p.empty()) return p;
  if (auto q = Query("locationId")) return *q;
  if (auto q = Query("location_id")) return *q;
  if (body.is_object()) {
    if (auto it = body.find("locationId"); it != body.end() && it->is_string()) {
      return it->get<std::string>();
    }
  }
  return std::string(kDemoLocationId);
}

std::string Ctx::BaseUrl() const { return "http://" + request.headers.GetOr("Host", "127.0.0.1"); }

std::string NewTraceId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  uint64_t a = rng(), b = rng();
  std::string s(36, '-');
  int bit = 0;
  for (int i = 0; i < 36; ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) continue;
    uint64_t& src = bit < 64 ? a : b;
    s[i] = kHex[(src >> (bit % 64)) & 15];
    bit += 4;
  }
  s[14] = '4';
  s[19] = kHex[8 + (b & 3)];
  return s;
}

http::Response JsonText(int status, std::string body) {
  return server::JsonResponse(status, std::move(body));
}

std::string Dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

http::Response Json(int status, const json& body) { return JsonText(status, Dump(body)); }

http::Response ErrorResponse(int status, std::string_view message, const json& extra) {
  json j = {{"statusCode", status}, {"message", message}};
  if (status == 400 || status == 401 || status == 422) {
    j["error"] = std::string(http::ReasonPhrase(status));
  }
  if (extra.is_object()) {
    for (const auto& [k, v] : extra.items()) j[k] = v;
  }
  j["traceId"] = NewTraceId();
  return Json(status, j);
}

http::Response Unprocessable(std::vector<std::string> messages) {
  json j = {{"statusCode", 422},
            {"message", messages},
            {"error", "Unprocessable Entity"},
            {"traceId", NewTraceId()}};
  return Json(422, j);
}

http::Response ForbiddenLocation() {
  return ErrorResponse(403, "The token does not have access to this location.");
}

namespace {

std::string OneOfText(std::span<const std::string_view> values) {
  std::string out;
  for (auto v : values) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}

}  // namespace

std::vector<std::string> ValidateBody(const json& body, std::span<const FieldRule> rules) {
  std::vector<std::string> out;
  const json empty = json::object();
  const json& b = body.is_object() ? body : empty;
  for (const auto& r : rules) {
    std::string name(r.name);
    auto it = b.find(name);
    bool missing = it == b.end() || it->is_null() ||
                   (it->is_string() && it->get_ref<const std::string&>().empty() && r.required);
    if (missing) {
      if (r.required) {
        out.push_back(name + " should not be empty");
        if (r.type == FieldType::kString) out.push_back(name + " must be a string");
      }
      continue;
    }
    const json& v = *it;
    switch (r.type) {
      case FieldType::kString:
        if (!v.is_string()) out.push_back(name + " must be a string");
        break;
      case FieldType::kTimeZone:
        if (!v.is_string() || !IsIanaTimeZone(v.get<std::string>())) {
          out.push_back(name + " must be a valid IANA time-zone");
        }
        break;
      case FieldType::kEmail:
        if (!v.is_string() || !LooksLikeEmail(v.get<std::string>())) {
          out.push_back(name + " must be an email");
        }
        break;
      case FieldType::kNumber:
        if (!v.is_number()) {
          out.push_back(name + " must be a number conforming to the specified constraints");
        }
        break;
      case FieldType::kBoolean:
        if (!v.is_boolean()) out.push_back(name + " must be a boolean value");
        break;
      case FieldType::kArray:
        if (!v.is_array()) out.push_back(name + " must be an array");
        break;
      case FieldType::kObject:
        if (!v.is_object()) out.push_back(name + " must be an object");
        break;
      case FieldType::kAny:
        break;
    }
    if (!r.one_of.empty() && v.is_string()) {
      const auto& s = v.get_ref<const std::string&>();
      bool found = false;
      for (auto o : r.one_of) found = found || o == s;
      if (!found) {
        out.push_back(name + " must be one of the following values: " + OneOfText(r.one_of));
      }
    }
  }
  for (const auto& [k, v] : b.items()) {
    bool known = false;
    for (const auto& r : rules) known = known || r.name == k;
    if (!known) out.push_back("property " + k + " should not exist");
  }
  return out;
}

void CheckRange(std::string_view name, int64_t value, int64_t lo, int64_t hi,
                std::vector<std::string>* msgs) {
  if (value < lo) {
    msgs->push_back(std::string(name) + " must not be less than " + std::to_string(lo));
  } else if (value > hi) {
    msgs->push_back(std::string(name) + " must not be greater than " + std::to_string(hi));
  }
}

int64_t QueryInt(const Ctx& ctx, std::string_view name, int64_t def,
                 std::vector<std::string>* msgs) {
  auto v = ctx.Query(name);
  if (!v || v->empty()) return def;
  auto n = ParseInt(*v);
  if (!n) {
    msgs->push_back(std::string(name) +
                    " must be a number conforming to the specified constraints");
    return def;
  }
  return *n;
}

namespace {
constexpr FieldRule kFollowers[] = {{"followers", FieldType::kArray, true}};
}  // namespace

http::Response ApplyFollowers(Ctx& ctx, Coll coll, const Doc& doc, bool add) {
  auto msgs = ValidateBody(ctx.body, kFollowers);
  if (msgs.empty()) {
    for (const auto& f : ctx.body["followers"]) {
      if (!f.is_string()) msgs.push_back("each value in followers must be a string");
    }
  }
  if (!msgs.empty()) return Unprocessable({msgs.front()});
  json c = doc.value;
  std::vector<std::string> followers;
  for (const auto& f : c.value("followers", json::array())) {
    if (f.is_string()) followers.push_back(f.get<std::string>());
  }
  json changed = json::array();
  for (const auto& f : ctx.body["followers"]) {
    std::string id = f.get<std::string>();
    auto it = std::find(followers.begin(), followers.end(), id);
    if (add && it == followers.end()) {
      followers.push_back(id);
      changed.push_back(id);
    } else if (!add && it != followers.end()) {
      followers.erase(it);
      changed.push_back(id);
    }
  }
  c["followers"] = followers;
  ctx.store.Put(coll, std::move(c));
  return Json(add ? 201 : 200,
              {{"followers", followers}, {add ? "followersAdded" : "followersRemoved", changed}});
}

std::string NormalizePhone(std::string_view phone) {
  std::string digits;
  for (char c : phone) {
    if (c >= '0' && c <= '9') digits.push_back(c);
  }
  if (digits.empty()) return "";
  // "00" is the international call prefix: "0044 20 7946 0958" is +44 20 7946 0958. No country
  // code starts with 0, so a "+0044 …" typed by mistake reads the same.
  if (digits.size() > 2 && digits.compare(0, 2, "00") == 0) return "+" + digits.substr(2);
  bool plus = !phone.empty() && phone.find('+') != std::string_view::npos;
  if (!plus && digits.size() == 10) digits = "1" + digits;
  return "+" + digits;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Str(const json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

json ContactEvent(std::string_view type, const json& contact) {
  json e = {{"type", type},
            {"locationId", contact.value("locationId", "")},
            {"id", contact.value("id", "")}};
  static constexpr std::string_view kKeys[] = {
      "address1",  "city",        "state", "companyName", "country",    "source",
      "dateAdded", "dateOfBirth", "dnd",   "email",       "firstName",  "lastName",
      "phone",     "postalCode",  "tags",  "website",     "assignedTo", "customFields"};
  for (auto k : kKeys) {
    if (auto it = contact.find(k); it != contact.end()) e[std::string(k)] = *it;
  }
  std::string name = Str(contact, "firstName");
  std::string last = Str(contact, "lastName");
  if (!last.empty()) name += name.empty() ? last : " " + last;
  e["name"] = name;
  e["attachments"] = json::array();
  return e;
}

bool SameLocation(const Ctx& ctx, const json& doc) {
  return Str(doc, "locationId") == ctx.LocationId();
}

std::optional<http::Response> LoadContact(const Ctx& ctx, const Doc** out) {
  const Doc* d = ctx.store.Get(Coll::kContacts, ctx.Path("contactId"));
  if (!d) return NotFound("Contact not found");
  if (!SameLocation(ctx, d->value)) return ForbiddenLocation();
  *out = d;
  return std::nullopt;
}

const Doc* FindContact(const Ctx& ctx, std::string_view id) {
  const Doc* d = ctx.store.Get(Coll::kContacts, id);
  return d;
}

}  // namespace ghl::sandbox
