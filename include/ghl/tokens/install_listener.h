/// \file
/// `InstallListener`: applies GHL's `INSTALL` / `UNINSTALL` app webhooks (stored by the webhook
/// receiver in the event store) to the token store. An INSTALL naming a location mints and
/// stores that location's token from its company's token (`TokenManager::Install`, idempotent);
/// while the company has no token yet (the webhook may arrive before the code exchange
/// finished) the install waits and is retried on every `Poll`. An UNINSTALL deletes the
/// location's tokens. A company-level INSTALL (no `locationId`) needs nothing: the code
/// exchange stores the company token.
///
/// The listener only reads the event store (`List` by type), so it works beside the automations
/// engine, which claims and acks every event; it never changes an event's queue state. Progress
/// is kept in memory: a new listener starts from the first event again, and applies only the
/// newest INSTALL/UNINSTALL per location (both idempotent, so a restart repeats nothing that
/// matters). Shapes: AppInstall / AppUninstall webhook examples (type "INSTALL" / "UNINSTALL",
/// `locationId`, `companyId`).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "ghl/core/result.h"
#include "ghl/store/event_store.h"
#include "ghl/tokens/manager.h"

namespace ghl::tokens {

/// The webhook `type` of an app install and uninstall.
inline constexpr std::string_view kInstallEventType = "INSTALL";
inline constexpr std::string_view kUninstallEventType = "UNINSTALL";

/// What one `Poll` did.
struct InstallPollReport {
  int installed = 0;    ///< Locations whose INSTALL was applied (minted, or already stored).
  int uninstalled = 0;  ///< Locations whose UNINSTALL was applied (deleted, or already absent).
  int waiting = 0;      ///< Installs still waiting (no company token yet, or a failed mint).
};

/// Applies stored INSTALL/UNINSTALL events to the token store. Not thread-safe: one thread polls.
class InstallListener {
 public:
  /// `log` gets one line per applied event and per new reason an install waits (never a
  /// token); null = silent.
  InstallListener(std::shared_ptr<TokenManager> manager, store::EventStore& events,
                  std::function<void(std::string_view)> log = {});

  /// Reads the INSTALL/UNINSTALL events stored since the last call, then applies the newest
  /// one per location, and retries installs still waiting. Errors: the event store's (nothing
  /// is skipped: the next call reads the same events again).
  Result<InstallPollReport> Poll();

 private:
  struct Pending {
    int64_t event_id = 0;
    bool install = true;
    std::string company_id;
    std::string last_reason;  // why it waits (logged once per reason)
  };
  Status ReadNew();

  std::shared_ptr<TokenManager> manager_;
  store::EventStore& events_;
  std::function<void(std::string_view)> log_;
  int64_t cursor_ = 0;                      // highest event id read
  std::map<std::string, Pending> pending_;  // location id -> newest unapplied event
};

}  // namespace ghl::tokens
