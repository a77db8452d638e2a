// `ghl trigger EVENT_TYPE [--url URL] [-f field=value]...`: sends a signed, GHL-shaped test
// webhook to a receiver (like `stripe trigger`). The body comes from the event shapes of
// ghl/webhooks/event_examples.h with fresh ids; it is signed with Ed25519 (X-GHL-Signature)
// by a local key that `ghl serve --webhook-public-key KEY.pub` trusts.
#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "commands.h"
#include "ghl/http/transport.h"
#include "ghl/webhooks/event_examples.h"
#include "ghl/webhooks/signer.h"

namespace ghl::cli {
namespace {

namespace fs = std::filesystem;

struct TriggerArgs {
  std::string type;
  std::string url = "http://127.0.0.1:8080/webhooks/ghl";
  std::vector<std::string> fields;
  std::string location;
  std::string key;
  bool dry_run = false;
  bool list = false;
};

/// --key, else $GHL_TRIGGER_KEY, else $XDG_CONFIG_HOME/ghl/trigger-key.pem, else
/// ~/.config/ghl/trigger-key.pem.
fs::path KeyPath(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* v = std::getenv("GHL_TRIGGER_KEY"); v && *v) return v;
  if (const char* v = std::getenv("XDG_CONFIG_HOME"); v && *v) {
    return fs::path(v) / "ghl" / "trigger-key.pem";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".config" / "ghl" / "trigger-key.pem";
}

fs::path PublicKeyPath(const fs::path& key) {
  fs::path pub = key;
  pub.replace_extension(".pub.pem");
  return pub;
}

std::string ReadAll(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Status WriteFile(const fs::path& p, const std::string& text, mode_t mode) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return UsageError("cannot write " + p.string());
  if (::chmod(p.c_str(), mode) != 0) return UsageError("cannot set the mode of " + p.string());
  return Ok{};
}

/// Loads the signing key, or creates it (private 0600, public beside it) on first use.
Result<webhooks::WebhookSigner> LoadOrCreateKey(const fs::path& path, bool* created) {
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto signer = webhooks::WebhookSigner::FromPrivateKeyPem(ReadAll(path));
    if (!signer.ok()) {
      return UsageError("the trigger key " + path.string() + " is not a PEM private key",
                        "Delete it to make a new one, or pass --key FILE");
    }
    *created = false;
    return signer;
  }
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  if (!signer.ok()) return signer.error();
  fs::create_directories(path.parent_path(), ec);
  if (auto st = WriteFile(path, signer->PrivateKeyPem(), 0600); !st.ok()) return st.error();
  if (auto st = WriteFile(PublicKeyPath(path), signer->PublicKeyPem(), 0644); !st.ok()) {
    return st.error();
  }
  *created = true;
  return signer;
}

int Run(const TriggerArgs& args) {
  if (args.list) {
    for (std::string_view t : webhooks::ExampleEventTypes()) {
      std::printf("%.*s\n", static_cast<int>(t.size()), t.data());
    }
    return kExitOk;
  }
  if (args.type.empty()) {
    std::fprintf(stderr,
                 "ghl trigger: name an event type, e.g. `ghl trigger ContactCreate` "
                 "(`ghl trigger --list` lists them)\n");
    return kExitUsage;
  }
  webhooks::TestEventOptions options;
  options.location_id = args.location;
  if (options.location_id.empty()) {
    if (const char* v = std::getenv("GHL_LOCATION_ID"); v && *v) options.location_id = v;
  }
  for (const std::string& f : args.fields) {
    size_t eq = f.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "ghl trigger: -f %s: write field=value, e.g. -f contactId=abc\n",
                   f.c_str());
      return kExitUsage;
    }
    options.fields.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  auto body = webhooks::BuildTestEvent(args.type, options);
  if (!body.ok()) {
    std::fprintf(stderr, "ghl trigger: %s\n", body.error().Describe().c_str());
    return kExitUsage;
  }
  fs::path key_path = KeyPath(args.key);
  bool created = false;
  auto signer = LoadOrCreateKey(key_path, &created);
  if (!signer.ok()) {
    std::fprintf(stderr, "ghl trigger: %s\n", signer.error().Describe().c_str());
    return kExitUsage;
  }
  std::string trust = "ghl serve --webhook-public-key " + PublicKeyPath(key_path).string();
  if (created) {
    std::fprintf(stderr,
                 "ghl trigger: made a new signing key %s\n"
                 "             the receiver must trust it: %s\n",
                 key_path.c_str(), trust.c_str());
  }
  http::Request request;
  request.method = "POST";
  request.target = args.url;
  request.headers.Set("Content-Type", "application/json");
  request.headers.Set(std::string(signer->HeaderName()), signer->Sign(*body));
  request.body = *body;
  if (args.dry_run) {
    std::printf("POST %s\nContent-Type: application/json\n%s: %s\n\n%s\n", args.url.c_str(),
                std::string(signer->HeaderName()).c_str(), signer->Sign(*body).c_str(),
                body->c_str());
    return kExitOk;
  }
  if (args.url.rfind("http://", 0) != 0 && args.url.rfind("https://", 0) != 0) {
    std::fprintf(stderr, "ghl trigger: --url must start with http:// or https://, got '%s'\n",
                 args.url.c_str());
    return kExitUsage;
  }
  http::TransportOptions topts;
  topts.timeout = std::chrono::seconds(15);
  auto answer = http::MakeCurlTransport()->Send(request, topts);
  if (!answer.ok()) {
    std::fprintf(stderr,
                 "ghl trigger: could not deliver to %s: %s\n"
                 "             is `ghl serve` running there? (--url sets the receiver)\n",
                 args.url.c_str(), answer.error().Summary().c_str());
    return kExitApiError;
  }
  auto reply = nlohmann::json::parse(answer->body, nullptr, false);
  if (answer->status == 200 && reply.is_object() && reply.contains("id")) {
    long long id = reply["id"].is_number() ? reply["id"].get<long long>() : 0;
    bool routed = reply.value("routed", false);
    std::printf("%s sent to %s: stored as event %lld (%s)\n", args.type.c_str(), args.url.c_str(),
                id, routed ? "routed" : "unrouted: no recipe takes this type");
    std::printf("  ghl events show %lld    # what the automations did with it\n", id);
    return kExitOk;
  }
  std::fprintf(stderr, "ghl trigger: %s answered HTTP %d: %s\n", args.url.c_str(), answer->status,
               answer->body.substr(0, 300).c_str());
  if (answer->status == 401) {
    std::fprintf(stderr, "             the receiver does not trust this key; start it with: %s\n",
                 trust.c_str());
  }
  return kExitApiError;
}

}  // namespace

void AddTriggerCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<TriggerArgs>();
  auto* cmd = app.add_subcommand(
      "trigger", "Send a signed, GHL-shaped test webhook (e.g. ContactCreate) to a receiver");
  cmd->add_option("type", args->type,
                  "Event type, e.g. ContactCreate, InboundMessage "
                  "(`--list` lists them)");
  cmd->add_option("--url", args->url, "Receiver URL (`ghl serve`'s POST /webhooks/ghl)")
      ->capture_default_str();
  cmd->add_option("-f,--field", args->fields,
                  "Set a field: -f contactId=ID, nested -f appointment.calendarId=ID "
                  "(repeatable)");
  cmd->add_option("--location", args->location,
                  "locationId of the event (default $GHL_LOCATION_ID, else a fresh id)");
  cmd->add_option("--key", args->key,
                  "Ed25519 private key (PEM) to sign with; made on first use (default "
                  "$GHL_TRIGGER_KEY, else ~/.config/ghl/trigger-key.pem; public half beside it "
                  "as .pub.pem)");
  cmd->add_flag("--dry-run", args->dry_run, "Print the signed request instead of sending it");
  cmd->add_flag("--list", args->list, "List the event types");
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace ghl::cli
