// Vapi and Retell request shapes → FunctionCall; one-line text; slots phrased for speech.
#include <chrono>
#include <cstdio>

#include "functions.h"
#include "ghl/agents/endpoints.h"
#include "ghl/core/json_depth.h"

namespace ghl::agents {
namespace {

using nlohmann::json;

std::string StrAt(const json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

const json* ObjAt(const json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

// Arguments given as an object, or as a JSON string holding one (OpenAI-style tool calls).
void SetArgs(FunctionCall& call, const json& value) {
  if (value.is_object()) {
    call.args = value;
  } else if (value.is_string()) {
    std::string text = value.get<std::string>();
    if (text.empty()) return;
    json parsed = ParseJsonBounded(text);
    if (parsed.is_object()) {
      call.args = std::move(parsed);
    } else {
      call.problem = "the arguments of '" + call.name + "' are not a JSON object";
    }
  } else if (!value.is_null()) {
    call.problem = "the arguments of '" + call.name + "' are not a JSON object";
  }
}

// An id as Vapi sends it: a string, or a number (echoed back as its decimal text).
std::string IdAt(const json& obj, std::string_view key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return "";
}

// {id,name,arguments|parameters} or {id,type,function:{name,arguments|parameters}}.
FunctionCall FromToolCall(const json& item) {
  FunctionCall call;
  call.id = IdAt(item, "id");
  call.name = StrAt(item, "name");
  const json* fn = ObjAt(item, "function");
  if (call.name.empty() && fn) call.name = StrAt(*fn, "name");
  for (const json* holder : {&item, fn}) {
    if (!holder || !holder->is_object()) continue;
    for (const char* key : {"arguments", "parameters"}) {
      auto it = holder->find(key);
      if (it != holder->end() && !it->is_null()) {
        SetArgs(call, *it);
        if (!call.problem.empty() || !call.args.empty()) return call;
      }
    }
  }
  return call;
}

// The first non-empty string `key` of the metadata objects, in order (null entries skipped).
std::string FromMetadata(std::initializer_list<const json*> metadata, std::string_view key) {
  for (const json* m : metadata) {
    if (std::string v = m ? StrAt(*m, key) : ""; !v.empty()) return v;
  }
  return "";
}

// What every call of one request shares: the caller, the call, the assistant or agent, and
// the location and calendar its metadata names.
void SetCallContext(FunctionCall& call, const FunctionCall& shared) {
  call.caller_phone = shared.caller_phone;
  call.call_id = shared.call_id;
  call.agent_id = shared.agent_id;
  call.location_id = shared.location_id;
  call.calendar_id = shared.calendar_id;
}

std::string Hour12(int minutes) {
  int h = minutes / 60, m = minutes % 60;
  const char* half = h < 12 ? "AM" : "PM";
  int shown = h % 12 == 0 ? 12 : h % 12;
  char text[16];
  if (m == 0) {
    std::snprintf(text, sizeof text, "%d %s", shown, half);
  } else {
    std::snprintf(text, sizeof text, "%d:%02d %s", shown, m, half);
  }
  return text;
}

std::string DayPhrase(int y, unsigned mo, unsigned d) {
  static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};
  static constexpr const char* kMonths[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
  std::chrono::year_month_day ymd{std::chrono::year(y), std::chrono::month(mo),
                                  std::chrono::day(d)};
  std::chrono::weekday wd{std::chrono::sys_days(ymd)};
  return std::string(kWeekdays[wd.c_encoding()]) + " " + kMonths[mo - 1] + " " + std::to_string(d);
}

}  // namespace

std::string internal::JoinWords(const std::vector<std::string>& items, std::string_view last) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i + 1 == items.size() ? " " + std::string(last) + " " : ", ";
    out += items[i];
  }
  return out;
}

Result<VapiMessage> ParseVapiToolCalls(const json& body) {
  const json* message = ObjAt(body, "message");
  if (!message) {
    return UsageError("the body is not a Vapi server message",
                      "Vapi sends {\"message\":{\"type\":\"tool-calls\",…}}");
  }
  VapiMessage out;
  std::vector<FunctionCall>& calls = out.calls;
  std::string type = StrAt(*message, "type");
  out.legacy_function_call = type == "function-call";
  if (type != "tool-calls" && !out.legacy_function_call) return out;
  FunctionCall shared;
  const json* vapi_call = ObjAt(*message, "call");
  const json* assistant = ObjAt(*message, "assistant");
  const json* overrides = vapi_call ? ObjAt(*vapi_call, "assistantOverrides") : nullptr;
  if (vapi_call) {
    shared.call_id = StrAt(*vapi_call, "id");
    shared.agent_id = StrAt(*vapi_call, "assistantId");
    if (const json* customer = ObjAt(*vapi_call, "customer")) {
      shared.caller_phone = StrAt(*customer, "number");
    }
  }
  if (shared.caller_phone.empty()) {
    if (const json* customer = ObjAt(*message, "customer")) {
      shared.caller_phone = StrAt(*customer, "number");
    }
  }
  if (shared.agent_id.empty() && assistant) shared.agent_id = StrAt(*assistant, "id");
  // The call's own metadata first, then the call's overrides, then the assistant's.
  std::initializer_list<const json*> metadata = {
      vapi_call ? ObjAt(*vapi_call, "metadata") : nullptr,
      overrides ? ObjAt(*overrides, "metadata") : nullptr,
      assistant ? ObjAt(*assistant, "metadata") : nullptr};
  shared.location_id = FromMetadata(metadata, "locationId");
  shared.calendar_id = FromMetadata(metadata, "calendarId");
  if (out.legacy_function_call) {
    // The older server message: {"functionCall":{"name","parameters"}}, one call, no id.
    const json* fc = ObjAt(*message, "functionCall");
    FunctionCall call = FromToolCall(fc ? *fc : json::object());
    if (call.name.empty() && call.problem.empty())
      call.problem = "the function call names no function";
    SetCallContext(call, shared);
    calls.push_back(std::move(call));
    return out;
  }
  for (const char* list : {"toolCallList", "toolCalls", "toolWithToolCallList"}) {
    auto it = message->find(list);
    if (it == message->end() || !it->is_array() || it->empty()) continue;
    bool with_tool = std::string_view(list) == "toolWithToolCallList";
    for (const auto& item : *it) {
      FunctionCall call;
      if (with_tool) {
        // {type, function:{name,…} | name, …, toolCall:{id, function:{name, arguments|parameters}}}
        const json* tc = ObjAt(item, "toolCall");
        call = FromToolCall(tc ? *tc : json::object());
        if (call.name.empty()) {
          const json* fn = ObjAt(item, "function");
          call.name = fn ? StrAt(*fn, "name") : StrAt(item, "name");
        }
      } else {
        call = FromToolCall(item);
      }
      if (call.name.empty() && call.problem.empty())
        call.problem = "the tool call names no function";
      SetCallContext(call, shared);
      calls.push_back(std::move(call));
    }
    break;
  }
  return out;
}

Result<FunctionCall> ParseRetellCall(const json& body, std::string_view function) {
  if (!body.is_object()) return UsageError("the body is not a JSON object");
  FunctionCall call;
  call.name = std::string(function);
  const json* args = ObjAt(body, "args");
  const json* retell_call = ObjAt(body, "call");
  bool wrapped = args && (retell_call || body.contains("name"));
  if (wrapped) {
    if (call.name.empty()) call.name = StrAt(body, "name");
    call.args = *args;
    if (retell_call) {
      call.call_id = StrAt(*retell_call, "call_id");
      call.agent_id = StrAt(*retell_call, "agent_id");
      std::initializer_list<const json*> metadata = {
          ObjAt(*retell_call, "metadata"), ObjAt(*retell_call, "retell_llm_dynamic_variables")};
      call.location_id = FromMetadata(metadata, "locationId");
      call.calendar_id = FromMetadata(metadata, "calendarId");
      // The other party: the caller on inbound calls, the callee on outbound ones.
      call.caller_phone = StrAt(*retell_call, "direction") == "outbound"
                              ? StrAt(*retell_call, "to_number")
                              : StrAt(*retell_call, "from_number");
    }
  } else {
    call.args = body;
  }
  if (call.name.empty()) {
    return UsageError("no function named",
                      "use the URL /agents/retell/{function}, e.g. "
                      "/agents/retell/check_availability");
  }
  return call;
}

std::string SingleLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool space = c < 0x20 || c == 0x7f || c == ' ';
    if (space) {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::string PhraseSlots(const std::vector<std::string>& starts) {
  std::string out;
  std::string day;
  std::vector<std::string> times;
  auto flush = [&] {
    if (times.empty()) return;
    if (!out.empty()) out += "; ";
    out += day + " at " + internal::JoinWords(times, "or");
    times.clear();
  };
  for (const auto& s : starts) {
    int y = 0, h = 0, mi = 0;
    unsigned mo = 0, d = 0;
    if (std::sscanf(s.c_str(), "%4d-%2u-%2uT%2d:%2d", &y, &mo, &d, &h, &mi) != 5 || mo < 1 ||
        mo > 12 || d < 1 || d > 31) {
      continue;
    }
    std::string this_day = DayPhrase(y, mo, d);
    if (this_day != day) flush();
    day = this_day;
    times.push_back(Hour12(h * 60 + mi));
  }
  flush();
  return out;
}

}  // namespace ghl::agents
