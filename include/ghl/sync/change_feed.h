/// \file
/// The change feed: GHL's webhook events, as stored by the receiver in the event store
/// (ghl/store/event_store.h, `ghl serve`), applied to the sync tables. The feed only reads the
/// store (it never claims, acks or fails an event: the automations own the queue); its position
/// is the id of the last event applied (table `change_feed`), committed with that event's rows.
///
/// Per event type (webhook shapes: shared/ghl-openapi/webhooks/):
/// - Contact{Create,Update,TagUpdate,DndUpdate}: GET the contact (ops::GetContact) and upsert;
///   a 404 deletes the row. ContactDelete deletes it.
/// - Opportunity{Create,Update,StatusUpdate,StageUpdate,MonetaryValueUpdate,AssignedToUpdate}:
///   GET the opportunity and upsert (404 deletes); OpportunityDelete deletes.
/// - Appointment{Create,Update}: GET the appointment and upsert; AppointmentDelete deletes.
/// - InboundMessage / OutboundMessage: the conversation's newest message page and the
///   conversation itself are read again and upserted.
/// Other types are skipped (counted). Events of locations not in `location_ids` are skipped.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/store/event_store.h"
#include "ghl/sync/database.h"

namespace ghl::sync {

/// What one ApplyNew call did.
struct FeedBatch {
  int64_t applied = 0;  ///< Events that changed tables.
  int64_t skipped = 0;  ///< Events of other types or locations.
  int64_t last_event_id = 0;
};

/// Applies stored events to the tables. Not thread-safe (one per thread).
class ChangeFeed {
 public:
  /// `location_ids` empty = every location.
  ChangeFeed(const client::Client& client, Database& db, store::EventStore& events,
             std::vector<std::string> location_ids = {});

  /// Sets the position to the newest stored event when the feed has none yet (call before a
  /// first sync, so events arriving during it are applied after it). Returns the position.
  Result<int64_t> Anchor();

  /// Applies the events stored after the position (at most `max_events`), oldest first: the
  /// records they name are read from GHL first (up to 8 at once; once per record however many
  /// of its events the batch holds), then every change and the new position are committed in
  /// one transaction. A read that fails (other than 404, which deletes the row) stops the
  /// batch there: the events before it are committed, the position stays before it, and the
  /// error is returned (the next call retries from it).
  Result<FeedBatch> ApplyNew(int max_events = 1000);

 private:
  // What one event does (defined in change_feed.cc).
  struct Change;
  Change Plan(const store::Event& event);

  const client::Client& client_;
  Database& db_;
  store::EventStore& events_;
  std::vector<std::string> location_ids_;
};

}  // namespace ghl::sync
