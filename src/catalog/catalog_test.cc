// Tests for the endpoint catalog: the generated table against the official specs (every
// operation's Version and scopes), freshness of the committed generated file, path matching,
// suggestions, search and the JSON the playground and `ghl endpoints --json` serve.
#include "ghl/catalog/catalog.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

namespace ghl::catalog {
namespace {

namespace fs = std::filesystem;

std::string EnvOr(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// The specs' apps/ directory, or "" when GHL_SHARED_DIR is unset or holds no specs.
fs::path SpecsDir() {
  std::string shared = EnvOr("GHL_SHARED_DIR");
  if (shared.empty()) return {};
  fs::path apps = fs::path(shared) / "ghl-openapi" / "apps";
  return fs::is_directory(apps) ? apps : fs::path();
}

const Endpoint& ById(std::string_view id) {
  const Endpoint* e = FindById(id);
  if (e == nullptr) {
    ADD_FAILURE() << "no endpoint " << id;
    return AllEndpoints().front();
  }
  return *e;
}

std::vector<std::string> Scopes(const Endpoint& e) { return {e.scopes.begin(), e.scopes.end()}; }

TEST(CatalogTest, HasEveryOperationOfTheSpecsOnce) {
  EXPECT_EQ(AllEndpoints().size(), 576u);
  std::set<std::string_view> ids;
  for (const Endpoint& e : AllEndpoints()) {
    EXPECT_TRUE(ids.insert(e.id).second) << "duplicate id " << e.id;
    EXPECT_EQ(e.id, std::string(e.service) + "." + std::string(e.operation_id));
    EXPECT_FALSE(e.path.empty());
    EXPECT_EQ(e.path.front(), '/') << e.id;
  }
}

TEST(CatalogTest, IsSortedByServicePathMethod) {
  auto all = AllEndpoints();
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end(), [](const Endpoint& a, const Endpoint& b) {
    return std::tie(a.service, a.path, a.method) < std::tie(b.service, b.path, b.method);
  }));
}

TEST(CatalogTest, VersionsAreKnownOrEmpty) {
  auto known = KnownVersions();
  EXPECT_EQ(known.size(), 4u);
  EXPECT_NE(std::find(known.begin(), known.end(), kDefaultVersion), known.end());
  size_t without = 0;
  for (const Endpoint& e : AllEndpoints()) {
    if (e.version.empty()) {
      ++without;
      continue;
    }
    EXPECT_NE(std::find(known.begin(), known.end(), e.version), known.end()) << e.id;
  }
  EXPECT_EQ(without, 29u);  // operations whose spec declares no Version header
}

// Every operation in the specs: same method and path, the Version its spec declares, and the
// scopes it lists (scopes filled from scopes.tsv are allowed only where the spec lists none).
TEST(CatalogTest, EveryOperationMatchesItsSpec) {
  fs::path apps = SpecsDir();
  if (apps.empty()) GTEST_SKIP() << "GHL_SHARED_DIR/ghl-openapi/apps not found; set GHL_SHARED_DIR";
  size_t seen = 0;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(apps)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json") files.push_back(entry);
  }
  std::sort(files.begin(), files.end());
  EXPECT_EQ(files.size(), 41u);
  for (const fs::path& file : files) {
    nlohmann::json spec = nlohmann::json::parse(ReadFile(file));
    std::string service = file.stem().string();
    for (const auto& [path, item] : spec.at("paths").items()) {
      for (const auto& [method, op] : item.items()) {
        std::string id = service + "." + op.at("operationId").get<std::string>();
        SCOPED_TRACE(id);
        const Endpoint* e = FindById(id);
        ASSERT_NE(e, nullptr);
        ++seen;
        std::string upper = method;
        std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
        EXPECT_EQ(e->method, upper);
        EXPECT_EQ(e->path, path);
        std::string version;
        for (const auto& p : op.value("parameters", nlohmann::json::array())) {
          if (p.value("name", "") == "Version" && p.value("in", "") == "header") {
            version = p.at("schema").at("enum").at(0).get<std::string>();
          }
        }
        EXPECT_EQ(e->version, version);
        std::vector<std::string> scopes;
        uint8_t kinds = 0;
        bool oauth_only = false;
        for (const auto& entry : op.value("security", nlohmann::json::array())) {
          for (const auto& [scheme, list] : entry.items()) {
            kinds |= scheme.rfind("Agency", 0) == 0 ? kAgencyToken : kLocationToken;
            oauth_only |= scheme.size() > 5 && scheme.substr(scheme.size() - 5) == "-Only";
            for (const auto& s : list) {
              if (std::find(scopes.begin(), scopes.end(), s.get<std::string>()) == scopes.end()) {
                scopes.push_back(s.get<std::string>());
              }
            }
          }
        }
        if (kinds == 0 && e->token_kinds != 0) {
          EXPECT_TRUE(e->overlaid) << "token kinds not in the spec but not marked overlaid";
        } else {
          EXPECT_EQ(e->token_kinds, kinds);
        }
        EXPECT_EQ(e->oauth_only, oauth_only);
        EXPECT_EQ(e->deprecated, op.value("deprecated", false));
        if (scopes.empty() && !e->scopes.empty()) {
          EXPECT_TRUE(e->overlaid) << "scopes not in the spec but not marked overlaid";
        } else {
          EXPECT_EQ(Scopes(*e), scopes);
        }
      }
    }
  }
  EXPECT_EQ(seen, AllEndpoints().size());
}

