// `ghl api` never ends silently and never lets server text drive the terminal: real `ghl`
// processes against a local HTTP server (127.0.0.1) that misbehaves on purpose — repeating or
// cycling its cursor, ignoring the cursor, failing mid-way, holding its answer, redirecting,
// answering with terminal escape sequences.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>

#include "ghl/server/http_server.h"
#include "process.h"

namespace ghl::testing {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

bool Has(const std::string& text, std::string_view needle) {
  return text.find(needle) != std::string::npos;
}

// The value of query parameter `name` in `r`, or "".
std::string QueryValue(const http::Request& r, std::string_view name) {
  for (const auto& [k, v] : http::ParseQuery(r.Query())) {
    if (k == name) return v;
  }
  return {};
}

// Page N of GET /opportunities/search (startAfter paging): two items "oN-1", "oN-2" and the
// cursor `after_id` (the next page's startAfterId), or no cursor when empty.
http::Response OpportunitiesPage(int n, const std::string& after_id, int64_t after = 0) {
  json items = json::array();
  for (int i = 1; i <= 2; ++i) {
    items.push_back({{"id", "o" + std::to_string(n) + "-" + std::to_string(i)}});
  }
  json meta = json::object();
  if (!after_id.empty()) {
    meta["startAfterId"] = after_id;
    meta["startAfter"] = after != 0 ? after : 1700000000000LL + n;
  }
  auto res = server::JsonResponse(200, json{{"opportunities", items}, {"meta", meta}}.dump());
  // Let the client pace as fast as the test needs (it learns the limits from these headers).
  res.headers.Set("X-RateLimit-Max", "1000000");
  res.headers.Set("X-RateLimit-Interval-Milliseconds", "10000");
  return res;
}

// The page number a request asks for: 1 without a cursor, N+1 for startAfterId "pN".
int PageAsked(const http::Request& r) {
  std::string id = QueryValue(r, "startAfterId");
  return id.empty() ? 1 : std::stoi(id.substr(1)) + 1;
}

// Runs `ghl <args>` with stdout on a pseudo-terminal (so isatty(1) is true) and returns what
// the terminal received (the line discipline turns "\n" into "\r\n").
std::string RunGhlOnATerminal(const std::vector<std::string>& args_in,
                              const std::map<std::string, std::string>& env) {
  int master = -1, slave = -1;
  if (openpty(&master, &slave, nullptr, nullptr, nullptr) != 0) return "<openpty failed>";
  std::vector<std::string> args = {GhlBinary()};
  args.insert(args.end(), args_in.begin(), args_in.end());
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
  auto pointers = [](std::vector<std::string>& v) {
    std::vector<char*> out;
    for (auto& s : v) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
  };
  auto argv = pointers(args);
  auto envp = pointers(env_strings);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, slave, 1);
  posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addclose(&actions, master);
  posix_spawn_file_actions_addclose(&actions, slave);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0].c_str(), &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  close(slave);
  std::string out;
  if (rc == 0) {
    char buf[4096];
    for (;;) {
      pollfd p{master, POLLIN, 0};
      if (poll(&p, 1, 10000) <= 0) break;
      ssize_t n = read(master, buf, sizeof buf);
      if (n <= 0) break;  // EIO once the child closed the terminal
      out.append(buf, static_cast<size_t>(n));
    }
    waitpid(pid, nullptr, 0);
  }
  close(master);
  return out;
}

class CliApiTest : public ::testing::Test {
 protected:
  using Handler = std::function<http::Response(const http::Request&)>;

  void SetUp() override {
    server_ = std::make_unique<server::HttpServer>(server::ServerOptions{.port = 0, .threads = 4},
                                                   [this](const http::Request& r) {
                                                     ++requests_;
                                                     Handler h;
                                                     {
                                                       std::lock_guard lock(mu_);
                                                       h = handler_;
                                                     }
                                                     return h(r);
                                                   });
    base_url_ = "http://127.0.0.1:" + std::to_string(server_->Start());
  }

