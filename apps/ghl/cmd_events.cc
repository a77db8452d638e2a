// `ghl events list|show|tail|retry|replay|stats`: inspect, follow and re-drive the webhook
// events stored by `ghl serve`'s receiver. Thin over ghl::store::EventStore; every subcommand takes
// `--events-db URL|FILE` (default $GHL_EVENTS_DB, else ./ghl-events.db, as `ghl serve`).
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/automations/ledger.h"
#include "ghl/core/db_location.h"
#include "ghl/core/text.h"
#include "ghl/core/time_format.h"
#include "ghl/store/event_store.h"
#include "ghl/webhooks/metrics.h"
#include "ghl/webhooks/receiver.h"
#include "server_text.h"

namespace ghl::cli {

std::string ResolveEventsDb(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("GHL_EVENTS_DB"); env && *env) return env;
  return std::string(kDefaultEventsDb);
}

bool IsPostgresLocation(std::string_view location) { return ghl::IsPostgresLocation(location); }

std::string DescribeEventsDb(const std::string& location) {
  if (IsPostgresLocation(location)) return MaskLocation(location);
  std::string_view path = location;
  if (path.starts_with("sqlite:")) path.remove_prefix(7);
  std::error_code ec;
  auto abs = std::filesystem::absolute(std::filesystem::path(path), ec);
  return ec ? std::string(path) : abs.string();
}

namespace {

using json = nlohmann::json;

struct EventsArgs {
  std::string db;
  bool json = false;
  // list
  std::string state;
  std::string type;
  std::string location;
  int limit = 50;
  int64_t before = 0;
  // show / retry / replay
  int64_t id = 0;
  bool body_only = false;
  // tail
  int interval_ms = 500;
  int64_t from = -1;
  int max_events = 0;
};

int ExitFor(const Error& e) { return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError; }

int Fail(const char* what, const Error& e) {
  PrintError(std::string("ghl events ") + what, e);
  return ExitFor(e);
}

// Opens the store for reading commands; a missing SQLite file is an error (nothing is created).
Result<std::unique_ptr<store::EventStore>> Open(const std::string& flag) {
  std::string location = ResolveEventsDb(flag);
  if (!IsPostgresLocation(location)) {
    std::string_view path = location;
    if (path.starts_with("sqlite:")) path.remove_prefix(7);
    std::error_code ec;
    if (!std::filesystem::exists(std::filesystem::path(path), ec)) {
      return UsageError("no event store at " + DescribeEventsDb(location),
                        "Run `ghl serve` in that directory first (it creates ghl-events.db), or "
                        "pass --events-db FILE|postgresql://… (or set GHL_EVENTS_DB).");
    }
  }
  return store::OpenEventStore(location);
}

std::string Iso(store::UtcTime t) { return FormatUtcIso(t, IsoPrecision::kMilliseconds); }

json OptIso(const std::optional<store::UtcTime>& t) { return t ? json(Iso(*t)) : json(nullptr); }

std::string Dump(const json& j, int indent = 2) {
  return j.dump(indent, ' ', false, json::error_handler_t::replace);
}

json EventJson(const store::Event& e, bool with_body) {
  json j;
  j["id"] = e.id;
  j["type"] = e.type;
  j["routed"] = webhooks::IsKnownEventType(e.type);
  j["state"] = std::string(store::ToString(e.state));
  j["attempts"] = e.attempts;
  j["received_at"] = Iso(e.received_at);
  j["location_id"] = e.location_id;
  j["dedup_key"] = e.dedup_key;
  j["next_attempt_at"] = Iso(e.next_attempt_at);
  j["lease_owner"] = e.lease_owner;
  j["lease_until"] = OptIso(e.lease_until);
  j["processed_at"] = OptIso(e.processed_at);
  j["last_error"] = e.last_error;
  j["body_bytes"] = e.body.size();
  if (with_body) {
    json headers = json::object();
    for (const auto& [name, value] : e.headers) headers[name] = value;
    j["headers"] = std::move(headers);
    j["body"] = e.body;  // invalid UTF-8 is replaced in the output; use --body for the bytes
  }
  return j;
}

// One table cell: on one line, at most `n` bytes, escaped (webhook senders and GHL wrote it).
std::string Clip(std::string s, size_t n) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  s = TerminalSafeLine(s);
  if (s.size() > n) s = s.substr(0, n - 3) + "...";
  return s;
}

// A field of `ghl events show`: on one line and escaped.
std::string Field(const std::string& s) { return TerminalSafeLine(s); }

