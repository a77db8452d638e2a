// Body facts, timestamp window and dedup key for webhook replay protection.
#include "ghl/webhooks/replay.h"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <nlohmann/json.hpp>

#include "ghl/core/json_depth.h"

namespace ghl::webhooks {

using Clock = std::chrono::system_clock;

std::string Sha256Hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &len, EVP_sha256(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[digest[i] >> 4]);
    out.push_back(kHex[digest[i] & 0xf]);
  }
  return out;
}

namespace {

// Reads exactly `n` digits at `pos`; advances pos.
bool Digits(std::string_view s, size_t& pos, size_t n, int& out) {
  if (pos + n > s.size()) return false;
  out = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    out = out * 10 + (c - '0');
  }
  pos += n;
  return true;
}

bool Expect(std::string_view s, size_t& pos, char c) {
  if (pos >= s.size() || s[pos] != c) return false;
  ++pos;
  return true;
}

std::string StringField(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it != j.end() && it->is_string()) return it->get<std::string>();
  return {};
}

// Epoch milliseconds; values below 10^11 (before 1973 as ms) are read as epoch seconds.
// nullopt beyond what system_clock holds (2262-04-11 in 64-bit nanoseconds): converting a
// larger value to the clock's nanoseconds overflowed (UB).
std::optional<Clock::time_point> FromEpochNumber(double v) {
  static constexpr double kLatestMs = static_cast<double>(
      std::chrono::floor<std::chrono::milliseconds>(Clock::time_point::max())
          .time_since_epoch()
          .count());
  if (!std::isfinite(v) || v <= 0) return std::nullopt;
  const double ms = v < 1e11 ? v * 1000 : v;
  if (ms >= kLatestMs) return std::nullopt;
  return Clock::time_point(std::chrono::milliseconds(static_cast<int64_t>(ms)));
}

// A string of 1 to 15 digits, read like a JSON number.
std::optional<Clock::time_point> ParseEpochDigits(std::string_view s) {
  if (s.empty() || s.size() > 15) return std::nullopt;
  double v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return FromEpochNumber(v);
}

}  // namespace

std::optional<Clock::time_point> ParseIsoTimestamp(std::string_view s) {
  using namespace std::chrono;
  size_t pos = 0;
  int y, mo, d, h, mi, sec;
  if (!Digits(s, pos, 4, y) || !Expect(s, pos, '-') || !Digits(s, pos, 2, mo) ||
      !Expect(s, pos, '-') || !Digits(s, pos, 2, d)) {
    return std::nullopt;
  }
  if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
  ++pos;
  if (!Digits(s, pos, 2, h) || !Expect(s, pos, ':') || !Digits(s, pos, 2, mi) ||
      !Expect(s, pos, ':') || !Digits(s, pos, 2, sec)) {
    return std::nullopt;
  }
  year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok() || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  nanoseconds frac{0};
  if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
    ++pos;
    size_t start = pos;
    int64_t scale = 100000000;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      frac += nanoseconds((s[pos] - '0') * scale);
      scale /= 10;
      ++pos;
    }
    if (pos == start) return std::nullopt;
  }
  minutes offset{0};
  if (pos < s.size() && (s[pos] == 'Z' || s[pos] == 'z')) {
    ++pos;
  } else if (pos < s.size() && (s[pos] == '+' || s[pos] == '-')) {
    int sign = s[pos] == '-' ? -1 : 1;
    ++pos;
    int oh, om;
    if (!Digits(s, pos, 2, oh)) return std::nullopt;
    if (pos < s.size() && s[pos] == ':') ++pos;
    if (!Digits(s, pos, 2, om) || oh > 23 || om > 59) return std::nullopt;
    offset = minutes(sign * (oh * 60 + om));
  } else {
    return std::nullopt;  // No zone: ambiguous, so not a timestamp we trust.
  }
  if (pos != s.size()) return std::nullopt;
  const sys_seconds utc = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec} - offset;
  // system_clock counts nanoseconds in 64 bits (years 1677-2262): beyond, the conversion
  // overflows (UB; in practice year 2609 wrapped to 2025 and passed the freshness window).
  static constexpr sys_seconds kEarliest = ceil<seconds>(Clock::time_point::min()) + seconds(1);
  static constexpr sys_seconds kLatest = floor<seconds>(Clock::time_point::max()) - seconds(1);
  if (utc < kEarliest || utc > kLatest) return std::nullopt;
  return time_point_cast<Clock::duration>(utc) + duration_cast<Clock::duration>(frac);
}

