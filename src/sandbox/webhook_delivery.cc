// WebhookDelivery: a bounded FIFO drained by one thread that signs (Ed25519) and POSTs each
// sandbox event, retrying only on 429 and network errors, as GHL does.
#include "ghl/sandbox/webhook_delivery.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "ghl/webhooks/signature_verifier.h"

namespace ghl::sandbox {
namespace {

bool IsHttpUrl(std::string_view url) {
  return (url.rfind("http://", 0) == 0 && url.size() > 7) ||
         (url.rfind("https://", 0) == 0 && url.size() > 8);
}

Status CheckUrl(const std::string& url) {
  if (url.empty() || IsHttpUrl(url)) return Ok{};
  return UsageError("the webhook URL must be an absolute http(s) URL, got '" + url + "'",
                    "e.g. --webhook-url http://127.0.0.1:8080/webhooks/ghl");
}

// Retry-After in whole seconds (GHL and our receiver send seconds), else nullopt.
std::optional<std::chrono::milliseconds> RetryAfter(const http::Headers& headers) {
  auto v = headers.Get("Retry-After");
  if (!v) return std::nullopt;
  long long seconds = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
  if (ec != std::errc() || end != v->data() + v->size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// "ContactCreate 1b2c…" for logs: the type and webhookId, never the body.
std::string Describe(std::string_view type, std::string_view body) {
  std::string out(type);
  auto at = body.find("\"webhookId\":\"");
  if (at != std::string_view::npos) {
    at += 13;
    auto end = body.find('"', at);
    if (end != std::string_view::npos && end - at <= 64) {
      out += " webhookId=";
      out += body.substr(at, end - at);
    }
  }
  return out;
}

}  // namespace

struct WebhookDelivery::Impl {
  struct Item {
    std::string type;
    std::string body;
    std::string target = {};  // EnqueueTo's URL; empty = the delivery's URL
  };

  WebhookDeliveryOptions options;
  webhooks::WebhookSigner signer;
  std::string public_key;

  mutable std::mutex mu;
  std::condition_variable wake;  // worker: new item, stop
  std::condition_variable idle;  // Flush/Stop: queue drained
  std::deque<Item> queue;
  bool in_flight = false;
  bool stopping = false;  // no new events
  bool abort = false;     // worker quits now
  bool joined = false;
  std::string url;
  WebhookDeliveryCounters counters;
  std::thread worker;

  Impl(WebhookDeliveryOptions o, webhooks::WebhookSigner s)
      : options(std::move(o)),
        signer(std::move(s)),
        public_key(signer.PublicKeyBase64()),
        url(options.url) {}

  void Log(const std::string& line) const {
    if (options.log) {
      options.log(line);
    } else {
      std::fprintf(stderr, "ghl sandbox: webhooks: %s\n", line.c_str());
    }
  }

  std::chrono::milliseconds Backoff(int failed_attempts) const {
    auto delay = options.initial_backoff;
    for (int i = 1; i < failed_attempts && delay < options.max_backoff; ++i) delay *= 2;
    return std::min(delay, options.max_backoff);
  }

  // Sends one event until it is delivered, refused for good, out of attempts, or aborted.
  void Deliver(const Item& item) {
    http::Request req;
    req.method = "POST";
    req.headers.Set("Content-Type", "application/json");
    req.headers.Set("User-Agent", "ghlkit-sandbox-webhooks");
    req.headers.Set(webhooks::kEd25519SignatureHeader, signer.Sign(item.body));
    req.body = item.body;
    http::TransportOptions topts;
    topts.timeout = options.timeout;
    topts.connect_timeout = std::min(options.timeout, std::chrono::milliseconds(5000));
    topts.max_response_bytes = 1u << 20;
    const int max_attempts = std::max(1, options.max_attempts);

    for (int attempt = 1;; ++attempt) {
      if (!item.target.empty()) {
        req.target = item.target;
      } else {
        std::lock_guard lock(mu);
        req.target = url;
      }
      if (req.target.empty()) {
        std::lock_guard lock(mu);
        ++counters.dropped_status;
        Log("dropped " + Describe(item.type, item.body) + ": no webhook URL is set");
        return;
      }
      auto sent = options.transport->Send(req, topts);
      std::optional<std::chrono::milliseconds> retry_after;
      std::string why;
      if (sent.ok()) {
        int status = sent->status;
        if (status >= 200 && status < 300) {
          std::lock_guard lock(mu);
          ++counters.delivered;
          return;
        }
        if (status != 429) {
          std::lock_guard lock(mu);
          ++counters.dropped_status;
          Log("dropped " + Describe(item.type, item.body) + ": " + req.target + " answered HTTP " +
              std::to_string(status) + " (only 429 and network errors are retried, as GHL does)");
          return;
        }
        why = "HTTP 429";
        retry_after = RetryAfter(sent->headers);
      } else {
        why = sent.error().Summary();
      }
      std::unique_lock lock(mu);
      if (attempt >= max_attempts) {
        ++counters.dropped_attempts;
        Log("dropped " + Describe(item.type, item.body) + " after " + std::to_string(attempt) +
            " attempts; last: " + why);
        return;
      }
      auto delay = retry_after ? std::min(*retry_after, options.max_backoff) : Backoff(attempt);
      ++counters.retries;
      if (attempt == 1) {
        Log(Describe(item.type, item.body) + ": " + why + ", retrying with backoff");
      }
      if (wake.wait_for(lock, delay, [this] { return abort; })) {
        ++counters.dropped_stopped;
        Log("stopping: dropped " + Describe(item.type, item.body) + " while it waited to retry");
        return;
      }
    }
  }

  void Run() {
    std::unique_lock lock(mu);
    for (;;) {
      wake.wait(lock, [this] { return abort || stopping || !queue.empty(); });
      if (abort || queue.empty()) break;  // stopped, and nothing left to send
      Item item = std::move(queue.front());
      queue.pop_front();
      in_flight = true;
      lock.unlock();
      Deliver(item);
      lock.lock();
      in_flight = false;
      if (queue.empty()) idle.notify_all();
    }
    in_flight = false;
    idle.notify_all();
  }
};

WebhookDelivery::WebhookDelivery(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

WebhookDelivery::~WebhookDelivery() { Stop(); }

Result<std::unique_ptr<WebhookDelivery>> WebhookDelivery::Start(WebhookDeliveryOptions options,
                                                                webhooks::WebhookSigner signer) {
  if (auto st = CheckUrl(options.url); !st.ok()) return st.error();
  if (signer.algorithm() != webhooks::SignatureAlgorithm::kEd25519) {
    return UsageError("the sandbox signs webhooks with Ed25519; the key given is RSA",
                      "use an Ed25519 PKCS#8 PEM key (openssl genpkey -algorithm ed25519)");
  }
  if (!options.transport) options.transport = http::MakeCurlTransport();
  auto impl = std::make_unique<Impl>(std::move(options), std::move(signer));
  Impl* raw = impl.get();
  raw->worker = std::thread([raw] { raw->Run(); });
  return std::unique_ptr<WebhookDelivery>(new WebhookDelivery(std::move(impl)));
}

bool WebhookDelivery::Enqueue(std::string_view event_type, std::string_view json) {
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping || impl_->url.empty()) return false;
  if (impl_->queue.size() >= std::max<size_t>(1, impl_->options.queue_capacity)) {
    uint64_t n = ++impl_->counters.dropped_full;
    if (n == 1 || n % 1000 == 0) {
      impl_->Log("queue full (" + std::to_string(impl_->options.queue_capacity) +
                 " events): dropped " + Describe(event_type, json) + " (" + std::to_string(n) +
                 " dropped so far)");
    }
    return false;
  }
  impl_->queue.push_back({std::string(event_type), std::string(json)});
  ++impl_->counters.enqueued;
  impl_->wake.notify_one();
  return true;
}

bool WebhookDelivery::EnqueueTo(std::string url, std::string_view event_type,
                                std::string_view json) {
  if (!IsHttpUrl(url)) return false;
  std::lock_guard lock(impl_->mu);
  if (impl_->stopping) return false;
  if (impl_->queue.size() >= std::max<size_t>(1, impl_->options.queue_capacity)) {
    ++impl_->counters.dropped_full;
    impl_->Log("queue full: dropped " + Describe(event_type, json) + " for " + url);
    return false;
  }
  impl_->queue.push_back({std::string(event_type), std::string(json), std::move(url)});
  ++impl_->counters.enqueued;
  impl_->wake.notify_one();
  return true;
}

Status WebhookDelivery::SetUrl(std::string url) {
  if (auto st = CheckUrl(url); !st.ok()) return st;
  std::lock_guard lock(impl_->mu);
  impl_->url = std::move(url);
  return Ok{};
}

std::string WebhookDelivery::url() const {
  std::lock_guard lock(impl_->mu);
  return impl_->url;
}

bool WebhookDelivery::Flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(impl_->mu);
  return impl_->idle.wait_for(lock, timeout,
                              [this] { return impl_->queue.empty() && !impl_->in_flight; });
}

void WebhookDelivery::Stop(std::chrono::milliseconds drain) {
  std::unique_lock lock(impl_->mu);
  if (impl_->joined) return;
  impl_->stopping = true;
  impl_->wake.notify_all();
  impl_->idle.wait_for(lock, drain, [this] { return impl_->queue.empty() && !impl_->in_flight; });
  impl_->abort = true;
  size_t left = impl_->queue.size();
  if (left > 0) {
    impl_->counters.dropped_stopped += left;
    impl_->Log("stopping: " + std::to_string(left) + " queued event(s) not delivered");
    impl_->queue.clear();
  }
  impl_->joined = true;
  impl_->wake.notify_all();
  lock.unlock();
  if (impl_->worker.joinable()) impl_->worker.join();
}

const std::string& WebhookDelivery::public_key_base64() const { return impl_->public_key; }

WebhookDeliveryCounters WebhookDelivery::Counters() const {
  std::lock_guard lock(impl_->mu);
  WebhookDeliveryCounters c = impl_->counters;
  c.queued = impl_->queue.size() + (impl_->in_flight ? 1 : 0);
  return c;
}

Result<webhooks::WebhookSigner> LoadOrCreateWebhookKey(const std::string& path) {
  if (path.empty()) return webhooks::WebhookSigner::GenerateEd25519();
  std::ifstream in(path, std::ios::binary);
  if (in) {
    std::stringstream pem;
    pem << in.rdbuf();
    auto signer = webhooks::WebhookSigner::FromPrivateKeyPem(pem.str());
    if (!signer.ok() || signer->algorithm() != webhooks::SignatureAlgorithm::kEd25519) {
      return UsageError(
          "the webhook key file '" + path + "' does not hold an Ed25519 private key (PKCS#8 PEM)",
          "remove it to have a new key generated, or give another --webhook-key");
    }
    return signer;
  }
  auto signer = webhooks::WebhookSigner::GenerateEd25519();
  if (!signer.ok()) return signer;
  std::string pem = signer->PrivateKeyPem();
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return LoadOrCreateWebhookKey(path);  // another process just wrote it
    return UsageError("cannot create the webhook key file '" + path + "': " + std::strerror(errno),
                      "give a --webhook-key path in a writable directory");
  }
  size_t off = 0;
  bool ok = true;
  while (off < pem.size()) {
    ssize_t n = ::write(fd, pem.data() + off, pem.size() - off);
    if (n <= 0) {
      if (n < 0 && errno == EINTR) continue;
      ok = false;
      break;
    }
    off += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(path.c_str());
    return UsageError("cannot write the webhook key file '" + path + "'",
                      "check the disk and the directory's permissions");
  }
  return signer;
}

}  // namespace ghl::sandbox
