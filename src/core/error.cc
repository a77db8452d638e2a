#include "ghl/core/error.h"

namespace ghl {

std::string Error::Summary() const {
  std::string out;
  if (kind == ErrorKind::kApi) {
    // No status: GHL's refusal is known from an earlier answer (a parked token), not this call.
    out = http_status != 0 ? "HTTP " + std::to_string(http_status) : std::string("GHL refused");
  } else if (kind == ErrorKind::kNetwork) {
    out = "network error";
  } else if (kind == ErrorKind::kUsage) {
    out = "usage error";
  } else if (kind == ErrorKind::kRateLimit) {
    out = "rate limit";
  } else if (kind == ErrorKind::kBusy) {
    out = "database busy";
  } else {
    out = "internal error";
  }
  for (size_t i = 0; i < messages.size(); ++i) {
    out += i == 0 ? ": " : "; ";
    out += messages[i];
  }
  if (!endpoint_id.empty()) out += " (endpoint " + endpoint_id + ")";
  return out;
}

std::string Error::Describe() const {
  std::string out = Summary();
  if (!hint.empty()) out += "\nhint: " + hint;
  if (!trace_id.empty()) out += "\ntraceId: " + trace_id;
  return out;
}

Error UsageError(std::string message, std::string hint) {
  Error e;
  e.kind = ErrorKind::kUsage;
  e.messages.push_back(std::move(message));
  e.hint = std::move(hint);
  return e;
}

}  // namespace ghl
