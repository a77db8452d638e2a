#include "api_paginate.h"

#include <signal.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "commands.h"
#include "ghl/core/text.h"
#include "jq_filter.h"
#include "server_text.h"

namespace ghl::cli {
namespace {

namespace gc = ghl::client;
using nlohmann::json;

volatile std::sig_atomic_t g_signal = 0;

extern "C" void OnStopSignal(int sig) {
  if (g_signal != 0) {
    // A second Ctrl+C: stop now, without closing the output.
    std::signal(sig, SIG_DFL);
    std::raise(sig);
    return;
  }
  g_signal = sig;
}

// Streams items to stdout as they arrive, flushed after every page, so a run stopped at any
// point (even kill -9) leaves what was fetched: one pretty JSON array (the same text as
// json::dump(2) of the whole array) or one compact item per line.
class ItemWriter {
 public:
  explicit ItemWriter(bool ndjson) : ndjson_(ndjson) {}

  void Add(const json& item) {
    if (ndjson_) {
      WriteServerBytes(item.dump(-1, ' ', false, json::error_handler_t::replace), stdout, true);
    } else {
      std::string text = item.dump(2, ' ', false, json::error_handler_t::replace);
      std::string indented = count_ == 0 ? "[\n  " : ",\n  ";
      for (char c : text) {
        indented += c;
        if (c == '\n') indented += "  ";  // JSON strings hold no raw newline
      }
      WriteServerBytes(indented, stdout, false);
    }
    ++count_;
  }

  void Flush() { std::fflush(stdout); }

  // Closes the array ("[]" when no item came); nothing to do for NDJSON.
  void Finish() {
    if (!ndjson_) std::fputs(count_ == 0 ? "[]\n" : "\n]\n", stdout);
    std::fflush(stdout);
  }

  size_t count() const { return count_; }