  void TearDown() override {
    release_ = true;
    server_->Stop();
  }

  void Serve(Handler h) {
    std::lock_guard lock(mu_);
    handler_ = std::move(h);
  }

  // Holds the answer until ReleaseHeld or the test ends (at most 10 s): a server that does not
  // answer.
  http::Response Hold() {
    ++held_;
    ++holding_;
    for (int i = 0; i < 1000 && !release_; ++i) std::this_thread::sleep_for(10ms);
    --holding_;
    return server::JsonResponse(200, "{}");
  }

  // Ends every Hold in progress (each holds a server thread) and lets new ones hold again.
  void ReleaseHeld() {
    release_ = true;
    for (int i = 0; i < 500 && holding_ > 0; ++i) std::this_thread::sleep_for(10ms);
    release_ = false;
    held_ = 0;
  }

  // Waits until a request is being held.
  void AwaitHeld() {
    for (int i = 0; i < 1000 && held_ == 0; ++i) std::this_thread::sleep_for(10ms);
    ASSERT_GT(held_.load(), 0) << "the server never got the request it should hold";
  }

  std::map<std::string, std::string> Env() const {
    return {{"GHL_TOKEN", "test-token"}, {"GHL_BASE_URL", base_url_}, {"GHL_LOCATION_ID", "L1"}};
  }

  std::vector<std::string> Paginate(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {"api", "GET", "/opportunities/search", "--paginate"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // A server of `pages` full pages, then an empty one.
  void ServePages(int pages) {
    Serve([pages](const http::Request& r) {
      int n = PageAsked(r);
      if (n > pages) return server::JsonResponse(200, R"({"opportunities":[],"meta":{}})");
      return OpportunitiesPage(n, "p" + std::to_string(n));
    });
  }

  std::unique_ptr<server::HttpServer> server_;
  std::string base_url_;
  std::mutex mu_;
  Handler handler_;
  std::atomic<int> requests_{0};
  std::atomic<int> held_{0};
  std::atomic<int> holding_{0};
  std::atomic<bool> release_{false};
};

std::vector<std::string> Ids(const json& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item["id"]);
  return out;
}

const std::vector<std::string> kTwoPages = {"o1-1", "o1-2", "o2-1", "o2-2"};

TEST_F(CliApiTest, PaginateToTheEndExitsZeroWithOneArray) {
  ServePages(3);
  auto r = RunGhl(Paginate(), Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json all = json::parse(r.out);
  EXPECT_EQ(all.size(), 6u);
  EXPECT_EQ(r.out, all.dump(2) + "\n") << "the streamed text is the array as dump(2) prints it";
  EXPECT_EQ(r.err, "");
}

TEST_F(CliApiTest, NdjsonPrintsOneCompactItemPerLine) {
  ServePages(3);
  auto r = RunGhl(Paginate({"--ndjson"}), Env());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> ids;
  for (std::string line; std::getline(lines, line);) {
    json item = json::parse(line);
    EXPECT_EQ(line, item.dump());
    ids.push_back(item["id"]);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"o1-1", "o1-2", "o2-1", "o2-2", "o3-1", "o3-2"}));

  auto alone = RunGhl({"api", "GET", "/opportunities/search", "--ndjson"}, Env());
  EXPECT_EQ(alone.exit_code, 2);
  EXPECT_TRUE(Has(alone.err, "--ndjson needs --paginate")) << alone.err;
}

// The issue's test: a server repeating its cursor → non-zero exit with the reason.
TEST_F(CliApiTest, CursorThatDoesNotAdvanceExitsOneWithTheReason) {
  Serve([](const http::Request& r) {
    // New items on every page, but always the same cursor back.
    return OpportunitiesPage(PageAsked(r), "p1", 1700000000001LL);
  });
  auto r = RunGhl(Paginate(), Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "stopped early")) << r.err;
  EXPECT_TRUE(Has(r.err, "same cursor it was sent (1700000000001/p1)")) << r.err;
  EXPECT_EQ(json::parse(r.out).size(), 4u) << "the pages fetched are printed, the array closed";
  EXPECT_EQ(requests_.load(), 2);
}

