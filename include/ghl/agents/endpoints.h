/// \file
/// Tool endpoints for AI phone agents on `ghl serve` (cookbook 3.4 / 3.5): Vapi server tools and
/// Retell custom functions call the same four functions, which call GHL through `ghl::ops`:
///
/// - `lookup_caller` {phone?}: the contact whose phone is exactly the caller's (E.164).
/// - `check_availability` {calendarId?, date?, days?, timezone?}: free slots phrased for speech
///   in the calendar's zone ("Tuesday December 8 at 10 AM or 2:30 PM"), plus their startTimes.
/// - `book_appointment` {calendarId?, contactId? | phone?, startTime? | date + time, name?,
///   email?, title?}: books once per contact + slot (a retry returns the same appointment).
/// - `log_call_outcome` {contactId? | phone?, outcome?, tags?, note?, stage?, pipelineId?,
///   field?}: outcome into a contact custom field, tags, a note, the open opportunity moved to
///   a stage (id or name).
/// `phone` defaults to the caller's number as the platform reports it; `calendarId` to
/// `AgentOptions::default_calendar_id`, else the location's only calendar.
///
/// `POST /agents/vapi` (docs.vapi.ai "Custom Tools", OpenAPI `ServerMessageToolCalls`):
/// body {"message":{"type":"tool-calls","toolCallList":[…],"toolWithToolCallList":[…],
/// "call":{…}}}; items {id,name,arguments}, {id,name,parameters}, {id,type,function:{name,
/// arguments:<object or JSON string>}}, or toolWithToolCallList's {…,toolCall:{id,function}}.
/// Answer: always HTTP 200 {"results":[{"toolCallId","result"}|{"toolCallId","error"}]}, in call
/// order, each string on one line (also for a list over kMaxVapiToolCalls: every call gets an
/// error). Other message types get 200 {}.
///
/// Many locations on one endpoint: each request's location is its metadata's `locationId`
/// (FunctionCall::location_id), else `AgentOptions::location_of` for its assistant or agent id,
/// else `AgentOptions::location_id`; a `locationId` argument that names another location is
/// refused. `AgentOptions::check_location` vets it before any GHL call. In another location
/// than the default, the calendar is the metadata's `calendarId`, else the location's only one
/// (`--agent-calendar` belongs to the default location).
///
/// `POST /agents/retell/{function}` (docs.retellai.com "Custom Function"): body {"name","call",
/// "args"} or, with "payload: args only", the args object itself. Answer: 200
/// {"result":"…"} (`"ok":false` when the function failed; the text says why, for the agent).
/// Retell retries a request that failed or timed out (twice, by default after 2 minutes):
/// writes are answered once per call id + function + arguments (later copies get the first
/// answer), and a booking is also checked against the contact's appointments in GHL.
///
/// Both: a request that is not verified (see signatures.h) gets 401 and runs nothing; with no
/// secret configured the endpoint answers 503 and runs nothing (fail closed); a request from a
/// web browser (Origin / Sec-Fetch-*) gets 403. Every request is answered within
/// `AgentOptions::deadline`: a function still running then is answered with an error text and
/// finishes in the background (its answer is kept for a retry).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/client/client.h"
#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::agents {

/// Path of the Vapi tool server.
inline constexpr std::string_view kVapiPath = "/agents/vapi";
/// Path prefix of the Retell functions: `/agents/retell/{function}` (or `/agents/retell` with
/// the function named in the body).
inline constexpr std::string_view kRetellPath = "/agents/retell";

/// Settings; plain struct with defaults.
struct AgentOptions {
  /// Vapi's credential secret (Bearer / X-Vapi-Secret / HMAC key). Empty = `/agents/vapi`
  /// answers 503.
  std::string vapi_secret;
  /// The Retell API key that signs requests (webhook badge). Empty = `/agents/retell/…`
  /// answers 503.
  std::string retell_api_key;
  /// Location the functions work in when a request names none (see `location_of`); empty =
  /// the client's default location.
  std::string location_id;
  /// One endpoint for many locations: the location of an assistant (Vapi assistant id) or an
  /// agent (Retell agent_id) when its request carries no `locationId` in its metadata
  /// (`ghl serve --agent-location ID=LOCATION`).
  std::map<std::string, std::string> location_of;
  /// Checked for every request's location before any GHL call (the token store reaches it,
  /// or it is the one location a fixed token serves): an error answers the call with a text
  /// safe to speak, and `log` gets the details. Null = every location is tried.
  std::function<Status(const std::string& location_id)> check_location;
  /// Operator-facing lines (a refused location and why); null = none.
  std::function<void(const std::string& line)> log;
  /// Calendar used when a call names none; empty = the location's only calendar.
  std::string default_calendar_id;
  /// Custom field `log_call_outcome` writes the outcome to (id, field key or name) unless the
  /// call names one.
  std::string outcome_field = "call_outcome";
  /// Answer deadline per request (Vapi waits 20 s by default). Milliseconds.
  std::chrono::milliseconds deadline{12000};
  /// At most this many slots in a check_availability answer (at most 3 a day unless the call
  /// asks for one date).
  int max_slots = 6;
  /// Wall clock, epoch ms (signature freshness, "now" for availability); null = system clock.
  std::function<int64_t()> now_ms;
};

