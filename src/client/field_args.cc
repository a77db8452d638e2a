#include "ghl/client/field_args.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"

namespace ghl::client {
namespace {

using nlohmann::json;

// The parts of a JSON number literal (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?).
struct NumberLiteral {
  bool negative = false;
  std::string_view digits;    // integer part
  bool has_fraction = false;  // a '.' was written
  bool has_exponent = false;
  std::string_view exponent;  // digits with an optional sign
};

std::optional<NumberLiteral> ParseNumberLiteral(std::string_view s) {
  auto digits_at = [&s](size_t i) {
    size_t j = i;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
    return j;
  };
  NumberLiteral n;
  size_t i = 0;
  if (i < s.size() && s[i] == '-') {
    n.negative = true;
    ++i;
  }
  size_t end = digits_at(i);
  if (end == i || (end - i > 1 && s[i] == '0')) return std::nullopt;  // none, or leading zero
  n.digits = s.substr(i, end - i);
  i = end;
  if (i < s.size() && s[i] == '.') {
    end = digits_at(i + 1);
    if (end == i + 1) return std::nullopt;
    n.has_fraction = true;
    i = end;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t start = i + 1;
    if (start < s.size() && (s[start] == '+' || s[start] == '-')) ++start;
    end = digits_at(start);
    if (end == start) return std::nullopt;
    n.has_exponent = true;
    n.exponent = s.substr(i + 1, end - i - 1);
    i = end;
  }
  if (i != s.size()) return std::nullopt;
  return n;
}

// The integer an integer-valued literal without a fraction stands for ("42", "1e3",
// "1500e-2"), when it fits in int64 (or uint64 when positive); nullopt otherwise.
std::optional<json> ExactInteger(const NumberLiteral& n) {
  if (n.has_fraction) return std::nullopt;
  std::string digits(n.digits);
  if (n.has_exponent && digits != "0") {
    std::string_view e = n.exponent;
    if (!e.empty() && e.front() == '+') e.remove_prefix(1);
    int exponent = 0;
    auto [ptr, ec] = std::from_chars(e.data(), e.data() + e.size(), exponent);
    if (ec != std::errc() || ptr != e.data() + e.size() || exponent > 20) return std::nullopt;
    if (exponent >= 0) {
      digits.append(static_cast<size_t>(exponent), '0');
    } else {
      size_t drop = static_cast<size_t>(-static_cast<int64_t>(exponent));
      size_t zeros = digits.size() - digits.find_last_not_of('0') - 1;
      if (zeros < drop) return std::nullopt;  // 15e-1 is 1.5: not an integer
      digits.resize(digits.size() - drop);
    }
  }
  if (digits.size() > 20) return std::nullopt;
  std::string text = (n.negative ? "-" : "") + digits;
  const char* first = text.data();
  const char* last = text.data() + text.size();
  int64_t signed_value = 0;
  if (auto r = std::from_chars(first, last, signed_value); r.ec == std::errc() && r.ptr == last) {
    return json(signed_value);
  }
  uint64_t unsigned_value = 0;
  if (auto r = std::from_chars(first, last, unsigned_value);
      !n.negative && r.ec == std::errc() && r.ptr == last) {
    return json(unsigned_value);
  }
  return std::nullopt;
}

// The JSON value of a typed number, or nullopt when `v` is not a JSON number literal.
std::optional<Result<json>> TypedNumber(const std::string& key, const std::string& v) {
  auto literal = ParseNumberLiteral(v);
  if (!literal) return std::nullopt;
  if (auto integer = ExactInteger(*literal)) return Result<json>(std::move(*integer));
  if (!literal->has_fraction && !literal->has_exponent) {
    return Result<json>(UsageError("-F " + key + "=" + v + ": the integer is outside 64 bits",
                                   "A double would change this integer; send it as a string "
                                   "with -f " +
                                       key + "=" + v + "."));
  }
  double d = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
  if (ec != std::errc() || ptr != v.data() + v.size()) {
    return Result<json>(UsageError("-F " + key + "=" + v + ": outside the range of a double",
                                   "Send it as a string with -f " + key + "=" + v + "."));
  }
  return Result<json>(json(d));
}

// `key` for a message: each byte that is not UTF-8 shown as '?', so the message itself is text.
std::string SanitizedKey(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size();) {
    size_t n = Utf8SequenceLength(key, i);
    out.append(n ? key.substr(i, n) : std::string_view("?"));
    i += n ? n : 1;
  }
  return out;
}

std::string QueryText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump();
}

