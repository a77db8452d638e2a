// libFuzzer target: the automations config (automations/config.h): TOML parsing (toml++),
// complete validation with "FILE:LINE: …; fix" messages, and the summary of a valid config.
//
// Input framing (doc/fuzzing.md): the whole input is the TOML text.
//
// Properties checked besides "no crash, leak or UB": a refused config says why (at least one
// message, each naming the source); a valid one describes itself and names valid recipes.
#include <string>

#include "fuzz_input.h"
#include "ghl/automations/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace ghl;
  auto config = automations::ParseConfig(fuzz::AsText(data, size), "fuzz.toml");
  if (!config.ok()) {
    fuzz::Check(!config.error().messages.empty(), "a refused config has a message");
    for (const auto& m : config.error().messages) {
      fuzz::Check(m.rfind("fuzz.toml", 0) == 0, "every message starts with the source name");
    }
    return 0;
  }
  std::string summary = automations::DescribeConfig(config.value());
  fuzz::Check(!summary.empty(), "a valid config has a summary");
  const auto& worker = config->worker;
  fuzz::Check(worker.concurrency >= 1 && worker.concurrency <= 64, "concurrency is 1..64");
  fuzz::Check(worker.lease.count() > 0 && worker.poll_interval.count() > 0,
              "durations are positive");
  return 0;
}
