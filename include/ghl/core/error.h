/// \file
/// Errors as values. Every fallible call in libghl returns `ghl::Result<T>`: either a value or
/// an `ghl::Error` that says what went wrong (HTTP status and GHL's own messages when the API
/// answered), which endpoint was called and how to fix it. Nothing below the program edge
/// (CLI `main`, server handlers) throws for expected failures.
#pragma once

#include <string>
#include <vector>

namespace ghl {

/// What kind of failure an `Error` is; decides retry behaviour and exit codes.
enum class ErrorKind {
  kApi,        ///< GHL (or the sandbox) answered with a non-2xx status; `http_status` is set.
  kNetwork,    ///< No HTTP answer: DNS, connect, TLS, reset or timeout. Retryable.
  kUsage,      ///< The caller's input is wrong (bad path, bad field); nothing was sent.
  kRateLimit,  ///< Refused locally: the daily quota is spent; nothing was sent.
  /// A local database is locked or busy: another connection or process held its write lock
  /// longer than the busy timeout (SQLite `SQLITE_BUSY`/`SQLITE_LOCKED`). Nothing was changed;
  /// retryable (the webhook receiver answers 429, a worker retries the event).
  kBusy,
  kInternal,   ///< A defect or an unexpected state in ghlkit itself.
};

/// A failure with everything a user needs to act on it. Never contains a token.
struct Error {
  ErrorKind kind = ErrorKind::kInternal;
  /// HTTP status when the server answered (kApi), else 0.
  int http_status = 0;
  /// GHL's message(s): `message` is a string on most errors and an array on 422 validation
  /// errors; both land here, one entry per message, in GHL's order.
  std::vector<std::string> messages;
  /// GHL's `traceId` when the answer carried one (quote it to GHL support), else empty.
  std::string trace_id;
  /// Catalog id of the endpoint called (e.g. "contacts.search-contacts-advanced"), if known.
  std::string endpoint_id;
  /// One or two sentences on how to fix it, e.g. "Add the scope contacts.readonly to ...".
  std::string hint;
  /// The raw response body (may be empty), for `-i` style display.
  std::string body;

  /// One line: "HTTP 422: locationId should not be empty (endpoint ...)", "database busy: …",
  /// "network error: …", "GHL refused: …" (kApi without a status: a refusal remembered from an
  /// earlier answer). No hint.
  std::string Summary() const;
  /// Summary, then "hint: ..." and "traceId: ..." lines when present.
  std::string Describe() const;
};

/// Builds a kUsage error with a message naming the field and the fix.
Error UsageError(std::string message, std::string hint = {});

}  // namespace ghl
