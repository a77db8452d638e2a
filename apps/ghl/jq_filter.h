// `ghl api --jq EXPR`: a jq filter (libjq, Debian's libjq-dev) over an answer, as in `gh api
// --jq`. The jq headers stay in jq_filter.cc; only the `ghl` binary links libjq.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ghl/core/result.h"

namespace ghl::cli {

/// A compiled jq program. Not thread-safe (one jq state); runs any number of inputs.
class JqFilter {
 public:
  /// Compiles `expr`. kUsage error naming the expression and jq's own message when it does
  /// not compile (e.g. `--jq '.[' : syntax error, unexpected $end`).
  static Result<std::shared_ptr<JqFilter>> Compile(const std::string& expr);
  ~JqFilter();
  JqFilter(const JqFilter&) = delete;
  JqFilter& operator=(const JqFilter&) = delete;

  /// Runs the program on the JSON document `json_text`: each output as one line, strings as
  /// their raw text (as `jq -r` and `gh api --jq` print them), anything else as compact JSON.
  /// kInternal error (exit 1) naming the expression for a jq runtime error (e.g. "Cannot index
  /// array with string") or input that is not JSON; the outputs before it are in `partial`.
  Result<std::vector<std::string>> Run(std::string_view json_text,
                                       std::vector<std::string>* partial = nullptr);

 private:
  struct State;
  explicit JqFilter(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace ghl::cli
