// ParseInput: the whole `ghl onboard --input` file checked in one pass, before any GHL call, so
// a bad file changes nothing at GHL. Every problem is reported at once, each naming its field.
#include <algorithm>
#include <cctype>
#include <map>
#include <regex>

#include "ghl/core/text.h"
#include "ghl/core/time_format.h"
#include "ghl/onboard/onboard.h"
#include "ghl/ops/locations.h"

namespace ghl::onboard {
namespace {

using nlohmann::json;

bool IsE164(const std::string& s) {
  static const std::regex kE164(R"(^\+[1-9][0-9]{6,14}$)");
  return std::regex_match(s, kE164);
}

std::string TypeName(const json& v) {
  if (v.is_number()) return "number " + v.dump();
  if (v.is_boolean()) return "boolean " + v.dump();
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return v.type_name();
}

// Collects the problems of one input file: each a field path, what is wrong, how to fix it.
class Problems {
 public:
  void Add(const std::string& what, const std::string& fix) { list_.push_back({what, fix}); }

  // The string at `obj[key]` ("" when absent or null); a problem when present as another type,
  // or when `required` and empty.
  std::string Str(const json& obj, const std::string& path, const char* key, bool required,
                  const std::string& example) {
    std::string field = path.empty() ? key : path + "." + key;
    auto it = obj.is_object() ? obj.find(key) : obj.end();
    if (it == obj.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
      if (required) Add(field + " is missing", "add " + example);
      return "";
    }
    if (!it->is_string()) {
      Add(field + " must be a string (got " + TypeName(*it) + ")", "write it as " + example);
      return "";
    }
    return it->get<std::string>();
  }

  // An object member (absent → empty object); a problem when present as another type.
  const json& Obj(const json& parent, const char* key, const std::string& example) {
    static const json kEmpty = json::object();
    auto it = parent.find(key);
    if (it == parent.end() || it->is_null()) return kEmpty;
    if (!it->is_object()) {
      Add(std::string(key) + " must be an object (got " + TypeName(*it) + ")", "give " + example);
      return kEmpty;
    }
    return *it;
  }

  void Phone(const std::string& field, const std::string& value) {
    if (!value.empty() && !IsE164(value)) {
      Add(field + " is '" + value + "', not an E.164 phone number",
          "write it with + and the country code, e.g. \"+15125550123\"");
    }
  }

