// In-memory document store of the sandbox, one map per collection, optionally written through
// to a SQLite file (one table of JSON documents keyed by collection and id).
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/core/result.h"
#include "state_lock.h"

struct sqlite3;

namespace ghl::sandbox {

using json = nlohmann::json;

/// Collections of the sandbox state. Names (CollName) are the SQLite `collection` values.
enum class Coll : int {
  kLocations,
  kContacts,
  kNotes,
  kOpportunities,
  kPipelines,
  kCalendars,
  kAppointments,
  kConversations,
  kMessages,
  kCustomFields,
  kWorkflows,
  kEnrollments,
  kTasks,
  kUsers,
  kCustomValues,
  kConversationProviders,
  kOAuthApps,           ///< marketplace apps: id = client id (oauth_model.h)
  kOAuthCodes,          ///< authorization codes: id = the code
  kOAuthRefreshTokens,  ///< live refresh tokens: id = the token
  kOAuthAccessTokens,   ///< issued access tokens: id = the token
  kAppInstalls,         ///< id = appId ":" locationId, or appId ":company:" companyId
  kInactiveLocations,   ///< id = location id (refresh → 400 "Location is not active")
  kOAuthStats,          ///< one document "stats": refreshes per location/company, invalid grants
  kObjectSchemas,
  kObjectRecords,
  kAssociations,
  kRelations,
  kCount,
};

std::string_view CollName(Coll c);

/// A stored document and its compact serialisation (kept so reads never re-serialise).
struct Doc {
  json value;
  std::string text;
};

/// Not thread-safe: the sandbox guards it with its state lock.
class Store {
 public:
  using Map = std::map<std::string, Doc, std::less<>>;

  Store();
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  /// Opens (creating if needed) the SQLite file and its table, and locks the file for this
  /// store's life (one writer per file: a second store on it, in any process, gets a kUsage
  /// error "… is in use by another process (pid N) …"). Empty path = memory only.
  Status Open(const std::string& path);
  /// Loads every document from the file; true in `*loaded_any` when the file held state.
  Status Load(bool* loaded_any);

  const Doc* Get(Coll c, std::string_view id) const;
  /// Inserts or replaces; marks the document for the next Flush.
  const Doc& Put(Coll c, const std::string& id, json value);
  /// Same, with the id taken from `value["id"]` (a string).
  const Doc& Put(Coll c, json value);
  /// Removes; false when absent.
  bool Erase(Coll c, std::string_view id);
  const Map& All(Coll c) const { return maps_[static_cast<int>(c)]; }

  /// Writes the changed documents to SQLite in one transaction (no-op in memory).
  Status Flush();
  /// Drops pending changes from the write-through list (after a failed request).
  bool HasPending() const { return !pending_.empty(); }

  /// A new GHL-style id: 20 characters [0-9A-Za-z], ordered by creation (8-character base62
  /// sequence, then 12 random characters). The sequence is persisted (table `meta`, key
  /// `idSeq`) by Flush and restored by Load; fixed seed ids never advance it.
  std::string NewId();
  /// Makes NewId deterministic (seeding).
  void SeedRandom(uint64_t seed) { rng_.seed(seed); }
  /// Reseeds from std::random_device (after seeding).
  void RandomizeIds();

 private:
  std::array<Map, static_cast<int>(Coll::kCount)> maps_;
  std::vector<std::pair<Coll, std::string>> pending_;
  sqlite3* db_ = nullptr;
  StateFileLock lock_;  // declared after db_, released after ~Store closed it
  uint64_t seq_ = 0;
  std::mt19937_64 rng_;
};

}  // namespace ghl::sandbox
