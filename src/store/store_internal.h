// Helpers shared by the SQLite and PostgreSQL backends (private to src/store).
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/store/event_store.h"

namespace ghl::store::internal {

/// The columns every SELECT returns, in the order RowToEvent-style readers expect.
inline constexpr std::string_view kEventColumns =
    "id, dedup_key, type, location_id, body, headers, received_at, state, attempts, "
    "next_attempt_at, lease_owner, lease_until, last_error, processed_at";

/// Validates and normalises events before they are written: non-empty dedup key, type
/// defaulting to kUnknownType, text fields sanitised (SanitizeText), headers filtered through the
/// allow-list (names lower-cased), received_at filled from `now` when unset.
Status PrepareForAppend(std::vector<NewEvent>& events, UtcTime now);

/// `text` with NUL bytes removed and invalid UTF-8 replaced by U+FFFD, so any backend can store
/// it as text (PostgreSQL refuses both).
std::string SanitizeText(std::string_view text);

/// Headers as a JSON array of [name, value] pairs, and back (bad JSON → empty).
std::string EncodeHeaders(const std::vector<std::pair<std::string, std::string>>& headers);
std::vector<std::pair<std::string, std::string>> DecodeHeaders(std::string_view json);

/// Epoch ms <-> UtcTime; 0 stands for "unset" in optional columns.
inline int64_t ToMs(UtcTime t) { return t.time_since_epoch().count(); }
inline UtcTime FromMs(int64_t ms) { return UtcTime(std::chrono::milliseconds(ms)); }
inline std::optional<UtcTime> OptionalFromMs(int64_t ms) {
  if (ms == 0) return std::nullopt;
  return FromMs(ms);
}

/// True when `error` says the whole store is unavailable for now, not one write: kNetwork
/// (PostgreSQL connection lost) or kBusy (SQLite write lock held by another process).
inline bool IsStoreUnavailable(const Error& error) {
  return error.kind == ErrorKind::kNetwork || error.kind == ErrorKind::kBusy;
}

/// Errors with the store's wording.
Error StoreError(ErrorKind kind, std::string message);
Error NotFound(int64_t id);
Error NotLeased(int64_t id, std::string_view worker, EventState state, std::string_view owner);
Error WrongState(int64_t id, std::string_view operation, EventState state);
/// kUsage error for a limit outside 1..10000 etc.
Status ValidateFilter(const ListFilter& filter);

/// The state after a failed attempt number `attempts` (1-based): dead when it was the last
/// allowed or the failure is permanent, else pending (retried after the backoff).
EventState StateAfterFailure(int attempts, const RetryPolicy& retry, FailureKind kind);

/// The last_error text written when an expired lease dead-letters an event.
std::string LeaseExpiredError(std::string_view owner, int attempts);

}  // namespace ghl::store::internal
