/// \file
/// The effects ledger: what makes the recipes act once, across worker threads, several
/// engines and processes, and crashes (doc/adr/0005-automations-config-and-idempotency.md).
///
/// Two small tables next to the event store (same SQLite file, or same PostgreSQL database):
///  - locks (`ghl_automation_locks`): a lease-based mutex per key. The engine holds
///    "contact:<location>:<contact id>" while it runs the recipes for an event about that
///    contact, so two workers never run check-then-act for one contact at the same time. A
///    worker that dies leaves its lock to expire after the lease.
///  - effects (`ghl_automation_effects`): one row per one-time effect, keyed by the business
///    identity of the effect (not by webhook: GHL's retries carry new webhookIds), e.g.
///    "opportunity:<contact>:<pipeline>", "sms:booking-confirmation:<appointment>". A row is
///    `started` before the side effect and `done` (with the created id) after it; a `started`
///    row found later means a worker died in between, so the recipe first checks the API for
///    the effect before acting again.
///
/// A third table (`ghl_automation_event_actions`) keeps, per stored event, what the automations
/// did each time they handled it (one line per action and the outcome), for `ghl events show`.
///
/// Times are UTC with millisecond resolution. All implementations are thread-safe.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"
#include "ghl/store/event_store.h"

namespace ghl::automations {

/// State of a one-time effect.
enum class EffectState {
  kStarted,  ///< The side effect may or may not have happened (a worker was in it).
  kDone,     ///< Happened; `result` holds what it produced (e.g. the opportunity id).
};

/// One effects row.
struct EffectRecord {
  EffectState state = EffectState::kStarted;
  std::string result;
  store::UtcTime updated_at{};
};

/// One line of what the automations did for a stored event.
struct EventAction {
  int64_t event_id = 0;
  int seq = 0;       ///< 1, 2, ... in the order recorded (across re-drives of the event).
  std::string text;  ///< e.g. "booking: appointment abc booked", "outcome: done".
  store::UtcTime at{};
};

/// The ledger interface (SQLite, PostgreSQL, or in memory for one process).
class EffectLedger {
 public:
  virtual ~EffectLedger() = default;

  /// Takes the lock `key` for `owner` until now + `lease`, or renews it when `owner` already
  /// holds it. Returns false (nothing changed) while another owner's lease runs.
  virtual Result<bool> TryLock(std::string_view key, std::string_view owner,
                               std::chrono::milliseconds lease) = 0;

  /// Releases `key` if `owner` holds it (no error when it does not).
  virtual Status Unlock(std::string_view key, std::string_view owner) = 0;

  /// The effect row for `key`, or nullopt.
  virtual Result<std::optional<EffectRecord>> GetEffect(std::string_view key) = 0;

  /// Creates or replaces the effect row for `key`.
  virtual Status PutEffect(std::string_view key, EffectState state, std::string_view result) = 0;

  /// Appends `lines` (in order) to what was done for event `event_id`.
  virtual Status RecordEventActions(int64_t event_id, const std::vector<std::string>& lines) = 0;

  /// Every line recorded for `event_id`, oldest first; empty when the automations never
  /// handled it.
  virtual Result<std::vector<EventAction>> EventActions(int64_t event_id) = 0;
};

/// An in-memory ledger: correct for the threads and engines of ONE process only.
std::unique_ptr<EffectLedger> MakeMemoryLedger(store::Clock clock = store::SystemNow);

/// Opens the ledger beside an event store, from the same location string as
/// `store::OpenEventStore`: "postgres://…" / "postgresql://…" → PostgreSQL (tables in
/// `schema`), "sqlite:PATH" or a plain path → SQLite (same file, WAL). Creates the tables when
/// missing. Errors: kUsage (bad path), kNetwork (PostgreSQL unreachable; password masked).
Result<std::unique_ptr<EffectLedger>> OpenEffectLedger(std::string_view location,
                                                       store::Clock clock = store::SystemNow,
                                                       std::string schema = "public");

}  // namespace ghl::automations
