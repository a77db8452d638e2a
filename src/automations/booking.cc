// Cookbook 2.3: on the `book-now` tag, book the first free slot and confirm by SMS, once.
#include <algorithm>

#include "event_contact.h"
#include "ghl/ops/calendars.h"
#include "template.h"
#include "util.h"

namespace ghl::automations {
namespace {

constexpr std::string_view kInactiveStatuses[] = {"cancelled", "noshow", "invalid"};

// "2025-01-07T09:00:00-05:00" → "2025-01-07 09:00 (UTC-05:00)"; "…Z" → "… (UTC)".
std::string FormatStart(const std::string& iso) {
  if (iso.size() < 16 || iso[10] != 'T') return iso;
  std::string out = iso.substr(0, 10) + " " + iso.substr(11, 5);
  size_t zone = iso.find_first_of("Z+-", 19);
  if (zone == std::string::npos) return out;
  std::string offset = iso.substr(zone);
  return out + (offset == "Z" || offset == "+00:00" ? " (UTC)" : " (UTC" + offset + ")");
}

// The payload's tags, when it carries them, decide cheaply that there is nothing to do; when
// it says book-now, the API decides (the payload may be stale or a duplicate).
bool PayloadRulesOut(const IncomingEvent& event, std::string_view tag) {
  auto it = event.body.find("tags");
  if (it == event.body.end() || !it->is_array()) return false;
  for (const auto& t : *it) {
    if (t.is_string() && EqualsNoCase(t.get<std::string>(), tag)) return false;
  }
  return true;
}

class Booking final : public Recipe {
 public:
  std::string_view name() const override { return "booking"; }
  bool Handles(std::string_view type) const override {
    return type == "ContactCreate" || type == "ContactUpdate" || type == "ContactTagUpdate";
  }

  Status Run(const IncomingEvent& event, RecipeContext& ctx) override {
    const auto& cfg = ctx.config.booking;
    const std::string& book_now = ctx.config.tags.book_now;
    if (PayloadRulesOut(event, book_now)) return Ok{};
    auto loaded = LoadEventContact(event, ctx, name());
    if (!loaded.ok()) return loaded.error();
    if (!loaded->has_value()) return Ok{};
    const json& contact = **loaded;
    if (!HasTag(contact, book_now)) {
      ctx.Note(name(), "contact has no " + book_now + " tag (now); skipped");
      return Ok{};
    }
    std::string contact_id = Str(contact, "id");
    auto existing = UpcomingAppointment(ctx, contact_id);
    if (!existing.ok()) return existing.error();
    json appointment = *existing;
    if (!appointment.is_null()) {
      ctx.Note(name(), "appointment exists: " + Str(appointment, "id"));
    } else {
      auto booked = Book(ctx, contact);
      if (!booked.ok()) return booked.error();
      appointment = *booked;
      ctx.Note(name(), "booked appointment " + Str(appointment, "id") + " at " +
                           Str(appointment, "startTime"));
    }
    if (cfg.send_sms) {
      if (auto st = Confirm(ctx, contact, appointment); !st.ok()) return st;
    }
    if (cfg.remove_trigger_tag) {
      if (auto st = RemoveTags(ctx, contact_id, {book_now}); !st.ok()) {
        return Context(st.error(), "remove tag " + book_now);
      }
      ctx.Note(name(), "removed tag " + book_now);
    }
    return Ok{};
  }

 private:
  // The contact's active appointment in the calendar starting after now - 2 h, or null.
  Result<json> UpcomingAppointment(RecipeContext& ctx, const std::string& contact_id) {
    const auto& cfg = ctx.config.booking;
    auto from = ctx.now - std::chrono::hours(2);
    auto to = ctx.now + std::chrono::hours(24 * (cfg.search_days + 1));
    auto r = ops::ListEvents(Ops(ctx), ctx.ids.calendar_id, EpochMs(from), EpochMs(to));
    if (!r.ok()) return Context(r.error(), "list calendar events");
    for (const auto& e : *r) {
      if (Str(e, "contactId") != contact_id) continue;
      std::string status = Str(e, "appointmentStatus");
      if (std::find(std::begin(kInactiveStatuses), std::end(kInactiveStatuses), status) !=
          std::end(kInactiveStatuses)) {
        continue;
      }
      return e;
    }
    return json();
  }