// The committed generated file equals what the generator writes from the specs now.
TEST(CatalogTest, GeneratedFileIsFresh) {
  std::string shared = EnvOr("GHL_SHARED_DIR");
  std::string source = EnvOr("GHL_SOURCE_DIR");
  if (SpecsDir().empty() || source.empty()) {
    GTEST_SKIP() << "needs GHL_SHARED_DIR (official specs) and GHL_SOURCE_DIR";
  }
  if (std::system("python3 --version >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "python3 not installed; cannot regenerate the catalog";
  }
  fs::path out =
      fs::temp_directory_path() / ("ghl_catalog_drift_" + std::to_string(::getpid()) + ".cc");
  std::string cmd = "python3 '" + source + "/tools/gen_catalog.py' --shared '" + shared +
                    "' --out '" + out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  std::string fresh = ReadFile(out);
  fs::remove(out);
  std::string committed = ReadFile(fs::path(source) / "src/catalog/catalog_data.cc");
  EXPECT_FALSE(fresh.empty());
  EXPECT_TRUE(fresh == committed)
      << "src/catalog/catalog_data.cc is stale: run `make catalog` and commit the result";
  EXPECT_EQ(committed.rfind("// GENERATED by tools/gen_catalog.py", 0), 0u);
}

TEST(CatalogTest, FindByIdTakesIdsAndUniqueOperationIds) {
  const Endpoint* e = FindById("contacts.get-contact");
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->method, "GET");
  EXPECT_EQ(e->path, "/contacts/{contactId}");
  EXPECT_EQ(FindById("get-contact"), e);
  // "create-custom-field" exists in more than one service: a bare id is ambiguous.
  EXPECT_EQ(FindById("create-custom-field"), nullptr);
  EXPECT_EQ(FindById("contacts.no-such-thing"), nullptr);
  auto near = NearestIds("contacts.get-contac");
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near.front()->id, "contacts.get-contact");
}

TEST(CatalogTest, MatchPrefersLiteralSegments) {
  auto m = Match("POST", "/contacts/search");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint->id, "contacts.search-contacts-advanced");
  EXPECT_TRUE(m->path_params.empty());

  m = Match("GET", "/contacts/abc123/");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint->id, "contacts.get-contact");
  ASSERT_EQ(m->path_params.size(), 1u);
  EXPECT_EQ(m->path_params[0].first, "contactId");
  EXPECT_EQ(m->path_params[0].second, "abc123");

  m = Match("get", "/contacts/search/duplicate");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint->id, "contacts.get-duplicate-contact");
}

