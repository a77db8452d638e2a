// The contact-lookup prologue of the contact recipes (dedup tagging, lead scoring, form →
// opportunity, booking): read the event's contact from the API, and treat a contact that is
// gone as a skip, not a failure.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "ghl/automations/recipe.h"
#include "ghl/core/result.h"

namespace ghl::automations {

/// GET /contacts/{id} for `event.ContactId()`. A 404 (the contact was deleted before the event
/// ran) notes "<recipe>: contact <id> no longer exists; skipped" and returns nullopt, so the
/// recipe ends with Ok; any other failure is returned as the error.
Result<std::optional<nlohmann::json>> LoadEventContact(const IncomingEvent& event,
                                                       const RecipeContext& ctx,
                                                       std::string_view recipe);

}  // namespace ghl::automations
