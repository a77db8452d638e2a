#include "ghl/sync/change_feed.h"

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

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
// Records read from GHL at once while applying a batch (the client paces them).
constexpr size_t kConcurrentReads = 8;

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

// What one event does: `read` (may be empty) calls GHL outside the transaction; `write` applies
// its answer inside it, into `batch` (rows sent together at the end). Events of one record
// share the read of the first (`same_as`); only the last one of a record writes (they would
// all write the same: the record as read).
struct ChangeFeed::Change {
  bool wanted = false;
  std::string key;  // "<table>/<id>"
  std::function<Result<json>()> read;
  std::function<Status(const Result<json>&, internal::Batch*)> write;
  Result<json> result = json();
  std::optional<size_t> same_as;
};

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
  if (pending.empty()) return batch;

  // Reads first, several at once (each is a call to GHL: the feed's cost), one per record even
  // when the batch holds several events of it (each read returns the record as it is now).
  std::vector<Change> changes(pending.size());
  std::map<std::string, size_t> first_of;  // read key → the change that reads it
  std::vector<size_t> readers;
  for (size_t i = 0; i < pending.size(); ++i) {
    changes[i] = Plan(pending[i]);
    if (!changes[i].read) continue;
    auto [it, fresh] = first_of.emplace(changes[i].key, i);
    if (fresh) {
      readers.push_back(i);
    } else {
      changes[i].same_as = it->second;
    }
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t k = next++; k < readers.size(); k = next++) {
      Change& c = changes[readers[k]];
      c.result = c.read();
    }
  };
  size_t workers = std::min(readers.size(), kConcurrentReads);
  std::vector<std::thread> threads;
  for (size_t w = 1; w < workers; ++w) threads.emplace_back(work);
  work();
  for (auto& t : threads) t.join();

  // Then one transaction: every change in event order and the position after the last one
  // applied. A read that failed (other than 404) stops there: the position stays before it.
  size_t usable = changes.size();
  std::optional<Error> failure;
  for (size_t i = 0; i < changes.size(); ++i) {
    const Change& c = changes[i].same_as ? changes[*changes[i].same_as] : changes[i];
    if (changes[i].read && !c.result.ok()) {
      usable = i;
      failure = c.result.error();
      break;
    }
  }
  if (usable > 0) {
    std::map<std::string, size_t> last_of;  // key → the last change of that record
    for (size_t i = 0; i < usable; ++i) {
      if (changes[i].wanted) last_of[changes[i].key] = i;
    }
    Status st = InTransaction(db_, [&]() -> Status {
      int64_t applied = 0;
      internal::Batch rows;
      for (size_t i = 0; i < usable; ++i) {
        Change& c = changes[i];
        if (!c.wanted) continue;
        ++applied;
        if (last_of[c.key] != i) continue;
        const Change& source = c.same_as ? changes[*c.same_as] : c;
        if (auto w = c.write(source.result, &rows); !w.ok()) return w;
      }
      internal::RowSink flush{db_, "", 0, nullptr};
      flush.batch = &rows;
      if (auto f = internal::Flush(flush); !f.ok()) return f;
      return SetPosition(db_, pending[usable - 1].id, applied);
    });
    if (!st.ok()) return st.error();
    for (size_t i = 0; i < usable; ++i) (changes[i].wanted ? batch.applied : batch.skipped) += 1;
    batch.last_event_id = pending[usable - 1].id;
  }
  if (failure) return *failure;
  return batch;
}

