/// \file
/// Holding a bulk job (the sync) to a share of GHL's daily quota, so real-time work (webhook
/// automations, agents) keeps headroom. A `Connection` decorator: calls still go through the
/// inner connection's pacing and retries (100 / 10 s per location); this only refuses, before
/// sending, a call that would take the job past its share.
///
/// The share is of the daily limit GHL announces (`X-RateLimit-Limit-Daily`, 200,000 by
/// default). A call is refused (kRateLimit, nothing sent) when this job already sent
/// share × limit calls today, or when the location's remaining daily quota
/// (`X-RateLimit-Daily-Remaining`, counted by GHL over every app) is at or below
/// (1 − share) × limit: the rest is left to others.
#pragma once

#include <cstdint>
#include <memory>

#include "ghl/client/connection.h"

namespace ghl::sync {

/// Calls counted by a budgeted connection.
struct BudgetCounters {
  int64_t sent = 0;             ///< Calls this job sent.
  int64_t daily_limit = 0;      ///< The limit in force (learned from headers).
  int64_t last_remaining = -1;  ///< Last X-RateLimit-Daily-Remaining seen (-1 none).
};

/// A connection holding its calls to `share` (0 < share ≤ 1) of the daily quota; 1 = no limit
/// beyond the inner connection's. `counters` (optional) is updated after each call.
std::shared_ptr<client::Connection> WithDailyShare(std::shared_ptr<client::Connection> inner,
                                                   double share,
                                                   std::shared_ptr<BudgetCounters> counters = {});

}  // namespace ghl::sync
