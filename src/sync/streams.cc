// RunSync: the streams, their paging, checkpoints and sweeps (see sync.h).
#include <algorithm>
#include <chrono>
#include <future>
#include <set>

#include "checkpoint.h"
#include "ghl/ops/calendars.h"
#include "ghl/ops/contacts.h"
#include "ghl/ops/conversations.h"
#include "ghl/ops/locations.h"
#include "ghl/ops/opportunities.h"
#include "ghl/ops/users.h"
#include "ghl/sync/schema.h"
#include "ghl/sync/sync.h"
#include "rows.h"

namespace ghl::sync {
namespace {

using internal::Checkpoint;
using internal::Drift;
using internal::RowSink;
using nlohmann::json;

constexpr int64_t kDayMs = 86400000;
constexpr int64_t kWindowMs = 30 * kDayMs;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Str(const json& o, std::string_view key) {
  if (!o.is_object()) return "";
  auto it = o.find(key);
  return it != o.end() && it->is_string() ? it->get<std::string>() : "";
}

Error StreamError(const std::string& stream, const std::string& location, std::string what) {
  Error e;
  e.kind = ErrorKind::kInternal;
  e.messages.push_back("sync " + stream + " (location " + location + "): " + std::move(what));
  e.hint =
      "the rows before this point are committed; rerun `ghl sync` to resume, or report the "
      "answer that repeats to GHL";
  return e;
}

Error WithStream(Error e, const std::string& stream, const std::string& location) {
  if (!e.messages.empty()) {
    e.messages.front() = "sync " + stream + " (location " + location + "): " + e.messages.front();
  } else {
    e.messages.push_back("sync " + stream + " (location " + location + ") failed");
  }
  return e;
}

// One run over one location.
class Runner {
 public:
  Runner(const client::Client& client, Database& db, const SyncOptions& options,
         std::string location, SyncReport& report, Drift* drift)
      : ctx_{client, location, nullptr},
        db_(db),
        options_(options),
        location_(std::move(location)),
        report_(report),
        drift_(drift) {}

  Status Run(Stream stream) {
    current_ = {location_, std::string(ToString(stream)), 0, 0, 0};
    Status st = Ok{};
    switch (stream) {
      case Stream::kLocations:
        st = Whole(
            "locations", "",
            [&]() -> Result<json> {
              auto l = ops::GetLocation(ctx_);
              if (!l.ok()) return l.error();
              return json::array({*l});
            },
            internal::UpsertLocation);
        break;
      case Stream::kUsers:
        st = Whole(
            "users", "users", [&] { return ops::ListUsers(ctx_); }, internal::UpsertUser);
        break;
      case Stream::kCustomFields:
        st = Whole(
            "custom_fields", "custom_fields", [&] { return ops::ListCustomFields(ctx_, "all"); },
            internal::UpsertCustomField);
        break;
      case Stream::kPipelines:
        st = Whole(
            "pipelines", "pipelines", [&] { return ops::ListPipelines(ctx_); },
            internal::UpsertPipeline);
        break;
      case Stream::kCalendars:
        st = Whole(
            "calendars", "calendars", [&] { return ops::ListCalendars(ctx_); },
            internal::UpsertCalendar);
        if (st.ok()) {
          Finish();
          current_ = {location_, "appointments", 0, 0, 0};
          st = Appointments();
        }
        break;
      case Stream::kContacts:
        st = Contacts();
        break;
      case Stream::kOpportunities:
        st = Opportunities();
        break;
      case Stream::kConversations:
        st = Conversations();
        break;
    }
    if (!st.ok()) return st;
    Finish();
    return Ok{};
  }

 private:
  void Report(bool done) {
    if (options_.progress) {
      options_.progress({location_, current_.stream, current_.rows, current_.pages, done});
    }
  }
  void Finish() {
    Report(true);
    report_.rows += current_.rows;
    report_.pages += current_.pages;
    report_.streams.push_back(current_);
  }
  Status CheckCancelled() {
    if (options_.cancelled && options_.cancelled()) {
      Error e;
      e.kind = ErrorKind::kNetwork;
      e.messages.push_back("sync cancelled during " + current_.stream + " (location " + location_ +
                           "); rerun to resume");
      return e;
    }
    return Ok{};
  }
  RowSink Sink(int64_t pass) { return RowSink{db_, location_, pass, drift_}; }

