// A load generator for the benchmarks: C keep-alive HTTP/1.1 connections driven by ONE client
// thread (Beast coroutines), so the client takes as little of the machine as possible from the
// server it measures. Not a test helper: bench/ only.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ghl::bench {

/// One request to send: a body and extra headers (name, value).
struct LoadRequest {
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

/// What one run measured.
struct LoadResult {
  double seconds = 0;                ///< Wall time of the timed phase.
  int ok = 0;                        ///< Answered 200.
  int failed = 0;                    ///< Any other status, or a network error.
  std::string first_failure;         ///< Status and body (or error) of the first failure.
  std::vector<double> latencies_ms;  ///< One per request, milliseconds.
  double PerSecond() const { return seconds > 0 ? ok / seconds : 0; }
  /// The p-quantile (0..1) of `latencies_ms`, milliseconds; 0 when empty.
  double Percentile(double p) const;
};

/// POSTs every request once to http://127.0.0.1:`port``path` over `connections` keep-alive
/// connections (each takes the next unsent request when its answer arrives). Connections are
/// opened and warmed up (one GET) before the clock starts.
LoadResult RunLoad(uint16_t port, const std::string& path, const std::vector<LoadRequest>& requests,
                   int connections);

}  // namespace ghl::bench
