// `ghl api METHOD PATH`: call any GHL API v2 endpoint (model: `gh api`). A thin layer over
// ghl::client — argument parsing lives in ghl/client/field_args.h, the call in Client.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_paginate.h"
#include "api_verbose.h"
#include "cli_checks.h"
#include "commands.h"
#include "credentials.h"
#include "ghl/client/client.h"
#include "ghl/client/curl_format.h"
#include "ghl/client/error_mapping.h"
#include "ghl/client/field_args.h"
#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"
#include "ghl/http/transport.h"
#include "jq_filter.h"
#include "server_text.h"

namespace ghl::cli {
namespace {

namespace gc = ghl::client;

struct ApiArgs {
  std::string method;
  std::string path;
  std::vector<std::string> raw_fields;    // -f
  std::vector<std::string> typed_fields;  // -F
  std::vector<std::string> headers;
  std::string input;
  bool paginate = false;
  bool ndjson = false;
  int max_pages = -1;    // -1 = not given
  double timeout_s = 0;  // 0 = the transport default (30 s)
  bool include = false;
  bool dry_run = false;
  bool retry = false;
  std::string jq;
  bool silent = false;
  bool verbose = false;
  std::string location;
  std::string token;
  std::string base_url;
  std::string version;
};

std::string Env(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

void PrintError(const Error& e) { cli::PrintError("ghl", e); }

int Usage(const Error& e) {
  PrintError(e);
  return kExitUsage;
}

int ExitFor(const Error& e) { return e.kind == ErrorKind::kUsage ? kExitUsage : kExitApiError; }

// Prints what --jq makes of a 2xx answer (one line per output); the exit code.
int PrintJq(JqFilter& jq, std::string_view body) {
  std::vector<std::string> partial;
  auto lines = jq.Run(body.empty() ? std::string_view("null") : body, &partial);
  for (const auto& line : lines.ok() ? lines.value() : partial) {
    WriteServerBytes(line, stdout, true);
  }
  std::fflush(stdout);
  if (!lines.ok()) {
    PrintError(lines.error());
    return kExitApiError;
  }
  return kExitOk;
}

// Where the token of this call came from, for errors about it (the token itself is never
// printed).
std::string TokenSource(const ApiArgs& args, const gc::ApiRequest& request) {
  if (request.headers.Has("Authorization")) return "-H 'Authorization: …'";
  return args.token.empty() ? "GHL_TOKEN" : "--token";
}

int RunApi(ApiArgs& args) {
  if (!args.jq.empty() && args.ndjson) {
    return Usage(UsageError("--jq and --ndjson both choose the output format",
                            "Give one: --jq prints one line per jq output already."));
  }
  std::shared_ptr<JqFilter> jq;
  if (!args.jq.empty()) {
    auto compiled = JqFilter::Compile(args.jq);
    if (!compiled.ok()) return Usage(compiled.error());
    jq = std::move(compiled.value());
  }
  if (!args.paginate && (args.ndjson || args.max_pages >= 0)) {
    return Usage(
        UsageError(std::string(args.ndjson ? "--ndjson" : "--max-pages") + " needs --paginate",
                   "Add --paginate to fetch every page."));
  }
  auto method = gc::ParseMethod(args.method);
  if (!method.ok()) return Usage(method.error());
  std::string path = args.path;
  if (path.empty()) {
    return Usage(UsageError("PATH is empty", "Give the API path, e.g. /contacts/search."));
  }
  if (path.rfind("http://", 0) == 0 || path.rfind("https://", 0) == 0) {
    return Usage(UsageError("PATH '" + path + "' is a full URL",
                            "Give the path only (e.g. /contacts/search) and the host with "
                            "--base-url or GHL_BASE_URL."));
  }
  if (path.front() != '/') path.insert(path.begin(), '/');

  gc::FileReader reader = gc::DefaultFileReader();
  std::string input_body;
  bool has_input = !args.input.empty();
  if (has_input) {
    auto content = reader(args.input);
    if (!content.ok()) return Usage(content.error());
    input_body = std::move(content.value());
    if (auto deep = ghl::FindJsonTooDeep(input_body)) {
      return Usage(UsageError("--input " + args.input + " is " + deep->Describe(),
                              "GHL's request bodies nest a few levels at most; check the file."));
    }
    if (ghl::ParseJsonBounded(input_body).is_discarded()) {
      return Usage(UsageError("--input " + args.input + " is not valid JSON",
                              "Give a file holding one JSON document (or - for stdin)."));
    }
  }
  std::vector<gc::FieldArg> fields;
  for (const auto& [values, typed] :
       {std::pair{&args.raw_fields, false}, std::pair{&args.typed_fields, true}}) {
    for (const auto& v : *values) {
      auto field = gc::ParseFieldArg(v, typed);
      if (!field.ok()) return Usage(field.error());
      fields.push_back(std::move(field.value()));
    }
  }
  // `{name}` in the path is filled from the field of the same name (as `gh api` does).
  std::string location = !args.location.empty() ? args.location : Env("GHL_LOCATION_ID");
  auto path_params =
      gc::TakePathFields(path.substr(0, path.find('?')), fields, reader, !location.empty());
  if (!path_params.ok()) return Usage(path_params.error());
  // An upload operation (multipart/form-data) sends -F key=@file as the file itself.
  std::vector<gc::FilePart> files;
  if (auto match = catalog::Match(method.value(), path.substr(0, path.find('?')));
      match && match->endpoint->body_media_type == "multipart/form-data") {
    auto taken = gc::TakeFileFields(fields, reader);
    if (!taken.ok()) return Usage(taken.error());
    files = std::move(taken.value());
  }
  auto placed = gc::PlaceFields(fields, method.value(), has_input, reader);
  if (!placed.ok()) return Usage(placed.error());

  gc::ApiRequest request;
  request.method = method.value();
  request.path = path;
  request.path_params = std::move(path_params.value());
  request.query = std::move(placed->query);
  request.body = has_input ? std::move(input_body) : std::move(placed->body);
  request.files = std::move(files);
  request.retry_non_idempotent = args.retry;
  for (const auto& h : args.headers) {
    // CR/LF and other control characters in names and values are refused by the library,
    // with the token and the Version value, before anything is sent.
    auto header = gc::ParseHeaderArg(h);
    if (!header.ok()) return Usage(header.error());
    request.headers.Add(header->first, header->second);
  }
  if (!args.version.empty()) request.version = args.version;

  gc::ClientOptions options;
  options.token = !args.token.empty() ? args.token : Env("GHL_TOKEN");
  std::string base_url = !args.base_url.empty() ? args.base_url : Env("GHL_BASE_URL");
  if (!base_url.empty()) options.base_url = base_url;
  options.default_location_id = location;
  options.warning_sink = [](std::string_view line) {
    std::string safe = TerminalSafe(line);
    std::fprintf(stderr, "ghl: warning: %s\n", safe.c_str());
  };
  if (args.timeout_s > 0) {
    auto ms =
        std::chrono::milliseconds(std::max<long long>(1, std::llround(args.timeout_s * 1000)));
    options.transport_options.timeout = ms;
    options.transport_options.connect_timeout =
        std::min(options.transport_options.connect_timeout, ms);
  }
  if (args.verbose) options.transport = MakeVerboseTransport(http::MakeCurlTransport());
  if (args.paginate && !args.dry_run) {
    // Ctrl+C / SIGTERM end the call in flight; the pages already printed stay valid output.
    options.cancel = std::make_shared<gc::CancelToken>();
    CancelOnSignals(options.cancel);
  }
  if (options.token.empty() && !args.dry_run) {
    // No token given: the token store (`ghl auth login`) supplies the location's token.
    if (auto found = FindGhlCredentials(options); !found.ok()) return Usage(found.error());
  }
  bool no_token = options.token.empty() && !options.token_provider;
  gc::Client client(std::move(options));
  auto prepared_check = client.Prepare(request);
  if (!prepared_check.ok()) {
    Error e = prepared_check.error();
    // Say which token: the variable, the flag or the header (never the token itself).
    if (!e.messages.empty() && e.messages[0].rfind("the token", 0) == 0) {
      e.messages[0] = TokenSource(args, request) + ": " + e.messages[0];
    }
    return Usage(e);
  }
  // Operations whose spec declares no security (POST /oauth/token) need no token.
  bool needs_token =
      prepared_check->endpoint == nullptr || prepared_check->endpoint->token_kinds != 0;
  if (no_token && needs_token && !args.dry_run && !request.headers.Has("Authorization")) {
    Error e = NoCredentialsError();
    e.hint += "; or pass --token TOKEN (`ghl sandbox` prints one for the local sandbox)";
    return Usage(e);
  }

  if (args.dry_run) {
    auto prepared = client.Prepare(request);
    if (!prepared.ok()) return Usage(prepared.error());
    if (!prepared->http.headers.Has("Authorization") && needs_token) {
      std::fprintf(stderr,
                   "ghl: note: no token set (--token or GHL_TOKEN); shown without "
                   "Authorization\n");
    }
    std::string cmd = gc::FormatCurlCommand(prepared->http) + "\n";
    std::fwrite(cmd.data(), 1, cmd.size(), stdout);
    return kExitOk;
  }

  if (args.paginate) {
    return RunPaginate(client, std::move(request),
                       {.ndjson = args.ndjson,
                        .max_pages = args.max_pages,
                        .jq = jq.get(),
                        .silent = args.silent});
  }

  auto response = client.Execute(request);
  if (!response.ok()) {
    PrintError(response.error());
    return ExitFor(response.error());
  }
  if (args.include) {
    // Header values came from the server: always escaped, pipe or terminal.
    std::string head =
        TerminalSafe(gc::FormatStatusAndHeaders(response->status, response->headers));
    std::fwrite(head.data(), 1, head.size(), stdout);
    std::fputc('\n', stdout);
  }
  if (!response->ok()) {
    if (!args.silent) PrintServerBody(response->body);
    std::fflush(stdout);
    PrintError(gc::ErrorFromResponse(response.value()));
    return kExitApiError;
  }
  if (args.silent) return kExitOk;
  if (jq) return PrintJq(*jq, response->body);
  PrintServerBody(response->body);
  std::fflush(stdout);
  return kExitOk;
}

}  // namespace

void AddApiCommand(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<ApiArgs>();
  auto* cmd = app.add_subcommand(
      "api",
      "Call any GHL API v2 endpoint with the right Version header, e.g.\n"
      "  ghl api POST /contacts/search -F pageLimit=20 --location LOC\n"
      "  ghl api GET /opportunities/search -f status=open --paginate\n"
      "Token from --token or GHL_TOKEN; base URL from --base-url or GHL_BASE_URL;\n"
      "location from --location or GHL_LOCATION_ID. Exit 0 ok, 1 API error (or --paginate\n"
      "stopped early), 2 usage error, 130/143 --paginate interrupted by SIGINT/SIGTERM.\n"
      "A redirect (3xx) is reported with its Location, never followed.\n"
      "{name} in PATH is filled from the field of the same name:\n"
      "  ghl api GET '/contacts/{contactId}' -f contactId=ID --jq .contact.email");
  cmd->add_option("method", args->method, "HTTP method: " + std::string(gc::kApiMethods))
      ->required();
  cmd->add_option("path", args->path, "API path, e.g. /contacts/search or /contacts/{id}")
      ->required();
  cmd->add_option("-f,--raw-field", args->raw_fields,
                  "key=value string field (query for GET/DELETE, JSON body otherwise)")
      ->allow_extra_args(false);
  cmd->add_option("-F,--field", args->typed_fields,
                  "key=value typed field: numbers, true/false/null, JSON, @file, @- (stdin)")
      ->allow_extra_args(false);
  cmd->add_option("-H,--header", args->headers, "'Name: value' request header (Version: overrides)")
      ->allow_extra_args(false);
  cmd->add_option("--input", args->input, "Raw JSON request body from FILE, or - for stdin");
  cmd->add_flag("--paginate", args->paginate,
                "Fetch every page; stream ONE JSON array of items (closed even when stopped "
                "early or by Ctrl+C); an early stop says why and exits 1");
  cmd->add_flag("--ndjson", args->ndjson,
                "With --paginate: print one compact JSON item per line instead of an array");
  cmd->add_option("--max-pages", args->max_pages,
                  "With --paginate: fetch at most N pages (0 = no cap; reaching N is a note, "
                  "exit 0). Without it a safety cap of " +
                      std::to_string(kSafetyMaxPages) + " pages applies (reaching it exits 1)")
      ->check(WholeNumber("--max-pages", 0, INT_MAX));
  cmd->add_option("--timeout", args->timeout_s,
                  "Seconds each HTTP attempt may take (default 30; fractions allowed)")
      // NaN passes a "positive" check and disabled the timeout; huge values overflowed to ~0.
      ->check(CLI::Validator(
          [](std::string& v) -> std::string {
            double d = std::strtod(v.c_str(), nullptr);
            return d > 0 && d <= 86400 ? "" : "--timeout takes seconds from 0.001 to 86400";
          },
          "SECONDS", "timeout range"));
  cmd->add_flag("-i,--include", args->include, "Print the status line and headers first");
  cmd->add_option("-q,--jq", args->jq,
                  "Filter the answer with a jq expression (libjq); strings print raw, one output "
                  "a line. With --paginate it runs on each page's items array as it arrives");
  cmd->add_flag("--silent", args->silent,
                "Do not print the answer body (errors still go to stderr)");
  cmd->add_flag("--verbose", args->verbose,
                "Print each request and response as sent (headers included; token and secrets "
                "masked) on stderr");
  cmd->add_flag("--dry-run", args->dry_run,
                "Print the request as a curl command (token and secrets masked); send nothing");
  cmd->add_flag("--retry", args->retry, "Also retry POST/PATCH on 5xx and network errors");
  cmd->add_option("--location", args->location,
                  "Location id filled into locationId/location_id (env GHL_LOCATION_ID)");
  cmd->add_option("--token", args->token, "Bearer token (env GHL_TOKEN)");
  cmd->add_option("--base-url", args->base_url,
                  "API base URL (env GHL_BASE_URL; default https://services.leadconnectorhq.com)");
  cmd->add_option("--version-header", args->version,
                  "Override the endpoint's Version header value");
  cmd->callback([args, exit_code] { *exit_code = RunApi(*args); });
}

}  // namespace ghl::cli