int RunList(const EventsArgs& args) {
  store::ListFilter filter;
  if (!args.state.empty()) {
    filter.state = store::ParseEventState(args.state);
    if (!filter.state) {
      std::fprintf(stderr,
                   "ghl events list: unknown --state '%s' (pending, processing, done, dead)\n",
                   args.state.c_str());
      return kExitUsage;
    }
  }
  if (!args.type.empty()) filter.type = args.type;
  if (!args.location.empty()) filter.location_id = args.location;
  if (args.before > 0) filter.before_id = args.before;
  filter.limit = args.limit;
  auto store = Open(args.db);
  if (!store.ok()) return Fail("list", store.error());
  auto events = (*store)->List(filter);
  if (!events.ok()) return Fail("list", events.error());
  if (args.json) {
    json out = json::array();
    for (const auto& e : *events) out.push_back(EventJson(e, false));
    std::printf("%s\n", Dump(out).c_str());
    return kExitOk;
  }
  if (events->empty()) {
    std::fprintf(stderr, "no events match\n");
    return kExitOk;
  }
  std::printf("%-8s %-10s %-32s %-8s %-4s %-24s %s\n", "ID", "STATE", "TYPE", "ROUTED", "TRY",
              "RECEIVED (UTC)", "LAST ERROR");
  for (const auto& e : *events) {
    std::printf("%-8lld %-10s %-32s %-8s %-4d %-24s %s\n", static_cast<long long>(e.id),
                std::string(store::ToString(e.state)).c_str(), Clip(e.type, 32).c_str(),
                webhooks::IsKnownEventType(e.type) ? "yes" : "no", e.attempts,
                Iso(e.received_at).c_str(), Clip(e.last_error, 60).c_str());
  }
  if (static_cast<int>(events->size()) == args.limit) {
    std::fprintf(stderr, "(first %d; next page: --before %lld)\n", args.limit,
                 static_cast<long long>(events->back().id));
  }
  return kExitOk;
}

// What the automations did with event `id` (the ledger beside the store), oldest first.
Result<std::vector<automations::EventAction>> ActionsOf(const EventsArgs& args, int64_t id) {
  auto ledger = automations::OpenEffectLedger(ResolveEventsDb(args.db));
  if (!ledger.ok()) return ledger.error();
  return (*ledger)->EventActions(id);
}

int RunShow(const EventsArgs& args) {
  auto store = Open(args.db);
  if (!store.ok()) return Fail("show", store.error());
  auto e = (*store)->Get(args.id);
  if (!e.ok()) return Fail("show", e.error());
  auto actions =
      args.body_only
          ? Result<std::vector<automations::EventAction>>(std::vector<automations::EventAction>{})
          : ActionsOf(args, e->id);
  if (!actions.ok()) return Fail("show", actions.error());
  if (args.body_only) {
    WriteServerBytes(e->body, stdout, false);  // exact bytes unless stdout is a terminal
    std::fflush(stdout);
    return kExitOk;
  }
  if (args.json) {
    json j = EventJson(*e, true);
    j["actions"] = json::array();
    for (const auto& a : *actions) {
      j["actions"].push_back({{"seq", a.seq}, {"at", Iso(a.at)}, {"text", a.text}});
    }
    std::printf("%s\n", Dump(j).c_str());
    return kExitOk;
  }
  std::printf("id:           %lld\n", static_cast<long long>(e->id));
  std::printf("type:         %s (%s)\n", Field(e->type).c_str(),
              webhooks::IsKnownEventType(e->type) ? "routed" : "unrouted");
  std::printf("state:        %s\n", std::string(store::ToString(e->state)).c_str());
  std::printf("attempts:     %d\n", e->attempts);
  std::printf("received:     %s\n", Iso(e->received_at).c_str());
  if (!e->location_id.empty()) std::printf("location:     %s\n", Field(e->location_id).c_str());
  std::printf("dedup key:    %s\n", Field(e->dedup_key).c_str());
  if (e->state == store::EventState::kPending) {
    std::printf("next attempt: %s\n", Iso(e->next_attempt_at).c_str());
  }
  if (e->lease_until) {
    std::printf("lease:        %s until %s\n", Field(e->lease_owner).c_str(),
                Iso(*e->lease_until).c_str());
  }
  if (e->processed_at) std::printf("processed:    %s\n", Iso(*e->processed_at).c_str());
  if (!e->last_error.empty()) {
    std::printf("last error:   %s\n", TerminalSafe(e->last_error).c_str());
  }
  if (actions->empty()) {
    std::printf(
        "automations:  nothing recorded (no `ghl serve --automations` or "
        "`ghl automations run` worker has handled it yet)\n");
  } else {
    std::printf("automations (what they did with this event, oldest first):\n");
    for (const auto& a : *actions) {
      std::printf("  %s  %s\n", Iso(a.at).c_str(), TerminalSafe(a.text).c_str());
    }
  }
  std::printf("headers:\n");
  for (const auto& [name, value] : e->headers) {
    std::printf("  %s: %s\n", Field(name).c_str(), Field(value).c_str());
  }
  std::printf("body (%zu bytes, exactly as received; `--body` prints only these bytes):\n",
              e->body.size());
  WriteServerBytes(e->body, stdout, true);  // escaped on a terminal
  return kExitOk;
}