  // A list read in one call: upserted and swept in one transaction.
  template <typename Fetch, typename Upsert>
  Status Whole(const std::string& stream, const std::string& table, Fetch fetch, Upsert upsert) {
    if (auto st = CheckCancelled(); !st.ok()) return st;
    auto items = fetch();
    ++current_.pages;
    if (!items.ok()) return WithStream(items.error(), stream, location_);
    return InTransaction(db_, [&]() -> Status {
      auto cp = internal::LoadCheckpoint(db_, location_, stream);
      if (!cp.ok()) return cp.error();
      cp->pass += 1;
      RowSink sink = Sink(cp->pass);
      for (const auto& item : *items) {
        if (auto st = upsert(sink, item); !st.ok()) return st;
        ++current_.rows;
      }
      if (!table.empty()) {
        auto gone = internal::Sweep(sink, table);
        if (!gone.ok()) return gone.error();
        current_.deleted += *gone;
      }
      cp->rows += static_cast<int64_t>(items->size());
      cp->in_pass = false;
      cp->full_pass = false;
      return internal::SaveCheckpoint(db_, location_, stream, *cp);
    });
  }

  // Starts a pass when none is under way (or when a full pass is asked for).
  Result<Checkpoint> BeginPass(const std::string& stream, bool always_full, bool reset_cursor) {
    auto cp = internal::LoadCheckpoint(db_, location_, stream);
    if (!cp.ok()) return cp.error();
    bool start = options_.full || !cp->in_pass;
    if (!start) return *cp;  // resume the pass a crash interrupted
    bool full = options_.full || always_full || cp->pass == 0;
    if (!full && !reset_cursor) {
      // Incremental run: continue after the last cursor, no sweep.
      cp->in_pass = true;
      cp->full_pass = false;
    } else {
      cp->pass += 1;
      cp->in_pass = true;
      cp->full_pass = true;
      cp->cursor = "";
    }
    if (auto st = internal::SaveCheckpoint(db_, location_, stream, *cp); !st.ok())
      return st.error();
    return *cp;
  }

  // Ends a pass: sweeps when it was full, in one transaction with the checkpoint.
  Status EndPass(const std::string& stream, const std::string& table, Checkpoint cp,
                 bool keep_cursor) {
    return InTransaction(db_, [&]() -> Status {
      if (cp.full_pass) {
        RowSink sink = Sink(cp.pass);
        auto gone = internal::Sweep(sink, table);
        if (!gone.ok()) return gone.error();
        current_.deleted += *gone;
      }
      cp.in_pass = false;
      cp.full_pass = false;
      if (!keep_cursor) cp.cursor = "";
      return internal::SaveCheckpoint(db_, location_, stream, cp);
    });
  }

  // Guards against a server that answers the same page forever or cycles.
  Status Advance(const std::string& stream, const std::string& sent, const std::string& next,
                 std::set<std::string>& seen) {
    if (next == sent) {
      return StreamError(stream, location_,
                         "the cursor did not advance (the server answered the cursor " + next +
                             " for it); stopped");
    }
    if (!seen.insert(next).second) {
      return StreamError(stream, location_, "the cursor " + next + " came back (a cycle); stopped");
    }
    return Ok{};
  }

  Status Contacts() {
    const std::string stream = "contacts";
    auto cp = BeginPass(stream, false, false);
    if (!cp.ok()) return cp.error();
    std::set<std::string> seen;
    // The next page is fetched while this one is written: throughput is the slower of GHL and
    // the database, not their sum. The client is thread-safe; pacing and budget still apply.
    auto fetch = [this](json after) {
      return std::async(std::launch::async, [this, after = std::move(after)] {
        return ops::ListContactsByUpdate(ctx_, after, options_.page_size);
      });
    };
    auto ahead =
        fetch(cp->cursor.empty() ? json::array() : json::parse(cp->cursor, nullptr, false));
    while (true) {
      if (auto st = CheckCancelled(); !st.ok()) return st;
      auto page = ahead.get();
      ++current_.pages;
      if (!page.ok()) return WithStream(page.error(), stream, location_);
      if (page->empty()) break;
      const json& last_cursor =
          page->back().contains("searchAfter") ? page->back()["searchAfter"] : json();
      if (!last_cursor.is_array() || last_cursor.empty()) {
        return StreamError(stream, location_, "a page ended with a contact without searchAfter");
      }
      std::string next = last_cursor.dump();
      if (auto st = Advance(stream, cp->cursor, next, seen); !st.ok()) return st;
      ahead = fetch(last_cursor);
      Status st = InTransaction(db_, [&]() -> Status {
        RowSink sink = Sink(cp->pass);
        internal::Batch batch;
        sink.batch = &batch;
        for (const auto& c : *page) {
          if (auto s = internal::UpsertContact(sink, c); !s.ok()) return s;
        }
        if (auto s = internal::Flush(sink); !s.ok()) return s;
        cp->cursor = next;
        cp->rows += static_cast<int64_t>(page->size());
        return internal::SaveCheckpoint(db_, location_, stream, *cp);
      });
      if (!st.ok()) return st;
      current_.rows += static_cast<int64_t>(page->size());
      Report(false);
    }
    return EndPass(stream, "contacts", *cp, /*keep_cursor=*/true);
  }

