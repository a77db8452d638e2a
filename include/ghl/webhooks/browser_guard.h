/// \file
/// Telling a web browser's request from a machine's, for the routes no web page may drive: the
/// webhook receiver (`POST /webhooks/ghl`) and the monitoring pages (`/api/events/stats`,
/// `/metrics`). Those routes ignore `Host` (GHL names the public host) and, for the receiver in
/// `--insecure-accept-unsigned` mode, take unsigned bodies; without this check any page the
/// developer visits could post forged events to `http://127.0.0.1:8080/webhooks/ghl` (a
/// "simple" cross-site POST needs no CORS approval) or, after DNS rebinding, read the stats.
///
/// Browsers add `Origin` to every cross-site and every POST request, and `Sec-Fetch-Site`,
/// `Sec-Fetch-Mode`, `Sec-Fetch-Dest` (Chrome 76+, Firefox 90+, Safari 16.4+) to every request;
/// a script cannot remove them. GHL's deliveries, curl, Prometheus and `ghl` send none of them.
#pragma once

#include <optional>
#include <string>

#include "ghl/http/message.h"

namespace ghl::webhooks {

/// The first browser-only header on `request` as "Name: value" (value cut to 100 bytes), e.g.
/// "Origin: https://evil.example" or "Sec-Fetch-Site: cross-site"; nullopt when it carries none
/// (`Origin`, `Sec-Fetch-Site`, `Sec-Fetch-Mode`, `Sec-Fetch-Dest`, `Sec-Fetch-User`). The
/// receiver refuses every such request with 403.
std::optional<std::string> BrowserSignal(const http::Request& request);

/// Like `BrowserSignal`, except that a page a person opens by typing its URL or following a
/// bookmark (`Sec-Fetch-Site: none`, no `Origin`: no web page can make a browser send that)
/// passes. For read-only pages a developer may look at in a browser (`/metrics`).
std::optional<std::string> WebPageSignal(const http::Request& request);

}  // namespace ghl::webhooks
