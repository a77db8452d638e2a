#include "audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <filesystem>

#include "ghl/catalog/catalog.h"
#include "ghl/client/curl_format.h"
#include "ghl/core/json_write.h"
#include "ghl/core/time_format.h"

namespace ghl::mcp {

using nlohmann::json;

namespace {

// Longest string value written whole into an audit line: a 5 MB search query made a 5 MB line
// (break-it finding); the trail records what was asked, not every byte of it.
constexpr size_t kMaxAuditString = 512;

// `text` cut to at most kMaxAuditString bytes on a UTF-8 boundary, with what was left out.
std::string Clipped(std::string_view text) {
  size_t cut = kMaxAuditString;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…(+" + std::to_string(text.size() - cut) + " bytes)";
}

// `value` as JSON with the value of every secret-naming key (client::IsSecretName, the one rule
// for every masked output) replaced by "***" and long strings clipped.
void AppendMasked(std::string& out, const json& value, int depth, std::string_view path) {
  if (depth > 64) {
    out += "\"…\"";
  } else if (value.is_object()) {
    out.push_back('{');
    bool first = true;
    for (const auto& [k, v] : value.get_ref<const json::object_t&>()) {
      if (!first) out.push_back(',');
      first = false;
      AppendJsonString(out, k);
      out.push_back(':');
      if (client::IsSecretName(k, path)) {
        out += "\"***\"";
      } else {
        AppendMasked(out, v, depth + 1, path);
      }
    }
    out.push_back('}');
  } else if (value.is_array()) {
    out.push_back('[');
    bool first = true;
    for (const auto& v : value.get_ref<const json::array_t&>()) {
      if (!first) out.push_back(',');
      first = false;
      AppendMasked(out, v, depth + 1, path);
    }
    out.push_back(']');
  } else if (value.is_string() && value.get_ref<const std::string&>().size() > kMaxAuditString) {
    AppendJsonString(out, Clipped(value.get_ref<const std::string&>()));
  } else {
    AppendJson(out, value);
  }
}

// Appends now in UTC as "2026-12-03T16:18:32.920Z"; the part up to the second is formatted once
// a second per thread.
void AppendUtcNowMs(std::string& out) {
  using namespace std::chrono;
  auto now = time_point_cast<milliseconds>(system_clock::now());
  auto second = time_point_cast<seconds>(now);
  if (now < second) second -= seconds(1);  // before 1970: floor, not truncate
  thread_local system_clock::time_point cached_second{};
  thread_local std::string cached;  // "2026-12-03T16:18:32"
  if (cached.empty() || second != cached_second) {
    cached = FormatUtcIso(second, IsoPrecision::kSeconds);
    cached.pop_back();  // the 'Z'
    cached_second = second;
  }
  auto ms = static_cast<int>((now - second).count());
  const char frac[] = {'.', static_cast<char>('0' + ms / 100),
                       static_cast<char>('0' + ms / 10 % 10), static_cast<char>('0' + ms % 10),
                       'Z'};
  out += cached;
  out.append(frac, sizeof frac);
}

void Field(std::string& out, std::string_view key, std::string_view value) {
  out += key;
  AppendJsonString(out, value);
}

}  // namespace

namespace {

json MaskSecretsIn(const json& value, int depth, std::string_view path) {
  if (depth > 64) return "…";
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) {
      out[k] = client::IsSecretName(k, path) ? json("***") : MaskSecretsIn(v, depth + 1, path);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(MaskSecretsIn(v, depth + 1, path));
    return out;
  }
  return value;
}

}  // namespace

std::string_view SecretContext(const json& arguments) {
  if (!arguments.is_object()) return {};
  auto id = arguments.find("operationId");
  if (id == arguments.end() || !id->is_string()) return {};
  const catalog::Endpoint* e = catalog::FindById(id->get_ref<const std::string&>());
  return e ? e->path : std::string_view();
}

nlohmann::json MaskSecrets(const json& value, int depth) {
  return MaskSecretsIn(value, depth, depth == 0 ? SecretContext(value) : std::string_view());
}

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path) {
  std::error_code ec;
  auto dir = std::filesystem::path(path).parent_path();
  if (!dir.empty()) std::filesystem::create_directories(dir, ec);
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return UsageError("cannot open the audit log " + path + ": " + std::strerror(errno),
                      "give a writable file with --audit-log, or --audit-log none");
  }
  return std::unique_ptr<AuditLog>(new AuditLog(fd));
}

AuditLog::~AuditLog() { ::close(fd_); }

void AuditLog::Write(const AuditEntry& e) {
  // Keys in the order a JSON dump of the same object would write them.
  std::string line;
  line.reserve(256);
  line += R"({"arguments":)";
  static const json kNoArguments = json::object();
  const json& arguments = e.arguments ? *e.arguments : kNoArguments;
  AppendMasked(line, arguments, 0, SecretContext(arguments));  // no copy of the arguments
  Field(line, R"(,"client":)", e.client);
  if (!e.error.empty()) Field(line, R"(,"error":)", e.error);
  Field(line, R"(,"locationId":)", e.location);
  char num[24];
  line += R"(,"ms":)";
  line.append(num, std::to_chars(num, num + sizeof num, e.ms).ptr);
  Field(line, R"(,"outcome":)", e.outcome);
  if (e.http_status) {
    line += R"(,"status":)";
    line.append(num, std::to_chars(num, num + sizeof num, e.http_status).ptr);
  }
  line += R"(,"time":")";
  AppendUtcNowMs(line);
  line += '"';
  Field(line, R"(,"tool":)", e.tool);
  if (!e.trace_id.empty()) Field(line, R"(,"traceId":)", e.trace_id);
  line += "}\n";
  // One write(2) per line: O_APPEND makes it atomic against other writers of the file.
  std::string_view rest = line;
  while (!rest.empty()) {
    ssize_t n = ::write(fd_, rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a full disk must not take the session down; the call still answers
    rest.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace ghl::mcp
