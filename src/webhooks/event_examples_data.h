// Private: the generated table behind ghl/webhooks/event_examples.h (event_examples_data.cc,
// written by tools/gen_webhook_examples.py).
#pragma once

#include <span>
#include <string_view>

namespace ghl::webhooks::internal {

/// One event type's shape: compact JSON with "{{id}}", "{{now}}", "{{location}}",
/// "{{email}}", "{{phone}}" placeholders.
struct EventShape {
  std::string_view type;
  std::string_view body;
};

/// Every shape, sorted by type.
std::span<const EventShape> GeneratedEventShapes();

}  // namespace ghl::webhooks::internal
