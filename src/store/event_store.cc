// Backend-independent parts of the event store: names, policies, validation, the factory.
#include "ghl/store/event_store.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "ghl/core/db_location.h"
#include "ghl/core/json_depth.h"
#include "ghl/core/json_write.h"
#include "ghl/core/text.h"
#include "store_internal.h"

namespace ghl::store {

UtcTime SystemNow() {
  return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string_view ToString(EventState state) {
  switch (state) {
    case EventState::kPending:
      return "pending";
    case EventState::kProcessing:
      return "processing";
    case EventState::kDone:
      return "done";
    case EventState::kDead:
      return "dead";
  }
  return "pending";
}

std::optional<EventState> ParseEventState(std::string_view text) {
  for (EventState s :
       {EventState::kPending, EventState::kProcessing, EventState::kDone, EventState::kDead}) {
    if (ToString(s) == text) return s;
  }
  return std::nullopt;
}

const std::vector<std::string>& StoredHeaderAllowList() {
  static const std::vector<std::string> kList = {
      "content-type", "content-length",  "user-agent", "x-ghl-signature", "x-wh-signature",
      "x-request-id", "x-forwarded-for", "x-real-ip",  "traceparent",     "date",
  };
  return kList;
}

std::chrono::milliseconds RetryPolicy::BackoffAfter(int attempt) const {
  auto delay = initial_backoff;
  for (int i = 1; i < attempt && delay < max_backoff; ++i) delay *= 2;
  return std::min(delay, max_backoff);
}

std::string MaskUrlPassword(std::string_view url) { return MaskLocation(url); }

Result<std::unique_ptr<EventStore>> OpenEventStore(std::string_view location,
                                                   StoreOptions options) {
  if (IsPostgresLocation(location)) {
    if (auto st = CheckDbLocation(location, "event store"); !st.ok()) return st.error();
    PostgresOptions pg;
    pg.url = std::string(location);
    return OpenPostgresStore(pg, std::move(options));
  }
  if (location.starts_with("sqlite:")) location.remove_prefix(7);
  if (location.empty()) return UsageError("event store location is empty");
  SqliteOptions sqlite;
  sqlite.path = std::string(location);
  return OpenSqliteStore(sqlite, std::move(options));
}

void EventStore::AppendAsync(std::vector<NewEvent> events, AppendDone done) {
  done(Append(std::move(events)));
}

namespace internal {

namespace {

// True when `text` is valid UTF-8 without NUL bytes: SanitizeText would return it unchanged.
bool IsCleanText(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    if (static_cast<unsigned char>(text[i]) - 1u < 0x7Fu) {  // ASCII except NUL
      ++i;
      continue;
    }
    size_t n = text[i] == '\0' ? 0 : Utf8SequenceLength(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

// In place, and without a copy when there is nothing to change (every stored event passes here).
void Sanitize(std::string& s) {
  if (!IsCleanText(s)) s = SanitizeText(s);
}

void LowerInPlace(std::string& s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

}  // namespace

std::string SanitizeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    if (text[i] == '\0') {
      ++i;
      continue;
    }
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

Status PrepareForAppend(std::vector<NewEvent>& events, UtcTime now) {
  const auto& allow = StoredHeaderAllowList();
  for (size_t i = 0; i < events.size(); ++i) {
    NewEvent& e = events[i];
    Sanitize(e.dedup_key);
    Sanitize(e.type);
    Sanitize(e.location_id);
    if (e.dedup_key.empty()) {
      return UsageError("event " + std::to_string(i) + " of the batch has an empty dedup key",
                        "Use ghl::webhooks::DedupKey(facts) as the key.");
    }
    if (e.type.empty()) e.type = std::string(kUnknownType);
    // Kept headers move to the front, in order; the rest are dropped.
    size_t kept = 0;
    for (auto& header : e.headers) {
      LowerInPlace(header.first);
      if (std::find(allow.begin(), allow.end(), header.first) == allow.end()) continue;
      Sanitize(header.second);
      if (&e.headers[kept] != &header) e.headers[kept] = std::move(header);
      ++kept;
    }
    e.headers.resize(kept);
    if (e.received_at == UtcTime{}) e.received_at = now;
  }
  return Ok{};
}

std::string EncodeHeaders(const std::vector<std::pair<std::string, std::string>>& headers) {
  // Written by hand when every name and value is valid UTF-8 (always, after PrepareForAppend):
  // this runs once per stored event on the committer thread, the one serial stage of ingest.
  if (std::all_of(headers.begin(), headers.end(),
                  [](const auto& h) { return IsCleanText(h.first) && IsCleanText(h.second); })) {
    std::string out = "[";
    for (const auto& [name, value] : headers) {
      if (out.size() > 1) out.push_back(',');
      out.push_back('[');
      AppendJsonString(out, name);
      out.push_back(',');
      AppendJsonString(out, value);
      out.push_back(']');
    }
    out.push_back(']');
    return out;
  }
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [name, value] : headers) j.push_back({name, value});
  // Header values are bytes; replace invalid UTF-8 rather than failing the insert.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::pair<std::string, std::string>> DecodeHeaders(std::string_view json) {
  std::vector<std::pair<std::string, std::string>> out;
  auto j = ghl::ParseJsonBounded(json);
  if (!j.is_array()) return out;
  for (const auto& pair : j) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return out;
}

Error StoreError(ErrorKind kind, std::string message) {
  Error e;
  e.kind = kind;
  e.messages.push_back("event store: " + std::move(message));
  return e;
}

Error NotFound(int64_t id) {
  return UsageError("no event with id " + std::to_string(id),
                    "List events with `ghl events list` to find the id.");
}

Error NotLeased(int64_t id, std::string_view worker, EventState state, std::string_view owner) {
  std::string msg = "event " + std::to_string(id) + " is not leased to worker " +
                    std::string(worker) + " (state " + std::string(ToString(state));
  if (!owner.empty()) msg += ", leased to " + std::string(owner);
  msg += ")";
  return UsageError(std::move(msg),
                    "The lease expired and another worker took the event over; do not ack it.");
}

Error WrongState(int64_t id, std::string_view operation, EventState state) {
  std::string hint;
  if (state == EventState::kDone) hint = "Use replay to process a done event again.";
  if (state == EventState::kProcessing)
    hint = "Wait until its worker acks, fails or its lease expires.";
  return UsageError("cannot " + std::string(operation) + " event " + std::to_string(id) +
                        ": it is " + std::string(ToString(state)),
                    std::move(hint));
}

Status ValidateFilter(const ListFilter& filter) {
  if (filter.limit < 1 || filter.limit > 10000) {
    return UsageError("list limit must be between 1 and 10000, got " +
                      std::to_string(filter.limit));
  }
  return Ok{};
}

EventState StateAfterFailure(int attempts, const RetryPolicy& retry, FailureKind kind) {
  if (kind == FailureKind::kPermanent || attempts >= retry.max_attempts) return EventState::kDead;
  return EventState::kPending;
}

std::string LeaseExpiredError(std::string_view owner, int attempts) {
  return "lease of worker " + std::string(owner) + " expired on attempt " +
         std::to_string(attempts) + ", the last allowed (worker died or handler hung)";
}

}  // namespace internal
}  // namespace ghl::store
