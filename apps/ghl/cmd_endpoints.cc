// `ghl endpoints [QUERY...] [--service S] [--limit N] [--json]` and `ghl endpoints show ID`:
// the endpoint catalog (ghl/catalog/catalog.h) on the command line. A query finds operations
// by purpose ("send sms") with catalog::SearchByPurpose, best first.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cli_checks.h"
#include "commands.h"
#include "ghl/catalog/catalog.h"
#include "ghl/core/text.h"
#include "ghl/sandbox/sandbox.h"

namespace ghl::cli {
namespace {

namespace cat = ghl::catalog;

std::string Join(const std::vector<std::string>& words, std::string_view sep) {
  std::string out;
  for (const std::string& w : words) {
    if (!out.empty()) out += sep;
    out += w;
  }
  return out;
}

std::string ScopesText(const cat::Endpoint& e) {
  std::string out;
  for (std::string_view s : e.scopes) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out.empty() ? "-" : out;
}

std::string Or(std::string_view s, std::string_view fallback) {
  return std::string(s.empty() ? fallback : s);
}

/// " (deprecated; use METHOD PATH)" or " (deprecated)" for a deprecated operation, else "".
std::string DeprecationNote(const cat::Endpoint& e) {
  if (!e.deprecated) return "";
  const cat::Endpoint* to = e.replaced_by.empty() ? nullptr : cat::FindById(e.replaced_by);
  if (to == nullptr) return " (deprecated)";
  return " (deprecated; use " + std::string(to->method) + " " + std::string(to->path) + ")";
}

/// Ranked results of a purpose query: METHOD PATH TITLE, then the id on its own line.
void PrintRanked(const std::vector<const cat::Endpoint*>& rows) {
  size_t w_method = 6, w_path = 4;
  for (const cat::Endpoint* e : rows) {
    w_method = std::max(w_method, e->method.size());
    w_path = std::max(w_path, e->path.size());
  }
  std::printf("%-*s  %-*s  %s\n", static_cast<int>(w_method), "METHOD", static_cast<int>(w_path),
              "PATH", "WHAT IT DOES (ID)");
  for (const cat::Endpoint* e : rows) {
    std::string what =
        std::string(e->title) + DeprecationNote(*e) + "  (" + std::string(e->id) + ")";
    std::printf("%-*.*s  %-*.*s  %s\n", static_cast<int>(w_method),
                static_cast<int>(e->method.size()), e->method.data(), static_cast<int>(w_path),
                static_cast<int>(e->path.size()), e->path.data(), what.c_str());
  }
}

void PrintTable(const std::vector<const cat::Endpoint*>& rows) {
  // Column widths from the rows shown, so the table stays narrow for narrow results.
  size_t w_method = 6, w_path = 4, w_version = 7, w_scopes = 6, w_token = 5;
  for (const cat::Endpoint* e : rows) {
    w_method = std::max(w_method, e->method.size());
    w_path = std::max(w_path, e->path.size());
    w_version = std::max(w_version, Or(e->version, "-").size());
    w_scopes = std::max(w_scopes, ScopesText(*e).size());
    w_token = std::max(w_token, Or(cat::TokenKindsText(e->token_kinds), "-").size());
  }
  auto line = [&](std::string_view m, std::string_view p, std::string_view v, std::string_view s,
                  std::string_view t, std::string_view id) {
    std::printf("%-*.*s  %-*.*s  %-*.*s  %-*.*s  %-*.*s  %.*s\n", static_cast<int>(w_method),
                static_cast<int>(m.size()), m.data(), static_cast<int>(w_path),
                static_cast<int>(p.size()), p.data(), static_cast<int>(w_version),
                static_cast<int>(v.size()), v.data(), static_cast<int>(w_scopes),
                static_cast<int>(s.size()), s.data(), static_cast<int>(w_token),
                static_cast<int>(t.size()), t.data(), static_cast<int>(id.size()), id.data());
  };
  line("METHOD", "PATH", "VERSION", "SCOPES", "TOKEN", "ID");
  std::string_view service;
  for (const cat::Endpoint* e : rows) {
    if (e->service != service) {
      if (!service.empty()) std::printf("\n");
      service = e->service;
      std::printf("# %.*s\n", static_cast<int>(service.size()), service.data());
    }
    line(e->method, e->path, Or(e->version, "-"), ScopesText(*e),
         Or(cat::TokenKindsText(e->token_kinds), "-"), std::string(e->id) + DeprecationNote(*e));
  }
}

void PrintJsonArray(const std::vector<const cat::Endpoint*>& rows) {
  if (rows.size() == cat::AllEndpoints().size()) {
    std::fputs(cat::CatalogJson().c_str(), stdout);
    std::fputc('\n', stdout);
    return;
  }
  std::string out = "[";
  for (const cat::Endpoint* e : rows) {
    if (out.size() > 1) out += ',';
    out += cat::EndpointJson(*e);
  }
  out += "]\n";
  std::fputs(out.c_str(), stdout);
}

void PrintOne(const cat::Endpoint& e) {
  auto kv = [](std::string_view k, std::string_view v) {
    std::printf("%-13.*s %.*s\n", static_cast<int>(k.size()), k.data(), static_cast<int>(v.size()),
                v.data());
  };
  kv("id:", e.id);
  kv("title:", e.title);
  if (e.deprecated) {
    const cat::Endpoint* to = e.replaced_by.empty() ? nullptr : cat::FindById(e.replaced_by);
    kv("deprecated:", to == nullptr ? std::string("yes (GHL marks it deprecated)")
                                    : "yes; use " + std::string(to->method) + " " +
                                          std::string(to->path) + " (" + std::string(to->id) + ")");
  }
  kv("service:", e.service);
  kv("operationId:", e.operation_id);
  kv("request:", std::string(e.method) + " " + std::string(e.path));
  kv("version:", e.version.empty() ? "(spec declares none; clients send " +
                                         std::string(cat::kDefaultVersion) + ")"
                                   : std::string(e.version));
  std::string token = Or(cat::TokenKindsText(e.token_kinds), "(spec declares no security)");
  if (e.oauth_only) token += " (OAuth access token only, no Private Integration Token)";
  kv("token:", token);
  kv("scopes:", ScopesText(e));
  kv("paging:", cat::PagingText(e.paging));
  kv("items key:", Or(e.items_key, "-"));
  kv("body:", e.body_media_type.empty() ? std::string("-") : std::string(e.body_media_type));
  if (e.overlaid) kv("overlaid:", "yes (some facts from tools/catalog_overlay.json or scopes.tsv)");
  if (!e.parameters.empty()) {
    std::printf("parameters:\n");
    for (const cat::Parameter& p : e.parameters) {
      std::string_view in = p.in == cat::ParamIn::kPath    ? "path"
                            : p.in == cat::ParamIn::kQuery ? "query"
                                                           : "header";
      std::printf("  %-6.*s %-28.*s %-8.*s%s\n", static_cast<int>(in.size()), in.data(),
                  static_cast<int>(p.name.size()), p.name.data(), static_cast<int>(p.type.size()),
                  p.type.data(), p.required ? " required" : "");
    }
  }
  if (!e.body_fields.empty()) {
    std::printf("body fields:\n");
    for (const cat::BodyField& f : e.body_fields) {
      std::printf("  %-35.*s %-8.*s%s\n", static_cast<int>(f.name.size()), f.name.data(),
                  static_cast<int>(f.type.size()), f.type.data(), f.required ? " required" : "");
    }
  }
}

struct Options {
  std::vector<std::string> query;
  std::string service;
  size_t limit = 10;
  bool json = false;
  bool emulated = false;
  std::string show_id;
  bool show_json = false;
};

}  // namespace

void AddEndpointsCommand(CLI::App& app, int* exit_code) {
  auto opts = std::make_shared<Options>();
  auto* cmd = app.add_subcommand(
      "endpoints", "List the GHL API operations the catalog knows (all 576 v2 operations)");
  cmd->add_option("query", opts->query,
                  "What you want to do, e.g. `send sms`, `book appointment`, `move deal stage` "
                  "(also ids and paths); results best first. Without a query: every operation");
  cmd->add_option("--limit", opts->limit, "At most this many results for a query (default 10)")
      ->check(WholeNumber("--limit", 1, 1000));
  cmd->add_option("--service", opts->service, "Only this service (spec file), e.g. contacts");
  cmd->add_flag(
      "--json", opts->json,
      "Print a JSON array of objects (id, method, path, version, scopes, tokenKinds, ...)");
  cmd->add_flag("--emulated", opts->emulated,
                "Only the operations the local sandbox (`ghl sandbox`) emulates; the others "
                "answer 501 there");
  auto* show = cmd->add_subcommand("show", "Show every fact about one operation");
  cmd->callback([opts, exit_code, show] {
    if (show->parsed()) return;  // `ghl endpoints show ID` ran its own callback
    if (!opts->service.empty()) {
      bool known = std::any_of(cat::AllEndpoints().begin(), cat::AllEndpoints().end(),
                               [&](const cat::Endpoint& e) { return e.service == opts->service; });
      if (!known) {
        std::fprintf(stderr,
                     "ghl endpoints: unknown service '%s' (see `ghl endpoints` for the "
                     "list)\n",
                     TerminalSafeLine(opts->service).c_str());
        *exit_code = kExitUsage;
        return;
      }
    }
    std::string query = Join(opts->query, " ");
    std::vector<const cat::Endpoint*> rows;
    if (opts->query.empty()) {
      rows = cat::Search("", opts->service);
    } else {
      // With --emulated, rank everything, keep the emulated ones, then cut to --limit.
      size_t depth = opts->emulated ? cat::AllEndpoints().size() : opts->limit;
      for (const cat::ScoredEndpoint& s : cat::SearchByPurpose(query, depth, opts->service)) {
        rows.push_back(s.endpoint);
      }
    }
    if (opts->emulated) {
      auto ids = sandbox::EmulatedOperationIds();
      std::erase_if(rows, [&](const cat::Endpoint* e) {
        return !std::binary_search(ids.begin(), ids.end(), std::string(e->id));
      });
      if (!opts->query.empty() && rows.size() > opts->limit) rows.resize(opts->limit);
      if (!opts->json) {
        std::fprintf(stderr, "ghl endpoints: the sandbox emulates %zu of %zu operations\n",
                     ids.size(), cat::AllEndpoints().size());
      }
    }
    if (opts->json) {
      PrintJsonArray(rows);
    } else if (rows.empty()) {
      std::fprintf(stderr,
                   "ghl endpoints: nothing matches '%s'; try other words (e.g. `ghl endpoints "
                   "send sms`) or `ghl endpoints` for every operation\n",
                   TerminalSafeLine(query).c_str());
    } else if (opts->query.empty()) {
      PrintTable(rows);
    } else {
      PrintRanked(rows);
    }
    *exit_code = kExitOk;
  });

  show->add_option("id", opts->show_id,
                   "Catalog id (service.operationId), or an operationId unique across services")
      ->required();
  show->add_flag("--json", opts->show_json, "Print the operation as one JSON object");
  show->callback([opts, exit_code] {
    const cat::Endpoint* e = cat::FindById(opts->show_id);
    if (e == nullptr) {
      std::string hint;
      for (const cat::Endpoint* n : cat::NearestIds(opts->show_id)) {
        hint += hint.empty() ? "" : ", ";
        hint += n->id;
      }
      std::fprintf(stderr, "ghl endpoints show: unknown endpoint id '%s'; did you mean: %s\n",
                   TerminalSafeLine(opts->show_id).c_str(), hint.c_str());
      *exit_code = kExitUsage;
      return;
    }
    if (opts->show_json) {
      std::printf("%s\n", cat::EndpointJson(*e).c_str());
    } else {
      PrintOne(*e);
    }
    *exit_code = kExitOk;
  });
}

}  // namespace ghl::cli
