#include "jq_filter.h"

extern "C" {
#include <jq.h>
#include <jv.h>
}

#include <climits>

namespace ghl::cli {

struct JqFilter::State {
  jq_state* jq = nullptr;
  std::string expr;
  std::vector<std::string> messages;  // from jq's error callback
  ~State() {
    if (jq != nullptr) jq_teardown(&jq);
  }
};

namespace {

// jq reports compile errors through this callback (else it prints them to stderr itself).
void CollectMessage(void* data, jv message) {
  auto* messages = static_cast<std::vector<std::string>*>(data);
  if (jv_get_kind(message) == JV_KIND_STRING) {
    messages->emplace_back(jv_string_value(message), jv_string_length_bytes(jv_copy(message)));
  } else {
    jv text = jv_dump_string(jv_copy(message), 0);
    messages->emplace_back(jv_string_value(text));
    jv_free(text);
  }
  jv_free(message);
}

// jq's compile messages on one line, without its "jq: error: " prefix and its closing
// "jq: N compile error(s)" count.
std::string Joined(const std::vector<std::string>& parts) {
  std::string out;
  for (std::string p : parts) {
    if (p.rfind("jq: error: ", 0) == 0) p.erase(0, 11);
    if (p.rfind("jq: ", 0) == 0 && p.find("compile error") != std::string::npos) continue;
    for (char& c : p) {
      if (c == '\n') c = ' ';
    }
    while (!p.empty() && p.back() == ' ') p.pop_back();
    if (!out.empty()) out += "; ";
    out += p;
  }
  return out;
}

}  // namespace

JqFilter::JqFilter(std::unique_ptr<State> state) : state_(std::move(state)) {}
JqFilter::~JqFilter() = default;

Result<std::shared_ptr<JqFilter>> JqFilter::Compile(const std::string& expr) {
  auto state = std::make_unique<State>();
  state->expr = expr;
  state->jq = jq_init();
  if (state->jq == nullptr) return UsageError("--jq: cannot start jq (out of memory)");
  jq_set_error_cb(state->jq, CollectMessage, &state->messages);
  if (expr.find('\0') != std::string::npos || jq_compile(state->jq, expr.c_str()) == 0) {
    std::string why = state->messages.empty() ? "it does not compile" : Joined(state->messages);
    return UsageError("--jq '" + expr + "' is not a valid jq expression: " + why,
                      "Write a jq filter, e.g. --jq '.contacts[].id' or --jq '.[] | .name' "
                      "(https://jqlang.github.io/jq/manual/).");
  }
  return std::shared_ptr<JqFilter>(new JqFilter(std::move(state)));
}

Result<std::vector<std::string>> JqFilter::Run(std::string_view json_text,
                                               std::vector<std::string>* partial) {
  std::vector<std::string> out;
  auto fail = [&](const std::string& why) -> Error {
    if (partial != nullptr) *partial = std::move(out);
    Error e;
    e.kind = ErrorKind::kInternal;
    e.messages.push_back("--jq '" + state_->expr + "': " + why);
    e.hint = "The filter does not fit this answer; print the answer without --jq to see its shape.";
    return e;
  };
  if (json_text.size() > static_cast<size_t>(INT_MAX)) return fail("the answer is too large");
  jv input = jv_parse_sized(json_text.data(), static_cast<int>(json_text.size()));
  if (!jv_is_valid(input)) {
    jv msg = jv_invalid_get_msg(input);
    std::string why = jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "not JSON";
    jv_free(msg);
    return fail("the answer is not JSON (" + why + ")");
  }
  jq_start(state_->jq, input, 0);
  while (true) {
    jv result = jq_next(state_->jq);
    if (!jv_is_valid(result)) {
      if (jv_invalid_has_msg(jv_copy(result))) {
        jv msg = jv_invalid_get_msg(result);
        std::string why;
        if (jv_get_kind(msg) == JV_KIND_STRING) {
          why = jv_string_value(msg);
        } else {
          jv text = jv_dump_string(msg, 0);
          why = jv_string_value(text);
          jv_free(text);
          msg = jv_null();
        }
        jv_free(msg);
        return fail(why);
      }
      jv_free(result);
      break;
    }
    if (jv_get_kind(result) == JV_KIND_STRING) {
      out.emplace_back(jv_string_value(result), jv_string_length_bytes(jv_copy(result)));
      jv_free(result);
    } else {
      jv text = jv_dump_string(result, 0);
      out.emplace_back(jv_string_value(text));
      jv_free(text);
    }
  }
  return out;
}

}  // namespace ghl::cli
