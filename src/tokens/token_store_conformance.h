// The token store conformance suite: written once (token_store_conformance.cc), run on every
// backend. Each backend's test file defines TokenBackend().
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "ghl/tokens/token_store.h"

namespace ghl::tokens::testing {

/// One test's storage (a fresh SQLite file, a fresh PostgreSQL schema); Open may be called
/// several times (reopen, other keys, concurrent stores over the same storage).
class TokenBackendInstance {
 public:
  virtual ~TokenBackendInstance() = default;
  virtual Result<std::unique_ptr<TokenStore>> Open(const TokenKey& key, StoreOptions options) = 0;
  /// Every byte the backend keeps for this storage (the file, a dump of the tables), for
  /// "no token in clear" and "nothing changed" checks.
  virtual std::string Snapshot() = 0;
  /// Runs `sql` on the storage behind the store's back (damage a row, drop the key metadata).
  virtual void Exec(const std::string& sql) = 0;
};

/// Null with `skip_reason` set when the backend is unavailable (GHL_PG_URL unset).
struct TokenBackendFactory {
  std::string name;
  std::function<std::unique_ptr<TokenBackendInstance>(std::string& skip_reason)> make;
};

TokenBackendFactory TokenBackend();

}  // namespace ghl::tokens::testing
