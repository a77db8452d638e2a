// Private: the onboarding journal, one SQLite file (tables onboard_requests, onboard_steps).
#pragma once

#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>

#include "ghl/core/result.h"
#include "ghl/onboard/onboard.h"

namespace ghl::onboard::internal {

class Journal {
 public:
  /// Opens the journal file; `create` = false (status, resume) refuses a missing file instead
  /// of creating it. kUsage for a PostgreSQL location (the journal is SQLite only).
  static Result<std::unique_ptr<Journal>> Open(const std::string& path, bool create = true);
  ~Journal();
  /// The stored input of `id`, or nullopt.
  Result<std::optional<std::string>> Input(const std::string& id);
  /// Stores a new request (its input as canonical JSON text).
  Status Begin(const std::string& id, const std::string& input);
  /// The journaled step, or nullopt.
  Result<std::optional<StepRecord>> Step(const std::string& id, const std::string& step);
  /// Journals a step's effect; durable (SQLite commit, synchronous=FULL) when it returns.
  Status Record(const std::string& id, const StepRecord& step);
  Status Finish(const std::string& id);
  Result<bool> Finished(const std::string& id);

 private:
  explicit Journal(sqlite3* db) : db_(db) {}
  Status Exec(const std::string& sql);
  sqlite3* db_;
};

}  // namespace ghl::onboard::internal
