/// \file
/// Resumable sub-account onboarding (cookbook 4.x): create the location (agency token) → mint a
/// location token (POST /oauth/locationToken) → ensure the custom fields (looked up before
/// created) → create the owner user → send the welcome SMS at most once. Each step's result id
/// and GHL's traceId are written to a SQLite journal, keyed by the request id, before the next
/// step starts. `Run` on a request that stopped half-way (a crash, a kill, a GHL error) finishes
/// it: a step that is journaled is skipped, and a step whose effect may have happened without
/// being journaled is looked up first (locations by owner email and name, custom fields by key,
/// users by email, the SMS among the contact's conversation messages), so nothing is created
/// twice. Location tokens are never journaled: a resumed run mints a fresh one.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/client/options.h"
#include "ghl/core/result.h"
#include "ghl/ops/locations.h"

namespace ghl::onboard {

/// What `ghl onboard --input` reads (JSON):
/// {"business":{"name","address","city","state","country","postalCode","phone","website",
///  "timezone"}, "owner":{"firstName","lastName","email","phone"},
///  "customFields":[{"name","dataType","model"}], "welcomeSms":{"text","to"}}.
/// Required: business.name, owner.email, owner.firstName; welcomeSms.text needs welcomeSms.to
/// or owner.phone.
struct Input {
  ops::LocationWrite location;  ///< company_id is filled from the options.
  std::string owner_first_name, owner_last_name, owner_email, owner_phone;
  std::vector<ops::CustomFieldWrite> custom_fields;
  std::string sms_text;  ///< Empty = no welcome SMS.
  std::string sms_to;    ///< E.164 phone of the recipient.
};

/// Parses and checks the input; a kUsage error names the field and the fix.
Result<Input> ParseInput(const nlohmann::json& input);

/// The request id derived from the input: "onb-" + 16 hex digits of a 64-bit FNV-1a hash of the
/// input's canonical JSON (keys sorted), so the same file gives the same id on every machine.
std::string RequestIdOf(const nlohmann::json& input);

/// One step of a request as the journal holds it.
struct StepRecord {
  std::string step;       ///< "location", "token", "field:<fieldKey>", "user", "contact", "sms".
  bool done = false;      ///< The step's effect is journaled.
  std::string result_id;  ///< GHL's id of what the step made or found ("" for pending).
  std::string trace_id;   ///< GHL's traceId of the call, when GHL sent one.
  std::string how;        ///< "created", "found" (looked up after a crash), "minted", "sent".
  std::string done_at;    ///< UTC, ISO 8601.
};

/// A request's journal view.
struct RequestStatus {
  std::string id;
  nlohmann::json input;           ///< As given.
  std::vector<StepRecord> steps;  ///< Every step of the plan, in order, done or pending.
  bool finished = false;
};

/// Test hook: stop the process with `_exit(137)` right after `step`'s GHL call, before its
/// journal write (or just after it with `after_journal`). Programs set it from
/// GHL_ONBOARD_CRASH_AFTER=<step>[:journaled]; the library never reads the environment.
struct CrashHook {
  std::string step;  ///< "location", "token", "field", "user", "contact", "sms"; empty = off.
  bool after_journal = false;
};

/// The hook of "<step>[:journaled]" (GHL_ONBOARD_CRASH_AFTER's format); "" = off.
CrashHook ParseCrashHook(std::string_view text);

/// How to run.
struct Options {
  /// The agency (Company) client: base_url, the Company token, retries. Its default location is
  /// not used.
  client::ClientOptions agency;
  std::string company_id;                       ///< The agency's company id.
  std::string journal_path = "ghl-onboard.db";  ///< SQLite file; created when missing.
  CrashHook crash;
  /// Called with GHL's /oauth/locationToken answer (access_token, refresh_token, expires_in,
  /// scope, locationId) each time a location token is minted, e.g. to keep it in the token
  /// store; an error stops the run. May be empty. The answer holds secrets: never log it.
  std::function<Status(const nlohmann::json& minted)> on_location_token;
  /// Called right before every GHL write of the run (ops::Context::before_write); an error
  /// stops the run there (resumable). The automations recipe renews its per-contact lock here.
  /// May be empty.
  std::function<Status()> before_write;
};

/// Starts (or, when the id is journaled, continues) request `id` for `input` and runs it to
/// the end. kUsage error when `id` is journaled with a different input. → the final status.
Result<RequestStatus> Onboard(const Options& options, const std::string& id,
                              const nlohmann::json& input);

/// Finishes journaled request `id` from its stored input. kNotFound-style kUsage error when
/// the journal has no such request.
Result<RequestStatus> Resume(const Options& options, const std::string& id);

/// Onboards `input` once under `id`, for callers that may see the same request again (a webhook
/// redelivered, replayed, or retried after a failure): a finished request → its status, no GHL
/// call; a journaled unfinished one → `Resume` from its stored input (a later, different `input`
/// is ignored: the first submission wins); else `Onboard`.
Result<RequestStatus> OnboardOnce(const Options& options, const std::string& id,
                                  const nlohmann::json& input);

/// The journal's view of request `id` (no GHL call). kUsage error when unknown.
Result<RequestStatus> ReadStatus(const std::string& journal_path, const std::string& id);

/// Text table of a status: one line per step (step, state, id, traceId, when).
std::string FormatStatus(const RequestStatus& status);

}  // namespace ghl::onboard
