// Sandbox: state, tokens, and the request pipeline (route → token → rate limit → Version →
// 501 → token kind → scope → location → handler), see the header for the contract.
#include "ghl/sandbox/sandbox.h"

#include <algorithm>
#include <charconv>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <unordered_map>

#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"
#include "handler.h"
#include "providers.h"
#include "oauth_model.h"
#include "rate_limiter.h"
#include "router.h"
#include "seed.h"

namespace ghl::sandbox {
namespace {

std::vector<const RouteDef*> AllRoutes() {
  std::vector<const RouteDef*> out;
  for (auto table :
       {ContactRoutes(), ContactListRoutes(), ContactTaskRoutes(), OpportunityRoutes(),
        CalendarRoutes(), ConversationRoutes(), CustomFieldRoutes(), LocationRecordRoutes(),
        WorkflowRoutes(), ConversationProviderRoutes(), OAuthRoutes(), LocationCreateRoutes(),
        ObjectRoutes(), ObjectRecordRoutes(), AssociationRoutes(), CalendarRecordRoutes()}) {
    for (const auto& r : table) out.push_back(&r);
  }
  return out;
}

bool IsBodyMethod(std::string_view m) {
  return m == "POST" || m == "PUT" || m == "PATCH" || m == "DELETE";
}

}  // namespace

std::vector<std::string> EmulatedOperationIds() {
  std::vector<std::string> ids;
  for (const RouteDef* r : AllRoutes()) ids.emplace_back(r->id);
  std::sort(ids.begin(), ids.end());
  return ids;
}

std::vector<std::string> EmulatedScopes() {
  std::set<std::string> scopes;
  for (const RouteDef* r : AllRoutes()) {
    if (const auto* ep = catalog::FindById(r->id)) {
      for (auto s : ep->scopes) scopes.emplace(s);
    }
  }
  return {scopes.begin(), scopes.end()};
}

Result<RateLimit> ParseRateLimit(std::string_view text) {
  auto bad = [&] {
    return UsageError("invalid rate limit '" + std::string(text) + "'",
                      "use COUNT/DURATION, e.g. 100/10s, 20/1s, 500/1m or 5/250ms");
  };
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  RateLimit out;
  auto count = text.substr(0, slash);
  auto dur = text.substr(slash + 1);
  auto [p1, e1] = std::from_chars(count.data(), count.data() + count.size(), out.burst_max);
  if (e1 != std::errc() || p1 != count.data() + count.size() || out.burst_max <= 0) return bad();
  int64_t n = 1;
  const char* p = dur.data();
  const char* end = dur.data() + dur.size();
  if (p != end && *p >= '0' && *p <= '9') {
    auto [p2, e2] = std::from_chars(p, end, n);
    if (e2 != std::errc() || n <= 0) return bad();
    p = p2;
  }
  std::string_view unit(p, static_cast<size_t>(end - p));
  int64_t ms;
  if (unit == "ms")
    ms = 1;
  else if (unit == "s")
    ms = 1000;
  else if (unit == "m")
    ms = 60000;
  else if (unit == "h")
    ms = 3600000;
  else if (unit == "d")
    ms = 86400000;
  else
    return bad();
  out.interval = std::chrono::milliseconds(n * ms);
  return out;
}

struct Sandbox::Impl {
  Options options;
  std::vector<Token> tokens;
  std::unordered_map<std::string, size_t, StringHash, std::equal_to<>> token_index;
  Router router;
  std::optional<RateLimiter> limiter;
  std::shared_mutex state_mu;
  Store store;
  std::string client_id, client_secret, app_id;  // the OAuth app (EnsureApp)

  int64_t NowMs() const {
    auto t = options.clock ? options.clock() : std::chrono::system_clock::now();
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  }

