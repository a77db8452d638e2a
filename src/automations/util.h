// Shared helpers of the recipes: JSON access, GHL calls they share, and RunOnce (the
// ledger-backed "do this effect once" step).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/automations/recipe.h"
#include "ghl/ops/context.h"

namespace ghl::automations {

using nlohmann::json;

/// The string at `key`, or "" when absent or not a string.
std::string Str(const json& obj, std::string_view key);
/// ASCII case-insensitive equality.
bool EqualsNoCase(std::string_view a, std::string_view b);
std::string Lower(std::string_view s);
/// Epoch milliseconds of `t`.
int64_t EpochMs(std::chrono::system_clock::time_point t);
/// True when an error is an HTTP 404 from the API.
bool IsNotFound(const Error& e);
/// True when GHL refused the request in a way the same request will meet again: a 4xx other
/// than 401 (credentials can be rotated), 408, 409, 425 and 429. Network errors, 5xx and our
/// own transient conditions (a contact lock held elsewhere) are not permanent.
bool IsPermanentFailure(const Error& e);
/// Prefixes the first message of `e` with "<what>: ".
Error Context(Error e, std::string_view what);

/// The contact's tags (as GHL returns them).
std::vector<std::string> Tags(const json& contact);
/// Whether `contact` has `tag` (case-insensitive).
bool HasTag(const json& contact, std::string_view tag);
/// "First Last", else name, else email, else phone, else the id.
std::string DisplayName(const json& contact);
/// Template variables of a contact: name, first_name, last_name, email, phone.
std::map<std::string, std::string> ContactVars(const json& contact);

/// Whether the contact's `source` is one of `sources` (case-insensitive; empty = every source);
/// when not, notes "<recipe>: source '…' not in sources; skipped".
bool FromSources(const RecipeContext& ctx, std::string_view recipe,
                 const std::vector<std::string>& sources, const json& contact);

/// The ops context of a recipe run: its client, its location, and the per-contact lock check
/// run before every write.
ops::Context Ops(const RecipeContext& ctx);

/// GET /contacts/{id} → the contact object. 404 stays an API error (check IsNotFound).
Result<json> GetContact(const RecipeContext& ctx, const std::string& contact_id);
/// POST /contacts/{id}/tags {"tags":[…]} (GHL merges; adding an existing tag is a no-op).
Status AddTags(const RecipeContext& ctx, const std::string& contact_id,
               const std::vector<std::string>& tags);
/// DELETE /contacts/{id}/tags {"tags":[…]}.
Status RemoveTags(const RecipeContext& ctx, const std::string& contact_id,
                  const std::vector<std::string>& tags);
/// GET /opportunities/search?location_id&contact_id&pipeline_id[&status] → opportunities.
Result<json> SearchOpportunities(const RecipeContext& ctx, const std::string& contact_id,
                                 const std::string& pipeline_id, std::string_view status);
/// The conversation id of the contact (GET /conversations/search?contactId=…), or "".
Result<std::string> ConversationOf(const RecipeContext& ctx, const std::string& contact_id);
/// Whether the contact's conversation has an outbound message whose body is exactly `text`
/// among its latest `limit` messages (GET /conversations/{id}/messages).
Result<bool> HasOutboundMessage(const RecipeContext& ctx, const std::string& contact_id,
                                const std::string& text, int limit = 100);
/// POST /conversations/messages {"type":type,"contactId","message"} → the message id
/// (type "SMS" or "WhatsApp").
Result<std::string> SendMessage(const RecipeContext& ctx, const std::string& contact_id,
                                const std::string& text, std::string_view type = "SMS");

/// How RunOnce ended.
struct OnceOutcome {
  bool already_done = false;  ///< The ledger said done: nothing was called.
  bool found = false;         ///< verify() found the effect already applied (e.g. a crash).
  std::string result;         ///< The effect's result (created id …).
};

/// Does the effect `key` at most once: ledger `done` → skip; else verify(resumed) (the API
/// check: returns the existing result, or nullopt); else mark `started`, check the lock, act(),
/// mark `done`. `resumed` is true when a `started` row shows an earlier attempt died midway.
Result<OnceOutcome> RunOnce(
    RecipeContext& ctx, const std::string& key,
    const std::function<Result<std::optional<std::string>>(bool resumed)>& verify,
    const std::function<Result<std::string>(bool resumed)>& act);

/// Makes sure the contact has an opportunity in `pipeline` (any status counts): verify with
/// SearchOpportunities, else POST /opportunities/ (status open, `stage`, `value`, name from
/// `name_template`). Effect key "opportunity:<location>:<contact>:<pipeline>". Returns the
/// opportunity id.
Result<OnceOutcome> EnsureOpportunity(RecipeContext& ctx, const json& contact,
                                      const Pipeline& pipeline, const Stage& stage, double value,
                                      const std::string& name_template);

}  // namespace ghl::automations