  Status Opportunities() {
    const std::string stream = "opportunities";
    auto cp = BeginPass(stream, true, true);
    if (!cp.ok()) return cp.error();
    std::set<std::string> seen;
    while (true) {
      if (auto st = CheckCancelled(); !st.ok()) return st;
      ops::OpportunitySearch search;
      search.status = "all";
      search.limit = options_.page_size;
      if (!cp->cursor.empty()) {
        json c = json::parse(cp->cursor, nullptr, false);
        search.start_after = c.is_object() ? c.value("startAfter", "") : "";
        search.start_after_id = c.is_object() ? c.value("startAfterId", "") : "";
      }
      auto page = ops::SearchOpportunities(ctx_, search);
      ++current_.pages;
      if (!page.ok()) return WithStream(page.error(), stream, location_);
      const json& items = (*page)["opportunities"];
      if (items.empty()) break;
      const json& meta = (*page)["meta"];
      json sa = meta.is_object() ? meta.value("startAfter", json()) : json();
      std::string next_after = sa.is_number()   ? std::to_string(sa.get<int64_t>())
                               : sa.is_string() ? sa.get<std::string>()
                                                : "";
      std::string next_id = Str(meta, "startAfterId");
      std::string next;
      if (!next_id.empty()) {
        next = json{{"startAfter", next_after}, {"startAfterId", next_id}}.dump();
        if (auto st = Advance(stream, cp->cursor, next, seen); !st.ok()) return st;
      }
      Status st = InTransaction(db_, [&]() -> Status {
        RowSink sink = Sink(cp->pass);
        internal::Batch batch;
        sink.batch = &batch;
        for (const auto& o : items) {
          if (auto s = internal::UpsertOpportunity(sink, o); !s.ok()) return s;
        }
        if (auto s = internal::Flush(sink); !s.ok()) return s;
        cp->cursor = next;
        cp->rows += static_cast<int64_t>(items.size());
        return internal::SaveCheckpoint(db_, location_, stream, *cp);
      });
      if (!st.ok()) return st;
      current_.rows += static_cast<int64_t>(items.size());
      Report(false);
      if (next.empty()) break;  // GHL's end of data: no cursor for a next page
    }
    return EndPass(stream, "opportunities", *cp, false);
  }

  Status Appointments() {
    const std::string stream = "appointments";
    int64_t now = NowMs();
    int64_t from =
        options_.appointments_from_ms ? options_.appointments_from_ms : now - 730 * kDayMs;
    int64_t to = options_.appointments_to_ms ? options_.appointments_to_ms : now + 365 * kDayMs;
    auto cals =
        db_.Query("SELECT id FROM calendars WHERE location_id = $1 ORDER BY id", {location_});
    if (!cals.ok()) return cals.error();
    auto cp = BeginPass(stream, true, true);
    if (!cp.ok()) return cp.error();
    // Cursor: {"calendar": id, "from": ms} = the next window to read.
    std::string cal_cursor;
    int64_t win_cursor = from;
    if (!cp->cursor.empty()) {
      json c = json::parse(cp->cursor, nullptr, false);
      if (c.is_object()) {
        cal_cursor = c.value("calendar", "");
        win_cursor = c.value("from", from);
      }
    }
    for (const auto& row : *cals) {
      const std::string cal = row[0].value_or("");
      if (!cal_cursor.empty() && cal < cal_cursor) continue;  // done before the crash
      int64_t start = (cal == cal_cursor) ? win_cursor : from;
      for (int64_t w = start; w <= to; w += kWindowMs) {
        if (auto st = CheckCancelled(); !st.ok()) return st;
        int64_t w_end = std::min(to, w + kWindowMs - 1);
        auto events = ops::ListEvents(ctx_, cal, w, w_end);
        ++current_.pages;
        if (!events.ok()) return WithStream(events.error(), stream, location_);
        Status st = InTransaction(db_, [&]() -> Status {
          RowSink sink = Sink(cp->pass);
          for (const auto& a : *events) {
            if (auto s = internal::UpsertAppointment(sink, a); !s.ok()) return s;
          }
          cp->cursor = json{{"calendar", cal}, {"from", w + kWindowMs}}.dump();
          cp->rows += static_cast<int64_t>(events->size());
          return internal::SaveCheckpoint(db_, location_, stream, *cp);
        });
        if (!st.ok()) return st;
        current_.rows += static_cast<int64_t>(events->size());
        Report(false);
      }
    }
    return EndPass(stream, "appointments", *cp, false);
  }

