#include "functions.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "ghl/core/time_parse.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/opportunities.h"

namespace ghl::agents::internal {
namespace {

using nlohmann::json;

constexpr int64_t kDayMs = 24LL * 3600 * 1000;
// The widest UTC offsets (+14:00 / -12:00): a local date lies within ±14 h of its UTC date.
constexpr int64_t kMaxOffsetMs = 14LL * 3600 * 1000;

Outcome Fail(std::string text) { return {false, std::move(text)}; }

std::string JoinDone(const std::vector<std::string>& items) { return JoinWords(items, "and"); }

std::string Describe(const Error& e) {
  std::string text = e.Summary();
  if (e.kind == ErrorKind::kUsage && !e.hint.empty()) text += " (" + e.hint + ")";
  return text;
}

std::string Arg(const json& args, std::string_view key) {
  auto it = args.find(key);
  if (it == args.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number()) return it->dump();
  return "";
}

// A whole-number argument clamped to [lo, hi]. Read as a double first: converting 1e300 or
// 1e19 straight to int is undefined (and came out as the minimum: "the next 1 day").
int ArgInt(const json& args, std::string_view key, int fallback, int lo, int hi) {
  auto it = args.find(key);
  double v = fallback;
  if (it != args.end() && it->is_number()) v = it->get<double>();
  if (it != args.end() && it->is_string()) v = std::strtod(it->get<std::string>().c_str(), nullptr);
  if (std::isnan(v)) v = fallback;
  return static_cast<int>(std::clamp(v, static_cast<double>(lo), static_cast<double>(hi)));
}

// ["a","b"] or "a, b".
// A list argument: an array of strings (numbers read as their text) or "a, b". An item that is
// not text (null, an object, a list) is an error naming it, never silently dropped.
Result<std::vector<std::string>> ArgList(const json& args, std::string_view key) {
  std::vector<std::string> out;
  auto it = args.find(key);
  if (it == args.end() || it->is_null()) return out;
  auto add = [&](std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    size_t b = 0;
    while (b < s.size() && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
    if (b < s.size()) out.push_back(s.substr(b));
  };
  if (it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      const json& v = (*it)[i];
      if (v.is_string()) {
        add(v.get<std::string>());
      } else if (v.is_number()) {
        add(v.dump());
      } else {
        return UsageError(std::string(key) + "[" + std::to_string(i) + "] is " +
                          std::string(v.type_name()) + ", not text");
      }
    }
  } else if (it->is_string()) {
    std::string s = it->get<std::string>();
    size_t start = 0;
    while (start <= s.size()) {
      size_t comma = s.find(',', start);
      add(s.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else {
    return UsageError(std::string(key) + " is " + std::string(it->type_name()) +
                      ", not a list of text");
  }
  return out;
}

std::string Lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string NameOf(const json& contact) {
  std::string name = contact.value("firstName", "");
  std::string last = contact.value("lastName", "");
  if (!last.empty()) name += (name.empty() ? "" : " ") + last;
  if (name.empty()) name = contact.value("contactName", "");
  return name.empty() ? "the contact" : name;
}

bool IsDate(const std::string& s) { return ParseIsoDayMs(s).has_value(); }

// "14:30", "2:30 PM", "2 pm", "10am", "9" → minutes since midnight.
std::optional<int> ParseClock(std::string text) {
  text = Lower(text);
  text.erase(std::remove_if(text.begin(), text.end(),
                            [](char c) { return std::isspace(static_cast<unsigned char>(c)); }),
             text.end());
  int h = 0, m = 0, used = 0;
  if (std::sscanf(text.c_str(), "%d:%d%n", &h, &m, &used) != 2) {
    m = 0;
    if (std::sscanf(text.c_str(), "%d%n", &h, &used) != 1) return std::nullopt;
  }
  std::string rest = text.substr(static_cast<size_t>(used));
  if (rest == "am" || rest == "a.m.") {
    if (h < 1 || h > 12) return std::nullopt;
    h %= 12;
  } else if (rest == "pm" || rest == "p.m.") {
    if (h < 1 || h > 12) return std::nullopt;
    h = h % 12 + 12;
  } else if (!rest.empty()) {
    return std::nullopt;
  }
  if (h < 0 || h > 23 || m < 0 || m > 59) return std::nullopt;
  return h * 60 + m;
}

int LocalMinutes(const std::string& iso) {
  int h = 0, mi = 0;
  if (iso.size() < 16 || std::sscanf(iso.c_str() + 11, "%2d:%2d", &h, &mi) != 2) return -1;
  return h * 60 + mi;
}

// The arguments' calendarId, else the call's (metadata, or --agent-calendar in the default
// location: endpoints.cc), else the location's only calendar.
Result<std::string> CalendarOf(const ops::Context& ctx, const FunctionCall& call) {
  if (auto id = Arg(call.args, "calendarId"); !id.empty()) return id;
  if (!call.calendar_id.empty()) return call.calendar_id;
  auto calendars = ops::ListCalendars(ctx);
  if (!calendars.ok()) return calendars.error();
  if (calendars->size() == 1) return (*calendars)[0].value("id", "");
  return UsageError("no calendarId given and the location has " +
                        std::to_string(calendars->size()) + " calendars",
                    "pass calendarId, or start ghl serve with --agent-calendar ID");
}

std::string PhoneOf(const FunctionCall& call) {
  std::string phone = Arg(call.args, "phone");
  return phone.empty() ? call.caller_phone : phone;
}

// The contact the call is about: contactId, else the phone (argument or caller), exact.
Result<std::optional<json>> ContactOf(const ops::Context& ctx, const FunctionCall& call) {
  if (auto id = Arg(call.args, "contactId"); !id.empty()) {
    auto c = ops::GetContact(ctx, id);
    if (!c.ok()) return c.error();
    // One endpoint serves many locations: a contact of another one is not this call's.
    if (auto loc = c->value("locationId", "");
        !loc.empty() && !ctx.location_id.empty() && loc != ctx.location_id) {
      return UsageError("contact " + id + " is not in this line's location");
    }
    return std::optional<json>(*c);
  }
  std::string phone = PhoneOf(call);
  if (phone.empty()) {
    return UsageError(
        "no contactId or phone, and the platform did not report the caller's "
        "number",
        "pass contactId or phone");
  }
  return ops::FindContactByPhone(ctx, phone);
}

struct SlotQuery {
  std::vector<ops::Slot> slots;
  std::string when;  // "on Tuesday December 8" / "in the next 7 days"
  bool one_date = false;
  std::string today;  // set when the date asked for has passed: "Thursday December 3, 2026"
};

// "Free on Tuesday December 8 at 9 AM or 10 AM." / "Free in the next 7 days: Tuesday …".
std::string FreeText(const SlotQuery& q, const std::vector<std::string>& starts) {
  return (q.one_date ? "Free on " : "Free " + q.when + ": ") + PhraseSlots(starts) + ".";
}

// "No free times in the next 7 days." / "Wednesday January 1 has passed; today is …".
std::string NoFreeText(const SlotQuery& q) {
  if (!q.today.empty()) return q.when.substr(3) + " has passed; today is " + q.today + ".";
  return "No free times " + q.when + ".";
}

// Today (UTC) for a model that does not know it: "Thursday December 3, 2026 (2026-12-03)".
std::string TodayPhrase(int64_t now_ms) {
  std::chrono::sys_days day{std::chrono::floor<std::chrono::days>(
      std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(now_ms)))};
  std::chrono::year_month_day ymd(day);
  char iso[16];
  std::snprintf(iso, sizeof iso, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                unsigned(ymd.day()));
  std::string spoken = PhraseSlots({std::string(iso) + "T00:00"});
  return spoken.substr(0, spoken.find(" at ")) + ", " + std::to_string(int(ymd.year())) + " (" +
         iso + ")";
}

Result<SlotQuery> FindSlots(const ops::Context& ctx, const std::string& calendar, const json& args,
                            int64_t now_ms) {
  std::string date = Arg(args, "date");
  int days = ArgInt(args, "days", 7, 1, 31);
  SlotQuery q;
  int64_t start = now_ms, end = now_ms + days * kDayMs;
  if (!date.empty()) {
    if (!IsDate(date)) {
      return UsageError("date '" + date + "' is not a date",
                        "use YYYY-MM-DD; today is " + TodayPhrase(now_ms) + " in UTC");
    }
    int64_t midnight_utc = *ops::ParseIsoMs(date + "T00:00:00Z");
    start = std::max(now_ms, midnight_utc - kMaxOffsetMs);
    end = midnight_utc + kDayMs + kMaxOffsetMs;
    std::string day = PhraseSlots({date + "T00:00"});  // "Tuesday December 8 at 12 AM"
    q.when = "on " + day.substr(0, day.find(" at "));
    q.one_date = true;
  } else {
    q.when = "in the next " + std::to_string(days) + (days == 1 ? " day" : " days");
  }
  if (end < start) {
    q.today = TodayPhrase(now_ms);
    return q;
  }
  auto slots = ops::FreeSlots(ctx, {.calendar_id = calendar,
                                    .start_ms = start,
                                    .end_ms = end,
                                    .timezone = Arg(args, "timezone")});
  if (!slots.ok()) return slots.error();
  for (auto& s : *slots) {
    // GHL files each slot under its local date (the calendar's zone): keep the asked date's.
    if (!date.empty() && s.start.substr(0, 10) != date) continue;
    q.slots.push_back(std::move(s));
  }
  return q;
}

Outcome LookupCaller(const ops::Context& ctx, const FunctionCall& call) {
  std::string phone = PhoneOf(call);
  if (phone.empty()) {
    return Fail("No phone number: pass phone, or call from a number the platform reports.");
  }
  auto e164 = ops::NormalizePhoneIn(ctx, phone);
  if (!e164.ok()) return Fail(Describe(e164.error()));
  auto found = ops::FindContactByPhone(ctx, *e164);
  if (!found.ok()) return Fail(Describe(found.error()));
  if (!found->has_value()) {
    return {true, "No contact has the phone " + *e164 + "; this is a new caller."};
  }
  const json& c = **found;
  std::string text =
      "Found " + NameOf(c) + " (contactId " + c.value("id", "") + "), phone " + *e164;
  if (auto email = c.value("email", ""); !email.empty()) text += ", email " + email;
  std::vector<std::string> tags;
  for (const auto& t : c.value("tags", json::array())) {
    if (t.is_string()) tags.push_back(t.get<std::string>());
  }
  if (!tags.empty()) {
    text += ", tags ";
    for (size_t i = 0; i < tags.size(); ++i) text += (i ? ", " : "") + tags[i];
  }
  return {true, text + "."};
}

Outcome CheckAvailability(const ops::Context& ctx, const AgentOptions& options,
                          const FunctionCall& call, int64_t now_ms) {
  auto calendar = CalendarOf(ctx, call);
  if (!calendar.ok()) return Fail(Describe(calendar.error()));
  auto q = FindSlots(ctx, *calendar, call.args, now_ms);
  if (!q.ok()) return Fail(Describe(q.error()));
  if (q->slots.empty()) return {true, NoFreeText(*q)};
  size_t limit = static_cast<size_t>(ArgInt(call.args, "limit", options.max_slots, 1, 20));
  // Over several days, a few times a day reads better aloud than one long day.
  size_t per_day = Arg(call.args, "date").empty() ? 3 : limit;
  std::vector<std::string> starts;
  std::string day;
  size_t on_day = 0;
  for (const auto& slot : q->slots) {
    if (starts.size() == limit) break;
    std::string this_day = slot.start.substr(0, 10);
    on_day = this_day == day ? on_day + 1 : 1;
    day = this_day;
    if (on_day <= per_day) starts.push_back(slot.start);
  }
  // "Free on Friday December 4 at 9 AM or …" / "Free in the next 7 days: Friday December 4 …"
  std::string text = FreeText(*q, starts) + " To book, pass one of these as startTime:";
  for (size_t i = 0; i < starts.size(); ++i) text += (i ? ", " : " ") + starts[i];
  return {true, text + "."};
}

// The contact's live appointment on `calendar` at `date` + `minutes` (its local clock), or
// nullopt: a caller who rings back for the slot they already hold hears "already booked",
// not "not free".
std::optional<json> HeldAt(const ops::Context& ctx, const FunctionCall& call,
                           const std::string& calendar, const std::string& date, int minutes) {
  auto found = ContactOf(ctx, call);
  if (!found.ok() || !found->has_value()) return std::nullopt;
  auto held = ops::ListContactAppointments(ctx, (**found).value("id", ""));
  if (!held.ok()) return std::nullopt;
  for (const auto& a : *held) {
    std::string status = a.value("appointmentStatus", a.value("appoinmentStatus", ""));
    std::string start = a.value("startTime", "");
    if (a.value("calendarId", "") == calendar && status != "cancelled" && status != "invalid" &&
        start.substr(0, 10) == date && LocalMinutes(start) == minutes) {
      json out = a;
      out["contactName"] = NameOf(**found);
      out["contactId"] = (**found).value("id", "");
      return out;
    }
  }
  return std::nullopt;
}

Outcome BookAppointment(const ops::Context& ctx, const FunctionCall& call, int64_t now_ms) {
  auto calendar = CalendarOf(ctx, call);
  if (!calendar.ok()) return Fail(Describe(calendar.error()));
  // The slot: startTime, else date + time in the calendar's zone matched to a free slot.
  std::string start = Arg(call.args, "startTime");
  if (start.empty()) {
    std::string date = Arg(call.args, "date"), time = Arg(call.args, "time");
    if (date.empty() || time.empty()) {
      return Fail("Say which slot: pass startTime from check_availability, or date and time.");
    }
    auto minutes = ParseClock(time);
    if (!minutes)
      return Fail("time '" + time + "' is not a time of day; use e.g. 14:30 or 2:30 PM.");
    auto q = FindSlots(ctx, *calendar, call.args, now_ms);
    if (!q.ok()) return Fail(Describe(q.error()));
    for (const auto& s : q->slots) {
      if (LocalMinutes(s.start) == *minutes) start = s.start;
    }
    if (start.empty()) {
      if (auto held = HeldAt(ctx, call, *calendar, Arg(call.args, "date"), *minutes)) {
        return {true, "Already booked: " + PhraseSlots({held->value("startTime", "")}) + " for " +
                          held->value("contactName", "") + " (appointment id " +
                          held->value("id", "") + ", contactId " + held->value("contactId", "") +
                          ")."};
      }
      std::vector<std::string> starts;
      for (size_t i = 0; i < q->slots.size() && i < 6; ++i) starts.push_back(q->slots[i].start);
      return Fail("That time is not free. " +
                  (starts.empty() ? NoFreeText(*q) : FreeText(*q, starts)));
    }
  } else if (!ops::ParseIsoMs(start)) {
    return Fail("startTime '" + start +
                "' is not an ISO 8601 time; pass one from "
                "check_availability.");
  }
  // The contact: contactId or the phone; a caller not in GHL yet is created with the name.
  auto found = ContactOf(ctx, call);
  if (!found.ok()) return Fail(Describe(found.error()));
  json contact;
  if (found->has_value()) {
    contact = **found;
  } else {
    std::string name = Arg(call.args, "name");
    std::string first = Arg(call.args, "firstName"), last = Arg(call.args, "lastName");
    if (first.empty() && !name.empty()) {
      size_t space = name.find(' ');
      first = name.substr(0, space);
      if (space != std::string::npos) last = name.substr(space + 1);
    }
    if (first.empty()) {
      return Fail("No contact has the phone " + PhoneOf(call) +
                  "; pass the caller's name to create one.");
    }
    ops::ContactWrite w;
    w.fields = {{"firstName", first}, {"phone", PhoneOf(call)}, {"source", "voice agent"}};
    if (!last.empty()) w.fields["lastName"] = last;
    if (auto email = Arg(call.args, "email"); !email.empty()) w.fields["email"] = email;
    auto created = ops::CreateContact(ctx, w);
    if (!created.ok()) return Fail(Describe(created.error()));
    contact = *created;
  }
  auto booked = ops::BookAppointmentOnce(ctx, {.calendar_id = *calendar,
                                               .contact_id = contact.value("id", ""),
                                               .start_time = start,
                                               .title = Arg(call.args, "title")});
  if (!booked.ok()) {
    const Error& e = booked.error();
    if (e.http_status == 422) {
      return Fail("That time is no longer available; check availability again. (" + e.Summary() +
                  ")");
    }
    return Fail(Describe(e));
  }
  std::string when = PhraseSlots({booked->appointment.value("startTime", start)});
  if (when.empty()) when = PhraseSlots({start});
  return {true, std::string(booked->created ? "Booked " : "Already booked: ") + when + " for " +
                    NameOf(contact) + " (appointment id " + booked->appointment.value("id", "") +
                    ", contactId " + contact.value("id", "") + ")."};
}

Outcome LogCallOutcome(const ops::Context& ctx, const AgentOptions& options,
                       const FunctionCall& call) {
  std::string outcome = Arg(call.args, "outcome"), note = Arg(call.args, "note");
  std::string stage = Arg(call.args, "stage");
  auto listed = ArgList(call.args, "tags");
  if (!listed.ok()) return Fail(listed.error().messages[0] + "; pass tags as a list of words.");
  const std::vector<std::string>& tags = *listed;
  if (outcome.empty() && note.empty() && stage.empty() && tags.empty()) {
    return Fail("Nothing to log: pass outcome, tags, note or stage.");
  }
  auto found = ContactOf(ctx, call);
  if (!found.ok()) return Fail(Describe(found.error()));
  if (!found->has_value()) return Fail("No contact has the phone " + PhoneOf(call) + ".");
  std::string id = (**found).value("id", "");
  std::vector<std::string> done;
  auto failed = [&](const std::string& what, const Error& e) {
    std::string text = done.empty() ? "" : "Logged " + JoinDone(done) + ", but ";
    return Fail(text + "could not " + what + ": " + Describe(e));
  };
  if (!outcome.empty()) {
    std::string field = Arg(call.args, "field");
    ops::ContactWrite w;
    w.custom_fields.push_back({field.empty() ? options.outcome_field : field, outcome});
    auto r = ops::UpdateContact(ctx, id, w);
    if (!r.ok()) return failed("save the outcome", r.error());
    done.push_back("outcome '" + outcome + "'");
  }
  if (!tags.empty()) {
    auto r = ops::AddTags(ctx, id, tags);
    if (!r.ok()) return failed("add the tags", r.error());
    std::string list;
    for (size_t i = 0; i < tags.size(); ++i) list += (i ? ", " : "") + tags[i];
    done.push_back("tags " + list);
  }
  if (!note.empty()) {
    auto r = ops::AddNote(ctx, id, note);
    if (!r.ok()) return failed("add the note", r.error());
    done.push_back("a note");
  }
  if (!stage.empty()) {
    auto opps = ops::SearchOpportunities(
        ctx, {.contact_id = id, .pipeline_id = Arg(call.args, "pipelineId"), .status = "open"});
    if (!opps.ok()) return failed("find the opportunity", opps.error());
    const json& list = (*opps)["opportunities"];
    if (!list.is_array() || list.empty()) {
      done.push_back("no stage move (the contact has no open opportunity)");
    } else {
      const json& opp = list[0];
      auto pipelines = ops::ListPipelines(ctx);
      if (!pipelines.ok()) return failed("read the pipelines", pipelines.error());
      std::string stage_id, stage_name, names;
      for (const auto& p : *pipelines) {
        if (p.value("id", "") != opp.value("pipelineId", "")) continue;
        for (const auto& s : p.value("stages", json::array())) {
          std::string sid = s.value("id", ""), sname = s.value("name", "");
          names += (names.empty() ? "" : ", ") + sname;
          if (sid == stage || Lower(sname) == Lower(stage)) {
            stage_id = sid;
            stage_name = sname;
          }
        }
      }
      if (stage_id.empty()) {
        return failed("move the opportunity",
                      UsageError("no stage '" + stage + "' in its pipeline", "stages: " + names));
      }
      auto r = ops::UpdateOpportunity(ctx, opp.value("id", ""), {.stage_id = stage_id});
      if (!r.ok()) return failed("move the opportunity", r.error());
      done.push_back("the opportunity moved to " + stage_name);
    }
  }
  return {true, "Logged " + JoinDone(done) + " for " + NameOf(**found) + "."};
}

}  // namespace

bool IsWrite(const std::string& name) {
  return name == "book_appointment" || name == "log_call_outcome";
}

Outcome RunFunction(const ops::Context& ctx, const AgentOptions& options, int64_t now_ms,
                    const FunctionCall& call) {
  if (!call.problem.empty()) return Fail(call.problem + ".");
  if (call.name == "lookup_caller") return LookupCaller(ctx, call);
  if (call.name == "check_availability") return CheckAvailability(ctx, options, call, now_ms);
  if (call.name == "book_appointment") return BookAppointment(ctx, call, now_ms);
  if (call.name == "log_call_outcome") return LogCallOutcome(ctx, options, call);
  return Fail("Unknown function '" + call.name +
              "'; this server has lookup_caller, check_availability, book_appointment and "
              "log_call_outcome.");
}

}  // namespace ghl::agents::internal
