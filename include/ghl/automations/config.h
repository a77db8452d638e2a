/// \file
/// The automations configuration: one TOML file (documented in doc/automations.md, example in
/// tests/data/automations/demo.toml) that turns the cookbook's recipes on and names the GHL
/// records they use — pipeline and stages, calendar, custom fields (by id, or by name / key,
/// resolved once through the API, see ghl/automations/resolver.h), tags, scoring rules, the
/// message classifier, SMS templates and worker settings.
///
/// The file is validated completely before anything runs: every problem is reported (not only
/// the first), each as "FILE:LINE: what is wrong; fix", for example
///   demo.toml:12: unknown key 'pipline' in [recipes.form_to_opportunity]; did you mean
///   'pipeline'?
/// Unknown keys and tables are errors (a typo must never silently disable a recipe).
///
/// Secrets never live in the file: the optional LLM classifier names the environment variable
/// that holds its API key (`api_key_env`); the program resolves it (`ResolveSecrets`), the
/// library never reads the environment.
#pragma once

#include <array>
#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"

namespace ghl::automations {

/// A reference to a GHL record as written in the config: its id, or its name (pipelines,
/// stages, calendars) / name or field key (custom fields). Resolved once at start.
struct RecordRef {
  std::string text;  ///< As written; empty = not set.
  int line = 0;      ///< Line in the config file (for resolution errors), 0 when not from a file.

