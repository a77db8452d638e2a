#include "server_text.h"

#include <unistd.h>

#include <nlohmann/json.hpp>
#include <utility>

#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"

namespace ghl::cli {

std::string CliWording(std::string text) {
  // Library option → the flag or variable that sets it in the CLI.
  return ReplaceEach(std::move(text),
                     {
                         {"TransportOptions::timeout", "--timeout SECONDS"},
                         {"ClientOptions::token", "GHL_TOKEN (or --token)"},
                         {"ClientOptions::base_url", "GHL_BASE_URL (or --base-url)"},
                         {"ClientOptions::default_location_id", "GHL_LOCATION_ID (or --location)"},
                     });
}

void PrintError(std::string_view prefix, const Error& e) {
  std::string text = TerminalSafe(CliWording(e.Describe()));
  std::fprintf(stderr, "%.*s: %s\n", static_cast<int>(prefix.size()), prefix.data(), text.c_str());
}

void WriteServerBytes(std::string_view bytes, std::FILE* out, bool newline) {
  std::string safe;
  if (isatty(fileno(out))) {
    safe = TerminalSafe(bytes);
    bytes = safe;
  }
  std::fwrite(bytes.data(), 1, bytes.size(), out);
  if (newline && (bytes.empty() || bytes.back() != '\n')) std::fputc('\n', out);
}

void PrintServerBody(std::string_view body) {
  if (body.empty()) return;
  // ordered_json keeps GHL's key order in the display.
  auto doc = ParseJsonBounded<nlohmann::ordered_json>(body);
  if (doc.is_discarded()) {
    if (auto deep = FindJsonTooDeep(body)) {
      std::fprintf(stderr, "ghl: warning: the answer is %s; printed as received, not formatted\n",
                   deep->Describe().c_str());
    }
    WriteServerBytes(body, stdout, true);
    return;
  }
  WriteServerBytes(doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace),
                   stdout, true);
}

}  // namespace ghl::cli