namespace {

// The facts from a parsed body (a JSON object); also the reader of bodies the SAX pass below
// leaves to the DOM (a `timestamp` that is an object or an array).
WebhookFacts FactsFromDom(const nlohmann::json& j, std::string_view raw_body) {
  WebhookFacts f;
  f.type = StringField(j, "type");
  if (f.type.empty()) f.type = std::string(kUnknownEventType);
  f.location_id = StringField(j, "locationId");
  f.webhook_id = StringField(j, "webhookId");
  for (const char* name : {"id", "_id"}) {
    if (f.entity_id.empty()) f.entity_id = StringField(j, name);
  }
  if (f.entity_id.empty()) {
    auto it = j.find("appointment");
    if (it != j.end() && it->is_object()) f.entity_id = StringField(*it, "id");
  }
  for (const char* name : {"messageId", "emailMessageId", "contactId", "appId"}) {
    if (f.entity_id.empty()) f.entity_id = StringField(j, name);
  }
  if (auto it = j.find("timestamp"); it != j.end() && !it->is_null()) {
    if (it->is_string()) {
      f.timestamp_text = it->get<std::string>();
      f.timestamp = ParseIsoTimestamp(f.timestamp_text);
      if (!f.timestamp) f.timestamp = ParseEpochDigits(f.timestamp_text);
    } else if (it->is_number()) {
      f.timestamp_text = it->dump();
      f.timestamp = FromEpochNumber(it->get<double>());
    } else {
      f.timestamp_text = it->dump();
    }
  }
  // Only the dedup key of an event without webhookId needs it; hashing every body costs the
  // receiver a few microseconds per delivery for nothing.
  if (f.webhook_id.empty()) f.body_sha256 = Sha256Hex(raw_body);
  return f;
}

// One pass over the body without building a DOM (the receiver reads every delivery; the DOM's
// map nodes and strings cost more than the parse itself): keeps only the top-level fields
// WebhookFacts needs, and `appointment.id`. Same answers as FactsFromDom over the parsed value,
// including for repeated keys (the last one counts, as in nlohmann's DOM).
class FactsReader final : public nlohmann::json_sax<nlohmann::json> {
 public:
  // The top-level fields read, in WebhookFacts' order of preference for the entity id.
  enum Field : size_t {
    kType,
    kLocationId,
    kWebhookId,
    kId,
    kUnderscoreId,
    kMessageId,
    kEmailMessageId,
    kContactId,
    kAppId,
    kFieldCount,
    kOther = kFieldCount,
    kAppointment,
    kTimestamp
  };

  bool null() override { return Scalar(Value::kNull, {}); }
  bool boolean(bool v) override { return Scalar(Value::kOther, v ? "true" : "false"); }
  bool number_integer(number_integer_t v) override { return Number(v); }
  bool number_unsigned(number_unsigned_t v) override { return Number(v); }
  bool number_float(number_float_t v, const string_t&) override { return Number(v); }
  bool string(string_t& v) override {
    if (depth_ == 1) {
      if (current_ < kFieldCount) fields_[current_] = std::move(v);
      if (current_ == kTimestamp) {
        timestamp_ = Value::kString;
        timestamp_text_ = std::move(v);
      }
    } else if (depth_ == 2 && in_appointment_ && appointment_key_is_id_) {
      appointment_id_ = std::move(v);
    }
    return true;
  }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override { return Open(true); }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      current_ = FieldOf(k);
      if (current_ < kFieldCount) fields_[current_].clear();  // a repeated key: the last counts
      if (current_ == kAppointment) appointment_id_.clear();
      if (current_ == kTimestamp) {
        timestamp_ = Value::kNull;
        timestamp_text_.clear();
      }
    } else if (depth_ == 2 && in_appointment_) {
      appointment_key_is_id_ = k == "id";
      if (appointment_key_is_id_) appointment_id_.clear();
    }
    return true;
  }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override { return Open(false); }
  bool end_array() override { return Close(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

  // After a successful parse: nullopt when the DOM must decide (a container timestamp).
  std::optional<WebhookFacts> Facts(std::string_view raw_body) {
    if (timestamp_ == Value::kContainer) return std::nullopt;
    WebhookFacts f;
    f.type = std::move(fields_[kType]);
    if (f.type.empty()) f.type = std::string(kUnknownEventType);
    f.location_id = std::move(fields_[kLocationId]);
    f.webhook_id = std::move(fields_[kWebhookId]);
    for (Field field : {kId, kUnderscoreId}) {
      if (f.entity_id.empty()) f.entity_id = std::move(fields_[field]);
    }
    if (f.entity_id.empty()) f.entity_id = std::move(appointment_id_);
    for (Field field : {kMessageId, kEmailMessageId, kContactId, kAppId}) {
      if (f.entity_id.empty()) f.entity_id = std::move(fields_[field]);
    }
    if (timestamp_ == Value::kString) {
      f.timestamp_text = std::move(timestamp_text_);
      f.timestamp = ParseIsoTimestamp(f.timestamp_text);
      if (!f.timestamp) f.timestamp = ParseEpochDigits(f.timestamp_text);
    } else if (timestamp_ == Value::kNumber) {
      f.timestamp_text = std::move(timestamp_text_);
      f.timestamp = FromEpochNumber(timestamp_number_);
    } else if (timestamp_ == Value::kOther) {
      f.timestamp_text = std::move(timestamp_text_);
    }
    if (f.webhook_id.empty()) f.body_sha256 = Sha256Hex(raw_body);
    return f;
  }

  bool root_is_object() const { return root_is_object_; }

 private:
  enum class Value { kNull, kString, kNumber, kOther, kContainer };

  static Field FieldOf(std::string_view k) {
    static constexpr std::pair<std::string_view, Field> kNames[] = {
        {"type", kType},
        {"locationId", kLocationId},
        {"webhookId", kWebhookId},
        {"id", kId},
        {"_id", kUnderscoreId},
        {"messageId", kMessageId},
        {"emailMessageId", kEmailMessageId},
        {"contactId", kContactId},
        {"appId", kAppId},
        {"appointment", kAppointment},
        {"timestamp", kTimestamp},
    };
    for (const auto& [name, field] : kNames) {
      if (k == name) return field;
    }
    return kOther;
  }

  // A scalar at the top level of the root object is the value of `current_` (deeper ones and
  // strings are handled elsewhere). Only `timestamp` cares about non-string scalars.
  bool Scalar(Value v, std::string_view text) {
    if (depth_ == 1 && current_ == kTimestamp) {
      timestamp_ = v;
      timestamp_text_ = text;
    }
    return true;
  }
  // Written as the DOM would dump it (nlohmann's number formatting), read as a double.
  template <typename N>
  bool Number(N v) {
    if (depth_ == 1 && current_ == kTimestamp) {
      timestamp_ = Value::kNumber;
      timestamp_number_ = static_cast<double>(v);
      timestamp_text_ = nlohmann::json(v).dump();
    }
    return true;
  }
  bool Open(bool object) {
    if (depth_ == 0) {
      root_is_object_ = object;
    } else if (depth_ == 1) {
      if (current_ == kTimestamp) timestamp_ = Value::kContainer;
      in_appointment_ = object && current_ == kAppointment;
      appointment_key_is_id_ = false;
    }
    ++depth_;
    return true;
  }
  bool Close() {
    --depth_;
    if (depth_ == 1) in_appointment_ = false;
    return true;
  }

  size_t depth_ = 0;
  bool root_is_object_ = false;
  Field current_ = kOther;
  std::array<std::string, kFieldCount> fields_;
  bool in_appointment_ = false;
  bool appointment_key_is_id_ = false;
  std::string appointment_id_;
  Value timestamp_ = Value::kNull;
  std::string timestamp_text_;
  double timestamp_number_ = 0;
};

}  // namespace