  bool empty() const { return text.empty(); }
};

/// `[worker]`: how events are claimed and retried.
struct WorkerConfig {
  /// Worker threads per engine (`concurrency`), 1..64.
  int concurrency = 2;
  /// Lease of a claimed event (`lease_seconds`): another worker may take it over after this.
  std::chrono::milliseconds lease{std::chrono::seconds(60)};
  /// Attempts before an event is dead-lettered (`max_attempts`); applied to the event store's
  /// retry policy by the programs that open the store (`ghl automations run`, `ghl serve`).
  int max_attempts = 8;
  /// First retry delay (`initial_backoff_seconds`), doubled per attempt up to `max_backoff`.
  std::chrono::milliseconds initial_backoff{std::chrono::seconds(10)};
  /// Largest retry delay (`max_backoff_seconds`).
  std::chrono::milliseconds max_backoff{std::chrono::hours(1)};
  /// Sleep between claims when the queue is empty (`poll_interval_ms`).
  std::chrono::milliseconds poll_interval{500};
  /// How long an event waits for another worker's per-contact lock before it fails and is
  /// retried later (`lock_wait_seconds`).
  std::chrono::milliseconds lock_wait{std::chrono::seconds(10)};
};

/// `[tags]`: the tag names the recipes read and write (GHL stores tags lower case; comparisons
/// are case-insensitive).
struct TagNames {
  std::string new_lead = "new-lead";
  std::string returning_lead = "returning-lead";
  std::string book_now = "book-now";
  std::string hot = "hot";
  std::string warm = "warm";
  std::string cold = "cold";
  std::string needs_human_review = "needs-human-review";
};

/// `[recipes.dedup_tagging]` (cookbook 2.1): on ContactCreate, tag `returning-lead` when an
/// OLDER contact has the same email or phone, else `new-lead`.
struct DedupTaggingConfig {
  bool enabled = false;
  bool match_email = true;  ///< `match_on` contains "email".
  bool match_phone = true;  ///< `match_on` contains "phone".
};

/// `[recipes.form_to_opportunity]` (cookbook 2.2): on ContactCreate, one open opportunity per
/// contact per pipeline.
struct FormToOpportunityConfig {
  bool enabled = false;
  RecordRef pipeline;  ///< Required.
  RecordRef stage;     ///< Required: stage of `pipeline`.
  double monetary_value = 0;
  /// Placeholders: {name} {first_name} {last_name} {email} {phone}.
  std::string name_template = "{name} - New Deal";
  /// Only contacts whose `source` equals one of these (case-insensitive); empty = every contact.
  std::vector<std::string> sources;
};

/// `[recipes.form_to_object]` (cookbook: link custom objects to opportunities): on
/// ContactCreate, the contact's opportunity in `pipeline` (found or created, shared with
/// form_to_opportunity), one record of custom object `object` for it, and one relation of
/// association `association` between the two, verified by reading the record's relations.
struct FormToObjectConfig {
  bool enabled = false;
  RecordRef pipeline;  ///< Required.
  RecordRef stage;     ///< Required: stage of `pipeline` for a new opportunity.
  double monetary_value = 0;
  /// The opportunity's name. Placeholders: {name} {first_name} {last_name} {email} {phone}.
  std::string name_template = "{name} - New Deal";
  /// Required: the custom object's key, "custom_objects.job" or "job".
  std::string object;
  /// Required: the key of an association between `object` and "opportunity" (either order).
  std::string association;
  /// Record properties: field key (without the object prefix) → template. Placeholders: the
  /// contact's {name} {first_name} {last_name} {email} {phone}, {contact_id},
  /// {opportunity_id} and {opportunity_name}.
  std::vector<std::pair<std::string, std::string>> properties;
  /// Optional: a searchable property of `object` that gets the opportunity id, so a record
  /// created just before a crash is found (query "<match_property>:<id>") instead of made
  /// twice. Without it a crash between the record and its ledger entry can leave a second
  /// record (the relation is still made once).
  std::string match_property;
  int line = 0;  ///< Line of the table (resolution errors).
};

/// One entry of `[recipes.form_to_onboarding.fields]`: an onboarding input field (the JSON path
/// of `ghl onboard --input`, e.g. "business.name") ← a field of the submitted contact.
struct OnboardingField {
  std::string target;  ///< "business.name", "owner.email", … (see kOnboardingTargets).
  /// A contact field ("companyName", "email", …, see kOnboardingContactFields) or a custom field
  /// of the form's location by key ("contact.business_name"), resolved to its id at start.
  std::string source;
  int line = 0;
};

/// The onboarding input fields a mapping may fill.
inline const std::vector<std::string> kOnboardingTargets = {
    "business.name",     "business.address",    "business.city",  "business.state",
    "business.country",  "business.postalCode", "business.phone", "business.website",
    "business.timezone", "owner.firstName",     "owner.lastName", "owner.email",
    "owner.phone",       "welcomeSms.to"};

/// The contact fields (GET /contacts/{id}) a mapping may read besides custom fields.
inline const std::vector<std::string> kOnboardingContactFields = {
    "firstName", "lastName", "name",       "email",   "phone",   "companyName", "address1",
    "city",      "state",    "postalCode", "country", "website", "timezone",    "source"};

/// `[recipes.form_to_onboarding]` (cookbook 4.x on a form): a form submission (GHL sends apps no
/// form webhook; the submission creates the contact, so the trigger is its ContactCreate) runs
/// the sub-account onboarding of `ghl onboard` (ghl/onboard/onboard.h: same steps, same journal)
/// with an input mapped from the contact's fields. Request id "form-<location>-<contact>", so a
/// redelivered or replayed event never onboards twice.
struct FormToOnboardingConfig {
  bool enabled = false;
  std::string company_id;  ///< Required: the agency's company id.
  /// NAME of the environment variable holding the agency (Company) token.
  std::string agency_token_env = "GHL_AGENCY_TOKEN";
  /// The token itself, filled by `ResolveSecrets` (never from the file, never logged).
  std::string agency_token;
  /// The onboarding journal (SQLite), the file `ghl onboard --journal` / `resume` / `status` use.
  std::string journal = "ghl-onboard.db";
  /// Only contacts whose `source` equals one of these (case-insensitive); empty = every contact.
  std::vector<std::string> sources;
  /// Contact custom fields (TEXT) to ensure on the new location, by name.
  std::vector<std::string> custom_fields;
  /// Welcome SMS text; empty = none. Placeholders: {first_name} {name} {business}.
  std::string welcome_sms;
  /// The mapping; targets not given keep their defaults (business.name ← companyName,
  /// owner.firstName ← firstName, owner.lastName ← lastName, owner.email ← email, owner.phone ←
  /// phone).
  std::vector<OnboardingField> fields;
  /// Test hook "<step>[:journaled]" (onboard::CrashHook), set by programs from
  /// GHL_ONBOARD_CRASH_AFTER; never read from the file.
  std::string crash_after;
  int line = 0;  ///< Line of the table.

