// The MCP streamable HTTP transport: Host/Origin and bearer checks, sessions, JSON or SSE answers.
#include <sys/random.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <list>
#include <mutex>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "ghl/core/json_depth.h"
#include "ghl/mcp/http.h"

namespace ghl::mcp {
namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

http::Response Answer(int status, std::string body, std::string content_type) {
  http::Response r;
  r.status = status;
  if (!body.empty()) r.headers.Set("Content-Type", content_type);
  r.body = std::move(body);
  return r;
}

// An HTTP error carrying a JSON-RPC error without id (what the SDK reads).
http::Response RpcFailure(int status, int code, const std::string& message) {
  return Answer(
      status,
      Protocol::Dump(
          {{"jsonrpc", "2.0"}, {"id", nullptr}, {"error", {{"code", code}, {"message", message}}}}),
      "application/json");
}

// "host:port" / "[v6]:port" / "host" → (lower-case host, port text); host empty when malformed.
std::pair<std::string, std::string> SplitAuthority(std::string_view authority) {
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return {};
    host = authority.substr(0, close + 1);
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return {};
      port = rest.substr(1);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  return {Lower(host), std::string(port)};
}

// The quality (RFC 9110 §12.5.1) the Accept header gives `type` ("text/event-stream"): the most
// specific matching range wins (type/subtype over type/* over */*); 0 when none matches.
double AcceptQuality(const std::string& accept, std::string_view type) {
  std::string family = std::string(type.substr(0, type.find('/'))) + "/*";
  int best_rank = -1;
  double best_q = 0;
  size_t start = 0;
  while (start <= accept.size()) {
    size_t comma = accept.find(',', start);
    std::string range =
        Lower(accept.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    start = comma == std::string::npos ? accept.size() + 1 : comma + 1;
    size_t semi = range.find(';');
    std::string media = range.substr(0, semi);
    media.erase(0, media.find_first_not_of(" \t"));
    media.erase(media.find_last_not_of(" \t") + 1);
    int rank = media == type ? 2 : media == family ? 1 : media == "*/*" ? 0 : -1;
    if (rank < best_rank || rank < 0) continue;
    double q = 1;
    if (auto at = range.find("q=", semi == std::string::npos ? range.size() : semi);
        at != std::string::npos) {
      q = std::strtod(range.c_str() + at + 2, nullptr);
    }
    best_rank = rank;
    best_q = q;
  }
  return best_q;
}

bool TimingSafeEqual(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  }
  return diff == 0;
}

}  // namespace

