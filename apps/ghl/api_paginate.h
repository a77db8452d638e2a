// `ghl api --paginate`: pages stream to stdout as they arrive (one JSON array, closed even when
// the run stops early or is interrupted, or one item per line with --ndjson), and the run
// never ends silently: an early stop says why on stderr and exits non-zero.
#pragma once

#include <memory>

#include "ghl/client/client.h"
#include "ghl/client/options.h"

namespace ghl::cli {

class JqFilter;

/// Pages fetched at most when --max-pages is not given. Reaching it is an error (exit 1):
/// the data did not end, and the user did not ask for a cap.
inline constexpr int kSafetyMaxPages = 10000;

/// How `ghl api --paginate` prints and where it stops.
struct PaginateSettings {
  /// One compact JSON item per line instead of one pretty JSON array.
  bool ndjson = false;
  /// --max-pages N as given (0 = no cap), or -1 when not given (kSafetyMaxPages applies).
  int max_pages = -1;
  /// --jq: run on each page's items (as one JSON array) as the page arrives, as `gh api
  /// --paginate --jq` runs on each page; its outputs print one a line. Null = print items.
  JqFilter* jq = nullptr;
  /// --silent: fetch every page, print no item (the stop reasons still go to stderr).
  bool silent = false;
};

/// Installs SIGINT/SIGTERM handlers that cancel `cancel` (and so the call in flight), for
/// `RunPaginate`. Call before the first request; the handlers stay for the process's life.
void CancelOnSignals(std::shared_ptr<client::CancelToken> cancel);

/// Runs the paginated call and prints it. Returns the exit code: 0 when the data ended (or the
/// explicit --max-pages was reached: a note on stderr), 1 when the run stopped early (a
/// repeated or non-advancing cursor, a repeated page, the safety cap, an API or network error),
/// 2 for a usage error on the first page, 128+signal when interrupted.
int RunPaginate(const client::Client& client, client::ApiRequest request,
                const PaginateSettings& settings);

}  // namespace ghl::cli