// Follows the store: prints each new event when it is stored, and again each time its state
// changes (pending -> done | dead, with the error), until --max-events have finished.
int RunTail(const EventsArgs& args) {
  auto store = Open(args.db);
  if (!store.ok()) return Fail("tail", store.error());
  int64_t after = args.from;
  if (after < 0) {  // only events stored from now on
    store::ListFilter newest;
    newest.limit = 1;
    auto top = (*store)->List(newest);
    if (!top.ok()) return Fail("tail", top.error());
    after = top->empty() ? 0 : top->front().id;
  }
  if (!args.json) {
    std::fprintf(stderr, "following %s (events after %lld; Ctrl+C stops)\n",
                 DescribeEventsDb(ResolveEventsDb(args.db)).c_str(), static_cast<long long>(after));
  }
  auto finished_state = [](store::EventState st) {
    return st == store::EventState::kDone || st == store::EventState::kDead;
  };
  std::map<int64_t, store::EventState> shown;  // events after `after`, last state printed
  int finished = 0;
  while (true) {
    store::ListFilter filter;
    filter.limit = 500;
    if (!args.type.empty()) filter.type = args.type;
    auto events = (*store)->List(filter);
    if (!events.ok()) return Fail("tail", events.error());
    for (auto it = events->rbegin(); it != events->rend(); ++it) {  // oldest first
      const store::Event& e = *it;
      if (e.id <= after) continue;
      auto known = shown.find(e.id);
      if (known != shown.end() && known->second == e.state) continue;
      if (args.json) {
        std::printf("%s\n", Dump(EventJson(e, false), -1).c_str());
      } else {
        std::printf("%-8lld %-24s %-32s %-10s %-8s %s\n", static_cast<long long>(e.id),
                    Iso(e.received_at).c_str(), Clip(e.type, 32).c_str(),
                    std::string(store::ToString(e.state)).c_str(),
                    webhooks::IsKnownEventType(e.type) ? "routed" : "unrouted",
                    Clip(e.last_error, 80).c_str());
      }
      std::fflush(stdout);
      bool newly_finished =
          finished_state(e.state) && (known == shown.end() || !finished_state(known->second));
      shown[e.id] = e.state;
      if (newly_finished && args.max_events > 0 && ++finished >= args.max_events) return kExitOk;
    }
    // Forget a prefix of finished events: nothing more to show for them.
    while (!shown.empty() && finished_state(shown.begin()->second)) {
      after = shown.begin()->first;
      shown.erase(shown.begin());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(args.interval_ms));
  }
}

int RunRedrive(const EventsArgs& args, bool replay) {
  const char* what = replay ? "replay" : "retry";
  auto store = Open(args.db);
  if (!store.ok()) return Fail(what, store.error());
  Status done = replay ? (*store)->Replay(args.id) : (*store)->Retry(args.id);
  if (!done.ok()) return Fail(what, done.error());
  std::printf("event %lld is pending again (due now, attempts reset); a worker will %s it\n",
              static_cast<long long>(args.id), replay ? "process" : "retry");
  return kExitOk;
}

int RunStats(const EventsArgs& args) {
  auto store = Open(args.db);
  if (!store.ok()) return Fail("stats", store.error());
  auto stats = (*store)->GetStats();
  if (!stats.ok()) return Fail("stats", stats.error());
  if (args.json) {
    std::printf("%s\n", Dump(json::parse(webhooks::StatsJson(*stats, nullptr))).c_str());
    return kExitOk;
  }
  const auto& s = stats->by_state;
  std::printf("events:  %lld (pending %lld, processing %lld, done %lld, dead %lld)\n",
              static_cast<long long>(s.total()), static_cast<long long>(s.pending),
              static_cast<long long>(s.processing), static_cast<long long>(s.done),
              static_cast<long long>(s.dead));
  if (stats->oldest_pending_age) {
    std::printf("oldest pending: %.1f s\n",
                static_cast<double>(stats->oldest_pending_age->count()) / 1000.0);
  } else {
    std::printf("oldest pending: none\n");
  }
  if (!stats->by_type.empty()) {
    std::printf("\n%-32s %-8s %8s %10s %8s %8s\n", "TYPE", "ROUTED", "PENDING", "PROCESSING",
                "DONE", "DEAD");
    for (const auto& [type, c] : stats->by_type) {
      std::printf("%-32s %-8s %8lld %10lld %8lld %8lld\n", Clip(type, 32).c_str(),
                  webhooks::IsKnownEventType(type) ? "yes" : "no",
                  static_cast<long long>(c.pending), static_cast<long long>(c.processing),
                  static_cast<long long>(c.done), static_cast<long long>(c.dead));
    }
  }
  return kExitOk;
}