/// One function call, from either platform.
struct FunctionCall {
  std::string id;    ///< Vapi's toolCallId (empty for Retell).
  std::string name;  ///< Function name, e.g. "book_appointment".
  nlohmann::json args = nlohmann::json::object();
  std::string caller_phone;  ///< The caller's number as the platform reports it, or "".
  std::string call_id;       ///< The platform's call id, or "".
  /// The Vapi assistant id (call.assistantId, else assistant.id) or Retell agent_id, or "".
  std::string agent_id;
  /// `locationId` from the platform's signed metadata, or "": Vapi call.metadata, then
  /// call.assistantOverrides.metadata, then assistant.metadata; Retell call.metadata, then
  /// call.retell_llm_dynamic_variables. Never from the arguments (the model fills those from
  /// what the caller says).
  std::string location_id;
  /// `calendarId` from the same metadata, or "".
  std::string calendar_id;
  /// Why this item cannot run (bad arguments JSON, no name); empty when it can.
  std::string problem;
};

/// Most tool calls one Vapi message may carry; a longer list is refused whole (each call
/// answered with an error, HTTP 200 as Vapi reads no other status) rather than queued against
/// the CRM's rate limit after the answer has gone.
inline constexpr size_t kMaxVapiToolCalls = 16;

/// The calls of one Vapi server message.
struct VapiMessage {
  std::vector<FunctionCall> calls;
  /// The older `function-call` message ({"functionCall":{"name","parameters"}}), answered
  /// {"result": "…"} instead of {"results":[…]}.
  bool legacy_function_call = false;
};

/// The calls of a Vapi `tool-calls` message, in order (first non-empty of toolCallList,
/// toolCalls, toolWithToolCallList; numeric ids read as their decimal text), or the one call
/// of a `function-call` message. kUsage error when `body` is not {"message":{…}}; no calls
/// when the message is of another type.
Result<VapiMessage> ParseVapiToolCalls(const nlohmann::json& body);

/// The call of a Retell custom-function request to `function` (from the path; empty = the
/// body's "name"): the wrapped {"name","call","args"} form or the args-at-root form.
/// kUsage error when no function is named or the body is not an object.
Result<FunctionCall> ParseRetellCall(const nlohmann::json& body, std::string_view function);

/// `text` on one line: CR, LF, tabs and other control characters become spaces, runs of
/// spaces one space, trimmed (Vapi needs single-line result strings).
std::string SingleLine(std::string_view text);

/// Free slots for speech: "Tuesday December 8 at 10 AM or 2:30 PM; Wednesday December 9 at
/// 9 AM" — days and times as written in `starts` (ISO 8601 with the calendar's offset), so
/// in the calendar's zone.
std::string PhraseSlots(const std::vector<std::string>& starts);

/// The Vapi and Retell endpoints. Thread-safe; `Handle` blocks up to the deadline (run it off
/// the server's I/O threads).
class AgentEndpoints {
 public:
  /// `client`: how to call GHL (its retry and pacing apply); one client shared by every
  /// request. Its `cancel` token (one is made when null) is cancelled by the destructor.
  AgentEndpoints(AgentOptions options, client::ClientOptions client);
  /// Cancels the GHL calls still running (answers nobody waits for any more) and waits for
  /// them to end.
  ~AgentEndpoints();
  AgentEndpoints(const AgentEndpoints&) = delete;
  AgentEndpoints& operator=(const AgentEndpoints&) = delete;

  /// True for POST-able paths this serves (`/agents/vapi`, `/agents/retell[/…]`).
  static bool Matches(const http::Request& request);
  /// Verifies, runs the calls and answers (see the file comment).
  http::Response Handle(const http::Request& request) const;
  /// Same, for a request that arrived at `received` and waited for a thread: the deadline runs
  /// from its arrival (a request whose time is already up runs nothing and is answered at once).
  http::Response Handle(const http::Request& request,
                        std::chrono::steady_clock::time_point received) const;
  const AgentOptions& options() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace ghl::agents