TEST(CatalogTest, MatchFindsCookbookEndpoints) {
  auto m = Match("POST", "/conversations/messages");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint->version, "2021-04-15");

  m = Match("GET", "/calendars/x/free-slots");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint->id, "calendars.get-slots");
  ASSERT_EQ(m->path_params.size(), 1u);
  EXPECT_EQ(m->path_params[0], (std::pair<std::string, std::string>{"calendarId", "x"}));

  // A spec path with a trailing slash ("/contacts/") matches without it, and vice versa.
  m = Match("POST", "/contacts");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->endpoint->path, "/contacts/");

  EXPECT_FALSE(Match("GET", "/no/such/path"));
  EXPECT_FALSE(Match("PATCH", "/contacts/search"));
}

TEST(CatalogTest, MatchAnyMethodListsEveryMethodOfAPath) {
  auto all = MatchAnyMethod("/contacts/abc");
  std::set<std::string_view> methods;
  for (const Endpoint* e : all) methods.insert(e->method);
  EXPECT_EQ(methods, (std::set<std::string_view>{"GET", "PUT", "DELETE"}));
  EXPECT_TRUE(MatchAnyMethod("/nothing/here/at/all").empty());
}

TEST(CatalogTest, NearestSuggestsTheIntendedPath) {
  auto near = Nearest("GET", "/contact/search/duplicat");
  ASSERT_FALSE(near.empty());
  EXPECT_EQ(near.front()->path, "/contacts/search/duplicate");
  EXPECT_LE(Nearest("GET", "/x", 2).size(), 2u);
}

TEST(CatalogTest, SearchNeedsEveryWord) {
  auto hits = Search("contacts SEARCH");
  ASSERT_FALSE(hits.empty());
  for (const Endpoint* e : hits) {
    std::string hay = std::string(e->id) + std::string(e->path) + std::string(e->service);
    EXPECT_NE(hay.find("search"), std::string::npos) << e->id;
  }
  EXPECT_EQ(Search("").size(), AllEndpoints().size());
  auto posts = Search("post duplicate", "contacts");
  for (const Endpoint* e : posts) EXPECT_EQ(e->service, "contacts");
  EXPECT_TRUE(Search("zzzz-nothing").empty());
  EXPECT_TRUE(Search("", "no-such-service").empty());
}

TEST(CatalogTest, OverlayFixesContactsSearch) {
  const Endpoint& e = ById("contacts.search-contacts-advanced");
  EXPECT_TRUE(e.overlaid);
  EXPECT_TRUE(e.has_body);
  EXPECT_EQ(e.paging, Paging::kBodyPage);
  EXPECT_EQ(e.items_key, "contacts");
  std::map<std::string_view, std::pair<std::string_view, bool>> fields;
  for (const BodyField& f : e.body_fields) fields[f.name] = {f.type, f.required};
  EXPECT_EQ(fields["locationId"], (std::pair<std::string_view, bool>{"string", true}));
  EXPECT_EQ(fields["pageLimit"].first, "number");
  EXPECT_EQ(fields["searchAfter"].first, "array");
  EXPECT_EQ(fields["filters"].first, "array");
  EXPECT_EQ(fields["sort"].first, "array");
  EXPECT_EQ(fields["query"].first, "string");
}

TEST(CatalogTest, OverlayRelaxesSendMessageRequiredFields) {
  const Endpoint& e = ById("conversations.send-a-new-message");
  EXPECT_TRUE(e.overlaid);
  EXPECT_EQ(e.version, "2021-04-15");
  std::vector<std::string_view> required;
  for (const BodyField& f : e.body_fields) {
    if (f.required) required.push_back(f.name);
    if (f.name == "subType") {
      EXPECT_EQ(f.type, "string");
    }
  }
  EXPECT_EQ(required, (std::vector<std::string_view>{"type", "contactId"}));
  // Operations the overlay does not name keep the spec's facts untouched.
  EXPECT_FALSE(ById("contacts.get-contact").overlaid);
}

