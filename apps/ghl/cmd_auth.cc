// `ghl auth login|status`: install the OAuth app with the authorization-code flow (a one-shot
// callback listener on 127.0.0.1, like `gh auth login`) and show what the token store holds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <random>
#include <string>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/core/db_location.h"
#include "ghl/core/text.h"
#include "ghl/http/message.h"
#include "server_text.h"
#include "token_wiring.h"

extern char** environ;

namespace ghl::cli {
namespace {

struct AuthArgs {
  TokenArgs store;
  std::string authorize_host;
  bool white_label = false;
  std::string scopes;
  std::string user_type = "Company";
  int port = 0;
  bool no_browser = false;
  double timeout_s = 300;
};

int Fail(const Error& e) {
  PrintError("ghl", e);
  return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError;
}

bool IsLoopbackUrl(const std::string& url) {
  return url.rfind("http://127.0.0.1", 0) == 0 || url.rfind("http://localhost", 0) == 0;
}

// A listening socket on 127.0.0.1:port (0 = any free port).
Result<std::pair<int, int>> Listen(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(fd, 4) != 0) {
    if (fd >= 0) ::close(fd);
    return UsageError(
        "cannot listen on 127.0.0.1:" + std::to_string(port) + " for the OAuth callback",
        "Pick a free port with --port, or leave it out for any free port.");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return std::make_pair(fd, static_cast<int>(ntohs(addr.sin_port)));
}

// Writes an HTML answer on connection `c` and closes it.
void AnswerPage(int c, const char* status, const std::string& text) {
  std::string page = "<!doctype html><title>ghl</title><p>" + text;
  std::string answer = std::string("HTTP/1.1 ") + status +
                       "\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: " +
                       std::to_string(page.size()) + "\r\nConnection: close\r\n\r\n" + page;
  (void)!::write(c, answer.data(), answer.size());
  ::close(c);
}

// Waits for GET /callback?… carrying this login's `state`; returns its query parameters. Any
// other request (another path, a missing or wrong state: a stale tab, a forged link) gets an
// error page and the wait goes on, so it cannot end the login.
Result<std::map<std::string, std::string>> AwaitCallback(int listen_fd, double timeout_s,
                                                         const std::string& state) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      return UsageError(
          "no OAuth callback within " + std::to_string(static_cast<int>(timeout_s)) + " s",
          "Open the printed URL, choose the locations and approve; or raise "
          "--timeout.");
    }
    pollfd p{listen_fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(std::min<long long>(left, 1000))) <= 0) continue;
    int c = ::accept(listen_fd, nullptr, nullptr);
    if (c < 0) continue;
    std::string req;
    char buf[4096];
    while (req.find("\r\n\r\n") == std::string::npos && req.size() < 16384) {
      pollfd cp{c, POLLIN, 0};
      if (::poll(&cp, 1, 5000) <= 0) break;
      ssize_t n = ::read(c, buf, sizeof buf);
      if (n <= 0) break;
      req.append(buf, static_cast<size_t>(n));
    }
    std::string line = req.substr(0, req.find("\r\n"));
    std::string target = line.size() > 4 && line.rfind("GET ", 0) == 0
                             ? line.substr(4, line.rfind(' ') - 4)
                             : std::string();
    if (target != "/callback" && target.rfind("/callback?", 0) != 0) {
      AnswerPage(c, "404 Not Found", "not found");
      continue;
    }
    std::map<std::string, std::string> params;
    auto q = target.find('?');
    if (q != std::string::npos) {
      for (auto& [k, v] : http::ParseQuery(std::string_view(target).substr(q + 1))) params[k] = v;
    }
    if (params["state"] != state) {
      AnswerPage(c, "400 Bad Request",
                 "This link does not belong to the running <code>ghl auth login</code> (its "
                 "state does not match). Open the URL that command printed.");
      std::fprintf(stderr, "ghl auth login: ignored a callback with a wrong state; waiting\n");
      continue;
    }
    AnswerPage(c, "200 OK",
               params["error"].empty() ? "ghl received the authorization. You can close this "
                                         "window."
                                       : "The authorization was declined; nothing was stored. "
                                         "You can close this window.");
    return params;
  }
}

void TryOpenBrowser(const std::string& url) {
  if (std::getenv("DISPLAY") == nullptr && std::getenv("WAYLAND_DISPLAY") == nullptr &&
      std::getenv("BROWSER") == nullptr) {
    return;  // headless: the printed URL is the way
  }
  std::string opener = "xdg-open", arg = url;
  char* argv[] = {opener.data(), arg.data(), nullptr};
  pid_t pid = 0;
  if (posix_spawnp(&pid, "xdg-open", nullptr, nullptr, argv, environ) == 0) {
    int status = 0;
    ::waitpid(pid, &status, 0);
  }
}