 private:
  bool ndjson_;
  size_t count_ = 0;
};

const char* SignalName(int sig) { return sig == SIGINT ? "SIGINT" : "SIGTERM"; }

std::string Plural(size_t n, const char* word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void Say(const std::string& line) {
  std::string safe = TerminalSafe(line);
  std::fprintf(stderr, "ghl: %s\n", safe.c_str());
}

}  // namespace

void CancelOnSignals(std::shared_ptr<gc::CancelToken> cancel) {
  struct sigaction action {};
  action.sa_handler = OnStopSignal;
  action.sa_flags = SA_RESTART;  // a write to stdout in progress completes
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  // CancelToken::Cancel takes a lock, so it cannot run in the handler: a watcher calls it.
  std::thread([cancel = std::move(cancel)] {
    while (g_signal == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    cancel->Cancel();
  }).detach();
}

int RunPaginate(const gc::Client& client, gc::ApiRequest request,
                const PaginateSettings& settings) {
  bool explicit_cap = settings.max_pages >= 0;
  gc::PageOptions options;
  options.max_pages = explicit_cap ? settings.max_pages : kSafetyMaxPages;
  auto pages = client.Paginate(std::move(request), options);
  ItemWriter out(settings.ndjson);
  int yielded = 0;
  size_t items_fetched = 0;
  for (const auto& page : pages) {
    if (page.number == 1 && (pages.style() == catalog::Paging::kNone || !page.items_found)) {
      // Not a paging endpoint (or no items array): the one answer, unchanged — never reduce
      // {"pipelines":[…]} or a single object to a bare array.
      std::string id = page.response.endpoint != nullptr
                           ? std::string(page.response.endpoint->id)
                           : page.response.method + " " + page.response.path;
      Say("note: " + id + " does not paginate; printed the single answer");
      if (settings.silent) return kExitOk;
      if (settings.jq != nullptr) {
        std::vector<std::string> partial;
        auto lines = settings.jq->Run(page.response.body, &partial);
        for (const auto& line : lines.ok() ? *lines : partial) WriteServerBytes(line, stdout, true);
        std::fflush(stdout);
        if (lines.ok()) return kExitOk;
        PrintError("ghl", lines.error());
        return kExitApiError;
      }
      if (settings.ndjson) {
        WriteServerBytes(page.body.dump(-1, ' ', false, json::error_handler_t::replace), stdout,
                         true);
      } else {
        PrintServerBody(page.response.body);
      }
      return kExitOk;
    }
    ++yielded;
    items_fetched += page.items.size();
    if (settings.silent) continue;
    if (settings.jq != nullptr) {
      std::vector<std::string> partial;
      auto lines = settings.jq->Run(page.items.dump(-1, ' ', false, json::error_handler_t::replace),
                                    &partial);
      for (const auto& line : lines.ok() ? *lines : partial) WriteServerBytes(line, stdout, true);
      std::fflush(stdout);
      if (!lines.ok()) {
        PrintError("ghl", lines.error());
        Say("--paginate stopped at page " + std::to_string(yielded) + " by the --jq error above");
        return kExitApiError;
      }
      continue;
    }
    for (const auto& item : page.items) out.Add(item);
    out.Flush();
  }
  gc::StopReason stop = pages.stop();
  bool interrupted = g_signal != 0 && !gc::IsComplete(stop);
  // A first page that failed printed nothing: an empty array would claim "no items".
  bool printing_items = settings.jq == nullptr && !settings.silent;
  if (printing_items &&
      (yielded > 0 || gc::IsComplete(stop) || stop == gc::StopReason::kMaxPages)) {
    out.Finish();
  }

  std::string got = Plural(items_fetched, "item") + " of " + Plural(yielded, "page");
  std::string kept = settings.silent          ? "fetched (not printed: --silent)"
                     : settings.jq != nullptr ? "filtered by --jq and printed"
                     : settings.ndjson        ? "printed, one per line"
                                              : "printed (the JSON array is closed)";
  if (interrupted) {
    std::string by = std::string("interrupted by ") + SignalName(g_signal);
    Say(yielded == 0
            ? by + " before the first page arrived; nothing printed"
            : by + ": the " + got + " fetched so far are " + kept + "; more pages may exist");
    return 128 + g_signal;
  }
  switch (stop) {
    case gc::StopReason::kError: {
      const Error& e = pages.status().error();
      PrintError("ghl", e);
      if (yielded > 0) {
        Say("--paginate stopped at page " + std::to_string(yielded + 1) +
            " by the error above; the " + got + " before it are " + kept);
      }
      return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
    }
    case gc::StopReason::kMaxPages:
      if (explicit_cap) {
        Say("note: stopped after --max-pages " + std::to_string(settings.max_pages) + " (" + got +
            " printed); the server has more: raise --max-pages, or give 0 for no cap");
        return kExitOk;
      }
      Say("--paginate stopped at the safety cap of " + std::to_string(kSafetyMaxPages) +
          " pages (" + got + " " + kept + "); the server has more. Give --max-pages N to fetch " +
          "up to N pages (0 = no cap)");
      return kExitApiError;
    case gc::StopReason::kCursorNotAdvancing:
      Say("--paginate stopped early: after page " + std::to_string(yielded) +
          " the server answered the same cursor it was sent (" + pages.stop_cursor() +
          "), so every next page would be that page again; the " + got + " are " + kept +
          "; the result may be incomplete");
      return kExitApiError;
    case gc::StopReason::kCursorRepeated:
      Say("--paginate stopped early: after page " + std::to_string(yielded) +
          " the server sent back a cursor it had sent before (" + pages.stop_cursor() +
          "): the pages go round in a cycle; the " + got + " are " + kept +
          "; the result may be incomplete");
      return kExitApiError;
    case gc::StopReason::kPageRepeated:
      Say("--paginate stopped early: page " + std::to_string(yielded + 1) +
          " held the same items as page " + std::to_string(yielded) +
          " (the server ignored the paging parameter); the " + got + " are " + kept +
          "; the result may be incomplete");
      return kExitApiError;
    default:
      return kExitOk;
  }
}

}  // namespace ghl::cli
