#include "call.h"

#include <cctype>

#include "ghl/client/options.h"

namespace ghl::ops::internal {

std::string LocationOf(const Context& ctx) {
  if (!ctx.location_id.empty()) return ctx.location_id;
  return ctx.client.connection().options().default_location_id;
}

Result<json> Read(const Context& ctx, client::ApiRequest request) {
  if (request.location_id.empty()) request.location_id = LocationOf(ctx);
  auto answer = ctx.client.Call(request);
  if (ctx.on_trace_id) {
    std::string trace = answer.ok() ? Str(*answer, "traceId") : answer.error().trace_id;
    if (!trace.empty()) ctx.on_trace_id(trace);
  }
  return answer;
}

Result<json> Write(const Context& ctx, client::ApiRequest request) {
  if (ctx.before_write) {
    if (auto st = ctx.before_write(); !st.ok()) return st.error();
  }
  return Read(ctx, std::move(request));
}

Result<json> WriteCreated(const Context& ctx, client::ApiRequest request, std::string_view envelope,
                          std::string missing) {
  // "POST /objects/{schemaKey}/records" named with its path parameters filled in.
  std::string what = request.path;
  for (const auto& [name, value] : request.path_params) {
    std::string placeholder = "{" + name + "}";
    for (size_t at = what.find(placeholder); at != std::string::npos;
         at = what.find(placeholder, at + value.size())) {
      what.replace(at, placeholder.size(), value);
    }
  }
  what = request.method + " " + what;
  auto r = Write(ctx, std::move(request));
  if (!r.ok()) return r.error();
  json created = Unwrap(*r, envelope);
  if (Str(created, "id").empty()) return Malformed(std::move(what), std::move(missing));
  return created;
}

std::string Str(const json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

json Unwrap(const json& answer, std::string_view key) {
  if (answer.is_object()) {
    auto it = answer.find(key);
    if (it != answer.end() && it->is_object()) return *it;
  }
  return answer;
}

json ArrayAt(const json& answer, std::string_view key) {
  if (answer.is_object()) {
    auto it = answer.find(key);
    if (it != answer.end() && it->is_array()) return *it;
  }
  return json::array();
}

Error Malformed(std::string what, std::string missing) {
  Error e;
  e.kind = ErrorKind::kInternal;
  e.messages.push_back(std::move(what) + " answered without " + std::move(missing));
  return e;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& ch : out) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return out;
}

}  // namespace ghl::ops::internal
