// Backend factories of the effects ledger (ledger.cc dispatches on the location string).
#pragma once

#include <memory>
#include <string>

#include "ghl/automations/ledger.h"

namespace ghl::automations::internal {

Result<std::unique_ptr<EffectLedger>> OpenSqliteLedger(const std::string& path, store::Clock clock);
Result<std::unique_ptr<EffectLedger>> OpenPostgresLedger(const std::string& url,
                                                         const std::string& schema,
                                                         store::Clock clock);

inline int64_t ToMs(store::UtcTime t) { return t.time_since_epoch().count(); }
inline store::UtcTime FromMs(int64_t ms) { return store::UtcTime(std::chrono::milliseconds(ms)); }
inline std::string_view StateText(EffectState s) {
  return s == EffectState::kDone ? "done" : "started";
}
inline EffectState ParseState(std::string_view s) {
  return s == "done" ? EffectState::kDone : EffectState::kStarted;
}

}  // namespace ghl::automations::internal