TEST_F(CliApiTest, CursorCyclingBackExitsOneWithTheReason) {
  auto call = std::make_shared<std::atomic<int>>(0);
  Serve([call](const http::Request&) {
    // p1 → p2 → p1 → …: each page new items, the cursors in a cycle.
    int n = ++*call;
    return OpportunitiesPage(n, n % 2 == 1 ? "p1" : "p2", n % 2 == 1 ? 1 : 2);
  });
  auto r = RunGhl(Paginate(), Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "a cursor it had sent before (1/p1)")) << r.err;
  EXPECT_EQ(json::parse(r.out).size(), 6u);
}

TEST_F(CliApiTest, ServerIgnoringTheCursorExitsOneWithTheReason) {
  Serve([](const http::Request&) { return OpportunitiesPage(1, "p1"); });
  auto r = RunGhl(Paginate(), Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "page 2 held the same items as page 1")) << r.err;
  EXPECT_EQ(Ids(json::parse(r.out)), (std::vector<std::string>{"o1-1", "o1-2"}));
}

TEST_F(CliApiTest, ExplicitMaxPagesIsANoteAndExitZero) {
  ServePages(5);
  auto r = RunGhl(Paginate({"--max-pages", "2"}), Env());
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(Has(r.err, "note: stopped after --max-pages 2")) << r.err;
  EXPECT_TRUE(Has(r.err, "the server has more")) << r.err;
  EXPECT_EQ(Ids(json::parse(r.out)), kTwoPages);
  EXPECT_EQ(requests_.load(), 2) << "page 3 is not fetched";

  // A cap the data never reaches says nothing.
  auto exact = RunGhl(Paginate({"--max-pages", "10"}), Env());
  EXPECT_EQ(exact.exit_code, 0);
  EXPECT_EQ(exact.err, "");
  EXPECT_EQ(json::parse(exact.out).size(), 10u);
}

// Without --max-pages, 10000 pages is the most a run fetches; reaching it is not the end of the
// data, so it exits 1 and says how to get more. About 10000 loopback calls (a few seconds).
TEST_F(CliApiTest, SafetyCapExitsOneAndNamesMaxPages) {
  ServePages(20000);
  auto r = RunGhl(Paginate({"--ndjson"}), Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "safety cap of 10000 pages")) << r.err;
  EXPECT_TRUE(Has(r.err, "--max-pages N")) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 20000);
}

