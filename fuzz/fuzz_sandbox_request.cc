// libFuzzer target: the sandbox's request pipeline (routing on the catalog's paths, token,
// Version, scopes, location, query and JSON body validation, contact-search filters, every
// emulated handler) through `Sandbox::Handle`, without sockets.
//
// Input framing (doc/fuzzing.md):
//   METHOD TARGET\n      e.g. "POST /contacts/search?x=1" (no space: the whole line is the target,
//                        method GET)
//   then                 header lines "Name: value\n", an empty line, the body bytes
//                        (fuzz_input.h).
// Unless the input gives them, the harness adds `Authorization: Bearer <default token>` and the
// `Version` the catalog declares for the matched operation, so inputs reach the handlers.
// Each input runs on the demo sandbox (50 contacts, pipeline, calendar, custom fields, with
// deterministic ids) on a fixed clock: a fresh one for every method but GET, one shared by
// the GETs (no GET route writes; creating a sandbox costs more than most requests), so a
// crash reproduces from its input alone.
//
// Properties checked besides "no crash, leak or UB": never 500 (an internal error); a JSON
// answer is valid JSON.
#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>

#include "fuzz_input.h"
#include "ghl/catalog/catalog.h"
#include "ghl/sandbox/sandbox.h"

namespace {

using namespace ghl;

std::unique_ptr<sandbox::Sandbox> MakeSandbox() {
  sandbox::Options o;
  o.seed = "demo";
  o.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1741003200000));
  };
  o.rate_limit.burst_max = 1 << 30;
  o.rate_limit.daily_max = 1 << 30;
  o.max_body_bytes = 64 * 1024;
  auto sb = sandbox::Sandbox::Create(std::move(o));
  fuzz::Check(sb.ok(), "the demo sandbox is created");
  return std::move(sb.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::AsText(data, size);
  std::string_view first = fuzz::NextLine(text);
  http::Request request;
  size_t space = first.find(' ');
  if (space == std::string_view::npos) {
    request.method = "GET";
    request.target = std::string(first);
  } else {
    request.method = std::string(first.substr(0, space));
    request.target = std::string(first.substr(space + 1));
  }
  auto head = fuzz::ParseHeadAndBody(text);
  request.headers.Set("Host", "127.0.0.1:1");
  fuzz::AddHeaders(head, request.headers);
  request.body = std::move(head.body);
  if (!request.headers.Has("Authorization")) {
    request.headers.Set("Authorization", "Bearer " + std::string(sandbox::kDefaultToken));
  }
  if (!request.headers.Has("Version")) {
    auto m = catalog::Match(request.method, request.Path());
    request.headers.Set("Version", m && !m->endpoint->version.empty()
                                       ? std::string(m->endpoint->version)
                                       : std::string(catalog::kDefaultVersion));
  }

  static const std::unique_ptr<sandbox::Sandbox> read_only = MakeSandbox();
  std::unique_ptr<sandbox::Sandbox> fresh;
  if (request.method != "GET") fresh = MakeSandbox();
  http::Response response = (fresh ? fresh : read_only)->Handle(request);
  fuzz::Check(response.status != 500, "the sandbox never answers 500 (internal error)");
  auto type = response.headers.Get("Content-Type");
  if (type && type->find("json") != std::string::npos && !response.body.empty()) {
    fuzz::Check(nlohmann::json::accept(response.body), "a JSON answer is valid JSON");
  }
  return 0;
}