  http::Response Dispatch(const http::Request& req, int64_t now, RateDecision* rate,
                          std::string* warning, std::vector<Event>* events);
  http::Response Handle(const http::Request& req);
  // The provider registry (providers.h): a location token of the sandbox, no Version header.
  http::Response HandleRegistry(const http::Request& req, int64_t now) {
    auto auth = req.headers.Get("Authorization");
    if (!auth || auth->size() <= 7 || !http::EqualsIgnoreCase(auth->substr(0, 7), "Bearer ")) {
      return ErrorResponse(401, "Invalid JWT");
    }
    auto tok = token_index.find(std::string_view(*auth).substr(7));
    if (tok == token_index.end())
      return ErrorResponse(401, "Invalid token: access token is invalid");
    std::unique_lock lock(state_mu);
    return HandleProviderRegistry(store, tokens[tok->second], req, now);
  }
  bool OwnsLocation(const Token& t, const std::string& location_id);
};

bool Sandbox::Impl::OwnsLocation(const Token& t, const std::string& location_id) {
  if (!t.agency) return location_id == t.location_id;
  std::shared_lock lock(state_mu);
  const Doc* loc = store.Get(Coll::kLocations, location_id);
  return loc && Str(loc->value, "companyId") == t.company_id;
}

http::Response Sandbox::Impl::Dispatch(const http::Request& req, int64_t now, RateDecision* rate,
                                       std::string* warning, std::vector<Event>* events) {
  // Body size first (GHL's proxy refuses before routing); Handle still adds X-RateLimit-*.
  if (req.body.size() > options.max_body_bytes) {
    return ErrorResponse(
        413,
        "request entity too large: limit is " + std::to_string(options.max_body_bytes) + " bytes",
        {{"error", "Payload Too Large"}});
  }
  std::string_view path = req.Path();
  Router::Match match;
  if (!router.Find(req.method, path, &match)) {
    json nearest = json::array();
    auto same_path = catalog::MatchAnyMethod(path);
    auto near = same_path.empty() ? catalog::Nearest(req.method, path, 3) : same_path;
    for (const auto* ep : near) {
      nearest.push_back(std::string(ep->method) + " " + std::string(ep->path));
    }
    return ErrorResponse(404, "Cannot " + req.method + " " + std::string(path),
                         {{"error", "Not Found"}, {"nearest", nearest}});
  }
  const Router::Entry& entry = *match.entry;
  const catalog::Endpoint& ep = *entry.endpoint;

  // Token. An operation whose spec declares no security (the OAuth token exchange) is
  // answered without one; a token sent anyway is checked like any other.
  static const Token kAnonymous{};
  Token issued;  // an OAuth-issued token's grant (outlives Ctx below)
  auto auth = req.headers.Get("Authorization");
  bool anonymous = ep.token_kinds == 0 && !auth;
  const Token* token_ptr = &kAnonymous;
  if (!anonymous) {
    if (!auth || auth->size() <= 7 || !http::EqualsIgnoreCase(auth->substr(0, 7), "Bearer ")) {
      return ErrorResponse(401, "Invalid JWT");
    }
    std::string_view bearer = std::string_view(*auth).substr(7);
    auto tok = token_index.find(bearer);
    if (tok != token_index.end()) {
      token_ptr = &tokens[tok->second];
    } else {
      // A token issued by POST /oauth/token or /oauth/locationToken; an expired one is
      // answered as GHL answers an expired JWT.
      AccessLookup found;
      {
        std::shared_lock lock(state_mu);
        found = LookupAccessToken(store, bearer, now, &issued);
      }
      if (found == AccessLookup::kExpired) return ErrorResponse(401, "Invalid JWT");
      if (found == AccessLookup::kUnknown) {
        return ErrorResponse(401, "Invalid token: access token is invalid");
      }
      token_ptr = &issued;
    }
  }
  const Token& token = *token_ptr;

  // Rate limit.
  *rate = limiter->Take(anonymous      ? std::string("anonymous")
                        : token.agency ? token.company_id
                                       : token.location_id,
                        now);
  if (!rate->allowed) return ErrorResponse(429, "Too Many Requests");

  // Version.
  auto version = req.headers.Get("Version");
  // The token exchange declares no Version (oauth.json): OAuth libraries send none.
  bool version_free = ep.version.empty() && !version;
  if (!version && !version_free) return ErrorResponse(401, "version header was not found.");
  auto known = catalog::KnownVersions();
  if (!version_free && std::find(known.begin(), known.end(), *version) == known.end()) {
    return ErrorResponse(401, "version header is invalid");
  }
  if (!version_free && !ep.version.empty() && *version != ep.version) {
    if (options.strict) return ErrorResponse(401, "version header is invalid");
    *warning = "Version " + *version + " differs from " + std::string(ep.version) +
               ", the value the spec declares for " + std::string(ep.id) +
               "; real GHL may refuse it (the sandbox does in --strict mode)";
  }

  if (!entry.route) {
    // What the caller can use instead: the emulated operations of the same service, nearest
    // (method and path) first.
    std::string wanted = std::string(ep.method) + " " + std::string(ep.path);
    std::vector<std::pair<size_t, std::string>> near;
    for (const auto& id : EmulatedOperationIds()) {
      const auto* other = catalog::FindById(id);
      if (other != nullptr && other->service == ep.service) {
        std::string name = std::string(other->method) + " " + std::string(other->path);
        near.emplace_back(ghl::EditDistance(name, wanted), std::move(name));
      }
    }
    std::sort(near.begin(), near.end());
    json emulated = json::array();
    for (auto& [distance, name] : near) emulated.push_back(std::move(name));
    return ErrorResponse(
        501,
        "The sandbox does not emulate " + std::string(ep.id) + " (" + std::string(ep.method) + " " +
            std::string(ep.path) + ") yet; try it against GHL itself.",
        {{"endpointId", ep.id}, {"notEmulated", true}, {"emulatedInService", std::move(emulated)}});
  }

  // Token kind and scope.
  if (ep.token_kinds != 0) {
    uint8_t need = token.agency ? catalog::kAgencyToken : catalog::kLocationToken;
    if ((ep.token_kinds & need) == 0) return ErrorResponse(401, "Token's user type mismatch!");
  }
  if (!ep.scopes.empty()) {
    bool ok = false;
    for (auto s : ep.scopes) {
      ok = ok || std::find(token.scopes.begin(), token.scopes.end(), s) != token.scopes.end();
    }
    if (!ok) return ErrorResponse(401, "The token is not authorized for this scope.");
  }

  // Query and body.
  auto query = http::ParseQuery(req.Query());
  json body;
  std::string content_type = Lower(req.headers.GetOr("Content-Type", ""));
  if (IsBodyMethod(req.method) && !req.body.empty() &&
      content_type.rfind("application/x-www-form-urlencoded", 0) == 0) {
    body = json::object();
    for (const auto& [k, v] : http::ParseQuery(req.body)) body[k] = v;
  } else if (IsBodyMethod(req.method) && !req.body.empty() &&
             content_type.rfind("multipart/", 0) == 0) {
    // No emulated route reads an upload; the parts are not parsed.
  } else if (IsBodyMethod(req.method) && !req.body.empty()) {
    // Refused before parsing: every walk over the body below recurses once per level.
    if (auto deep = ghl::FindJsonTooDeep(req.body)) {
      return Unprocessable({"request body is " + deep->Describe() +
                            "; GHL's request bodies nest a few levels at most"});
    }
    body = ghl::ParseJsonBounded<json>(req.body);
    if (body.is_discarded()) {
      return ErrorResponse(400,
                           "Unexpected token in JSON body: the request body is not valid JSON");
    }
  }

  // Location ownership.
  std::vector<std::string> named;
  for (const auto& [k, v] : match.params) {
    if (k == "locationId" && !v.empty()) named.push_back(v);
  }
  for (const auto& [k, v] : query) {
    if ((k == "locationId" || k == "location_id") && !v.empty()) named.push_back(v);
  }
  if (body.is_object()) {
    if (auto it = body.find("locationId");
        it != body.end() && it->is_string() && !it->get_ref<const std::string&>().empty()) {
      named.push_back(it->get<std::string>());
    }
  }
  for (const auto& loc : named) {
    if (!anonymous && !OwnsLocation(token, loc)) return ForbiddenLocation();
  }

  // Required query parameters (catalog facts).
  std::vector<std::string> missing;
  for (const auto& p : ep.parameters) {
    if (p.in != catalog::ParamIn::kQuery || !p.required) continue;
    bool present = false;
    for (const auto& [k, v] : query) present = present || (k == p.name && !v.empty());
    if (!present) missing.push_back(std::string(p.name) + " should not be empty");
  }
  if (!missing.empty()) return Unprocessable(std::move(missing));

  Ctx ctx{req,   ep,     std::move(match.params), std::move(query), std::move(body), token, now,
          store, *events};
  ctx.provider_status_delay_ms = options.provider_status_delay.count();
  if (entry.route->writes) {
    std::unique_lock lock(state_mu);
    http::Response res = entry.route->fn(ctx);
    if (auto st = store.Flush(); !st.ok()) {
      events->clear();
      return ErrorResponse(500, st.error().Summary());
    }
    return res;
  }
  std::shared_lock lock(state_mu);
  return entry.route->fn(ctx);
}

http::Response Sandbox::Impl::Handle(const http::Request& req) {
  int64_t now = NowMs();
  if (req.Path() == kConversationProvidersPath) return HandleRegistry(req, now);
  RateDecision rate = limiter->Peek();
  std::string warning;
  std::vector<Event> events;
  http::Response res;
  try {
    if (IsConsolePath(req.Path())) {
      // The consent page and the /sandbox/ control endpoints: outside the API pipeline.
      if (ConsoleWrites(req)) {
        std::unique_lock lock(state_mu);
        res = HandleConsole(req, store, now, &events);
        if (auto st = store.Flush(); !st.ok()) {
          events.clear();
          res = ErrorResponse(500, st.error().Summary());
        }
      } else {
        std::shared_lock lock(state_mu);
        res = HandleConsole(req, store, now, &events);
      }
    } else {
      res = Dispatch(req, now, &rate, &warning, &events);
    }
  } catch (const std::exception& e) {
    events.clear();
    res = ErrorResponse(500, std::string("sandbox internal error: ") + e.what());
  }
  limiter->SetHeaders(rate, res.headers);
  if (!warning.empty()) res.headers.Set("X-Ghl-Sandbox-Warning", warning);
  for (auto& e : events) {
    if (e.delivery_url.empty() || !options.provider_sink) continue;
    std::string body = Dump(e.body);
    for (int i = 0; i < std::clamp(options.provider_delivery_copies, 1, 5); ++i) {
      options.provider_sink(e.delivery_url, body);
    }
  }
  std::erase_if(events, [](const Event& e) { return !e.delivery_url.empty(); });
  if (options.webhook_sink) {
    for (auto& e : events) {
      e.body["webhookId"] = NewTraceId();
      e.body["timestamp"] = IsoUtcMs(now);
      options.webhook_sink(e.type, Dump(e.body));
    }
  }
  return res;
}

Sandbox::Sandbox(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Sandbox::~Sandbox() = default;

Result<std::unique_ptr<Sandbox>> Sandbox::Create(Options options) {
  if (options.seed != "demo" && options.seed != "empty") {
    return UsageError("unknown seed '" + options.seed + "'", "use --seed demo or --seed empty");
  }
  if (options.seed_contacts < 0 || options.seed_contacts > 1000000) {
    return UsageError("seed_contacts must be between 0 and 1000000");
  }
  if (options.rate_limit.burst_max <= 0 || options.rate_limit.daily_max <= 0 ||
      options.rate_limit.interval.count() <= 0) {
    return UsageError("rate limits must be positive");
  }
  auto impl = std::make_unique<Impl>();
  impl->limiter.emplace(options.rate_limit);

  auto routes = AllRoutes();
  std::vector<std::string> unknown;
  impl->router.Build(routes, &unknown);
  if (!unknown.empty()) {
    Error e;
    e.kind = ErrorKind::kInternal;
    for (const auto& id : unknown) e.messages.push_back("catalog has no operation " + id);
    return e;
  }

  auto scopes = EmulatedScopes();
  impl->tokens.push_back(
      Token{std::string(kDefaultToken), false, std::string(kDemoLocationId), "", scopes});
  impl->tokens.push_back(Token{
      std::string(kReadOnlyToken), false, std::string(kDemoLocationId), "", {"contacts.readonly"}});
  auto agency_scopes = scopes;
  if (std::find(agency_scopes.begin(), agency_scopes.end(), "locations.readonly") ==
      agency_scopes.end()) {
    agency_scopes.push_back("locations.readonly");
  }
  impl->tokens.push_back(
      Token{std::string(kAgencyToken), true, "", std::string(kDemoCompanyId), agency_scopes});
  for (auto& t : options.extra_tokens) impl->tokens.push_back(t);
  for (size_t i = 0; i < impl->tokens.size(); ++i) {
    impl->token_index[impl->tokens[i].value] = i;
  }

  if (auto st = impl->store.Open(options.db_path); !st.ok()) return st.error();
  bool loaded = false;
  if (auto st = impl->store.Load(&loaded); !st.ok()) return st.error();
  if (!loaded) {
    SeedLocation(impl->store);
    if (options.seed == "demo") SeedDemo(impl->store);
    SeedGeneratedContacts(impl->store, options.seed_contacts);
    if (auto st = impl->store.Flush(); !st.ok()) return st.error();
  }
  impl->store.RandomizeIds();
  if (options.oauth.access_token_ttl.count() < 1 ||
      options.oauth.access_token_ttl.count() > 31536000) {
    return UsageError("access token lifetime must be between 1 and 31536000 seconds",
                      "use --token-ttl SECONDS, e.g. 86399 (GHL's) or 5 for expiry tests");
  }
  for (const auto& id : options.oauth.inactive_locations) {
    if (!impl->store.Get(Coll::kLocations, id)) {
      return UsageError("--inactive-location " + id + ": no such location",
                        "the demo location is " + std::string(kDemoLocationId));
    }
    SetLocationInactive(impl->store, id, true);
  }
  json app = EnsureApp(impl->store, options.oauth, EmulatedScopes());
  impl->client_id = Str(app, "clientId");
  impl->client_secret = Str(app, "clientSecret");
  impl->app_id = Str(app, "appId");
  if (auto st = impl->store.Flush(); !st.ok()) return st.error();
  impl->options = std::move(options);
  for (const auto& p : impl->options.conversation_providers) {
    auto put = PutProvider(impl->store, p, impl->NowMs());
    if (!put.ok()) return put.error();
  }
  return std::unique_ptr<Sandbox>(new Sandbox(std::move(impl)));
}

http::Response Sandbox::Handle(const http::Request& request) {
  try {
    return impl_->Handle(request);
  } catch (const std::exception& e) {
    return ErrorResponse(500, std::string("sandbox internal error: ") + e.what());
  }
}

std::string Sandbox::token() const { return std::string(kDefaultToken); }
std::string Sandbox::location_id() const { return std::string(kDemoLocationId); }
const std::vector<Token>& Sandbox::tokens() const { return impl_->tokens; }
const std::string& Sandbox::oauth_client_id() const { return impl_->client_id; }
const std::string& Sandbox::oauth_client_secret() const { return impl_->client_secret; }
const std::string& Sandbox::oauth_app_id() const { return impl_->app_id; }

Result<ConversationProvider> Sandbox::RegisterConversationProvider(ConversationProvider provider) {
  std::unique_lock lock(impl_->state_mu);
  auto put = PutProvider(impl_->store, provider, impl_->NowMs());
  if (!put.ok()) return put.error();
  provider.id = Str(*put, "id");
  provider.location_id = Str(*put, "locationId");
  return provider;
}

}  // namespace ghl::sandbox