  Result<json> Book(RecipeContext& ctx, const json& contact) {
    const auto& cfg = ctx.config.booking;
    auto earliest = ctx.now + cfg.min_notice;
    auto latest = ctx.now + std::chrono::hours(24 * cfg.search_days);
    auto r = ops::FreeSlots(Ops(ctx), {.calendar_id = ctx.ids.calendar_id,
                                       .start_ms = EpochMs(earliest),
                                       .end_ms = EpochMs(latest),
                                       .timezone = cfg.timezone});
    if (!r.ok()) return Context(r.error(), "get free slots");
    const std::vector<ops::Slot>& slots = *r;
    if (slots.empty()) {
      return UsageError("no free slot in calendar '" + ctx.ids.calendar_name + "' in the next " +
                            std::to_string(cfg.search_days) + " days",
                        "open more hours in the calendar or raise search_days; the event is "
                        "retried with backoff");
    }
    // The first slot may be taken between the two calls: try the next ones.
    Error last;
    size_t taken = 0;
    for (size_t i = 0; i < std::min<size_t>(slots.size(), 3); ++i) {
      auto booked = ops::BookAppointment(
          Ops(ctx), {.calendar_id = ctx.ids.calendar_id,
                     .contact_id = Str(contact, "id"),
                     .start_time = slots[i].start,
                     .title = ctx.ids.calendar_name + " with " + DisplayName(contact)});
      if (booked.ok()) return *booked;
      last = booked.error();
      if (last.http_status != 422 && last.http_status != 400) break;
      ++taken;
    }
    if (taken > 0 && taken == std::min<size_t>(slots.size(), 3)) {
      // Every slot tried was refused: taken by other bookings since the free-slots read (a race,
      // e.g. many contacts tagged at once). Fresh slots on the next attempt will do, so this
      // is a conflict to retry, not a permanent refusal that dead-letters the event at once.
      Error conflict;
      conflict.kind = ErrorKind::kApi;
      conflict.http_status = 409;
      conflict.trace_id = last.trace_id;
      conflict.messages.push_back("book appointment: all " + std::to_string(taken) +
                                  " free slots tried were refused (taken meanwhile?); GHL's last "
                                  "answer: " +
                                  last.Summary());
      conflict.hint = "retried later with fresh free slots";
      return conflict;
    }
    return Context(last, "book appointment");
  }

  Status Confirm(RecipeContext& ctx, const json& contact, const json& appointment) {
    const auto& cfg = ctx.config.booking;
    std::string contact_id = Str(contact, "id");
    std::string appointment_id = Str(appointment, "id");
    auto vars = ContactVars(contact);
    vars["calendar"] = ctx.ids.calendar_name;
    vars["start"] = FormatStart(Str(appointment, "startTime"));
    std::string text = Render(cfg.sms_template, vars);
    std::string key = "sms:booking-confirmation:" + ctx.ids.location_id + ":" + appointment_id;
    auto done = RunOnce(
        ctx, key,
        [&](bool resumed) -> Result<std::optional<std::string>> {
          if (!resumed) return std::optional<std::string>();
          // A worker died between sending and recording: look for the message itself.
          auto sent = HasOutboundMessage(ctx, contact_id, text);
          if (!sent.ok()) return sent.error();
          return *sent ? std::optional<std::string>("sent") : std::optional<std::string>();
        },
        [&](bool) -> Result<std::string> {
          auto id = SendMessage(ctx, contact_id, text);
          if (!id.ok()) return Context(id.error(), "send SMS confirmation");
          return *id;
        });
    if (!done.ok()) return done.error();
    ctx.Note(name(), done->already_done || done->found ? "confirmation already sent"
                                                       : "sent SMS confirmation " + done->result);
    return Ok{};
  }
};

}  // namespace

std::unique_ptr<Recipe> MakeBookingRecipe() { return std::make_unique<Booking>(); }

}  // namespace ghl::automations
