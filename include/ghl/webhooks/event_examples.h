/// \file
/// GHL-shaped test events for `ghl trigger`: one minimal body per webhook event type, with the
/// field names and nesting of GHL's official examples (shared/ghl-openapi/webhooks/, turned
/// into a table by tools/gen_webhook_examples.py, committed; a test checks it is fresh) and
/// fresh values each time: new ids, the current time, the location you name.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/core/result.h"

namespace ghl::webhooks {

/// The event types with a built-in shape ("AppointmentCreate", "ContactCreate", ...), sorted.
std::vector<std::string_view> ExampleEventTypes();

/// What to put in a test event.
struct TestEventOptions {
  /// Fills every `locationId` (GHL puts the sub-account id there). Empty: a fresh id.
  std::string location_id;
  /// `field=value` pairs set after the shape is filled, as strings; a dotted name sets a
  /// nested field ("appointment.contactId"), creating objects on the way. `type` cannot be set
  /// (it is the event type).
  std::vector<std::pair<std::string, std::string>> fields;
  /// Makes a fresh id (GHL's ids are 20 letters and digits). Empty: random ones.
  std::function<std::string()> new_id;
  /// The instant written into every date field (UTC, ISO 8601 with milliseconds).
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

/// A compact JSON body for `event_type`, shaped like GHL's webhook of that type, with a fresh
/// `webhookId` (so the receiver's dedup sees a new delivery each time). Errors (kUsage): an
/// event type without a shape (the message lists the known ones), `type` among the fields, or a
/// dotted field whose parent is not an object.
Result<std::string> BuildTestEvent(std::string_view event_type, const TestEventOptions& options);

/// A random id like GHL's: 20 characters from [A-Za-z0-9].
std::string NewGhlId();

}  // namespace ghl::webhooks