  Error ToError() const {
    Error e;
    e.kind = ErrorKind::kUsage;
    for (size_t i = 0; i < list_.size(); ++i) {
      e.messages.push_back("input: " + list_[i].first +
                           (i == 0 ? std::string() : " (" + list_[i].second + ")"));
    }
    e.hint = list_[0].second + (list_.size() > 1 ? "; fix the other fields named above too" : "") +
             ". Nothing was sent to GHL.";
    return e;
  }
  bool empty() const { return list_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> list_;
};

std::string Joined(std::span<const std::string_view> values) {
  std::string out;
  for (auto v : values) out += (out.empty() ? "" : ", ") + std::string(v);
  return out;
}

void ParseCustomFields(const json& fs, Problems& p, std::vector<ops::CustomFieldWrite>* out) {
  if (!fs.is_array()) {
    p.Add("customFields must be an array (got " + TypeName(fs) + ")",
          "give [{\"name\": \"Lead Source\"}]");
    return;
  }
  std::map<std::string, size_t> by_key;  // field key → index of the entry that made it
  const auto types = ops::CustomFieldDataTypes();
  for (size_t i = 0; i < fs.size(); ++i) {
    std::string at = "customFields[" + std::to_string(i) + "]";
    ops::CustomFieldWrite& f = out->emplace_back();
    if (!fs[i].is_object()) {
      p.Add(at + " must be an object (got " + TypeName(fs[i]) + ")",
            "give {\"name\": \"Lead Source\", \"dataType\": \"TEXT\"}");
      continue;
    }
    f.name = p.Str(fs[i], at, "name", true, "a name, e.g. {\"name\": \"Lead Source\"}");
    if (auto t = p.Str(fs[i], at, "dataType", false, "\"dataType\": \"TEXT\""); !t.empty()) {
      f.data_type = t;
    }
    if (std::find(types.begin(), types.end(), f.data_type) == types.end()) {
      p.Add(at + ".dataType is '" + f.data_type + "'", "use one of " + Joined(types));
    }
    if (auto m = p.Str(fs[i], at, "model", false, "\"model\": \"contact\""); !m.empty()) {
      f.model = m;
    }
    if (f.model != "contact" && f.model != "opportunity") {
      p.Add(at + ".model is '" + f.model + "'", "use \"contact\" or \"opportunity\"");
    }
    if (f.name.empty()) continue;
    std::string key = ops::CustomFieldKey(f.model, f.name);
    if (key.back() == '.') {
      p.Add(at + ".name '" + f.name + "' has no letter or digit",
            "GHL derives the field key from the letters and digits of the name");
      continue;
    }
    auto [first, fresh] = by_key.emplace(key, i);
    if (!fresh) {
      p.Add(at + " and customFields[" + std::to_string(first->second) + "] both make field key " +
                key + " ('" + f.name + "' and '" + (*out)[first->second].name + "')",
            "give each custom field a distinct name (GHL derives the key from the name, ignoring "
            "case, spaces and punctuation)");
    }
  }
}

}  // namespace

Result<Input> ParseInput(const json& input) {
  if (!input.is_object()) {
    return UsageError("input: the file is not a JSON object", "see README: Onboarding");
  }
  Problems p;
  Input in;
  const json& b = p.Obj(input, "business", "{\"name\": …, \"timezone\": …}");
  const json& owner = p.Obj(input, "owner", "{\"email\": …, \"firstName\": …}");
  in.location.name =
      p.Str(b, "business", "name", true, "\"business\": {\"name\": \"Acme Dental\"}");
  in.location.address = p.Str(b, "business", "address", false, "\"address\": \"1 Main St\"");
  in.location.city = p.Str(b, "business", "city", false, "\"city\": \"Austin\"");
  in.location.state = p.Str(b, "business", "state", false, "\"state\": \"TX\"");
  in.location.country = p.Str(b, "business", "country", false, "\"country\": \"US\"");
  in.location.postal_code = p.Str(b, "business", "postalCode", false, "\"postalCode\": \"78701\"");
  in.location.phone = p.Str(b, "business", "phone", false, "\"phone\": \"+15125550123\"");
  in.location.website = p.Str(b, "business", "website", false, "\"website\": \"https://…\"");
  in.location.timezone = p.Str(b, "business", "timezone", false, "\"timezone\": \"US/Central\"");
  in.owner_email =
      p.Str(owner, "owner", "email", true, "\"owner\": {\"email\": \"owner@example.com\"}");
  in.owner_first_name =
      p.Str(owner, "owner", "firstName", true, "\"owner\": {\"firstName\": \"Ana\"}");
  in.owner_last_name = p.Str(owner, "owner", "lastName", false, "\"lastName\": \"Ruiz\"");
  in.owner_phone = p.Str(owner, "owner", "phone", false, "\"phone\": \"+15125550123\"");
  const std::string& c = in.location.country;
  if (!c.empty() && !(c.size() == 2 && std::isupper(static_cast<unsigned char>(c[0])) &&
                      std::isupper(static_cast<unsigned char>(c[1])))) {
    p.Add("business.country is '" + c + "'", "use the 2-letter ISO code, e.g. \"US\"");
  }
  if (!in.location.timezone.empty() && !IsIanaTimeZone(in.location.timezone)) {
    p.Add("business.timezone is '" + in.location.timezone + "', not an IANA time zone",
          "use a name of the tz database, e.g. \"America/Chicago\" or \"Europe/Berlin\"");
  }
  if (!in.owner_email.empty() && !LooksLikeEmail(in.owner_email)) {
    p.Add("owner.email is '" + in.owner_email + "', not an email address",
          "add \"owner\": {\"email\": \"owner@example.com\"}");
  }
  p.Phone("business.phone", in.location.phone);
  p.Phone("owner.phone", in.owner_phone);
  in.location.email = in.owner_email;
  in.location.first_name = in.owner_first_name;
  in.location.last_name = in.owner_last_name.empty() ? "Owner" : in.owner_last_name;
  if (input.contains("customFields"))
    ParseCustomFields(input["customFields"], p, &in.custom_fields);
  const json& w = p.Obj(input, "welcomeSms", "{\"text\": …, \"to\": …}");
  if (input.contains("welcomeSms") && input["welcomeSms"].is_object()) {
    in.sms_text = p.Str(w, "welcomeSms", "text", true, "the message text, or drop welcomeSms");
    std::string to = p.Str(w, "welcomeSms", "to", false, "\"to\": \"+15551234567\"");
    in.sms_to = to.empty() ? in.owner_phone : to;
    if (in.sms_to.empty()) {
      p.Add("welcomeSms.to is missing (and owner.phone too)",
            "add \"to\": \"+15551234567\" (E.164)");
    }
    p.Phone("welcomeSms.to", to);
  }
  if (!p.empty()) return p.ToError();
  return in;
}

}  // namespace ghl::onboard
