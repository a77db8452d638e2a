#include "event_contact.h"

#include "util.h"

namespace ghl::automations {

Result<std::optional<json>> LoadEventContact(const IncomingEvent& event, const RecipeContext& ctx,
                                             std::string_view recipe) {
  const std::string contact_id = event.ContactId();
  auto contact = GetContact(ctx, contact_id);
  if (contact.ok()) return std::optional<json>(std::move(*contact));
  if (!IsNotFound(contact.error())) return contact.error();
  ctx.Note(recipe, "contact " + contact_id + " no longer exists; skipped");
  return std::optional<json>();
}

}  // namespace ghl::automations