TEST(CatalogTest, PagingFacts) {
  const Endpoint& opp = ById("opportunities.search-opportunity");
  EXPECT_EQ(opp.paging, Paging::kStartAfter);
  EXPECT_EQ(opp.items_key, "opportunities");
  const Parameter* loc = FindParameter(opp, "location_id", ParamIn::kQuery);
  ASSERT_NE(loc, nullptr);
  EXPECT_TRUE(loc->required);
  EXPECT_EQ(FindParameter(opp, "locationId", ParamIn::kQuery), nullptr);

  const Endpoint& msgs = ById("conversations.get-messages");
  EXPECT_EQ(msgs.paging, Paging::kLastMessageId);
  EXPECT_EQ(msgs.items_key, "messages.messages");

  const Endpoint& contacts = ById("contacts.get-contacts");
  EXPECT_EQ(contacts.paging, Paging::kStartAfter);
  EXPECT_EQ(contacts.items_key, "contacts");

  EXPECT_EQ(ById("users.search-users").paging, Paging::kSkipLimit);
}

TEST(CatalogTest, TokenKindsFromSecurity) {
  const Endpoint& contact = ById("contacts.get-contact");
  EXPECT_EQ(contact.token_kinds, kLocationToken);
  EXPECT_FALSE(contact.oauth_only);
  EXPECT_EQ(ById("companies.get-company").token_kinds, kAgencyToken);
  EXPECT_EQ(ById("invoices.list-invoices").token_kinds, kLocationToken | kAgencyToken);
  EXPECT_TRUE(ById("oauth.get-installed-location").oauth_only);
  // No security in the spec: the token endpoint takes client credentials in its form body.
  const Endpoint& token = ById("oauth.get-access-token");
  EXPECT_EQ(token.token_kinds, 0);
  EXPECT_FALSE(token.has_body);
  EXPECT_EQ(token.body_media_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(TokenKindsText(kLocationToken | kAgencyToken), "location|agency");
  EXPECT_EQ(TokenKindsText(kAgencyToken), "agency");
  EXPECT_EQ(TokenKindsText(0), "");
  EXPECT_EQ(PagingText(Paging::kBodySearchAfter), "search-after");
  EXPECT_EQ(PagingText(Paging::kLastMessageId), "last-message-id");
}

TEST(CatalogTest, ParametersSkipVersionAndAuthorization) {
  for (const Endpoint& e : AllEndpoints()) {
    for (const Parameter& p : e.parameters) {
      EXPECT_NE(p.name, "Version") << e.id;
      EXPECT_NE(p.name, "Authorization") << e.id;
    }
  }
  const Endpoint& slots = ById("calendars.get-slots");
  const Parameter* cal = FindParameter(slots, "calendarId", ParamIn::kPath);
  ASSERT_NE(cal, nullptr);
  EXPECT_TRUE(cal->required);
  EXPECT_NE(FindParameter(slots, "startDate", ParamIn::kQuery), nullptr);
  EXPECT_EQ(FindParameter(slots, "calendarId", ParamIn::kQuery), nullptr);
}

TEST(CatalogTest, CatalogJsonHasEveryOperationWithDocumentedKeys) {
  nlohmann::json all = nlohmann::json::parse(CatalogJson());
  ASSERT_TRUE(all.is_array());
  ASSERT_EQ(all.size(), 576u);
  for (const char* key :
       {"id", "service", "operationId", "method", "path", "version", "tokenKinds", "oauthOnly",
        "scopes", "parameters", "hasBody", "bodyFields", "paging", "itemsKey"}) {
    EXPECT_TRUE(all[0].contains(key)) << key;
  }
  EXPECT_EQ(&CatalogJson(), &CatalogJson());  // cached
  const Endpoint& e = ById("contacts.search-contacts-advanced");
  nlohmann::json one = nlohmann::json::parse(EndpointJson(e));
  EXPECT_EQ(one["id"], "contacts.search-contacts-advanced");
  EXPECT_EQ(one["method"], "POST");
  EXPECT_EQ(one["version"], "2021-07-28");
  EXPECT_EQ(one["tokenKinds"], nlohmann::json::array({"location"}));
  EXPECT_EQ(one["scopes"], nlohmann::json::array({"contacts.readonly"}));
  EXPECT_EQ(one["paging"], "body-page");
  EXPECT_EQ(one["bodyFields"][0]["name"], "locationId");
  auto it = std::find_if(all.begin(), all.end(), [](const nlohmann::json& j) {
    return j["id"] == "contacts.search-contacts-advanced";
  });
  ASSERT_NE(it, all.end());
  EXPECT_EQ(*it, one);
}

}  // namespace
}  // namespace ghl::catalog
