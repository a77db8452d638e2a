#include "ghl/sync/change_feed.h"

#include <algorithm>

#include "ghl/core/json_depth.h"
#include "ghl/core/time_format.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/opportunities.h"
#include "ghl/sync/schema.h"
#include "rows.h"

namespace ghl::sync {
namespace {

using nlohmann::json;
constexpr const char* kFeedId = "events";

std::string Str(const json& o, std::string_view key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

bool StartsWith(std::string_view s, std::string_view p) { return s.rfind(p, 0) == 0; }

bool NotFound(const Error& e) { return e.kind == ErrorKind::kApi && e.http_status == 404; }

Result<int64_t> Position(Database& db) {
  return QueryInt(db, "SELECT last_event_id FROM change_feed WHERE id = $1", {std::string(kFeedId)},
                  -1);
}

Status SetPosition(Database& db, int64_t id, int64_t applied) {
  return db.Exec(
      "INSERT INTO change_feed (id, last_event_id, applied, updated_at) VALUES ($1, $2, $3, $4) "
      "ON CONFLICT (id) DO UPDATE SET last_event_id = excluded.last_event_id, "
      "applied = change_feed.applied + excluded.applied, updated_at = excluded.updated_at",
      {std::string(kFeedId), id, applied, UtcIsoNow(IsoPrecision::kMilliseconds)});
}

}  // namespace

ChangeFeed::ChangeFeed(const client::Client& client, Database& db, store::EventStore& events,
                       std::vector<std::string> location_ids)
    : client_(client), db_(db), events_(events), location_ids_(std::move(location_ids)) {}

Result<int64_t> ChangeFeed::Anchor() {
  if (auto v = Migrate(db_); !v.ok()) return v.error();
  auto pos = Position(db_);
  if (!pos.ok()) return pos.error();
  if (*pos >= 0) return *pos;
  store::ListFilter newest;
  newest.limit = 1;
  auto top = events_.List(newest);
  if (!top.ok()) return top.error();
  int64_t id = top->empty() ? 0 : top->front().id;
  if (auto st = SetPosition(db_, id, 0); !st.ok()) return st.error();
  return id;
}

Result<FeedBatch> ChangeFeed::ApplyNew(int max_events) {
  auto anchored = Anchor();
  if (!anchored.ok()) return anchored.error();
  int64_t after = *anchored;
  // The store lists newest first: page back to the position, then apply oldest first.
  std::vector<store::Event> pending;
  std::optional<int64_t> before;
  while (true) {
    store::ListFilter f;
    f.limit = 500;
    f.before_id = before;
    auto page = events_.List(f);
    if (!page.ok()) return page.error();
    bool reached = page->empty();
    for (auto& e : *page) {
      if (e.id <= after) {
        reached = true;
        break;
      }
      pending.push_back(std::move(e));
    }
    if (reached) break;
    before = pending.back().id;
  }
  std::reverse(pending.begin(), pending.end());
  if (pending.size() > static_cast<size_t>(max_events))
    pending.resize(static_cast<size_t>(max_events));
  FeedBatch batch;
  batch.last_event_id = after;
  for (const auto& e : pending) {
    bool applied = false;
    if (auto st = ApplyOne(e, &applied); !st.ok()) return st.error();
    (applied ? batch.applied : batch.skipped) += 1;
    batch.last_event_id = e.id;
  }
  return batch;
}

Status ChangeFeed::ApplyOne(const store::Event& event, bool* applied) {
  json body = ParseJsonBounded(event.body);
  std::string location = event.location_id.empty() ? Str(body, "locationId") : event.location_id;
  const std::string& type = event.type;
  bool wanted = !location.empty() &&
                (location_ids_.empty() || std::find(location_ids_.begin(), location_ids_.end(),
                                                    location) != location_ids_.end());
  ops::Context ctx{client_, location, nullptr};
  internal::RowSink sink{db_, location, 0, nullptr};
  // Reads happen before the transaction; the transaction holds the writes and the position.
  std::function<Status()> write;
  if (wanted && StartsWith(type, "Contact") && type != "ContactDelete") {
    std::string id = Str(body, "id");
    auto c = ops::GetContact(ctx, id);
    if (!c.ok() && !NotFound(c.error())) return c.error();
    write = [&, c = std::move(c), id]() -> Status {
      if (!c.ok()) return internal::DeleteRow(db_, "contacts", id);
      return internal::UpsertContact(sink, *c);
    };
  } else if (wanted && type == "ContactDelete") {
    std::string id = Str(body, "id");
    write = [&, id] { return internal::DeleteRow(db_, "contacts", id); };
  } else if (wanted && StartsWith(type, "Opportunity") && type != "OpportunityDelete") {
    std::string id = Str(body, "id");
    auto o = ops::GetOpportunity(ctx, id);
    if (!o.ok() && !NotFound(o.error())) return o.error();
    write = [&, o = std::move(o), id]() -> Status {
      if (!o.ok()) return internal::DeleteRow(db_, "opportunities", id);
      return internal::UpsertOpportunity(sink, *o);
    };
  } else if (wanted && type == "OpportunityDelete") {
    std::string id = Str(body, "id");
    write = [&, id] { return internal::DeleteRow(db_, "opportunities", id); };
  } else if (wanted && (type == "AppointmentCreate" || type == "AppointmentUpdate")) {
    json a = body.value("appointment", json::object());
    std::string id = Str(a, "id");
    auto fresh = ops::GetAppointment(ctx, id);
    if (!fresh.ok() && !NotFound(fresh.error())) return fresh.error();
    write = [&, fresh = std::move(fresh), id]() -> Status {
      if (!fresh.ok()) return internal::DeleteRow(db_, "appointments", id);
      return internal::UpsertAppointment(sink, *fresh);
    };
  } else if (wanted && type == "AppointmentDelete") {
    std::string id = Str(body.value("appointment", json::object()), "id");
    write = [&, id] { return internal::DeleteRow(db_, "appointments", id); };
  } else if (wanted && (type == "InboundMessage" || type == "OutboundMessage")) {
    std::string conv_id = Str(body, "conversationId");
    std::string contact_id = Str(body, "contactId");
    auto page = ops::ListMessages(ctx, conv_id, 20);
    if (!page.ok()) return page.error();
    ops::ConversationSearch search;
    search.contact_id = contact_id;
    search.limit = 100;
    auto convs = ops::SearchConversations(ctx, search);
    if (!convs.ok()) return convs.error();
    json conv;
    for (const auto& c : (*convs)["conversations"]) {
      if (Str(c, "id") == conv_id) conv = c;
    }
    write = [&, page = std::move(page), conv, conv_id]() -> Status {
      if (conv.is_object()) {
        if (auto st = internal::UpsertConversation(sink, conv); !st.ok()) return st;
      }
      for (const auto& m : page->messages) {
        if (auto st = internal::UpsertMessage(sink, m, conv_id); !st.ok()) return st;
      }
      return Ok{};
    };
  }
  *applied = static_cast<bool>(write);
  return InTransaction(db_, [&]() -> Status {
    if (write) {
      if (auto st = write(); !st.ok()) return st;
    }
    return SetPosition(db_, event.id, write ? 1 : 0);
  });
}

}  // namespace ghl::sync