TEST_F(CliApiTest, ErrorMidwayPrintsThePagesSoFarClosesTheArrayAndExitsOne) {
  Serve([](const http::Request& r) {
    int n = PageAsked(r);
    if (n == 3) {
      return server::JsonResponse(
          422, R"({"statusCode":422,"message":["startAfter is too old"],"traceId":"tr-3"})");
    }
    return OpportunitiesPage(n, "p" + std::to_string(n));
  });
  auto r = RunGhl(Paginate(), Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(Ids(json::parse(r.out)), kTwoPages);
  EXPECT_TRUE(Has(r.err, "HTTP 422: startAfter is too old")) << r.err;
  EXPECT_TRUE(Has(r.err, "traceId: tr-3")) << r.err;
  EXPECT_TRUE(Has(r.err, "stopped at page 3 by the error above")) << r.err;
}

// SIGINT / SIGTERM while page 3 is in flight: the two pages fetched stay on stdout as a closed,
// valid JSON array (NDJSON lines for --ndjson), the reason is on stderr, exit 128+signal.
TEST_F(CliApiTest, InterruptedPaginateKeepsThePagesFetchedAsValidJson) {
  for (int sig : {SIGINT, SIGTERM}) {
    for (bool ndjson : {false, true}) {
      SCOPED_TRACE(std::to_string(sig) + (ndjson ? " ndjson" : " array"));
      ReleaseHeld();
      Serve([this](const http::Request& r) {
        int n = PageAsked(r);
        if (n == 3) return Hold();
        return OpportunitiesPage(n, "p" + std::to_string(n));
      });
      GhlRun run(
          Paginate(ndjson ? std::vector<std::string>{"--ndjson"} : std::vector<std::string>{}),
          Env());
      AwaitHeld();
      run.Signal(sig);
      auto code = run.Wait(5s);
      ASSERT_TRUE(code.has_value()) << "ghl did not end within 5 s of the signal";
      EXPECT_EQ(*code, 128 + sig);
      std::string out = run.Stdout();
      std::string err = run.Stderr();
      EXPECT_TRUE(Has(err, sig == SIGINT ? "interrupted by SIGINT" : "interrupted by SIGTERM"))
          << err;
      EXPECT_TRUE(Has(err, "4 items of 2 pages")) << err;
      if (ndjson) {
        EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 4) << out;
      } else {
        EXPECT_TRUE(Has(err, "the JSON array is closed")) << err;
        EXPECT_EQ(Ids(json::parse(out)), kTwoPages) << out;
      }
    }
  }
}

// kill -9 gives no chance to close the array, but every page fetched is already on stdout.
TEST_F(CliApiTest, KilledPaginateLeavesThePagesAlreadyFetchedOnStdout) {
  Serve([this](const http::Request& r) {
    int n = PageAsked(r);
    if (n == 3) return Hold();
    return OpportunitiesPage(n, "p" + std::to_string(n));
  });
  GhlRun run(Paginate(), Env());
  AwaitHeld();
  run.Signal(SIGKILL);
  ASSERT_EQ(run.Wait(5s), 128 + SIGKILL);
  std::string out = run.Stdout();
  ASSERT_TRUE(out.starts_with("[")) << out;
  EXPECT_EQ(Ids(json::parse(out + "\n]")), kTwoPages) << out;
}

TEST_F(CliApiTest, TimeoutNamesTheFlagAndTheUrl) {
  Serve([this](const http::Request&) { return Hold(); });
  // POST is not retried, so one attempt of 0.5 s.
  auto r =
      RunGhl({"api", "POST", "/contacts/search", "-F", "pageLimit=1", "--timeout", "0.5"}, Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "network error: no answer within the timeout of 0.5 s")) << r.err;
  EXPECT_TRUE(Has(r.err, "tried POST " + base_url_ + "/contacts/search")) << r.err;
  EXPECT_TRUE(Has(r.err, "--timeout SECONDS")) << r.err;

  for (std::string value : {"0", "nan", "-1", "inf", "1e300"}) {
    auto bad = RunGhl({"api", "GET", "/contacts/c1", "--timeout", value}, Env());
    EXPECT_EQ(bad.exit_code, 2) << value << ": " << bad.err;
    EXPECT_TRUE(Has(bad.err, "--timeout takes seconds from 0.001 to 86400")) << bad.err;
  }
}

TEST_F(CliApiTest, NetworkErrorNamesTheUrlTried) {
  std::string dead = base_url_;
  release_ = true;
  server_->Stop();
  auto r = RunGhl({"api", "POST", "/contacts/search", "-F", "pageLimit=1"},
                  {{"GHL_TOKEN", "t"}, {"GHL_BASE_URL", dead}});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.err, "tried POST " + dead + "/contacts/search")) << r.err;
}

