// libcurl transport: one easy handle per thread so connections are reused across calls.
#include <curl/curl.h>

#include <chrono>
#include <mutex>
#include <string>

#include "ghl/http/transport.h"

namespace ghl::http {
namespace {

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

struct EasyHandle {
  CURL* curl = curl_easy_init();
  ~EasyHandle() { curl_easy_cleanup(curl); }
};

struct ReceiveState {
  Response* response;
  size_t max_bytes;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<ReceiveState*>(user);
  size_t n = size * count;
  if (state->response->body.size() + n > state->max_bytes) {
    state->too_large = true;
    return 0;
  }
  state->response->body.append(data, n);
  return n;
}

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* state = static_cast<ReceiveState*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  if (line.rfind("HTTP/", 0) == 0) {
    // A new status line (after a redirect or 100-continue): start the header set afresh.
    state->response->headers = Headers{};
    return n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == '\r' || s.back() == '\n' || s.back() == ' ')) {
      s.remove_suffix(1);
    }
    return s;
  };
  state->response->headers.Add(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  return n;
}

// CURLOPT_XFERINFOFUNCTION: non-zero aborts the transfer (CURLE_ABORTED_BY_CALLBACK).
int OnProgress(void* cancelled, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  return (*static_cast<const std::function<bool()>*>(cancelled))() ? 1 : 0;
}

// "2 s", "0.5 s": a duration as a user typed it.
std::string Seconds(std::chrono::milliseconds d) {
  std::string out = std::to_string(d.count() / 1000);
  if (auto ms = d.count() % 1000; ms != 0) {
    std::string frac = std::to_string(1000 + ms).substr(1);
    while (frac.back() == '0') frac.pop_back();
    out += "." + frac;
  }
  return out + " s";
}

// The hint names the cause actually present: only failures that can come from a wrong base
// URL say "check the base URL" (an answer over the size cap or cut short cannot).
std::string HintFor(CURLcode rc, bool too_large, const TransportOptions& options) {
  if (too_large) {
    return "The answer is larger than the " + std::to_string(options.max_response_bytes) +
           "-byte cap and was not read: ask for less per call (a smaller page size or limit, "
           "e.g. pageLimit).";
  }
  switch (rc) {
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
      return "Check the base URL: http(s)://host[:port].";
    case CURLE_COULDNT_RESOLVE_HOST:
      return "The host name does not resolve: check the base URL's host and your DNS.";
    case CURLE_COULDNT_CONNECT:
      return "Nothing accepted the connection at that host and port: check the base URL, "
             "and that the server (or `ghl sandbox`) is running.";
    case CURLE_OPERATION_TIMEDOUT:
      return "The server did not answer in time; try again, or raise the timeout "
             "(TransportOptions::timeout).";
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return "The connection broke mid-answer, so the answer was cut short (the server or a "
             "proxy closed it); try again — GET, PUT and DELETE are retried automatically.";
    case CURLE_GOT_NOTHING:
      return "The server closed the connection without answering: it may not speak HTTP on "
             "that port (http:// vs https:// in the base URL), or it failed; try again.";
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
      return "TLS failed: check that the base URL uses https:// only for an HTTPS server, and "
             "that the system's CA certificates are installed (ca-certificates).";
    default:
      return "Check the base URL and that the server is reachable.";
  }
}

class CurlTransport final : public Transport {
 public:
  Result<Response> Send(const Request& request, const TransportOptions& options) override {
    static CurlGlobal global;
    thread_local EasyHandle handle;
    CURL* curl = handle.curl;
    if (curl == nullptr) {
      Error e;
      e.kind = ErrorKind::kInternal;
      e.messages.push_back("curl_easy_init failed");
      return e;
    }
    curl_easy_reset(curl);

    Response response;
    ReceiveState state{&response, options.max_response_bytes};
    curl_slist* header_list = nullptr;
    for (const auto& [name, value] : request.headers.fields()) {
      std::string line = name + ": " + value;
      header_list = curl_slist_append(header_list, line.c_str());
    }
    // curl adds "Expect: 100-continue" to large bodies; GHL and our server don't need it.
    header_list = curl_slist_append(header_list, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, request.target.c_str());
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    if (request.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
        request.method == "PATCH") {
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
    }
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &state);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &state);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip/deflate as GHL offers them
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    // Never follow a redirect: the Authorization header would go to whatever host Location
    // names. A 3xx is returned as the answer (the client reports it with its Location).
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
    if (options.cancelled) {
      curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, OnProgress);
      curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &options.cancelled);
    }
    if (options.cancelled && options.cancelled()) {
      curl_slist_free_all(header_list);
      return Cancelled();
    }

    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(header_list);
    if (rc == CURLE_ABORTED_BY_CALLBACK && options.cancelled) return Cancelled();
    if (rc != CURLE_OK) {
      Error e;
      // A URL curl cannot use is the caller's mistake, not a network failure: never retried.
      bool bad_url = rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT;
      e.kind = bad_url ? ErrorKind::kUsage : ErrorKind::kNetwork;
      if (state.too_large) {
        e.messages.push_back("response body exceeds " + std::to_string(options.max_response_bytes) +
                             " bytes");
      } else if (rc == CURLE_OPERATION_TIMEDOUT) {
        curl_off_t connected_us = 0;
        curl_easy_getinfo(curl, CURLINFO_CONNECT_TIME_T, &connected_us);
        e.messages.push_back(connected_us == 0
                                 ? "no connection within the connect timeout of " +
                                       Seconds(options.connect_timeout)
                                 : "no answer within the timeout of " + Seconds(options.timeout));
      } else if (rc == CURLE_PARTIAL_FILE) {
        e.messages.push_back("the answer was cut short (fewer bytes than the server announced)");
      } else {
        e.messages.push_back(std::string(curl_easy_strerror(rc)));
      }
      // The URL tried (never a header: the token stays out), so a wrong base URL shows.
      e.messages.push_back("tried " + request.method + " " + request.target);
      e.hint = HintFor(rc, state.too_large, options);
      return e;
    }
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    return response;
  }

 private:
  static Error Cancelled() {
    Error e;
    e.kind = ErrorKind::kNetwork;
    e.messages.push_back("cancelled (shutting down)");
    return e;
  }
};

}  // namespace

std::shared_ptr<Transport> MakeCurlTransport() { return std::make_shared<CurlTransport>(); }

}  // namespace ghl::http