  // The conversation's messages, newest first, down to the first one already stored (all of
  // them in a full pass).
  Result<json> Messages(const std::string& conversation_id, bool all) {
    json out = json::array();
    std::string last;
    std::set<std::string> seen;
    while (true) {
      if (auto st = CheckCancelled(); !st.ok()) return st.error();
      auto page = ops::ListMessages(ctx_, conversation_id, options_.message_page_size, last);
      ++current_.pages;
      if (!page.ok()) return WithStream(page.error(), "messages", location_);
      bool reached_known = false;
      for (const auto& m : page->messages) {
        if (!all) {
          auto known = internal::HasMessage(db_, Str(m, "id"));
          if (!known.ok()) return known.error();
          if (*known) {
            reached_known = true;
            break;
          }
        }
        out.push_back(m);
      }
      if (reached_known || page->messages.empty() || !page->next_page ||
          page->last_message_id.empty()) {
        break;
      }
      std::string next = page->last_message_id;
      if (next == last) {
        return StreamError("messages", location_,
                           "conversation " + conversation_id +
                               ": the lastMessageId cursor did not advance (" + next +
                               " answered for itself); stopped");
      }
      if (!seen.insert(next).second) {
        return StreamError("messages", location_,
                           "conversation " + conversation_id + ": the lastMessageId cursor " +
                               next + " came back (a cycle); stopped");
      }
      last = next;
    }
    return out;
  }

  Status Conversations() {
    const std::string stream = "conversations";
    auto cp = BeginPass(stream, false, false);
    if (!cp.ok()) return cp.error();
    std::set<std::string> seen;
    while (true) {
      if (auto st = CheckCancelled(); !st.ok()) return st;
      ops::ConversationSearch search;
      search.sort = "asc";
      search.limit = options_.page_size;
      search.start_after_date = cp->cursor.empty() ? 0 : std::stoll(cp->cursor);
      auto page = ops::SearchConversations(ctx_, search);
      ++current_.pages;
      if (!page.ok()) return WithStream(page.error(), stream, location_);
      const json& items = (*page)["conversations"];
      if (items.empty()) break;
      // The cursor is the last conversation's lastMessageDate − 1: GHL's startAfterDate is
      // strict, so conversations sharing that date across the page boundary are read again
      // (an upsert) instead of skipped. A page that cannot move it: the end when short (every
      // conversation of that date came back), else stuck.
      const std::string sent = cp->cursor;
      auto last_date = items.back().contains("lastMessageDate")
                           ? internal::TimeMs(items.back()["lastMessageDate"])
                           : std::nullopt;
      if (!last_date) {
        return StreamError(stream, location_,
                           "a page ended with a conversation without lastMessageDate");
      }
      if (std::to_string(*last_date - 1) == sent) {
        if (static_cast<int>(items.size()) < options_.page_size) break;
        return StreamError(stream, location_,
                           "the startAfterDate cursor did not advance (a full page of "
                           "conversations with lastMessageDate " +
                               std::to_string(*last_date) + "); stopped");
      }
      for (const auto& c : items) {
        std::string id = Str(c, "id");
        auto msgs = Messages(id, cp->full_pass);
        if (!msgs.ok()) return msgs.error();
        auto date =
            c.contains("lastMessageDate") ? internal::TimeMs(c["lastMessageDate"]) : std::nullopt;
        std::string next = date ? std::to_string(*date - 1) : cp->cursor;
        Status st = InTransaction(db_, [&]() -> Status {
          RowSink sink = Sink(cp->pass);
          if (auto s = internal::UpsertConversation(sink, c); !s.ok()) return s;
          std::set<std::string> fetched;
          for (const auto& m : *msgs) {
            fetched.insert(Str(m, "id"));
            if (auto s = internal::UpsertMessage(sink, m, id); !s.ok()) return s;
          }
          if (cp->full_pass) {
            auto have = db_.Query("SELECT id FROM messages WHERE conversation_id = $1", {id});
            if (!have.ok()) return have.error();
            for (const auto& r : *have) {
              if (fetched.count(*r[0])) continue;
              if (auto s = internal::DeleteRow(db_, "messages", *r[0]); !s.ok()) return s;
              if (drift_) ++drift_->deleted["messages"];
            }
          }
          cp->cursor = next;
          cp->rows += 1 + static_cast<int64_t>(msgs->size());
          return internal::SaveCheckpoint(db_, location_, stream, *cp);
        });
        if (!st.ok()) return st;
        current_.rows += 1 + static_cast<int64_t>(msgs->size());
      }
      Report(false);
    }
    return EndPass(stream, "conversations", *cp, /*keep_cursor=*/true);
  }

