#include "secret_file.h"

#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <sstream>

namespace ghl::cli {

Result<std::string> ReadSecretFile(const std::string& path, const std::string& flag,
                                   std::string* warning) {
  warning->clear();
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return UsageError(
        flag + ": cannot read " + path,
        "create it with e.g. `openssl rand -hex 32 > " + path + "; chmod 600 " + path + "`");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t b = 0;
  while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  s.erase(0, b);
  if (s.empty()) return UsageError(flag + ": " + path + " is empty", "put the secret in it");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    *warning = flag + " " + path + " can be read by other users of this machine; run `chmod 600 " +
               path + "`";
  }
  return s;
}

}  // namespace ghl::cli
