// The PostgreSQL group commit in one round trip: a whole group of events goes to the server as
// six binary arrays in ONE statement (INSERT … SELECT FROM unnest … ON CONFLICT DO NOTHING),
// which runs as its own transaction, so its answer arrives only once the rows are durable
// (synchronous_commit). Duplicates — of rows already stored, or within the group — come back
// with the id of the stored row in the same answer. Used by the committer thread only.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ghl/store/event_store.h"

namespace ghl::store::internal {

class PostgresBatchInsert {
 public:
  /// `url` as for PostgresOptions; `schema` the (existing) schema holding ghl_events. No
  /// connection is made until the first Insert.
  PostgresBatchInsert(std::string url, std::string schema);
  ~PostgresBatchInsert();
  PostgresBatchInsert(const PostgresBatchInsert&) = delete;
  PostgresBatchInsert& operator=(const PostgresBatchInsert&) = delete;

  /// Stores `events` (already prepared: PrepareForAppend) as pending with next_attempt_at
  /// `now_ms`, all or none; one AppendResult per event, in order (`duplicate` for a dedup key
  /// stored before or earlier in `events`). Errors: kNetwork when the server cannot be reached
  /// or the connection broke (reconnects on the next call; whether a broken commit landed is
  /// unknown, so callers answer "retry" and rely on the dedup), kInternal for anything else.
  /// The password of the URL never appears in an error.
  Result<std::vector<AppendResult>> Insert(const std::vector<NewEvent>& events, int64_t now_ms);

 private:
  struct Conn;
  Status EnsureConnected();
  Error Failure(std::string_view what, std::string detail) const;

  std::string url_;
  std::string schema_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace ghl::store::internal