std::string NewSecret(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    ssize_t n = getrandom(raw.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (unsigned char c : raw) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

struct HttpTransport::Impl {
  struct State {
    State() { session.pending = std::make_shared<PendingRequests>(); }
    // Ends the session: calls waiting for the client get an error, the GET stream ends.
    void End(const std::string& reason) {
      session.pending->Close(reason);
      std::lock_guard lock(mu);
      if (get_stream) get_stream->End();
      get_stream.reset();
    }
    std::mutex mu;  // guards session and get_stream
    Session session;
    std::optional<server::BodyStream> get_stream;  // GET /mcp: the standalone SSE stream
    Clock::time_point used;
    std::list<std::string>::iterator lru;  // position in Impl::order
  };

  MessageHandler handler;
  HttpOptions options;
  std::atomic<uint16_t> port{0};
  mutable std::mutex mu;  // guards sessions and order
  std::unordered_map<std::string, std::shared_ptr<State>> sessions;
  std::list<std::string> order;  // least recently used first

  std::optional<http::Response> CheckHostAndOrigin(const http::Request& r) const;
  bool HostAllowed(const std::string& host) const;
  std::shared_ptr<State> Find(const std::string& id);
  void Add(const std::string& id, std::shared_ptr<State> state);
  // `respond` null: the answer must be one complete response (Handle).
  std::optional<http::Response> Post(const http::Request& r, const server::Responder* respond);
  std::optional<http::Response> Get(const http::Request& r, const server::Responder* respond);
  http::Response Delete(const http::Request& r);
  std::optional<http::Response> Dispatch(const http::Request& r, const server::Responder* respond);
};

bool HttpTransport::Impl::HostAllowed(const std::string& host) const {
  if (host == "127.0.0.1" || host == "localhost" || host == "[::1]") return true;
  return std::find(options.allowed_hosts.begin(), options.allowed_hosts.end(), host) !=
         options.allowed_hosts.end();
}

std::optional<http::Response> HttpTransport::Impl::CheckHostAndOrigin(
    const http::Request& r) const {
  std::string header = r.headers.GetOr("Host", "");
  auto [host, host_port] = SplitAuthority(header);
  uint16_t p = port.load();
  // Loopback names must carry this server's port. A host allowed by name (the reverse proxy's
  // public name) arrives with the proxy's port or none (https://mcp.example.com): DNS rebinding
  // cannot forge that name, so any port is fine for it.
  bool loopback = host == "127.0.0.1" || host == "localhost" || host == "[::1]";
  bool port_ok =
      !loopback || p == 0 || host_port == std::to_string(p) || (host_port.empty() && p == 80);
  if (host.empty() || !HostAllowed(host) || !port_ok) {
    return RpcFailure(403, kInvalidRequest,
                      "Forbidden: Host '" + header +
                          "' is not this MCP server (DNS-rebinding protection); connect to "
                          "127.0.0.1 or localhost on the server's port, or start it with "
                          "--mcp-allowed-host NAME");
  }
  if (auto origin = r.headers.Get("Origin")) {
    std::string o = Lower(*origin);
    size_t scheme_end = o.find("://");
    std::string scheme = scheme_end == std::string::npos ? "" : o.substr(0, scheme_end);
    std::string origin_host =
        scheme_end == std::string::npos ? "" : SplitAuthority(o.substr(scheme_end + 3)).first;
    if ((scheme != "http" && scheme != "https") || origin_host.empty() ||
        !HostAllowed(origin_host)) {
      return RpcFailure(403, kInvalidRequest,
                        "Forbidden: Origin '" + *origin +
                            "' may not call this MCP server (DNS-rebinding protection)");
    }
  }
  return std::nullopt;
}

std::shared_ptr<HttpTransport::Impl::State> HttpTransport::Impl::Find(const std::string& id) {
  std::lock_guard lock(mu);
  auto it = sessions.find(id);
  if (it == sessions.end()) return nullptr;
  auto now = Clock::now();
  if (now - it->second->used > options.session_idle) {
    it->second->End("the session ended (idle)");
    order.erase(it->second->lru);
    sessions.erase(it);
    return nullptr;
  }
  it->second->used = now;
  order.splice(order.end(), order, it->second->lru);
  return it->second;
}

void HttpTransport::Impl::Add(const std::string& id, std::shared_ptr<State> state) {
  std::lock_guard lock(mu);
  auto now = Clock::now();
  while (!order.empty() && (sessions.size() >= options.max_sessions ||
                            now - sessions[order.front()]->used > options.session_idle)) {
    sessions[order.front()]->End("the session ended (too many sessions, or idle)");
    sessions.erase(order.front());
    order.pop_front();
  }
  state->used = now;
  state->lru = order.insert(order.end(), id);
  sessions[id] = std::move(state);
}

std::optional<http::Response> HttpTransport::Impl::Post(const http::Request& r,
                                                        const server::Responder* respond) {
  std::string type = Lower(r.headers.GetOr("Content-Type", ""));
  if (type.find("application/json") == std::string::npos) {
    return RpcFailure(415, kInvalidRequest,
                      "Unsupported Media Type: POST one JSON-RPC message as application/json");
  }
  // No Accept: JSON. Both accepted: JSON, unless the client prefers SSE (a higher q) or the
  // request produced notifications that only SSE can carry.
  std::string accept = r.headers.GetOr("Accept", "");
  double q_json = accept.empty() ? 1 : AcceptQuality(accept, "application/json");
  double q_sse = accept.empty() ? 0 : AcceptQuality(accept, "text/event-stream");
  bool json_ok = q_json > 0, sse_ok = q_sse > 0;
  bool prefer_sse = q_sse > q_json;
  if (!json_ok && !sse_ok) {
    return RpcFailure(406, kInvalidRequest,
                      "Not Acceptable: accept application/json and/or text/event-stream");
  }
  json msg = ParseJsonBounded(r.body);
  bool is_initialize =
      msg.is_object() && msg.contains("id") && msg.value("method", json()) == "initialize";
  auto sid = r.headers.Get("Mcp-Session-Id");
  std::shared_ptr<State> state;
  bool fresh = false;
  if (sid) {
    state = Find(*sid);
    if (!state) {
      return RpcFailure(404, -32001,
                        "Session not found: it ended or never existed; initialize a new one "
                        "(without Mcp-Session-Id)");
    }
  } else if (is_initialize) {
    state = std::make_shared<State>();
    fresh = true;
  } else {
    if (msg.is_discarded() || FindJsonTooDeep(r.body)) {
      Session scratch;
      auto parse_error = Protocol(ServerInfo{}).Handle(scratch, r.body, nullptr);
      return Answer(400, parse_error.value_or(""), "application/json");
    }
    return RpcFailure(400, kInvalidRequest,
                      "Bad Request: Mcp-Session-Id header required (send initialize first)");
  }

  // Handle on a copy, so concurrent requests of one session do not wait for each other; the
  // lifecycle changes (initialize, setLevel) are written back.
  Session session;
  {
    std::lock_guard lock(state->mu);
    session = state->session;
  }
  Session before = session;
  // A tool call of a client that can be asked something (sampling, elicitation) is answered
  // as a stream when the client accepts SSE: a request to the client goes out while the tool
  // runs, its answer comes back by another POST, the result is the last event.
  if (respond && sse_ok && (session.client_sampling || session.client_elicitation) &&
      msg.is_object() && msg.value("method", json()) == "tools/call" && msg.contains("id")) {
    http::Response head = Answer(200, "", "");
    head.headers.Set("Content-Type", "text/event-stream");
    head.headers.Set("Cache-Control", "no-cache");
    server::BodyStream body = respond->Stream(std::move(head));
    Notify send = [body](std::string_view m) {
      body.Write("event: message\ndata: " + std::string(m) + "\n\n");
    };
    session.can_wait = true;
    if (auto reply = handler(session, r.body, send)) send(*reply);
    body.End();
    return std::nullopt;
  }
  std::vector<std::string> notes;
  std::mutex notes_mu;
  Notify collect = [&](std::string_view m) {
    std::lock_guard lock(notes_mu);
    notes.emplace_back(m);
  };
  auto reply = handler(session, r.body, collect);
  {
    std::lock_guard lock(state->mu);
    if (session.initialized != before.initialized) {
      state->session.initialized = session.initialized;
      state->session.protocol_version = session.protocol_version;
      state->session.client_name = session.client_name;
      state->session.client_sampling = session.client_sampling;
      state->session.client_elicitation = session.client_elicitation;
    }
    if (session.log_level != before.log_level) state->session.log_level = session.log_level;
  }
  http::Response out;
  std::lock_guard lock(notes_mu);
  if (!reply) {
    out = Answer(202, "", "");
  } else if (sse_ok && (prefer_sse || !notes.empty())) {
    std::string body;
    notes.push_back(*reply);
    for (const auto& n : notes) body += "event: message\ndata: " + n + "\n\n";
    out = Answer(200, std::move(body), "text/event-stream");
    out.headers.Set("Cache-Control", "no-cache");
  } else {
    out = Answer(200, std::move(*reply), "application/json");
  }
  if (fresh) {
    if (!session.initialized) return out;  // initialize failed: no session
    std::string id = NewSecret();
    Add(id, state);
    out.headers.Set("Mcp-Session-Id", id);
  }
  return out;
}

std::optional<http::Response> HttpTransport::Impl::Get(const http::Request& r,
                                                       const server::Responder* respond) {
  if (!respond || AcceptQuality(r.headers.GetOr("Accept", ""), "text/event-stream") <= 0) {
    http::Response out = RpcFailure(
        405, kInvalidRequest,
        respond ? "Method Not Allowed: GET opens the SSE stream; send Accept: text/event-stream"
                : "Method Not Allowed: this endpoint offers no standalone SSE stream here");
    out.headers.Set("Allow", "POST, DELETE");
    return out;
  }
  auto sid = r.headers.Get("Mcp-Session-Id");
  if (!sid) return RpcFailure(400, kInvalidRequest, "Bad Request: Mcp-Session-Id header required");
  auto state = Find(*sid);
  if (!state) return RpcFailure(404, -32001, "Session not found");
  http::Response head = Answer(200, "", "");
  head.headers.Set("Content-Type", "text/event-stream");
  head.headers.Set("Cache-Control", "no-cache");
  server::BodyStream body = respond->Stream(std::move(head));
  // A comment line: the client sees the stream open. No event ids: nothing to resume.
  body.Write(": ghl mcp stream\n\n");
  std::lock_guard lock(state->mu);
  if (state->get_stream) state->get_stream->End();  // one per session: the newest wins
  state->get_stream = std::move(body);
  return std::nullopt;
}

http::Response HttpTransport::Impl::Delete(const http::Request& r) {
  auto sid = r.headers.Get("Mcp-Session-Id");
  if (!sid) return RpcFailure(400, kInvalidRequest, "Bad Request: Mcp-Session-Id header required");
  std::lock_guard lock(mu);
  auto it = sessions.find(*sid);
  if (it == sessions.end()) return RpcFailure(404, -32001, "Session not found");
  it->second->End("the client ended the session");
  order.erase(it->second->lru);
  sessions.erase(it);
  return Answer(204, "", "");
}

HttpTransport::HttpTransport(MessageHandler handler, HttpOptions options)
    : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->options = std::move(options);
  for (auto& h : impl_->options.allowed_hosts) h = Lower(h);
  impl_->port = impl_->options.port;
}

HttpTransport::~HttpTransport() = default;

bool HttpTransport::Matches(const http::Request& request) const {
  return request.Path() == impl_->options.path;
}

void HttpTransport::SetPort(uint16_t port) { impl_->port = port; }

size_t HttpTransport::SessionCount() const {
  std::lock_guard lock(impl_->mu);
  return impl_->sessions.size();
}

std::optional<http::Response> HttpTransport::Impl::Dispatch(const http::Request& request,
                                                            const server::Responder* respond) {
  auto& d = *this;
  if (auto refused = d.CheckHostAndOrigin(request)) return *refused;
  if (!d.options.bearer_key.empty()) {
    std::string auth = request.headers.GetOr("Authorization", "");
    bool ok = auth.size() > 7 && Lower(auth.substr(0, 7)) == "bearer " &&
              TimingSafeEqual(auth.substr(7), d.options.bearer_key);
    if (!ok) {
      http::Response r = RpcFailure(
          401, kInvalidRequest,
          "Unauthorized: send Authorization: Bearer KEY with the MCP key `ghl serve --mcp` "
          "printed (or the one in its --mcp-key-file)");
      r.headers.Set("WWW-Authenticate", "Bearer realm=\"ghl mcp\"");
      return r;
    }
  }
  if (auto version = request.headers.Get("MCP-Protocol-Version");
      version && !IsSupportedProtocolVersion(*version)) {
    return RpcFailure(400, kInvalidRequest,
                      "Bad Request: unsupported MCP-Protocol-Version '" + *version +
                          "' (supported: 2025-11-25, 2025-06-18, 2025-03-26)");
  }
  if (request.method == "POST") return d.Post(request, respond);
  if (request.method == "GET") return d.Get(request, respond);
  if (request.method == "DELETE") return d.Delete(request);
  http::Response r = RpcFailure(
      405, kInvalidRequest,
      "Method Not Allowed: use POST (messages), GET (the SSE stream) or DELETE (end the session)");
  r.headers.Set("Allow", "GET, POST, DELETE");
  return r;
}

http::Response HttpTransport::Handle(const http::Request& request) {
  return *impl_->Dispatch(request, nullptr);
}

void HttpTransport::Serve(const http::Request& request, const server::Responder& respond) {
  if (auto out = impl_->Dispatch(request, &respond)) respond(std::move(*out));
}

void HttpTransport::CloseAll() {
  std::lock_guard lock(impl_->mu);
  for (auto& [id, state] : impl_->sessions) state->End("the server is stopping");
}

}  // namespace ghl::mcp