// "a[b][]" → {"a", "b", ""}; kUsage error for unbalanced brackets.
Result<std::vector<std::string>> SplitKey(const std::string& key) {
  std::vector<std::string> parts;
  size_t open = key.find('[');
  parts.push_back(key.substr(0, open));
  if (parts.front().empty()) {
    return UsageError("field key '" + key + "' has no name before '['",
                      "Write nested keys as name[sub]=value.");
  }
  while (open != std::string::npos) {
    size_t close = key.find(']', open);
    if (close == std::string::npos) {
      return UsageError("field key '" + key + "' has an unclosed '['",
                        "Write nested keys as name[sub]=value or name[]=value.");
    }
    parts.push_back(key.substr(open + 1, close - open - 1));
    open = close + 1;
    if (open == key.size()) break;
    if (key[open] != '[') {
      return UsageError("field key '" + key + "' has text after ']'",
                        "Write nested keys as name[sub]=value or name[]=value.");
    }
  }
  return parts;
}

Status Insert(json& root, const std::vector<std::string>& parts, json value,
              const std::string& key) {
  json* node = &root;
  for (size_t i = 0; i < parts.size(); ++i) {
    bool last = i + 1 == parts.size();
    const std::string& part = parts[i];
    if (i > 0 && part.empty()) {  // "[]": append to an array
      if (node->is_null()) *node = json::array();
      if (!node->is_array()) {
        return UsageError("field '" + key + "' appends to a value that is not an array");
      }
      if (last) {
        node->push_back(std::move(value));
        return Ok{};
      }
      node->push_back(json());
      node = &node->back();
      continue;
    }
    if (node->is_null()) *node = json::object();
    if (!node->is_object()) {
      return UsageError("field '" + key + "' nests into a value that is not an object",
                        "Each key may be either a value or an object, not both.");
    }
    if (last) {
      if (node->contains(part)) {
        return UsageError("field '" + key + "' is given twice");
      }
      (*node)[part] = std::move(value);
      return Ok{};
    }
    node = &(*node)[part];
  }
  return Ok{};
}

// A JSON body holds UTF-8 text only (nlohmann::json throws when asked to dump anything else):
// a key or string value with other bytes (Latin-1 from a shell, a binary @file) is refused
// with the field and the byte offset, instead of crashing `ghl api`.
Status CheckUtf8(const FieldArg& field, const json& value) {
  const char* flag = field.typed ? "-F" : "-f";
  auto refuse = [&](std::string_view what, std::string_view text, size_t at) {
    return UsageError(std::string(flag) + " " + SanitizedKey(field.key) + ": the " +
                          std::string(what) + " is not valid UTF-8 (byte " + std::to_string(at) +
                          " of " + std::to_string(text.size()) + ")",
                      "A JSON body holds UTF-8 text only: convert it (e.g. iconv -t UTF-8), or "
                      "send the bytes base64-encoded.");
  };
  if (auto bad = FirstInvalidUtf8(field.key)) return refuse("key", field.key, *bad);
  if (value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (auto bad = FirstInvalidUtf8(text)) return refuse("value", text, *bad);
  }
  return Ok{};
}

}  // namespace

Result<std::string> ReadUserFile(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return UsageError("cannot read '" + path + "': no such file",
                      "Check the path (after '@', use @- for standard input).");
  }
  if (std::filesystem::is_directory(status)) {
    return UsageError(
        "cannot read '" + path + "': it is a directory, not a file",
        "Name a file inside it, e.g. " + path + (path.back() == '/' ? "" : "/") + "FILE.");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError("cannot read '" + path + "': permission denied or unreadable",
                      "Check the file's permissions (ls -l " + path + ").");
  }
  try {
    std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    if (in.bad()) throw std::ios_base::failure("read error");
    return text;
  } catch (const std::exception&) {
    // libstdc++'s filebuf throws on a read error (EIO, EISDIR on some file systems).
    return UsageError("cannot read '" + path + "': reading it failed",
                      "Name a regular, readable file.");
  }
}

