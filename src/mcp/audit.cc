#include "audit.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ghl::mcp {

using nlohmann::json;

namespace {

bool IsSecretKey(std::string key) {
  for (auto& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* word : {"token", "secret", "password", "authorization", "apikey", "api_key",
                           "signature", "cookie"}) {
    if (key.find(word) != std::string::npos) return true;
  }
  return key == "key";
}

}  // namespace

json MaskSecrets(const json& value, int depth) {
  if (depth > 64) return "…";
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [k, v] : value.items()) {
      out[k] = IsSecretKey(k) ? json("***") : MaskSecrets(v, depth + 1);
    }
    return out;
  }
  if (value.is_array()) {
    json out = json::array();
    for (const auto& v : value) out.push_back(MaskSecrets(v, depth + 1));
    return out;
  }
  return value;
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
  std::FILE* f = ::fdopen(fd, "a");
  if (!f) {
    ::close(fd);
    return UsageError("cannot open the audit log " + path + ": " + std::strerror(errno));
  }
  return std::unique_ptr<AuditLog>(new AuditLog(f));
}

AuditLog::~AuditLog() { std::fclose(file_); }

void AuditLog::Write(const json& entry) {
  std::string line = entry.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), file_);
  std::fflush(file_);
}

}  // namespace ghl::mcp
