/// \file
/// A local carrier for the demo and the tests (`ghl carrier-sim`, `ghl serve --carrier sim`):
/// Telnyx's send API and Telnyx-shaped webhooks, signed with its own Ed25519 key.
///
///  - `POST /v2/messages` (Bearer token: any, or `api_key` when set) {"from","to","text",
///    "media_urls"?,"webhook_url"?,"tags"?} → 200 {"data":{"id","to":[{"status":"queued"}],…}}.
///    `Idempotency-Key`: a repeated key answers the first answer again and sends nothing (counted
///    in `replays`). Then, per message, webhooks `message.sent` and `message.finalized`
///    (to[0].status `final_status`, default "delivered") to the message's `webhook_url` or
///    `webhook_url` below; with `auto_reply` set, a `message.received` from the recipient (once
///    per recipient).
///  - `POST /sim/inbound` {"from","to"?,"text"} → a handset's message: a `message.received`.
///  - `GET /sim/messages` → {"messages":[{"id","to","text","idempotencyKey","tags"}],
///    "sendRequests":N,"replays":N,"webhooksSent":N,"webhookFailures":N,
///    "slowestWebhookAnswerMs":N}.
///  - `GET /sim/public-key` → {"ed25519":"<base64 raw 32 bytes>"} (Telnyx portal's form).
/// Webhooks carry `telnyx-timestamp` and `telnyx-signature-ed25519` over "timestamp|body", are
/// sent in order by one thread, each `copies` times (2 = Telnyx redelivering), and retried on a
/// non-2xx or network error up to `webhook_attempts` times (Telnyx: 3 per URL).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "ghl/core/result.h"

namespace ghl::carriers {

/// Simulator settings; plain struct with defaults.
struct SimulatorOptions {
  std::string host = "127.0.0.1";
  int port = 0;  ///< 0 = a free port.
  /// Default webhook target (a message's own `webhook_url` wins), e.g.
  /// "http://127.0.0.1:8080/providers/carrier/telnyx". Empty = none (webhooks dropped).
  std::string webhook_url;
  std::string api_key;   ///< Empty = any Bearer token.
  std::string key_file;  ///< Ed25519 PKCS#8 PEM; created when missing; empty = fresh key.
  std::string our_number = "+15125550000";  ///< `to` of inbound messages by default.
  std::string final_status = "delivered";   ///< to[0].status of message.finalized.
  /// Non-empty: each recipient replies this text, once (to its first message only, so an
  /// automation that answers replies cannot loop).
  std::string auto_reply;
  int copies = 1;            ///< Each webhook sent this many times (1..5).
  int webhook_attempts = 3;  ///< Sends of one webhook before it is dropped.
  std::chrono::milliseconds retry_backoff{250};
  /// Pause before message.finalized (and before the auto reply).
  std::chrono::milliseconds finalize_delay{100};
  /// Pause between accepting a message and answering the send (a slow carrier; crash tests
  /// aim a kill at the moment the carrier has the message and the sender has no answer yet).
  std::chrono::milliseconds answer_delay{0};
};

/// Counters since start.
struct SimulatorCounters {
  uint64_t send_requests = 0;  ///< POST /v2/messages answered 200 (replays included).
  uint64_t messages = 0;       ///< Distinct messages accepted (what handsets receive).
  uint64_t replays = 0;        ///< Requests answered from a stored Idempotency-Key.
  uint64_t webhooks_sent = 0;  ///< Webhook POSTs answered 2xx.
  uint64_t webhook_failures = 0;
  /// Longest wait for a 2xx answer to one webhook POST (Telnyx wants one within 2 s).
  std::chrono::milliseconds slowest_answer{0};
};

/// A running simulator (its own HTTP server and webhook thread).
class CarrierSimulator {
 public:
  /// Loads/creates the key and starts listening. kUsage error for a bad option or port.
  static Result<std::unique_ptr<CarrierSimulator>> Start(SimulatorOptions options);
  ~CarrierSimulator();
  CarrierSimulator(const CarrierSimulator&) = delete;
  CarrierSimulator& operator=(const CarrierSimulator&) = delete;

  /// "http://127.0.0.1:PORT": the Telnyx `api_base` to use.
  const std::string& base_url() const;
  /// The webhook public key: base64 of the 32 raw Ed25519 bytes.
  const std::string& public_key() const;
  /// Sets the default webhook target (e.g. once `ghl serve` knows its port).
  void SetWebhookUrl(std::string url);
  /// Simulates a handset's SMS `from` → `to` (empty: `our_number`).
  void Inbound(const std::string& from, const std::string& text, const std::string& to = {});
  SimulatorCounters Counters() const;
  /// Waits until no webhook is queued or being sent, at most `timeout`. True when idle.
  bool Flush(std::chrono::milliseconds timeout);
  /// Blocks until Stop or (when `handle_signals`) SIGINT/SIGTERM.
  void Wait(bool handle_signals);
  void Stop();

 private:
  struct Impl;
  explicit CarrierSimulator(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ghl::carriers