ChangeFeed::Change ChangeFeed::Plan(const store::Event& event) {
  json body = ParseJsonBounded(event.body);
  std::string location = event.location_id.empty() ? Str(body, "locationId") : event.location_id;
  const std::string& type = event.type;
  Change c;
  c.wanted = !location.empty() &&
             (location_ids_.empty() || std::find(location_ids_.begin(), location_ids_.end(),
                                                 location) != location_ids_.end());
  if (!c.wanted) return c;
  ops::Context ctx{client_, location, nullptr};
  auto sink = [this, location](internal::Batch* batch) {
    internal::RowSink s{db_, location, 0, nullptr};
    s.batch = batch;
    return s;
  };
  // A read answering 404 means the record is gone: the write deletes its row.
  auto reread = [](const char* table, const std::string& id, auto read_fn, auto upsert) {
    Change r;
    r.wanted = true;
    r.key = std::string(table) + "/" + id;
    r.read = [read_fn]() -> Result<json> {
      auto got = read_fn();
      if (!got.ok() && NotFound(got.error())) return json();  // null = gone
      return got;
    };
    r.write = [upsert, table, id](const Result<json>& got, internal::Batch* batch) -> Status {
      if (got->is_null()) return upsert(nullptr, table, id, batch);
      return upsert(&*got, table, id, batch);
    };
    return r;
  };
  if (StartsWith(type, "Contact") && type != "ContactDelete") {
    std::string id = Str(body, "id");
    c = reread(
        "contacts", id, [ctx, id] { return ops::GetContact(ctx, id); },
        [this, sink](const json* record, const char* table, const std::string& rid,
                     internal::Batch* batch) {
          if (!record) return internal::DeleteRow(db_, table, rid);
          auto s = sink(batch);
          return internal::UpsertContact(s, *record);
        });
  } else if (type == "ContactDelete") {
    std::string id = Str(body, "id");
    c.key = "contacts/" + id;
    c.write = [this, id](const Result<json>&, internal::Batch*) {
      return internal::DeleteRow(db_, "contacts", id);
    };
  } else if (StartsWith(type, "Opportunity") && type != "OpportunityDelete") {
    std::string id = Str(body, "id");
    c = reread(
        "opportunities", id, [ctx, id] { return ops::GetOpportunity(ctx, id); },
        [this, sink](const json* record, const char* table, const std::string& rid,
                     internal::Batch* batch) {
          if (!record) return internal::DeleteRow(db_, table, rid);
          auto s = sink(batch);
          return internal::UpsertOpportunity(s, *record);
        });
  } else if (type == "OpportunityDelete") {
    std::string id = Str(body, "id");
    c.key = "opportunities/" + id;
    c.write = [this, id](const Result<json>&, internal::Batch*) {
      return internal::DeleteRow(db_, "opportunities", id);
    };
  } else if (type == "AppointmentCreate" || type == "AppointmentUpdate") {
    std::string id = Str(body.value("appointment", json::object()), "id");
    c = reread(
        "appointments", id, [ctx, id] { return ops::GetAppointment(ctx, id); },
        [this, sink](const json* record, const char* table, const std::string& rid,
                     internal::Batch* batch) {
          if (!record) return internal::DeleteRow(db_, table, rid);
          auto s = sink(batch);
          return internal::UpsertAppointment(s, *record);
        });
  } else if (type == "AppointmentDelete") {
    std::string id = Str(body.value("appointment", json::object()), "id");
    c.key = "appointments/" + id;
    c.write = [this, id](const Result<json>&, internal::Batch*) {
      return internal::DeleteRow(db_, "appointments", id);
    };
  } else if (type == "InboundMessage" || type == "OutboundMessage") {
    // The conversation's newest message page and the conversation, read again.
    std::string conv_id = Str(body, "conversationId");
    std::string contact_id = Str(body, "contactId");
    c.key = "conversations/" + conv_id;
    c.read = [ctx, conv_id, contact_id]() -> Result<json> {
      auto page = ops::ListMessages(ctx, conv_id, 20);
      if (!page.ok()) return page.error();
      ops::ConversationSearch search;
      search.contact_id = contact_id;
      search.limit = 100;
      auto convs = ops::SearchConversations(ctx, search);
      if (!convs.ok()) return convs.error();
      json conv;
      for (const auto& x : (*convs)["conversations"]) {
        if (Str(x, "id") == conv_id) conv = x;
      }
      return json{{"conversation", conv}, {"messages", page->messages}};
    };
    c.write = [sink, conv_id](const Result<json>& got, internal::Batch* batch) -> Status {
      auto s = sink(batch);
      const json& conv = (*got)["conversation"];
      if (conv.is_object()) {
        if (auto st = internal::UpsertConversation(s, conv); !st.ok()) return st;
      }
      for (const auto& m : (*got)["messages"]) {
        if (auto st = internal::UpsertMessage(s, m, conv_id); !st.ok()) return st;
      }
      return Ok{};
    };
  } else {
    c.wanted = false;  // a type the tables do not follow
  }
  // An event naming no record (a malformed body) has nothing to apply: skipped, so it cannot
  // hold the feed back forever.
  if (c.wanted && (c.key.empty() || c.key.back() == '/')) c = Change{};
  return c;
}

}  // namespace ghl::sync