  ops::Context ctx_;
  Database& db_;
  const SyncOptions& options_;
  std::string location_;
  SyncReport& report_;
  Drift* drift_;
  StreamReport current_;
};

}  // namespace

std::string_view ToString(Stream stream) {
  switch (stream) {
    case Stream::kLocations:
      return "locations";
    case Stream::kUsers:
      return "users";
    case Stream::kCustomFields:
      return "custom_fields";
    case Stream::kPipelines:
      return "pipelines";
    case Stream::kContacts:
      return "contacts";
    case Stream::kOpportunities:
      return "opportunities";
    case Stream::kCalendars:
      return "calendars";
    case Stream::kConversations:
      return "conversations";
  }
  return "";
}

const std::vector<Stream>& AllStreams() {
  static const std::vector<Stream> kAll = {
      Stream::kLocations, Stream::kUsers,         Stream::kCustomFields, Stream::kPipelines,
      Stream::kContacts,  Stream::kOpportunities, Stream::kCalendars,    Stream::kConversations};
  return kAll;
}

Result<std::vector<Stream>> ParseStreams(std::string_view list) {
  std::vector<Stream> out;
  size_t start = 0;
  while (start <= list.size()) {
    size_t comma = list.find(',', start);
    std::string name(
        list.substr(start, comma == std::string_view::npos ? list.npos : comma - start));
    start = comma == std::string_view::npos ? list.size() + 1 : comma + 1;
    name.erase(0, name.find_first_not_of(' '));
    name.erase(name.find_last_not_of(' ') + 1);
    if (name.empty()) continue;
    std::replace(name.begin(), name.end(), '-', '_');
    if (name == "all") return AllStreams();
    if (name == "appointments") name = "calendars";
    if (name == "messages") name = "conversations";
    if (name == "stages") name = "pipelines";
    bool found = false;
    for (Stream s : AllStreams()) {
      if (ToString(s) == name) {
        if (std::find(out.begin(), out.end(), s) == out.end()) out.push_back(s);
        found = true;
      }
    }
    if (!found) {
      std::string known;
      for (Stream s : AllStreams()) known += (known.empty() ? "" : ", ") + std::string(ToString(s));
      return UsageError(
          "--streams: unknown stream '" + name + "'",
          "use a comma-separated list of: " + known + " (also appointments, messages, all)");
    }
  }
  if (out.empty()) return UsageError("--streams is empty", "name at least one stream, or all");
  // Sync order: definitions first.
  std::sort(out.begin(), out.end());
  return out;
}

Result<SyncReport> RunSync(const client::Client& client, Database& db, const SyncOptions& options) {
  if (options.page_size < 1 || options.page_size > 100) {
    return UsageError("page size " + std::to_string(options.page_size) + " is outside 1..100");
  }
  if (options.message_page_size < 1 || options.message_page_size > 100) {
    return UsageError("message page size " + std::to_string(options.message_page_size) +
                      " is outside 1..100");
  }
  if (auto v = Migrate(db); !v.ok()) return v.error();
  std::vector<std::string> locations = options.location_ids;
  if (locations.empty()) {
    ops::Context ctx{client, "", nullptr};
    auto list = ops::ListLocations(ctx);
    if (!list.ok()) return list.error();
    for (const auto& l : *list) {
      if (!Str(l, "id").empty()) locations.push_back(Str(l, "id"));
    }
    if (locations.empty()) {
      return UsageError("no location to sync", "give --location ID (or set GHL_LOCATION_ID)");
    }
  }
  const std::vector<Stream>& streams = options.streams.empty() ? AllStreams() : options.streams;
  SyncReport report;
  Drift drift;
  for (const auto& location : locations) {
    Runner runner(client, db, options, location, report, options.full ? &drift : nullptr);
    for (Stream s : streams) {
      if (auto st = runner.Run(s); !st.ok()) return st.error();
    }
  }
  report.drift = drift.Describe();
  report.drift_rows = drift.total();
  return report;
}

}  // namespace ghl::sync
