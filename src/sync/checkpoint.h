// The per-(location, stream) checkpoint row (table sync_checkpoints), written in the same
// transaction as the rows it accounts for.
#pragma once

#include <cstdint>
#include <string>

#include "ghl/sync/database.h"

namespace ghl::sync::internal {

struct Checkpoint {
  std::string cursor;      ///< Stream-specific JSON ("" = from the start).
  int64_t pass = 0;        ///< Number of the latest pass (stamped on rows).
  bool in_pass = false;    ///< A pass is under way (a rerun resumes it at `cursor`).
  bool full_pass = false;  ///< The pass under way sweeps unseen rows at its end.
  int64_t rows = 0;        ///< Rows written by the stream, ever.
};

Result<Checkpoint> LoadCheckpoint(Database& db, const std::string& location_id,
                                  const std::string& stream);
Status SaveCheckpoint(Database& db, const std::string& location_id, const std::string& stream,
                      const Checkpoint& cp);

}  // namespace ghl::sync::internal
