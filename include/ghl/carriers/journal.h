/// \file
/// The provider bridge's journal: what it has done per GHL message and per carrier message,
/// kept durably (SQLite, synchronous=FULL) so a GHL retry, a carrier retry or a restart after
/// `kill -9` never sends twice or logs twice:
///   "out:<ghl messageId>"        sending → sent (value: the carrier's message id)
///   "status:<ghl messageId>:<s>" done once status s was reported to GHL
///   "in:<alt id>"                started → done (value: GHL's messageId)
/// and the parts of concatenated inbound SMS until all have arrived. Thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "ghl/core/result.h"

namespace ghl::carriers {

/// One journal entry.
struct JournalEntry {
  std::string state;  ///< e.g. "sending", "sent", "started", "done".
  std::string value;  ///< e.g. the carrier's message id.
};

/// The journal (one SQLite file; `path` ":memory:" for tests).
class Journal {
 public:
  /// Opens or creates it. kUsage error naming the path when it cannot be opened.
  static Result<std::unique_ptr<Journal>> Open(const std::string& path);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  /// The entry at `key`, or nullopt.
  Result<std::optional<JournalEntry>> Get(const std::string& key);
  /// Writes (replaces) the entry, durably (committed before it returns).
  Status Put(const std::string& key, const JournalEntry& entry);

  /// Records part `part` (1-based) of `total` of the concatenated message `ref`; returns the
  /// whole text (parts in order) once every part is there, else nullopt. Recording a part
  /// twice is harmless. kUsage error for part outside 1..total or total outside 1..255.
  Result<std::optional<std::string>> AddPart(const std::string& ref, int part, int total,
                                             const std::string& text);

 private:
  struct Impl;
  explicit Journal(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghl::carriers
