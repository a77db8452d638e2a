// Alerts on token state changes: a shell command and/or a JSON webhook.
#include <spawn.h>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "ghl/core/time_format.h"
#include "ghl/http/transport.h"
#include "ghl/tokens/manager.h"

extern char** environ;

namespace ghl::tokens {
namespace {

void RunCommand(const std::string& command, const StateChange& c,
                const std::function<void(std::string_view)>& warn) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string_view v(*e);
    if (v.rfind("GHL_TOKEN_", 0) == 0) continue;  // never pass the key on
    env.emplace_back(v);
  }
  env.push_back("GHL_TOKEN_ID=" + c.id);
  env.push_back("GHL_TOKEN_STATE=" + std::string(ToString(c.to)));
  env.push_back("GHL_TOKEN_PREVIOUS_STATE=" + std::string(ToString(c.from)));
  env.push_back("GHL_TOKEN_DETAIL=" + c.detail);
  std::vector<char*> envp;
  for (auto& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string sh = "/bin/sh", dash_c = "-c", cmd = command;
  char* argv[] = {sh.data(), dash_c.data(), cmd.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawn(&pid, "/bin/sh", nullptr, nullptr, argv, envp.data()) != 0) {
    warn("token alert: cannot run the alert command");
    return;
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    warn("token alert: the alert command failed for " + c.id);
  }
}

void PostWebhook(const std::string& url, const StateChange& c,
                 const std::function<void(std::string_view)>& warn) {
  nlohmann::json body = {{"id", c.id},
                         {"state", ToString(c.to)},
                         {"previousState", ToString(c.from)},
                         {"detail", c.detail},
                         {"at", UtcIsoNow()}};
  http::Request req;
  req.method = "POST";
  req.target = url;
  req.headers.Set("Content-Type", "application/json");
  req.body = body.dump();
  http::TransportOptions options;
  options.timeout = std::chrono::seconds(10);
  auto sent = http::MakeCurlTransport()->Send(req, options);
  if (!sent.ok() || sent->status / 100 != 2) {
    warn("token alert: the alert webhook failed for " + c.id);
  }
}

}  // namespace

StateChangeSink MakeAlertSink(std::string command, std::string webhook_url,
                              std::function<void(std::string_view)> warn) {
  if (command.empty() && webhook_url.empty()) return nullptr;
  if (!warn) warn = [](std::string_view) {};
  return [command = std::move(command), url = std::move(webhook_url),
          warn = std::move(warn)](const StateChange& c) {
    if (!command.empty()) RunCommand(command, c, warn);
    if (!url.empty()) PostWebhook(url, c, warn);
  };
}

}  // namespace ghl::tokens
