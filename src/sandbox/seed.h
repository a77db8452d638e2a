// Initial state of a new sandbox: the demo location alone ("empty") or with deterministic demo
// data ("demo"). Dates are fixed (2025), not taken from the clock, so every run looks the same.
#pragma once

#include <string_view>

#include "store.h"

namespace ghl::sandbox {

/// Writes the location document (`kDemoLocationId`, company `kDemoCompanyId`, timezone
/// `kLocationTimezone`, duplicate contacts/opportunities not allowed).
void SeedLocation(Store& store);
/// The demo data: pipeline "Sales Pipeline" (6 stages), calendar "Discovery Call" (30 min slots,
/// Mon–Fri 09:00–17:00 location time), 4 custom fields, 2 workflows, 50 contacts (some sharing
/// an email in another case, a phone in another format, a company or a first name), 10
/// opportunities and 3 conversations with messages.
void SeedDemo(Store& store);

/// `count` generated contacts (see `Options::seed_contacts`).
void SeedGeneratedContacts(Store& store, int count);

}  // namespace ghl::sandbox
