/// \file
/// Typed GHL operations (`ghl::ops`): the one place each GHL call used by the recipes, the MCP
/// tools and the agent endpoints lives, with its quirks handled there (exact contact lookup
/// through the duplicate search, `location_id` on opportunity search, free slots in epoch ms
/// with `traceId` skipped, the nested page of conversation messages, custom fields written by
/// id or field key). Every operation takes an `ops::Context`: the client (its pacing and retry
/// policy are shared by every caller), the location, and a hook run before each write.
///
/// Results are GHL's own JSON objects (contacts, opportunities, …), unwrapped from their
/// envelope ("contact", "opportunity", …), or small structs where GHL's shape is awkward.
/// Errors are `ghl::Error` values from the client (status, GHL's messages, traceId, fix hint)
/// or kUsage errors naming the bad input.
#pragma once

#include <functional>
#include <string>

#include "ghl/client/client.h"
#include "ghl/core/result.h"

namespace ghl::ops {

/// Who and where an operation runs.
struct Context {
  /// The client; shared so every caller is paced and retried together.
  const client::Client& client;
  /// The location (sub-account) id; empty = the client's default location.
  std::string location_id;
  /// Called right before every write (POST/PUT/DELETE that changes state); an error stops the
  /// write and is returned as is. The recipes renew their per-contact lock here. May be empty.
  std::function<Status()> before_write;
  /// Called with GHL's `traceId` after every call of an operation that got one: the top-level
  /// `traceId` of a 2xx JSON body (before any envelope is unwrapped) or of an error answer
  /// (`Error::trace_id`). GHL sends it in the JSON body (error bodies always, some success
  /// bodies such as POST /contacts/upsert and GET /conversations/{id}/messages), not in a header.
  /// The onboarding journal records the last one of each step. May be empty.
  std::function<void(const std::string& trace_id)> on_trace_id;
};

}  // namespace ghl::ops
