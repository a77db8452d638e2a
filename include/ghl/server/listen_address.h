/// \file
/// What a listen address exposes: whether it is loopback only, and the URLs other machines
/// (and this one) can reach a server on, so `ghl serve` and `ghl sandbox` can say out loud
/// when they listen beyond loopback.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ghl::server {

/// True for an address only this machine can reach: 127.0.0.0/8, ::1 (also "[::1]"),
/// "localhost".
bool IsLoopbackHost(std::string_view host);

/// True for the wildcard addresses (every interface): "0.0.0.0", "::", "[::]", "".
bool IsWildcardHost(std::string_view host);

/// The URLs ("http://ADDR:PORT/", IPv6 in brackets) a server bound to `host`:`port` answers
/// on. A wildcard is expanded into this machine's interface addresses (getifaddrs: IPv4 for
/// "0.0.0.0", IPv4 and IPv6 for "::"; IPv6 link-local ones are left out, they need a zone);
/// any other host is listed as is. Never empty: when no interface can be read, the wildcard
/// itself is listed.
std::vector<std::string> ReachableUrls(std::string_view host, uint16_t port);

/// One line for logs: "all interfaces (0.0.0.0): http://10.0.0.5:8080/, http://127.0.0.1:8080/"
/// for a wildcard, else "192.168.1.5: http://192.168.1.5:8080/".
std::string DescribeListenAddress(std::string_view host, uint16_t port);

}  // namespace ghl::server