int RunLogin(const AuthArgs& args) {
  auto manager = OpenTokenManager(args.store);  // the key must open the store before anything
  if (!manager.ok()) return Fail(manager.error());
  std::string client_id = FlagOrEnv(args.store.client_id, "GHL_CLIENT_ID");
  if (client_id.empty() || FlagOrEnv(args.store.client_secret, "GHL_CLIENT_SECRET").empty()) {
    return Fail(UsageError("no OAuth app: set GHL_CLIENT_ID and GHL_CLIENT_SECRET",
                           "Use your marketplace app's credentials (`ghl sandbox` prints the "
                           "sandbox app's)."));
  }
  if (args.user_type != "Company" && args.user_type != "Location") {
    return Fail(UsageError("--user-type must be Company or Location"));
  }
  std::string base = FlagOrEnv(args.store.base_url, "GHL_BASE_URL");
  std::string host = args.authorize_host;
  if (host.empty()) {
    host = IsLoopbackUrl(base) ? base
           : args.white_label  ? "https://marketplace.leadconnectorhq.com"
                               : "https://marketplace.gohighlevel.com";
  }
  while (!host.empty() && host.back() == '/') host.pop_back();
  if (args.scopes.empty() && !IsLoopbackUrl(host)) {
    return Fail(UsageError("--scopes is required for GHL's consent page",
                           "Give your app's scopes, space-separated, e.g. --scopes "
                           "\"contacts.readonly contacts.write locations.readonly\"."));
  }
  auto listening = Listen(args.port);
  if (!listening.ok()) return Fail(listening.error());
  auto [fd, port] = listening.value();
  std::string redirect = "http://127.0.0.1:" + std::to_string(port) + "/callback";
  std::random_device rd;
  char state[33];
  std::snprintf(state, sizeof state, "%08x%08x%08x%08x", rd(), rd(), rd(), rd());
  std::string url =
      host + "/oauth/chooselocation?response_type=code&redirect_uri=" + http::UrlEncode(redirect) +
      "&client_id=" + http::UrlEncode(client_id) + "&scope=" + http::UrlEncode(args.scopes) +
      "&state=" + state;
  std::fprintf(stderr, "ghl auth login: open this URL to install the app:\n%s\n", url.c_str());
  std::fflush(stderr);
  if (!args.no_browser) TryOpenBrowser(url);
  auto params = AwaitCallback(fd, args.timeout_s, state);
  ::close(fd);
  if (!params.ok()) return Fail(params.error());
  if ((*params)["error"] == "access_denied") {
    std::fprintf(stderr,
                 "ghl auth login: you declined the installation on the consent page; nothing "
                 "was stored\nhint: run `ghl auth login` again and approve to install the app\n");
    return kExitApiError;
  }
  if (!(*params)["error"].empty() || (*params)["code"].empty()) {
    return Fail(UsageError(
        "the authorization was not granted: " +
        TerminalSafe((*params)["error"].empty() ? "no code in the callback" : (*params)["error"])));
  }
  auto stored = (*manager)->ExchangeCode((*params)["code"], redirect, args.user_type);
  if (!stored.ok()) return Fail(stored.error());
  std::printf("logged in: stored tokens for %zu row(s) in %s\n", stored->size(),
              MaskLocation(ResolveTokensDb(args.store.db)).c_str());
  for (const auto& id : *stored) std::printf("  %s\n", TerminalSafe(id).c_str());
  return kExitOk;
}

int RunStatus(const AuthArgs& args) {
  auto manager = OpenTokenManager(args.store);
  if (!manager.ok()) return Fail(manager.error());
  auto rows = (*manager)->store().List();
  if (!rows.ok()) return Fail(rows.error());
  std::map<std::string, int> by_state;
  int companies = 0, locations = 0;
  for (const auto& r : *rows) {
    if (r.kind == tokens::TokenKind::kCompany) {
      ++companies;
      std::printf("company %s: %s\n", TerminalSafe(r.company_id).c_str(),
                  std::string(tokens::ToString(r.state)).c_str());
    } else {
      ++locations;
    }
    ++by_state[std::string(tokens::ToString(r.state))];
  }
  std::printf("token store %s: %d company row(s), %d location(s)",
              MaskLocation(ResolveTokensDb(args.store.db)).c_str(), companies, locations);
  for (const auto& [state, n] : by_state) std::printf(", %d %s", n, state.c_str());
  std::printf("\n");
  std::string client_id = FlagOrEnv(args.store.client_id, "GHL_CLIENT_ID");
  std::printf("app: %s\n", client_id.empty() ? "(GHL_CLIENT_ID not set: refresh impossible)"
                                             : TerminalSafe(client_id).c_str());
  if (rows->empty()) {
    std::fprintf(stderr, "ghl: not logged in: run `ghl auth login`\n");
    return kExitApiError;
  }
  return by_state.count("needs-reinstall") ? kExitApiError : kExitOk;
}

}  // namespace

void AddAuthCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<AuthArgs>();
  auto* cmd = app.add_subcommand("auth", "Install the OAuth app (code flow) and show the state");
  cmd->require_subcommand(1);
  auto* login = cmd->add_subcommand(
      "login",
      "Authorization-code flow: prints (and opens) the authorize URL, waits for the callback "
      "on 127.0.0.1, exchanges the code and stores the tokens (a company login also mints "
      "every approved location)");
  AddTokenOptions(login, args->store);
  login->add_option("--authorize-host", args->authorize_host,
                    "Consent page host (default https://marketplace.gohighlevel.com; the "
                    "sandbox's URL when --base-url is a local sandbox)");
  login->add_flag("--white-label", args->white_label,
                  "Use the white-label host https://marketplace.leadconnectorhq.com");
  login->add_option("--scopes", args->scopes,
                    "Space-separated scopes to ask for: your app's (required for GHL; a local "
                    "sandbox grants all it emulates when omitted)");
  login->add_option("--user-type", args->user_type, "Company (agency) or Location")
      ->capture_default_str();
  login->add_option("--port", args->port, "Callback port on 127.0.0.1 (default: any free)")
      ->check(WholeNumber("--port", 0, 65535));
  login->add_flag("--no-browser", args->no_browser, "Only print the URL");
  login->add_option("--timeout", args->timeout_s, "Seconds to wait for the callback (300)")
      ->check(DecimalNumber("--timeout", 1.0, 3600.0));
  login->callback([args, exit_code] { *exit_code = RunLogin(*args); });
  auto* status = cmd->add_subcommand("status", "What the token store holds, by state");
  AddTokenOptions(status, args->store);
  status->callback([args, exit_code] { *exit_code = RunStatus(*args); });
}

}  // namespace ghl::cli