// A 302 is reported with its status and Location, never followed: the host it names never
// sees the request, so the token stays where the user sent it.
TEST_F(CliApiTest, RedirectIsReportedAndNotFollowed) {
  std::atomic<int> stolen{0};
  server::HttpServer other({.port = 0, .threads = 1}, [&](const http::Request&) {
    ++stolen;
    return server::JsonResponse(200, R"({"contact":{"id":"c1"}})");
  });
  std::string elsewhere = "http://127.0.0.1:" + std::to_string(other.Start()) + "/collect";
  Serve([&](const http::Request&) {
    http::Response res = server::JsonResponse(302, "");
    res.headers.Set("Location", elsewhere);
    return res;
  });
  auto r = RunGhl({"api", "-i", "GET", "/contacts/c1"}, Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_TRUE(Has(r.out, "HTTP/1.1 302")) << r.out;
  EXPECT_TRUE(Has(r.out, "Location: " + elsewhere)) << r.out;
  EXPECT_TRUE(Has(r.err, "HTTP 302: redirected to " + elsewhere + " (not followed)")) << r.err;
  EXPECT_TRUE(Has(r.err, "--base-url")) << r.err;
  EXPECT_EQ(stolen.load(), 0);

  auto paged = RunGhl(Paginate(), Env());
  EXPECT_EQ(paged.exit_code, 1) << paged.err;
  EXPECT_TRUE(Has(paged.err, "redirected to " + elsewhere)) << paged.err;
  EXPECT_EQ(stolen.load(), 0);
  other.Stop();
}

// An answer that tries to retitle (OSC 0 … BEL), recolour (CSI 31m), clear (CSI 2J) and
// overwrite (CR) the terminal: every such byte reaches stderr and -i output escaped.
TEST_F(CliApiTest, ServerTextIsPrintedWithControlCharactersEscaped) {
  const std::string evil = "\x1b]0;pwned\x07 \x1b[31mred\r";
  Serve([&](const http::Request&) {
    http::Response res = server::JsonResponse(
        401, json{{"statusCode", 401}, {"message", evil}, {"traceId", "t\x1b[2J"}}.dump());
    res.headers.Set("X-Evil", "\x1b[31mred\x1b]0;title\x07");
    return res;
  });
  auto r = RunGhl({"api", "-i", "GET", "/contacts/c1"}, Env());
  EXPECT_EQ(r.exit_code, 1) << r.err;
  for (const std::string* text : {&r.out, &r.err}) {
    EXPECT_EQ(text->find('\x1b'), std::string::npos) << *text;
    EXPECT_EQ(text->find('\x07'), std::string::npos) << *text;
    EXPECT_EQ(text->find('\r'), std::string::npos) << *text;
  }
  EXPECT_TRUE(Has(r.err, "HTTP 401: \\x1b]0;pwned\\x07 \\x1b[31mred\\x0d")) << r.err;
  EXPECT_TRUE(Has(r.err, "traceId: t\\x1b[2J")) << r.err;
  EXPECT_TRUE(Has(r.out, "X-Evil: \\x1b[31mred\\x1b]0;title\\x07")) << r.out;

  // A non-JSON body sent to a pipe stays byte-exact (users process it); its message on stderr
  // is escaped.
  Serve([&](const http::Request&) {
    http::Response res;
    res.status = 404;
    res.headers.Set("Content-Type", "text/plain");
    res.body = "no such thing " + evil;
    return res;
  });
  auto plain = RunGhl({"api", "GET", "/contacts/c1"}, Env());
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_EQ(plain.out, "no such thing " + evil + "\n");
  EXPECT_EQ(plain.err.find('\x1b'), std::string::npos) << plain.err;
  EXPECT_TRUE(Has(plain.err, "no such thing \\x1b]0;pwned\\x07")) << plain.err;

  // The same body printed to a terminal is escaped.
  std::string shown = RunGhlOnATerminal({"api", "GET", "/contacts/c1"}, Env());
  EXPECT_EQ(shown.find('\x1b'), std::string::npos) << shown;
  EXPECT_EQ(shown.find('\x07'), std::string::npos) << shown;
  EXPECT_TRUE(Has(shown, "no such thing \\x1b]0;pwned\\x07 \\x1b[31mred\\x0d")) << shown;
}

}  // namespace
}  // namespace ghl::testing
