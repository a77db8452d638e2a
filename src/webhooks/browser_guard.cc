#include "ghl/webhooks/browser_guard.h"

#include <array>
#include <string_view>

namespace ghl::webhooks {
namespace {

constexpr std::array<std::string_view, 5> kBrowserHeaders = {
    "Origin", "Sec-Fetch-Site", "Sec-Fetch-Mode", "Sec-Fetch-Dest", "Sec-Fetch-User"};

std::string Describe(std::string_view name, const std::string& value) {
  return std::string(name) + ": " + value.substr(0, 100);
}

}  // namespace

std::optional<std::string> BrowserSignal(const http::Request& request) {
  for (std::string_view name : kBrowserHeaders) {
    if (auto value = request.headers.Get(name)) return Describe(name, *value);
  }
  return std::nullopt;
}

std::optional<std::string> WebPageSignal(const http::Request& request) {
  auto site = request.headers.Get("Sec-Fetch-Site");
  if (!request.headers.Has("Origin") && site && http::EqualsIgnoreCase(*site, "none")) {
    return std::nullopt;  // typed into the address bar or a bookmark: a person, not a page
  }
  return BrowserSignal(request);
}

}  // namespace ghl::webhooks
