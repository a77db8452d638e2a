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
/// engine, which claims and acks every event; it never changes an event's queue state. Its
/// position (the last event read, and the installs still waiting) is kept in the token store
/// (`TokenStore::SetMeta("install_listener")`) after each `Poll`, so a new listener (a restart
/// of `ghl serve --tokens`) neither skips an event nor applies one again; a position that names
/// an event the event store does not hold (another store) is ignored and everything is read.
/// Only the newest INSTALL/UNINSTALL per location is applied. Shapes: AppInstall / AppUninstall
/// webhook examples (type "INSTALL" / "UNINSTALL", `locationId`, `companyId`).
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

  /// Reads the INSTALL/UNINSTALL events stored since the last call (the first call: since the
  /// position saved in the token store), then applies the newest one per location, retries
  /// installs still waiting, and saves the position. Errors: the event store's or the token
  /// store's (nothing is skipped: the next call reads the same events again).
  Result<InstallPollReport> Poll();

 private:
  struct Pending {
    int64_t event_id = 0;
    bool install = true;
    std::string company_id;
    std::string last_reason;  // why it waits (logged once per reason)
  };
  Status ReadNew();
  Status LoadState();
  Status SaveState();

  std::shared_ptr<TokenManager> manager_;
  store::EventStore& events_;
  std::function<void(std::string_view)> log_;
  int64_t cursor_ = 0;                      // highest event id read
  std::map<std::string, Pending> pending_;  // location id -> newest unapplied event
  bool loaded_ = false;                     // the saved position was read
  std::string saved_key_;                   // dedup key of the event at cursor_
  std::string saved_;                       // the state text last saved
};

}  // namespace ghl::tokens