FileReader DefaultFileReader() {
  return [](const std::string& path) -> Result<std::string> {
    if (path == "-") {
      std::ostringstream ss;
      ss << std::cin.rdbuf();
      return ss.str();
    }
    return ReadUserFile(path);
  };
}

std::vector<std::string> PathPlaceholders(std::string_view path) {
  std::vector<std::string> names;
  size_t open = 0;
  while ((open = path.find('{', open)) != std::string_view::npos) {
    size_t close = path.find('}', open);
    if (close == std::string_view::npos) break;
    names.emplace_back(path.substr(open + 1, close - open - 1));
    open = close + 1;
  }
  return names;
}

Result<std::vector<std::pair<std::string, std::string>>> TakePathFields(
    std::string_view path, std::vector<FieldArg>& fields, const FileReader& reader,
    bool location_known) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const std::string& name : PathPlaceholders(path)) {
    auto it = std::find_if(fields.begin(), fields.end(),
                           [&](const FieldArg& f) { return f.key == name; });
    if (it == fields.end()) {
      if (location_known && (name == "locationId" || name == "location_id")) continue;
      return UsageError("path placeholder {" + name + "} has no value",
                        "Give it as a field of the same name: -f " + name + "=VALUE" +
                            (name == "locationId" || name == "location_id"
                                 ? " (or set the location: --location ID / GHL_LOCATION_ID)"
                                 : "") +
                            ", or write the value into the path.");
    }
    auto value = FieldValue(*it, reader);
    if (!value.ok()) return value.error();
    if (value->is_object() || value->is_array() || value->is_null()) {
      return UsageError("path placeholder {" + name + "} got " +
                            (value->is_null() ? std::string("null")
                                              : "a JSON " + std::string(value->type_name())),
                        "Give one id or word: -f " + name + "=VALUE.");
    }
    std::string text = value->is_string() ? value->get<std::string>() : value->dump();
    if (text.empty()) {
      return UsageError("path placeholder {" + name + "} is empty",
                        "Give a value: -f " + name + "=VALUE.");
    }
    params.emplace_back(name, std::move(text));
    fields.erase(it);  // consumed: not also sent as a query parameter or body field
  }
  return params;
}

std::string_view GuessContentType(std::string_view filename) {
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".png", "image/png"},         {".jpg", "image/jpeg"},      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},         {".webp", "image/webp"},     {".svg", "image/svg+xml"},
      {".pdf", "application/pdf"},   {".txt", "text/plain"},      {".csv", "text/csv"},
      {".json", "application/json"}, {".mp4", "video/mp4"},       {".mp3", "audio/mpeg"},
      {".wav", "audio/wav"},         {".zip", "application/zip"}, {".html", "text/html"},
  };
  std::string lower(filename);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const auto& [ext, type] : kTypes) {
    if (lower.size() > ext.size() &&
        lower.compare(lower.size() - ext.size(), ext.size(), ext) == 0) {
      return type;
    }
  }
  return "application/octet-stream";
}

Result<std::vector<FilePart>> TakeFileFields(std::vector<FieldArg>& fields,
                                             const FileReader& reader) {
  std::vector<FilePart> files;
  std::vector<FieldArg> rest;
  for (auto& field : fields) {
    if (!field.typed || field.value.size() < 2 || field.value.front() != '@') {
      rest.push_back(std::move(field));
      continue;
    }
    std::string path = field.value.substr(1);
    auto content = reader(path);
    if (!content.ok()) return content.error();
    std::string name = path == "-" ? "stdin" : path.substr(path.find_last_of('/') + 1);
    files.push_back(
        {field.key, name, std::string(GuessContentType(name)), std::move(content.value())});
  }
  fields = std::move(rest);
  return files;
}

Result<FieldArg> ParseFieldArg(std::string_view arg, bool typed) {
  const char* flag = typed ? "-F" : "-f";
  auto eq = arg.find('=');
  if (eq == std::string_view::npos) {
    return UsageError(std::string(flag) + " '" + std::string(arg) + "': expected key=value",
                      std::string("Write ") + flag + " name=value, e.g. " + flag +
                          (typed ? " pageLimit=20" : " query=john"));
  }
  if (eq == 0) {
    return UsageError(std::string(flag) + " '" + std::string(arg) + "': the key is empty",
                      std::string("Write ") + flag + " name=value.");
  }
  FieldArg field;
  field.key = std::string(arg.substr(0, eq));
  field.value = std::string(arg.substr(eq + 1));
  field.typed = typed;
  return field;
}

