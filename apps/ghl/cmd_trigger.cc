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
#include <string>
#include <vector>

#include "commands.h"
#include "ghl/client/curl_format.h"
#include "ghl/client/field_args.h"
#include "ghl/core/text.h"
#include "ghl/http/transport.h"
#include "ghl/webhooks/event_examples.h"
#include "ghl/webhooks/signature_verifier.h"
#include "ghl/webhooks/signer.h"
#include "server_text.h"

namespace ghl::cli {
namespace {

namespace fs = std::filesystem;
namespace gc = ghl::client;

struct TriggerArgs {
  std::string type;
  std::string url = "http://127.0.0.1:8080/webhooks/ghl";
  std::vector<std::string> fields;
  std::string location;
  std::string key;
  bool dry_run = false;
  bool list = false;
};

/// Where the signing key is and whose choice that was.
struct KeyLocation {
  fs::path path;
  std::string named_by;  // "--key", "GHL_TRIGGER_KEY", or "" for our default path
};

/// --key, else $GHL_TRIGGER_KEY, else $XDG_CONFIG_HOME/ghl/trigger-key.pem, else
/// ~/.config/ghl/trigger-key.pem.
KeyLocation KeyPath(const std::string& flag) {
  if (!flag.empty()) return {flag, "--key"};
  if (const char* v = std::getenv("GHL_TRIGGER_KEY"); v && *v) return {v, "GHL_TRIGGER_KEY"};
  if (const char* v = std::getenv("XDG_CONFIG_HOME"); v && *v) {
    return {fs::path(v) / "ghl" / "trigger-key.pem", ""};
  }
  const char* home = std::getenv("HOME");
  return {fs::path(home && *home ? home : ".") / ".config" / "ghl" / "trigger-key.pem", ""};
}

/// The public half written beside a key ghl trigger made: "k.pem" → "k.pub.pem".
fs::path PublicKeyPath(const fs::path& key) {
  fs::path pub = key;
  pub.replace_extension(".pub.pem");
  return pub;
}

Status WriteFile(const fs::path& p, const std::string& text, mode_t mode) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) return UsageError("cannot write " + p.string());
  if (::chmod(p.c_str(), mode) != 0) return UsageError("cannot set the mode of " + p.string());
  return Ok{};
}

std::string KeyHint() {
  return "A trigger key is an unencrypted PKCS#8 PEM private key, Ed25519 or RSA (a file "
         "starting '-----BEGIN PRIVATE KEY-----'). Make one with `openssl genpkey -algorithm "
         "ed25519 -out trigger-key.pem`, or give --key a file name that does not exist yet "
         "and ghl trigger makes the key there.";
}

/// Loads the signing key, or creates it (private 0600, public beside it) on first use. Only
/// our own default directory (~/.config/ghl) is ever created; a directory the user named must
/// exist.
Result<webhooks::WebhookSigner> LoadOrCreateKey(const KeyLocation& key, bool* created) {
  const fs::path& path = key.path;
  std::string named = key.named_by.empty() ? "the trigger key " : key.named_by + " ";
  std::error_code ec;
  if (fs::exists(path, ec)) {
    auto pem = gc::ReadUserFile(path.string());
    if (!pem.ok()) {
      Error e = pem.error();
      e.messages[0] = named + e.messages[0];
      return e;
    }
    auto signer = webhooks::WebhookSigner::FromPrivateKeyPem(*pem);
    if (!signer.ok()) {
      return UsageError(named + path.string() + " does not hold a PEM private key", KeyHint());
    }
    *created = false;
    return signer;
  }
  fs::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) {
    if (!key.named_by.empty()) {
      return UsageError(named + path.string() + ": the directory " + dir.string() +
                            (fs::exists(dir, ec) ? " is not a directory" : " does not exist"),
                        "ghl trigger makes the key file but never directories: create " +
                            dir.string() + " first, or name a file in an existing directory.");
    }
    fs::create_directories(dir, ec);  // our own ~/.config/ghl
    if (ec) {
      return UsageError("cannot create " + dir.string() + " for the trigger key: " + ec.message(),
                        "Pass --key FILE in a directory you can write.");
    }
  }
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  if (!signer.ok()) return signer.error();
  if (auto st = WriteFile(path, signer->PrivateKeyPem(), 0600); !st.ok()) return st.error();
  // The public half beside it, unless a file of that name is already there (never
  // overwritten: TrustFlags then names the key's public half another way).
  if (!fs::exists(PublicKeyPath(path), ec)) {
    if (auto st = WriteFile(PublicKeyPath(path), signer->PublicKeyPem(), 0644); !st.ok()) {
      return st.error();
    }
  }
  *created = true;
  return signer;
}