  /// The source mapped to `target` ("" when none).
  std::string SourceOf(std::string_view target) const;
};

/// `[recipes.booking]` (cookbook 2.3): on tag `book-now`, book the first free slot and send one
/// SMS confirmation per appointment.
struct BookingConfig {
  bool enabled = false;
  RecordRef calendar;  ///< Required.
  /// IANA zone the free slots are asked in (GET free-slots `timezone`).
  std::string timezone = "America/New_York";
  /// Slots are searched from now + min_notice to now + search_days (at most 31, GHL's limit).
  int search_days = 7;
  std::chrono::minutes min_notice{60};
  /// Remove the trigger tag after booking (a re-tag later books again).
  bool remove_trigger_tag = true;
  /// Send the SMS confirmation.
  bool send_sms = true;
  /// Placeholders: {first_name} {name} {calendar} {start} (local date and time of the
  /// appointment as GHL returns it, e.g. "2025-01-07 09:00 (UTC-05:00)").
  std::string sms_template =
      "Hi {first_name}, you're booked: {calendar} on {start}. Reply to this message to "
      "reschedule.";
};

/// `[recipes.pipeline_advance]` (cookbook 2.4): on an appointment marked showed, move the
/// contact's open opportunity forward to `stage` and add a note.
struct PipelineAdvanceConfig {
  bool enabled = false;
  RecordRef pipeline;  ///< Required.
  RecordRef stage;     ///< Required: stage of `pipeline`.
  /// Placeholders: {stage} {opportunity} (name) {time_utc} (ISO 8601) {appointment_id}.
  std::string note_template =
      "Appointment {appointment_id} showed: opportunity \"{opportunity}\" moved to stage "
      "{stage} at {time_utc}.";
};

/// What a scoring rule looks at.
enum class RuleKind {
  kHas,          ///< `has = "email" | "phone" | "company_name" | "address" | "website"`.
  kSource,       ///< `source = "referral"`: source equals (case-insensitive).
  kTag,          ///< `tag = "vip"`: the contact has this tag.
  kCustomField,  ///< `custom_field = "contact.x"`, optional `equals`: field set / equal.
};

/// One `[[recipes.lead_scoring.rules]]` entry.
struct ScoringRule {
  RuleKind kind = RuleKind::kHas;
  /// The field name (kHas), source (kSource), tag (kTag) or custom field reference text.
  std::string subject;
  /// kCustomField only: value to compare with (case-insensitive text); nullopt = non-empty.
  std::optional<std::string> equals;
  int points = 0;
  int line = 0;
};

/// `[recipes.lead_scoring]` (cookbook 3.x): score, write the score field, tag hot/warm/cold,
/// and make sure hot leads have an opportunity at (or beyond) `hot_stage`.
struct LeadScoringConfig {
  bool enabled = false;
  RecordRef score_field;    ///< Required: NUMERICAL contact custom field (id, key or name).
  int hot_threshold = 50;   ///< score >= hot → hot.
  int warm_threshold = 25;  ///< score >= warm → warm, else cold.
  std::vector<ScoringRule> rules;
  RecordRef pipeline;   ///< Required when hot leads get an opportunity (hot_stage set).
  RecordRef hot_stage;  ///< Empty = no opportunity for hot leads.
  double monetary_value = 0;
  std::string name_template = "{name} - New Deal";
};

/// The four message categories of cookbook 5.x.
enum class Category { kBookingRequest = 0, kInquiry = 1, kComplaint = 2, kSpam = 3 };
inline constexpr int kCategoryCount = 4;

/// "booking_request", "inquiry", "complaint", "spam".
std::string_view ToString(Category category);
/// Inverse of ToString; nullopt for anything else.
std::optional<Category> ParseCategory(std::string_view text);

/// `[recipes.message_classification.classifier]`.
struct ClassifierConfig {
  /// "local" (default, deterministic keyword scoring) or "openai" (any OpenAI-compatible
  /// chat-completions endpoint).
  std::string kind = "local";
  std::string url;          ///< openai: full URL of /v1/chat/completions.
  std::string model;        ///< openai: model name.
  std::string api_key_env;  ///< openai: NAME of the environment variable holding the key.
  /// openai: the key itself, filled by `ResolveSecrets` (never from the file, never logged).
  std::string api_key;
  std::chrono::milliseconds timeout{10000};
  /// openai: when the endpoint fails, classify locally ("local", default) or fail the event so
  /// it is retried ("fail").
  std::string on_error = "local";
};

/// `[recipes.message_classification]` (cookbook 5.x).
struct MessageClassificationConfig {
  bool enabled = false;
  /// Auto-reply only at or above this confidence (0..1); below, tag `needs-human-review`.
  double confidence_threshold = 0.7;
  ClassifierConfig classifier;
  /// Tag per category (`[…tags]`), indexed by Category; empty = no tag.
  std::array<std::string, kCategoryCount> tags = {"booking-request", "inquiry", "complaint",
                                                  "spam"};
  /// Auto-reply text per category (`[…replies]`); empty = no reply (spam by default).
  std::array<std::string, kCategoryCount> replies = {
      "Thanks for reaching out! We're booking you in and will text you the time shortly.",
      "Thanks for your message! A team member will get back to you shortly.",
      "We're sorry to hear that. A manager will contact you today to make it right.", ""};
  /// Extra keywords per category (`[…keywords]`) for the local classifier, weight 2 each.
  std::array<std::vector<std::string>, kCategoryCount> extra_keywords;
  /// A confident booking request also gets the `book-now` tag (feeds the booking recipe).
  bool tag_book_now = true;
};

/// A whole, validated configuration.
struct Config {
  /// Path the config was read from ("" for text), used in messages.
  std::string source_name;
  /// `location_id`: the location (sub-account) the ids belong to; empty = the client's default.
  std::string location_id;
  WorkerConfig worker;
  TagNames tags;
  DedupTaggingConfig dedup_tagging;
  FormToOpportunityConfig form_to_opportunity;
  FormToObjectConfig form_to_object;
  BookingConfig booking;
  PipelineAdvanceConfig pipeline_advance;
  LeadScoringConfig lead_scoring;
  MessageClassificationConfig message_classification;
  FormToOnboardingConfig form_to_onboarding;

  /// Names of the enabled recipes, in routing order.
  std::vector<std::string> EnabledRecipes() const;
};

/// Parses and validates TOML `text`; `source_name` names it in messages ("demo.toml").
/// On failure a kUsage `Error` whose `messages` hold every problem, one per entry, each
/// "SOURCE:LINE: …" naming the field and the fix (`Describe()` prints them all).
Result<Config> ParseConfig(std::string_view text, std::string_view source_name = "config");

/// Reads `path` and parses it (ParseConfig). kUsage error naming the path when it cannot be
/// read.
Result<Config> LoadConfig(const std::string& path);

/// Looks up an environment variable (the program passes `std::getenv`); nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;

/// Fills secrets named by the config: the OpenAI-compatible classifier's key from the variable
/// `api_key_env`, form_to_onboarding's agency token from `agency_token_env`. kUsage error naming
/// the VARIABLE (never a value) when it is unset or empty.
Status ResolveSecrets(Config& config, const EnvLookup& env);

/// A readable summary of what the config turns on (for `ghl automations check`), no secrets.
std::string DescribeConfig(const Config& config);

}  // namespace ghl::automations