void AddDbOption(CLI::App* cmd, EventsArgs* args) {
  cmd->add_option("--events-db", args->db,
                  "Event store: postgresql://… URL or SQLite file (default: $GHL_EVENTS_DB, "
                  "else ./ghl-events.db, the same as `ghl serve`)");
}

}  // namespace

void AddEventsCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<EventsArgs>();
  auto* events = app.add_subcommand(
      "events", "Inspect and re-drive the webhook events received by `ghl serve`");
  events->require_subcommand(1);

  auto* list = events->add_subcommand("list", "List stored events, newest first");
  AddDbOption(list, args.get());
  list->add_option("--state", args->state, "Only this state: pending, processing, done, dead");
  list->add_option("--type", args->type, "Only this event type, e.g. ContactCreate or unknown");
  list->add_option("--location", args->location, "Only this locationId");
  list->add_option("--limit", args->limit, "At most N events")
      ->check(WholeNumber("--limit", 1, 10000))
      ->capture_default_str();
  list->add_option("--before", args->before, "Only events with an id below this (paging)")
      ->check(WholeNumber("--before", 0, INT64_MAX));
  list->add_flag("--json", args->json, "JSON array (no bodies; use `show` for one event)");
  list->callback([args, exit_code] { *exit_code = RunList(*args); });

  auto* show = events->add_subcommand(
      "show",
      "One event: state, attempts, last error, what the automations did (each recipe's "
      "action and the outcome), stored headers and the raw body");
  AddDbOption(show, args.get());
  show->add_option("id", args->id, "Event id (from `ghl events list`)")
      ->required()
      ->check(WholeNumber("ID", 1, INT64_MAX));
  show->add_flag("--json", args->json, "JSON object (body as a string)");
  show->add_flag("--body", args->body_only,
                 "Print only the body bytes exactly as received (no added newline)");
  show->callback([args, exit_code] { *exit_code = RunShow(*args); });

  auto* tail = events->add_subcommand(
      "tail", "Follow events as they are stored, and their outcome (done, dead + error)");
  AddDbOption(tail, args.get());
  tail->add_option("--type", args->type, "Only this event type");
  tail->add_option("--from", args->from,
                   "Start after this event id (0 = every stored event; default: the newest "
                   "now, so only new events)")
      ->check(WholeNumber("--from", 0, INT64_MAX));
  tail->add_option("--interval", args->interval_ms, "Poll the store every N milliseconds")
      ->check(WholeNumber("--interval", 50, 60000))
      ->capture_default_str();
  tail->add_option("--max-events", args->max_events,
                   "Exit once this many events have finished (done or dead); 0 = never")
      ->check(WholeNumber("--max-events", 0, 1000000));
  tail->add_flag("--json", args->json, "One JSON object per line and state change");
  tail->callback([args, exit_code] { *exit_code = RunTail(*args); });

  auto* retry = events->add_subcommand(
      "retry", "Re-drive a dead (or backing-off) event now: pending, attempts reset");
  AddDbOption(retry, args.get());
  retry->add_option("id", args->id, "Event id")->required()->check(WholeNumber("ID", 1, INT64_MAX));
  retry->callback([args, exit_code] { *exit_code = RunRedrive(*args, /*replay=*/false); });

  auto* replay = events->add_subcommand(
      "replay", "Process an event again (e.g. a done one): pending, attempts reset");
  AddDbOption(replay, args.get());
  replay->add_option("id", args->id, "Event id")
      ->required()
      ->check(WholeNumber("ID", 1, INT64_MAX));
  replay->callback([args, exit_code] { *exit_code = RunRedrive(*args, /*replay=*/true); });

  auto* stats = events->add_subcommand(
      "stats", "Counts by state and type, dead events, age of the oldest pending event");
  AddDbOption(stats, args.get());
  stats->add_flag("--json", args->json,
                  "The JSON of GET /api/events/stats (without receiver "
                  "counters, which live in the serving process)");
  stats->callback([args, exit_code] { *exit_code = RunStats(*args); });
}

}  // namespace ghl::cli
