// libFuzzer target: the webhook receiver (`POST /webhooks/ghl`) from raw bytes.
//
// Input framing (doc/fuzzing.md):
//   byte 0         flags: bit 0 = the harness signs the body with the test Ed25519 key
//                  (X-GHL-Signature), bit 1 = with the test RSA key (x-wh-signature), so inputs
//                  reach the body checks behind the signature; bit 2 = insecure mode (unsigned
//                  deliveries accepted); bit 3 = HandleAsync instead of Handle; bit 4 = GET.
//   then           header lines "Name: value\n", an empty line, the body bytes (fuzz_input.h).
// The receiver trusts the test keys (tests/data/webhook_keys) and GHL's published ones, runs
// on a fixed clock (2025-03-03T12:00:00Z) and stores into an in-memory store emptied before
// each input, so every input is judged the same way alone or in a run. (The receivers are made
// once: parsing the keys per input cost more than the rest of the run.)
//
// Properties checked besides "no crash, leak or UB": never 500; exactly one answer; an answer
// of 200 means the store holds the exact body bytes.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>

#include "fuzz_input.h"
#include "ghl/webhooks/receiver.h"
#include "ghl/webhooks/signer.h"

namespace {

using namespace ghl;

// An in-memory EventStore: Append dedups on the key; the receiver uses nothing else.
class MemoryStore : public store::EventStore {
 public:
  Result<std::vector<store::AppendResult>> Append(std::vector<store::NewEvent> events) override {
    std::vector<store::AppendResult> out;
    for (auto& e : events) {
      if (e.dedup_key.empty()) return UsageError("empty dedup key");
      auto [it, added] = by_key_.emplace(e.dedup_key, next_id_);
      if (added) {
        bodies_[next_id_] = e.body;
        ++next_id_;
      }
      out.push_back(store::AppendResult{.id = it->second, .duplicate = !added});
    }
    return out;
  }
  Result<std::vector<store::Event>> Claim(std::string_view, std::chrono::milliseconds,
                                          int) override {
    return std::vector<store::Event>{};
  }
  Status Ack(int64_t, std::string_view) override { return UsageError("not supported"); }
  Result<store::EventState> Fail(int64_t, std::string_view, std::string_view,
                                 store::FailureKind) override {
    return UsageError("not supported");
  }
  Status Retry(int64_t) override { return UsageError("not supported"); }
  Status Replay(int64_t) override { return UsageError("not supported"); }
  Result<store::Event> Get(int64_t) override { return UsageError("not supported"); }
  Result<std::vector<store::Event>> List(const store::ListFilter&) override {
    return std::vector<store::Event>{};
  }
  Result<store::Stats> GetStats() override { return store::Stats{}; }

  void Clear() {
    by_key_.clear();
    bodies_.clear();
    next_id_ = 1;
  }

  const std::string* Body(int64_t id) const {
    auto it = bodies_.find(id);
    return it == bodies_.end() ? nullptr : &it->second;
  }

 private:
  std::map<std::string, int64_t> by_key_;
  std::map<int64_t, std::string> bodies_;
  int64_t next_id_ = 1;
};

std::string ReadKey(const char* name) {
  auto path = std::filesystem::path(GHL_FUZZ_SOURCE_DIR) / "tests/data/webhook_keys" / name;
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  fuzz::Check(in.good() || in.eof(), "cannot read a test key under tests/data/webhook_keys");
  return ss.str();
}

struct Keys {
  webhooks::WebhookSigner ed25519;
  webhooks::WebhookSigner rsa;
};

const Keys& TestKeys() {
  static const Keys keys = [] {
    auto ed = webhooks::WebhookSigner::FromPrivateKeyPem(ReadKey("test_ed25519_private.pem"));
    auto rsa = webhooks::WebhookSigner::FromPrivateKeyPem(ReadKey("test_rsa_private.pem"));
    fuzz::Check(ed.ok() && rsa.ok(), "test signing keys load");
    return Keys{std::move(ed.value()), std::move(rsa.value())};
  }();
  return keys;
}

std::unique_ptr<webhooks::WebhookReceiver> MakeReceiver(std::shared_ptr<MemoryStore> store,
                                                        bool insecure) {
  webhooks::ReceiverOptions o;
  o.public_keys.push_back(TestKeys().ed25519.PublicKeyBase64());
  o.public_keys.push_back(TestKeys().rsa.PublicKeyPem());
  o.insecure_accept_unsigned = insecure;
  o.max_body_bytes = 64 * 1024;
  o.clock = [] {
    return std::chrono::system_clock::time_point(std::chrono::milliseconds(1741003200000));
  };
  o.log = [](std::string_view) {};
  auto r = webhooks::WebhookReceiver::Create(std::move(o), std::move(store));
  fuzz::Check(r.ok(), "the receiver is created");
  return std::move(r.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t flags = data[0];
  auto head = fuzz::ParseHeadAndBody(fuzz::AsText(data + 1, size - 1));

  http::Request request;
  request.method = (flags & 16) ? "GET" : "POST";
  request.target = "/webhooks/ghl";
  fuzz::AddHeaders(head, request.headers);
  request.body = std::move(head.body);
  if (flags & 1) request.headers.Set("X-GHL-Signature", TestKeys().ed25519.Sign(request.body));
  if (flags & 2) request.headers.Set("x-wh-signature", TestKeys().rsa.Sign(request.body));

  static const auto store = std::make_shared<MemoryStore>();
  static const auto secure = MakeReceiver(store, false);
  static const auto insecure = MakeReceiver(store, true);
  store->Clear();
  const webhooks::WebhookReceiver* receiver = (flags & 4) ? insecure.get() : secure.get();
  std::optional<http::Response> answer;
  int answers = 0;
  if (flags & 8) {
    receiver->HandleAsync(request, [&](http::Response r) {
      ++answers;
      answer = std::move(r);
    });
  } else {
    answer = receiver->Handle(request);
    answers = 1;
  }
  fuzz::Check(answers == 1, "exactly one answer per delivery");
  fuzz::Check(answer->status != 500, "the receiver never answers 500");
  if (answer->status == 200) {
    const std::string* stored = store->Body(1);
    fuzz::Check(stored && *stored == request.body, "a 200 answer stored the exact body bytes");
  }
  return 0;
}
