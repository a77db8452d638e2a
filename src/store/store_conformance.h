// The event store conformance suite: written once, run against every backend (SOCI style).
// Each backend's test file defines ConformanceBackend(); the suite instantiates itself with it.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "ghl/store/event_store.h"

namespace ghl::store::testing {

/// One test's storage (a fresh SQLite file, a fresh PostgreSQL schema); Open may be called
/// several times to reopen the same storage (durability checks).
class BackendInstance {
 public:
  virtual ~BackendInstance() = default;
  virtual Result<std::unique_ptr<EventStore>> Open(StoreOptions options) = 0;
};

/// Makes a fresh instance per test; returns null and sets `skip_reason` when the backend is
/// unavailable (e.g. GHL_PG_URL unset).
struct BackendFactory {
  std::string name;
  std::function<std::unique_ptr<BackendInstance>(std::string& skip_reason)> make;
};

/// Defined once per test binary (sqlite_store_test.cc, postgres_store_test.cc): the backend the
/// conformance suite in store_conformance.cc runs against.
BackendFactory ConformanceBackend();

inline std::string BackendName(const ::testing::TestParamInfo<BackendFactory>& info) {
  return info.param.name;
}

}  // namespace ghl::store::testing