/// The `ghl serve` flags that make a receiver trust `signer`: the public key file beside the
/// key when it holds this key's public half (ghl trigger writes it with a key it makes), else
/// the public half derived by openssl; for an RSA key past the legacy-signature cutoff also
/// `--rsa-cutoff never` (the receiver refuses RSA-only deliveries after it).
std::string TrustFlags(const fs::path& key, const webhooks::WebhookSigner& signer) {
  std::error_code ec;
  fs::path pub = PublicKeyPath(key);
  std::string flags = "--webhook-public-key ";
  auto beside = pub != key && fs::is_regular_file(pub, ec) ? gc::ReadUserFile(pub.string())
                                                           : Result<std::string>(Error{});
  if (beside.ok() && *beside == signer.PublicKeyPem()) {
    flags += gc::ShellQuote(pub.string());
  } else {
    flags += "\"$(openssl pkey -in " + gc::ShellQuote(key.string()) + " -pubout)\"";
  }
  if (signer.algorithm() == webhooks::SignatureAlgorithm::kRsaSha256 &&
      std::chrono::system_clock::now() >= webhooks::DefaultRsaCutoffUtc()) {
    flags += " --rsa-cutoff never";
  }
  return flags;
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
                   TerminalSafeLine(f).c_str());
      return kExitUsage;
    }
    options.fields.emplace_back(f.substr(0, eq), f.substr(eq + 1));
  }
  auto body = webhooks::BuildTestEvent(args.type, options);
  if (!body.ok()) {
    PrintError("ghl trigger", body.error());
    return kExitUsage;
  }
  KeyLocation key = KeyPath(args.key);
  const fs::path& key_path = key.path;
  bool created = false;
  auto signer = LoadOrCreateKey(key, &created);
  if (!signer.ok()) {
    PrintError("ghl trigger", signer.error());
    return kExitUsage;
  }
  std::string trust = "ghl serve " + TrustFlags(key_path, *signer);
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
                 TerminalSafeLine(args.url).c_str());
    return kExitUsage;
  }
  http::TransportOptions topts;
  topts.timeout = std::chrono::seconds(15);
  auto answer = http::MakeCurlTransport()->Send(request, topts);
  if (!answer.ok()) {
    std::fprintf(stderr,
                 "ghl trigger: could not deliver to %s: %s\n"
                 "             is `ghl serve` running there? (--url sets the receiver)\n",
                 TerminalSafeLine(args.url).c_str(),
                 TerminalSafeLine(answer.error().Summary()).c_str());
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
  // The answer is server text: escaped so it cannot drive the terminal.
  std::fprintf(stderr, "ghl trigger: %s answered HTTP %d: %s\n", TerminalSafeLine(args.url).c_str(),
               answer->status, TerminalSafeLine(answer->body.substr(0, 300)).c_str());
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
                  "$GHL_TRIGGER_KEY, else ~/.config/ghl/trigger-key.pem; a key made here gets "
                  "its public half beside it as .pub.pem; directories are never created except "
                  "~/.config/ghl)");
  cmd->add_flag("--dry-run", args->dry_run, "Print the signed request instead of sending it");
  cmd->add_flag("--list", args->list, "List the event types");
  cmd->callback([args, exit_code] { *exit_code = Run(*args); });
}

}  // namespace ghl::cli
