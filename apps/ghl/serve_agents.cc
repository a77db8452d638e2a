#include "serve_agents.h"

#include <cstdio>

#include "cli_checks.h"
#include "commands.h"
#include "secret_file.h"

namespace ghl::cli {
void AddAgentOptions(CLI::App* cmd, AgentArgs* args) {
  cmd->add_option("--vapi-secret-file", args->vapi_secret_file,
                  "Turn on POST /agents/vapi (Vapi tool server): the file holds the secret of "
                  "the Vapi server credential (Bearer, X-Vapi-Secret or HMAC key)");
  cmd->add_option("--retell-key-file", args->retell_key_file,
                  "Turn on POST /agents/retell/{function} (Retell custom functions): the file "
                  "holds the Retell API key that signs requests (X-Retell-Signature)");
  cmd->add_option("--agent-calendar", args->calendar,
                  "Calendar id the agent functions use when a call names none (default: the "
                  "location's only calendar)");
  cmd->add_option("--agent-outcome-field", args->outcome_field,
                  "Contact custom field (key, id or name) log_call_outcome writes to")
      ->capture_default_str();
  cmd->add_option("--agent-deadline-ms", args->deadline_ms,
                  "Answer every agent request within this many ms (Vapi waits 20 s)")
      ->check(WholeNumber("--agent-deadline-ms", 500, 110000))
      ->capture_default_str();
  cmd->add_option("--agent-location", args->locations,
                  "ASSISTANT_OR_AGENT_ID=LOCATION_ID: the location of a Vapi assistant or Retell "
                  "agent whose requests carry no locationId metadata (repeatable)");
}

std::unique_ptr<agents::AgentEndpoints> StartAgents(const AgentArgs& args,
                                                    client::ClientOptions client_options,
                                                    const Result<GhlCredentials>& credentials,
                                                    int* exit_code) {
  agents::AgentOptions options;
  for (auto [file, flag, out] :
       {std::tuple{&args.vapi_secret_file, "--vapi-secret-file", &options.vapi_secret},
        std::tuple{&args.retell_key_file, "--retell-key-file", &options.retell_api_key}}) {
    if (file->empty()) continue;
    std::string warning;
    auto secret = ReadSecretFile(*file, flag, &warning);
    if (!warning.empty()) std::fprintf(stderr, "ghl serve: warning: %s\n", warning.c_str());
    if (!secret.ok()) {
      std::fprintf(stderr, "ghl serve: %s\n", secret.error().Describe().c_str());
      *exit_code = kExitUsage;
      return nullptr;
    }
    *out = std::move(*secret);
  }
  for (const auto& pair : args.locations) {
    size_t eq = pair.find('=');
    if (eq == 0 || eq == std::string::npos || eq + 1 == pair.size()) {
      std::fprintf(stderr,
                   "ghl serve: usage error: --agent-location '%s' is not ID=LOCATION\n"
                   "hint: e.g. --agent-location asst_123=LOCATION_ID (a Vapi assistant id or a "
                   "Retell agent_id)\n",
                   pair.c_str());
      *exit_code = kExitUsage;
      return nullptr;
    }
    options.location_of[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  bool on = !options.vapi_secret.empty() || !options.retell_api_key.empty();
  options.location_id = client_options.default_location_id;
  options.log = [](const std::string& line) {
    std::fprintf(stderr, "ghl serve: %s\n", line.c_str());
  };
  if (on) {
    // GHL_TOKEN, else the token store; with a store, its only location or none by default.
    Status usable = credentials.ok() ? Status(Ok{}) : Status(credentials.error());
    if (usable.ok() && credentials->store) {
      std::shared_ptr<tokens::TokenManager> store = credentials->store;
      auto location = OneStoreLocation(*store, options.location_id, "--location");
      auto held = StoreLocations(*store);
      if (location.ok()) {
        options.location_id = *location;
        // A location the store cannot serve now is said at start; calls then answer the error.
        if (auto st = CheckStoreLocation(*store, *location); !st.ok()) {
          std::fprintf(stderr, "ghl serve: warning: the agent endpoints: %s\n",
                       st.error().Describe().c_str());
        }
      } else if (options.location_id.empty() && held.ok() && held->size() > 1) {
        std::fprintf(stderr,
                     "ghl serve: the agent endpoints serve the token store's %zu locations: each "
                     "request names its own (metadata locationId or --agent-location)\n",
                     held->size());
      } else {
        usable = location.error();
      }
      options.check_location = [store](const std::string& id) {
        return CheckStoreLocation(*store, id);
      };
    } else if (usable.ok() && !options.location_id.empty()) {
      // A fixed token serves its own location only.
      options.check_location = [only = options.location_id](const std::string& id) -> Status {
        if (id == only) return Ok{};
        return UsageError(
            "location " + id + " is not the one this server's GHL token serves (" + only + ")",
            "serve many locations from the token store (`ghl auth login`, "
            "without GHL_TOKEN)");
      };
    }
    if (!usable.ok()) {
      std::fprintf(stderr, "ghl serve: the agent endpoints (/agents/*): %s\n",
                   usable.error().Describe().c_str());
      *exit_code = kExitUsage;
      return nullptr;
    }
    client_options.default_location_id = options.location_id;
  }
  options.default_calendar_id = args.calendar;
  options.outcome_field = args.outcome_field;
  options.deadline = std::chrono::milliseconds(args.deadline_ms);
  // Every GHL attempt ends before the answer is due; retries only while time remains.
  client_options.transport_options.timeout = options.deadline;
  client_options.retry.max_attempts = 2;
  client_options.retry.max_retry_after = std::chrono::milliseconds(args.deadline_ms / 2);
  return std::make_unique<agents::AgentEndpoints>(std::move(options), std::move(client_options));
}

void PrintAgentLines(const agents::AgentEndpoints& agents, const std::string& base_url) {
  const auto& o = agents.options();
  std::printf("Agents:     POST %s%s  %s\n", base_url.c_str(),
              std::string(agents::kVapiPath).c_str(),
              o.vapi_secret.empty() ? "(Vapi: off, refused with 503; turn on with "
                                      "--vapi-secret-file FILE)"
                                    : "(Vapi tool server, secret from --vapi-secret-file)");
  std::printf("            POST %s%s/{function}  %s\n", base_url.c_str(),
              std::string(agents::kRetellPath).c_str(),
              o.retell_api_key.empty()
                  ? "(Retell: off, refused with 503; turn on with --retell-key-file FILE)"
                  : "(Retell custom functions, X-Retell-Signature checked)");
}

}  // namespace ghl::cli