Result<WebhookFacts> InspectBody(std::string_view raw_body) {
  if (auto deep = FindJsonTooDeep(raw_body)) {
    return UsageError("webhook body is " + deep->Describe() +
                      "; GHL's events nest a few levels at most");
  }
  FactsReader reader;
  if (!nlohmann::json::sax_parse(raw_body, &reader)) {
    return UsageError("webhook body is not valid JSON");
  }
  if (!reader.root_is_object()) return UsageError("webhook body is not a JSON object");
  if (auto facts = reader.Facts(raw_body)) return std::move(*facts);
  // Rare shapes (a timestamp that is an object or array) are read from the DOM; the depth
  // was checked above.
  return FactsFromDom(nlohmann::json::parse(raw_body, nullptr, false), raw_body);
}

std::string DedupKey(const WebhookFacts& facts) {
  if (!facts.webhook_id.empty()) return "wh:" + facts.webhook_id;
  return "h:" + facts.type + ":" + facts.entity_id + ":" + facts.body_sha256;
}

std::string_view ToString(FreshnessOutcome outcome) {
  switch (outcome) {
    case FreshnessOutcome::kFresh:
      return "fresh";
    case FreshnessOutcome::kNoTimestamp:
      return "no_timestamp";
    case FreshnessOutcome::kStale:
      return "stale";
    case FreshnessOutcome::kFuture:
      return "future";
    case FreshnessOutcome::kUnparseable:
      return "unparseable";
  }
  return "unknown";
}

Freshness CheckFreshness(const WebhookFacts& facts, Clock::time_point now,
                         const ReplayOptions& options) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  if (facts.timestamp_text.empty()) {
    return {true, FreshnessOutcome::kNoTimestamp, "no timestamp in the body"};
  }
  if (!facts.timestamp) {
    return {false, FreshnessOutcome::kUnparseable,
            "timestamp " + facts.timestamp_text + " is neither ISO 8601 nor epoch milliseconds"};
  }
  auto window_s = std::to_string(duration_cast<seconds>(options.window).count());
  // In milliseconds: nanosecond instants 1677 and 2262 apart overflow when subtracted.
  using std::chrono::milliseconds;
  const milliseconds age = duration_cast<milliseconds>(now.time_since_epoch()) -
                           duration_cast<milliseconds>(facts.timestamp->time_since_epoch());
  if (age > options.window) {
    return {false, FreshnessOutcome::kStale,
            "timestamp " + facts.timestamp_text + " is " +
                std::to_string(duration_cast<seconds>(age).count()) + " s old (window " + window_s +
                " s)"};
  }
  if (-age > options.window) {
    return {false, FreshnessOutcome::kFuture,
            "timestamp " + facts.timestamp_text + " is " +
                std::to_string(duration_cast<seconds>(-age).count()) + " s in the future (window " +
                window_s + " s)"};
  }
  return {true, FreshnessOutcome::kFresh, "timestamp within the window"};
}

}  // namespace ghl::webhooks
