#include "body_encoding.h"

#include <nlohmann/json.hpp>
#include <random>

#include "ghl/core/json_depth.h"

namespace ghl::client {
namespace {

using json = nlohmann::json;

std::string FieldText(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Header parameter values are quoted strings: a quote, CR or LF in a file name would end them.
std::string QuotedParam(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\r' || c == '\n')
      out += '_';
    else if (c == '\\')
      out += "\\\\";
    else
      out += c;
  }
  return out + "\"";
}

std::string FormEncode(const json& object) {
  std::string out;
  auto add = [&](const std::string& key, const json& v) {
    if (!out.empty()) out += '&';
    out += http::UrlEncode(key) + "=" + http::UrlEncode(FieldText(v));
  };
  for (const auto& [key, value] : object.items()) {
    if (value.is_null()) continue;
    if (value.is_array()) {
      for (const auto& item : value) add(key, item);  // repeated keys, as HTML forms send
    } else {
      add(key, value);
    }
  }
  return out;
}

std::string Multipart(const json& object, const std::vector<FilePart>& files,
                      std::string_view boundary) {
  std::string out;
  auto part_head = [&](std::string_view name) {
    out += "--";
    out += boundary;
    out += "\r\nContent-Disposition: form-data; name=" + QuotedParam(name);
  };
  if (object.is_object()) {
    for (const auto& [key, value] : object.items()) {
      if (value.is_null()) continue;
      part_head(key);
      out += "\r\n\r\n" + FieldText(value) + "\r\n";
    }
  }
  for (const auto& f : files) {
    part_head(f.field);
    out += "; filename=" + QuotedParam(f.filename) + "\r\nContent-Type: " +
           (f.content_type.empty() ? std::string("application/octet-stream") : f.content_type) +
           "\r\n\r\n";
    out += f.content;
    out += "\r\n";
  }
  out += "--";
  out += boundary;
  out += "--\r\n";
  return out;
}

}  // namespace

std::string NewMultipartBoundary() {
  thread_local std::mt19937_64 engine{std::random_device{}()};
  static constexpr char kHex[] = "0123456789abcdef";
  std::string b = "ghlkit-";
  for (int i = 0; i < 32; ++i) b += kHex[engine() & 0xF];
  return b;
}

Result<EncodedBody> EncodeBody(std::string_view media_type, const std::string& json_body,
                               const std::vector<FilePart>& files, std::string_view boundary) {
  bool multipart = media_type == kMultipartMediaType || (media_type.empty() && !files.empty());
  if (!files.empty() && !multipart) {
    return UsageError("this operation takes " + std::string(media_type) + ", not file uploads",
                      "Send the file only to an upload operation (multipart/form-data), e.g. "
                      "POST /medias/upload-file; give other values with -f/-F.");
  }
  if (auto deep = FindJsonTooDeep(json_body)) {
    return UsageError("the request body is " + deep->Describe(),
                      "GHL's request bodies nest a few levels at most; check the body.");
  }
  if (!multipart && media_type != kFormMediaType) {
    if (json_body.empty()) return EncodedBody{};
    return EncodedBody{std::string(kJsonMediaType), json_body};
  }
  json object = json_body.empty() ? json::object() : ParseJsonBounded(json_body);
  if (!object.is_object()) {
    // Already encoded by the caller (e.g. a form string): sent as given.
    return EncodedBody{std::string(media_type), json_body};
  }
  if (multipart) {
    std::string type = "multipart/form-data; boundary=" + std::string(boundary);
    return EncodedBody{std::move(type), Multipart(object, files, boundary)};
  }
  return EncodedBody{std::string(kFormMediaType), FormEncode(object)};
}

}  // namespace ghl::client
