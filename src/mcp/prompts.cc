#include "prompts.h"

#include <charconv>
#include <chrono>
#include <cstdio>

namespace ghl::mcp {

using nlohmann::json;

namespace {

// A positive integer argument given as a string (prompt arguments are strings), or fallback.
Result<int> IntArg(const json& args, const char* name, int fallback, int max) {
  if (!args.is_object() || !args.contains(name)) return fallback;
  const json& v = args[name];
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  int out = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || end != text.data() + text.size() || out < 1 || out > max) {
    return UsageError(std::string("prompt argument '") + name +
                      "' must be a whole number from 1 to " + std::to_string(max));
  }
  return out;
}

// "It is now Thursday 2026-12-03 19:30 UTC." The audit's "more than N days ago" and the
// digest's "within 48 hours" need today's date, which a model does not reliably know.
std::string NowLine() {
  static constexpr const char* kWeekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                              "Thursday", "Friday", "Saturday"};
  auto now = std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now());
  auto day = std::chrono::floor<std::chrono::days>(now);
  std::chrono::year_month_day ymd(day);
  std::chrono::hh_mm_ss hms(now - day);
  char text[64];
  std::snprintf(text, sizeof text, "It is now %s %04d-%02u-%02u %02d:%02d UTC.\n",
                kWeekdays[std::chrono::weekday(day).c_encoding()], int(ymd.year()),
                unsigned(ymd.month()), unsigned(ymd.day()), int(hms.hours().count()),
                int(hms.minutes().count()));
  return text;
}

json UserText(std::string description, std::string text) {
  return {{"description", std::move(description)},
          {"messages",
           json::array(
               {{{"role", "user"}, {"content", {{"type", "text"}, {"text", std::move(text)}}}}})}};
}

}  // namespace

json PromptList() {
  return json::array(
      {{{"name", "pipeline_audit"},
        {"title", "Stale-deal pipeline audit"},
        {"description",
         "Open opportunities stuck in their stage, cross-referenced with the "
         "calendar, as a prioritised list."},
        {"arguments",
         json::array(
             {{{"name", "days"},
               {"description", "Stale after this many days without a stage change (default 14)."},
               {"required", false}},
              {{"name", "pipeline"},
               {"description", "Pipeline name or id (default: every pipeline)."},
               {"required", false}}})}},
       {{"name", "conversation_digest"},
        {"title", "Conversation digest"},
        {"description", "The latest conversations grouped active / waiting / closed."},
        {"arguments", json::array({{{"name", "limit"},
                                    {"description", "How many conversations (default 20)."},
                                    {"required", false}}})}}});
}

Result<json> GetPrompt(const std::string& name, const json& arguments) {
  if (name == "pipeline_audit") {
    auto days = IntArg(arguments, "days", 14, 3650);
    if (!days.ok()) return days.error();
    std::string pipeline;
    if (arguments.is_object() && arguments.contains("pipeline") &&
        arguments["pipeline"].is_string()) {
      pipeline = arguments["pipeline"].get<std::string>();
    }
    std::string d = std::to_string(*days);
    return UserText(
        "Stale-deal audit (" + d + " days)",
        NowLine() + "Audit my GoHighLevel pipeline" +
            (pipeline.empty() ? "s" : " '" + pipeline + "'") +
            " for stale deals.\n"
            "1. Call list_pipelines to learn the pipelines and their stage names.\n"
            "2. Call search_opportunities with status \"open\" (limit 100; page with "
            "meta.startAfter / startAfterId until no more) for " +
            (pipeline.empty() ? std::string("each pipeline") : "that pipeline") +
            ".\n"
            "3. A deal is stale when its lastStageChangeAt (else updatedAt) is more than " +
            d +
            " days ago.\n"
            "4. For the stale deals, call list_calendars and list_calendar_events for the next 14 "
            "days, and note which stale deals' contacts already have an appointment.\n"
            "5. Answer with a prioritised table: deal, contact, stage, value, days stale, next "
            "appointment (or none), suggested next step. Highest value and longest stale first; "
            "deals with an upcoming appointment last. Do not change anything.");
  }
  if (name == "conversation_digest") {
    auto limit = IntArg(arguments, "limit", 20, 100);
    if (!limit.ok()) return limit.error();
    std::string n = std::to_string(*limit);
    return UserText(
        "Digest of the last " + n + " conversations",
        NowLine() + "Give me a digest of my last " + n +
            " GoHighLevel conversations.\n"
            "1. Call search_conversations with limit " +
            n +
            ".\n"
            "2. For each, call get_messages (limit 10) and read the latest messages.\n"
            "3. Group them: ACTIVE (the contact wrote last, within 48 hours: needs a reply), "
            "WAITING (we wrote last: waiting for the contact), CLOSED (settled, booked, opted "
            "out, or nothing for 14 days).\n"
            "4. For each: contact name, channel, one-line summary, and for ACTIVE a suggested "
            "reply. Do not send anything.");
  }
  return UsageError("unknown prompt '" + name + "'",
                    "prompts: pipeline_audit, conversation_digest");
}

}  // namespace ghl::mcp