Result<nlohmann::json> FieldValue(const FieldArg& field, const FileReader& reader) {
  const std::string& v = field.value;
  if (!field.typed) return json(v);
  if (v == "true") return json(true);
  if (v == "false") return json(false);
  if (v == "null") return json(nullptr);
  if (auto number = TypedNumber(field.key, v)) return std::move(*number);
  if (!v.empty() && v.front() == '@') {
    std::string path = v.substr(1);
    if (path.empty()) {
      return UsageError("-F " + field.key + "=@: no file name after '@'",
                        "Write -F key=@file, or -F key=@- to read standard input.");
    }
    auto content = reader(path);
    if (!content.ok()) return content.error();
    if (auto deep = FindJsonTooDeep(content.value())) {
      return UsageError("-F " + field.key + "=@" + path + ": the JSON is " + deep->Describe(),
                        "GHL's request bodies nest a few levels at most; check the file.");
    }
    json parsed = ghl::ParseJsonBounded<json>(content.value());
    if (!parsed.is_discarded()) return parsed;
    return json(std::move(content.value()));
  }
  if (!v.empty() && (v.front() == '[' || v.front() == '{' || v.front() == '"')) {
    if (auto deep = FindJsonTooDeep(v)) {
      return UsageError("-F " + field.key + ": the JSON is " + deep->Describe(),
                        "GHL's request bodies nest a few levels at most.");
    }
    json parsed = ghl::ParseJsonBounded<json>(v);
    if (parsed.is_discarded()) {
      return UsageError("-F " + field.key + ": '" + v + "' is not valid JSON",
                        "Quote the argument for the shell, e.g. -F 'tags=[\"a\",\"b\"]', or use "
                        "-f for a plain string.");
    }
    return parsed;
  }
  return json(v);
}

Result<PlacedFields> PlaceFields(const std::vector<FieldArg>& fields, std::string_view method,
                                 bool body_from_input, const FileReader& reader) {
  PlacedFields out;
  bool to_query = body_from_input || method == "GET" || method == "DELETE" || method == "HEAD";
  json body;
  for (const auto& field : fields) {
    auto value = FieldValue(field, reader);
    if (!value.ok()) return value.error();
    if (to_query) {
      if (value->is_array()) {
        for (const auto& item : value.value()) out.query.emplace_back(field.key, QueryText(item));
      } else {
        out.query.emplace_back(field.key, QueryText(value.value()));
      }
      continue;
    }
    if (Status utf8 = CheckUtf8(field, value.value()); !utf8.ok()) return utf8.error();
    auto parts = SplitKey(field.key);
    if (!parts.ok()) return parts.error();
    Status inserted = Insert(body, parts.value(), std::move(value.value()), field.key);
    if (!inserted.ok()) return inserted.error();
  }
  if (!body.is_null()) out.body = body.dump();
  return out;
}

Result<std::pair<std::string, std::string>> ParseHeaderArg(std::string_view arg) {
  auto colon = arg.find(':');
  std::string_view name = colon == std::string_view::npos ? arg : arg.substr(0, colon);
  bool bad_name = name.empty() || std::any_of(name.begin(), name.end(), [](unsigned char c) {
                    return std::isspace(c) || std::iscntrl(c);
                  });
  if (colon == std::string_view::npos || bad_name) {
    return UsageError("-H '" + std::string(arg) + "': expected 'Name: value'",
                      "Write e.g. -H 'Version: 2021-07-28'.");
  }
  std::string_view value = arg.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  return std::pair<std::string, std::string>(std::string(name), std::string(value));
}

Result<std::string> ParseMethod(std::string_view method) {
  std::string upper(method);
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (upper == "GET" || upper == "POST" || upper == "PUT" || upper == "PATCH" ||
      upper == "DELETE") {
    return upper;
  }
  std::string hint =
      "METHOD is one of " + std::string(kApiMethods) + ", e.g. `ghl api GET /contacts/`.";
  if (upper == "HEAD") {
    hint = "GHL's API has no HEAD operations; for the status and headers use GET with -i. " + hint;
  }
  return UsageError("unknown method '" + std::string(method) + "'", hint);
}

}  // namespace ghl::client
