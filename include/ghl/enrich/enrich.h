/// \file
/// `ghl enrich`: the nightly enrichment batch (cookbook 3.x). Contacts whose custom field
/// `enrichment_status` is not `complete` (POST /contacts/search, filter not_eq) are enriched by
/// the built-in rules (rules.h: phone → E.164 and region, email domain → company), scored by the
/// automations' lead scoring rules, optionally sent to an HTTP enricher, written back in one
/// PUT /contacts/{id} that also sets `enrichment_status` = "complete".
///
/// A contact that fails (invalid phone, enricher error, write refused) gets the tag
/// `enrichment-failed` and the run goes on; it stays a candidate of the next run (the tag is
/// removed when it then succeeds). Resumable without a checkpoint: the search filter is the
/// checkpoint, a rerun (or a run after a crash) only finds contacts not yet complete.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "ghl/automations/config.h"
#include "ghl/client/client.h"
#include "ghl/core/result.h"
#include "ghl/http/transport.h"

namespace ghl::enrich {

/// Custom fields written (created as contact fields when missing; looked up first).
inline constexpr const char* kStatusField = "enrichment_status";  ///< TEXT, "complete".
inline constexpr const char* kRegionField = "phone_region";       ///< TEXT, ISO country.
inline constexpr const char* kStatusComplete = "complete";
inline constexpr const char* kFailedTag = "enrichment-failed";

/// What to run.
struct EnrichOptions {
  std::string location_id;  ///< Empty = the client's default location.
  int limit = 0;            ///< At most this many contacts (0 = all).
  /// Lead scoring: the rules, thresholds and score_field of an automations config's
  /// `[recipes.lead_scoring]` (nullopt = no score written). The score field is created
  /// (NUMERICAL) when missing.
  std::optional<automations::LeadScoringConfig> scoring;
  /// Optional HTTP enricher: POST {"contact": <GHL contact>} as JSON; a 2xx answer is a JSON
  /// object whose members are custom fields to write (key = field name/fieldKey/id, created
  /// as TEXT when missing; strings, numbers and booleans only). Anything else fails the contact.
  std::string enricher_url;
  std::chrono::milliseconds enricher_timeout{10000};
  std::shared_ptr<http::Transport> transport;  ///< For the enricher; null = libcurl.
  bool dry_run = false;  ///< Compute and report; no write, no field created, no tag.
  /// Budget: stop before a contact when `calls_used()` + the calls it may need exceed this
  /// (0 = no cap); the contacts left are counted as skipped. Calls go through the client, so
  /// its pacing (100 / 10 s per location) applies too. When the daily quota runs out mid-run
  /// (the client refuses with kRateLimit, e.g. a sync::WithDailyShare connection, or GHL
  /// answers 429 after the retries) the run stops there: that contact and the rest are
  /// skipped, not tagged, and the next run takes them.
  int64_t max_calls = 0;
  std::function<int64_t()> calls_used;  ///< GHL calls sent so far (for max_calls and report).
  std::function<bool()> cancelled;      ///< True = stop before the next contact.
};

/// One contact's outcome.
struct ContactOutcome {
  std::string id;
  std::string status;                                 ///< "done", "failed", "skipped".
  nlohmann::json changes = nlohmann::json::object();  ///< Fields written (or that would be).
  std::string error;                                  ///< Why it failed.
};

/// Progress after each contact.
struct EnrichProgress {
  int64_t processed = 0;
  int64_t total = 0;  ///< Candidates found.
  const ContactOutcome* last = nullptr;
};

/// The run's summary.
struct EnrichReport {
  int64_t candidates = 0;
  int64_t done = 0;
  int64_t failed = 0;
  int64_t skipped = 0;     ///< Left by --max-calls, a spent daily quota or cancellation.
  int64_t calls_used = 0;  ///< GHL calls this run (calls_used() delta; 0 when not given).
  bool dry_run = false;
  std::vector<ContactOutcome> contacts;
  /// {"candidates","done","failed","skipped","calls_used","dry_run","contacts":[…]}.
  nlohmann::json ToJson() const;
};

/// Runs the batch. Errors (kUsage, kApi, …) only for what stops the whole run: listing or
/// creating the custom fields, searching contacts. Per-contact failures are in the report.
Result<EnrichReport> RunEnrichment(const client::Client& client, const EnrichOptions& options,
                                   const std::function<void(const EnrichProgress&)>& progress = {});

}  // namespace ghl::enrich
