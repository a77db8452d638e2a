/// \file
/// Recipes: small handlers over the client library, one per cookbook automation, and the
/// router that picks them by webhook event type.
///
/// | recipe                 | events                                     | cookbook |
/// |------------------------|--------------------------------------------|----------|
/// | dedup_tagging          | ContactCreate                              | 2.1      |
/// | lead_scoring           | ContactCreate                              | 3.x      |
/// | form_to_opportunity    | ContactCreate                              | 2.2      |
/// | form_to_object         | ContactCreate                              | objects  |
/// | booking                | ContactCreate, ContactUpdate, ContactTagUpdate | 2.3  |
/// | pipeline_advance       | AppointmentCreate, AppointmentUpdate       | 2.4      |
/// | message_classification | InboundMessage                             | 5.x      |
/// | form_to_onboarding     | ContactCreate                              | 4.x      |
///
/// Events arrive late, twice (GHL retries carry a new webhookId) and out of order, so recipes
/// read the current state from the API (the contact, the appointment, the opportunities)
/// rather than trusting the payload, and record one-time effects in the `EffectLedger`. The
/// engine runs every recipe of one event under a per-contact lock, so check-then-act is never
/// raced by another worker. Payload shapes: `shared/ghl-openapi/webhooks/*.example.json`.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/automations/classifier.h"
#include "ghl/automations/config.h"
#include "ghl/automations/ledger.h"
#include "ghl/automations/resolver.h"
#include "ghl/client/client.h"
#include "ghl/core/result.h"

namespace ghl::automations {

/// A webhook event as recipes see it.
struct IncomingEvent {
  int64_t id = 0;  ///< Event store id (0 when not from a store).
  std::string type;
  std::string location_id;
  std::string dedup_key;
  nlohmann::json body;  ///< The parsed body (a JSON object).

  /// The contact the event is about: top-level `id` for Contact* events,
  /// `appointment.contactId` for Appointment* events, else top-level `contactId`; "" if none.
  std::string ContactId() const;
};

/// Everything a recipe may use while handling one event.
struct RecipeContext {
  const client::Client& client;
  const Config& config;
  const ResolvedIds& ids;
  EffectLedger& ledger;
  /// The message classifier (message_classification), or null.
  Classifier* classifier = nullptr;
  /// Renews the engine's per-contact lock; recipes call it right before each side effect and
  /// stop on error (the lease was lost to another worker).
  std::function<Status()> check_lock;
  /// UTC "now" for this run (free-slot window, note times).
  std::chrono::system_clock::time_point now;
  /// One line per thing done or deliberately skipped ("tagged new-lead", "opportunity exists").
  std::vector<std::string>* actions = nullptr;

  /// Appends "<recipe>: <text>" to `actions` (when set).
  void Note(std::string_view recipe, std::string text) const;
};

/// One automation.
class Recipe {
 public:
  virtual ~Recipe() = default;
  /// Stable name, e.g. "booking" (the config table name).
  virtual std::string_view name() const = 0;
  /// Whether the recipe wants events of this type.
  virtual bool Handles(std::string_view event_type) const = 0;
  /// Handles one event. Must be idempotent: running it again (re-delivery, re-claim after a
  /// crash, a duplicate with another webhookId) never repeats an effect. An error fails the
  /// event; the store retries it with backoff and dead-letters it after N attempts.
  virtual Status Run(const IncomingEvent& event, RecipeContext& ctx) = 0;
};

/// Cookbook 2.1: on ContactCreate read the contact; unless it already has either tag, search
/// (POST /contacts/search, OR of email eq / phone eq) for OLDER contacts (dateAdded earlier) with
/// the same email or phone: tag `returning-lead` if one exists, else `new-lead`
/// (POST /contacts/{id}/tags).
std::unique_ptr<Recipe> MakeDedupTaggingRecipe();
/// Cookbook 2.2: on ContactCreate make sure the contact has one opportunity in the pipeline
/// (GET /opportunities/search contact_id + pipeline_id, else POST /opportunities/ with name,
/// status open, stage and monetary value); effect key "opportunity:<contact>:<pipeline>".
std::unique_ptr<Recipe> MakeFormToOpportunityRecipe();
/// Cookbook "link custom objects to opportunities": on ContactCreate the contact's opportunity
/// in the pipeline (EnsureOpportunity, shared with form_to_opportunity), one record of the
/// custom object for it (POST /objects/{key}/records; effect
/// "record:<location>:<object>:<opportunity>", found again through the opportunity's relations
/// or `match_property`), one relation (ops::EnsureRelation: GHL's duplicate 400 is success;
/// effect "relation:<association>:<first>:<second>"), verified with GET
/// /associations/relations/{recordId}.
std::unique_ptr<Recipe> MakeFormToObjectRecipe();
/// Cookbook 2.3: when the contact (read from the API) has the `book-now` tag and no upcoming
/// appointment in the calendar (GET /calendars/events), get free slots (GET
/// /calendars/{id}/free-slots, epoch ms range, timezone), book the first (POST
/// /calendars/events/appointments), send one SMS confirmation per appointment (POST
/// /conversations/messages, Version 2021-04-15; effect "sms:booking-confirmation:<appt>"),
/// then remove the trigger tag (when configured).
std::unique_ptr<Recipe> MakeBookingRecipe();
/// Cookbook 2.4: when the appointment (GET /calendars/events/appointments/{id}) is "showed",
/// move the contact's open opportunity in the pipeline (GET /opportunities/search, status
/// open) forward to the stage (PUT /opportunities/{id}; never backwards) and add a note with
/// the UTC time (POST /contacts/{id}/notes); effect "advance:<appointment>:<stage>".
std::unique_ptr<Recipe> MakePipelineAdvanceRecipe();
/// Cookbook 3.x: score the contact from the rules, write the score custom field (PUT
/// /contacts/{id} customFields), tag hot/warm/cold (removing the other two), and for hot leads
/// make sure the opportunity exists at hot_stage or beyond (shares the effect key of 2.2: one
/// opportunity per contact per pipeline).
std::unique_ptr<Recipe> MakeLeadScoringRecipe();
/// Cookbook 5.x: classify an InboundMessage's text; tag the category; at or above the
/// threshold auto-reply (POST /conversations/messages, once per message: effect
/// "reply:<messageId>") and, for a booking request, tag `book-now`; below it tag
/// `needs-human-review`.
std::unique_ptr<Recipe> MakeMessageClassificationRecipe();

/// Cookbook 4.x on a form: on ContactCreate (the contact a form submission made) map the
/// contact's fields to an onboarding input ([recipes.form_to_onboarding.fields]) and run
/// `onboard::OnboardOnce` under request id "form-<location>-<contact>" with the agency token:
/// the steps and journal of `ghl onboard`, so a failure half-way is finished by the event's
/// retry or by `ghl onboard resume ID`, and a redelivered or replayed event changes nothing.
std::unique_ptr<Recipe> MakeFormToOnboardingRecipe();

/// Picks the recipes for an event type, in order.
class Router {
 public:
  /// The enabled recipes of `config`, in the order of `Config::EnabledRecipes()`.
  static Router FromConfig(const Config& config);
  /// Adds a recipe after the configured ones (your own automations, tests).
  void Add(std::shared_ptr<Recipe> recipe);
  /// Recipes handling `event_type`; empty = unrouted (the event is acked and counted).
  std::vector<Recipe*> Route(std::string_view event_type) const;
  /// All recipes.
  const std::vector<std::shared_ptr<Recipe>>& recipes() const { return recipes_; }

 private:
  std::vector<std::shared_ptr<Recipe>> recipes_;
};

}  // namespace ghl::automations
