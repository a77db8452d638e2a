#include "ghl/server/listen_address.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>

#include <algorithm>

namespace ghl::server {
namespace {

std::string Unbracket(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  return std::string(host);
}

std::string Url(const std::string& address, uint16_t port) {
  bool v6 = address.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + address + "]" : address) + ":" + std::to_string(port) + "/";
}

}  // namespace

bool IsLoopbackHost(std::string_view host) {
  std::string h = Unbracket(host);
  if (h == "localhost") return true;
  in_addr v4{};
  if (inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  if (inet_pton(AF_INET6, h.c_str(), &v6) == 1) return IN6_IS_ADDR_LOOPBACK(&v6);
  return false;
}

bool IsWildcardHost(std::string_view host) {
  std::string h = Unbracket(host);
  return h.empty() || h == "0.0.0.0" || h == "::";
}

std::vector<std::string> ReachableUrls(std::string_view host, uint16_t port) {
  if (!IsWildcardHost(host)) return {Url(Unbracket(host), port)};
  bool with_v6 = Unbracket(host) == "::";
  std::vector<std::string> v4_urls, v6_urls;
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* ifa = list; ifa != nullptr; ifa = ifa->ifa_next) {
      if (ifa->ifa_addr == nullptr) continue;
      char text[INET6_ADDRSTRLEN] = {};
      if (ifa->ifa_addr->sa_family == AF_INET) {
        const auto* a = reinterpret_cast<const sockaddr_in*>(ifa->ifa_addr);
        if (inet_ntop(AF_INET, &a->sin_addr, text, sizeof text)) {
          v4_urls.push_back(Url(text, port));
        }
      } else if (with_v6 && ifa->ifa_addr->sa_family == AF_INET6) {
        const auto* a = reinterpret_cast<const sockaddr_in6*>(ifa->ifa_addr);
        if (IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
        if (inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text)) {
          v6_urls.push_back(Url(text, port));
        }
      }
    }
    freeifaddrs(list);
  }
  std::vector<std::string> urls = std::move(v4_urls);
  urls.insert(urls.end(), v6_urls.begin(), v6_urls.end());
  // Reachable from elsewhere first, loopback last; no repeats (an address on two interfaces).
  std::stable_partition(urls.begin(), urls.end(), [](const std::string& url) {
    auto start = url.find("//") + 2;
    auto end = url.rfind(':');
    return !IsLoopbackHost(url.substr(start, end - start));
  });
  std::vector<std::string> unique;
  for (auto& url : urls) {
    if (std::find(unique.begin(), unique.end(), url) == unique.end()) unique.push_back(url);
  }
  if (unique.empty())
    unique.push_back(Url(Unbracket(host).empty() ? "0.0.0.0" : Unbracket(host), port));
  return unique;
}

std::string DescribeListenAddress(std::string_view host, uint16_t port) {
  std::string out = IsWildcardHost(host) ? "all interfaces (" + std::string(host) + "): "
                                         : std::string(host) + ": ";
  auto urls = ReachableUrls(host, port);
  for (size_t i = 0; i < urls.size(); ++i) out += (i ? ", " : "") + urls[i];
  return out;
}

}  // namespace ghl::server
