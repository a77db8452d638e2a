/// \file
/// `ghl sync`: copies GHL records of one or more locations into SQL (SQLite or PostgreSQL, see
/// database.h), incrementally and resumably, through the typed operations of `ghl::ops`.
///
/// Streams and how each pages (every call through ops, paced by the client):
/// - locations (GET /locations/{id}), users (GET /users/), custom_fields
///   (GET /locations/{id}/customFields), pipelines + stages (GET /opportunities/pipelines),
///   calendars (GET /calendars/): one call each, the whole list every run.
/// - contacts: POST /contacts/search sorted by dateUpdated ascending, `searchAfter` cursor;
///   incremental (a run starts after the last contact it stored).
/// - opportunities: GET /opportunities/search with `startAfter`/`startAfterId` (GHL offers no
///   changed-since filter): a full pass every run, resumed mid-pass after a crash.
/// - appointments: GET /calendars/events per calendar in 30-day windows over
///   [appointments_from, appointments_to]: a full pass every run.
/// - conversations + messages: GET /conversations/search sorted ascending by last message date
///   with `startAfterDate` (incremental); each conversation's messages through GHL's nested
///   pages (`lastMessageId`), newest first, until a message already stored.
///
/// Guarantees: each page's rows and the stream's checkpoint (table `sync_checkpoints`, one row
/// per location and stream) are committed in one transaction, so `kill -9` at any point and a
/// rerun leave every row once (writes are upserts by id). GHL's `total` is never used: a list
/// ends on an empty page (or no cursor). A cursor that does not advance, or comes back, stops
/// the stream with an error naming it. A full pass (`full`, or any run of the full-pass
/// streams) stamps the rows it sees and deletes, at its end, the location's rows it did not see.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/core/result.h"
#include "ghl/sync/database.h"

namespace ghl::sync {

/// What can be synced. Appointments come with calendars, messages with conversations.
enum class Stream {
  kLocations,
  kUsers,
  kCustomFields,
  kPipelines,
  kContacts,
  kOpportunities,
  kCalendars,
  kConversations,
};

/// "locations", "users", "custom_fields", "pipelines", "contacts", "opportunities",
/// "calendars", "conversations".
std::string_view ToString(Stream stream);
/// Every stream, in sync order (definitions before the records that use them).
const std::vector<Stream>& AllStreams();
/// Comma-separated names (also "custom-fields", "appointments" = calendars, "messages" =
/// conversations, "all"). kUsage error naming the unknown name and listing the known ones.
Result<std::vector<Stream>> ParseStreams(std::string_view list);

/// Progress of one stream (for bars and log lines).
struct Progress {
  std::string location_id;
  std::string stream;
  int64_t rows = 0;   ///< Rows written by this stream in this run.
  int64_t pages = 0;  ///< Pages (calls) read by this stream in this run.
  bool done = false;  ///< Last report of the stream.
};

/// Sync settings; plain struct with defaults.
struct SyncOptions {
  /// Locations to sync; empty = every location the credentials reach (ops::ListLocations).
  std::vector<std::string> location_ids;
  /// Streams; empty = AllStreams().
  std::vector<Stream> streams;
  /// Full pass (reconcile): cursors restart, each row is compared with what the API answers
  /// (drift), and rows the API no longer lists are deleted.
  bool full = false;
  /// Items per page for contacts, opportunities and conversations (1..100).
  int page_size = 100;
  /// Messages per page (1..100).
  int message_page_size = 100;
  /// Appointment range (epoch ms, UTC); 0 = now − 730 days / now + 365 days.
  int64_t appointments_from_ms = 0;
  int64_t appointments_to_ms = 0;
  /// Called after each page and at the end of each stream; may be empty.
  std::function<void(const Progress&)> progress;
  /// Asked between pages: true stops the run (kNetwork "cancelled"); may be empty.
  std::function<bool()> cancelled;
};

/// Per-stream outcome.
struct StreamReport {
  std::string location_id;
  std::string stream;
  int64_t rows = 0;
  int64_t pages = 0;
  int64_t deleted = 0;  ///< Rows swept at the end of a full pass.
};

/// What a run did.
struct SyncReport {
  std::vector<StreamReport> streams;
  int64_t rows = 0;
  int64_t pages = 0;
  /// Full passes only: differences found and fixed, "contacts: 1 deleted, 2 changed; …"
  /// ("" when the tables matched GHL).
  std::string drift;
  int64_t drift_rows = 0;
};

/// Runs the sync into `db` (migrated first). Stops at the first failing stream with its error
/// (everything committed before stays; a rerun resumes). kUsage for bad options.
Result<SyncReport> RunSync(const client::Client& client, Database& db, const SyncOptions& options);

}  // namespace ghl::sync
