// Body facts, timestamp window and dedup key for webhook replay protection.
#include "ghl/webhooks/replay.h"

#include <openssl/evp.h>

#include <array>
#include <cmath>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "ghl/core/json_depth.h"
#include "ghl/core/text.h"

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

// One pass over the body without building a DOM or a token buffer (the receiver reads every
// delivery; nlohmann's lexer copies each byte into two strings, its DOM adds map nodes): checks
// that the body is JSON exactly as nlohmann's parser does (RFC 8259, UTF-8 in strings, paired
// \u surrogates, an optional leading BOM) and keeps only the top-level fields WebhookFacts needs,
// and `appointment.id`. Same answers as FactsFromDom over the parsed value, including for
// repeated keys (the last one counts, as in nlohmann's DOM). Recursion is bounded: the body was
// checked with FindJsonTooDeep first.
class FactsScanner {
 public:
  explicit FactsScanner(std::string_view text) : text_(text) {}

  // False when the text is not JSON.
  bool Scan() {
    if (text_.starts_with("\xEF\xBB\xBF")) pos_ = 3;
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == '{') {
      root_is_object_ = true;
      if (!TopObject()) return false;
    } else if (!Value()) {
      return false;
    }
    SkipSpace();
    return pos_ == text_.size();
  }

  bool root_is_object() const { return root_is_object_; }

  // After a successful Scan of an object: nullopt when the DOM must decide (a container
  // timestamp).
  std::optional<WebhookFacts> Facts() {
    if (timestamp_ == Kind::kContainer) return std::nullopt;
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
    if (timestamp_ == Kind::kString) {
      f.timestamp_text = std::move(timestamp_text_);
      f.timestamp = ParseIsoTimestamp(f.timestamp_text);
      if (!f.timestamp) f.timestamp = ParseEpochDigits(f.timestamp_text);
    } else if (timestamp_ == Kind::kNumber) {
      // Read and written back as nlohmann's DOM does (integer or double, its number format).
      nlohmann::json n = nlohmann::json::parse(timestamp_text_, nullptr, false);
      f.timestamp_text = n.dump();
      f.timestamp = FromEpochNumber(n.get<double>());
    } else if (timestamp_ == Kind::kLiteral) {
      f.timestamp_text = std::move(timestamp_text_);
    }
    if (f.webhook_id.empty()) f.body_sha256 = Sha256Hex(text_);
    return f;
  }

 private:
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
  enum class Kind { kNone, kString, kNumber, kLiteral, kContainer };

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

  void SkipSpace() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return;
      ++pos_;
    }
  }
  bool Eat(char c) {
    SkipSpace();
    if (pos_ >= text_.size() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  bool Peek(char c) {
    SkipSpace();
    return pos_ < text_.size() && text_[pos_] == c;
  }

  // The root object: every member's key, and the values of the fields above.
  bool TopObject() {
    ++pos_;  // '{'
    if (Eat('}')) return true;
    do {
      if (!Peek('"') || !String(&key_) || !Eat(':')) return false;
      const Field field = FieldOf(key_);
      SkipSpace();
      if (pos_ >= text_.size()) return false;
      const char first = text_[pos_];
      if (field < kFieldCount) {
        std::string& out = fields_[field];
        out.clear();  // a repeated key: the last one counts, even when not a string
        if (!(first == '"' ? String(&out) : Value())) return false;
      } else if (field == kAppointment) {
        appointment_id_.clear();
        if (!(first == '{' ? Appointment() : Value())) return false;
      } else if (field == kTimestamp) {
        if (!Timestamp(first)) return false;
      } else if (!Value()) {
        return false;
      }
    } while (Eat(','));
    return Eat('}');
  }

  bool Appointment() {
    ++pos_;  // '{'
    if (Eat('}')) return true;
    do {
      if (!Peek('"') || !String(&key_) || !Eat(':')) return false;
      if (key_ == "id") {
        appointment_id_.clear();
        if (Peek('"') ? !String(&appointment_id_) : !Value()) return false;
      } else if (!Value()) {
        return false;
      }
    } while (Eat(','));
    return Eat('}');
  }

  bool Timestamp(char first) {
    timestamp_text_.clear();
    const size_t start = pos_;
    if (first == '"') {
      timestamp_ = Kind::kString;
      return String(&timestamp_text_);
    }
    if (!Value()) return false;
    std::string_view token = text_.substr(start, pos_ - start);
    if (first == '{' || first == '[') {
      timestamp_ = Kind::kContainer;
    } else if (token == "null") {
      timestamp_ = Kind::kNone;
    } else if (token == "true" || token == "false") {
      timestamp_ = Kind::kLiteral;
      timestamp_text_ = token;
    } else {
      timestamp_ = Kind::kNumber;
      timestamp_text_ = token;
    }
    return true;
  }

  // Any value, checked and skipped.
  bool Value() {
    SkipSpace();
    if (pos_ >= text_.size()) return false;
    switch (text_[pos_]) {
      case '"':
        return String(nullptr);
      case '{':
        ++pos_;
        if (Eat('}')) return true;
        do {
          if (!Peek('"') || !String(nullptr) || !Eat(':') || !Value()) return false;
        } while (Eat(','));
        return Eat('}');
      case '[':
        ++pos_;
        if (Eat(']')) return true;
        do {
          if (!Value()) return false;
        } while (Eat(','));
        return Eat(']');
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return Number();
    }
  }

  bool Literal(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  bool Digits() {
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    return pos_ > start;
  }

  // -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?, finite as a double (nlohmann refuses
  // "number overflow", e.g. 1e400).
  bool Number() {
    const size_t start = pos_;
    if (!NumberSyntax()) return false;
    const std::string_view token = text_.substr(start, pos_ - start);
    if (token.size() <= 18 && token.find_first_of(".eE") == std::string_view::npos) return true;
    const std::string copy(token);
    return std::isfinite(std::strtod(copy.c_str(), nullptr));
  }

  bool NumberSyntax() {
    if (text_[pos_] == '-') ++pos_;
    if (pos_ >= text_.size()) return false;
    if (text_[pos_] == '0') {
      ++pos_;
    } else if (!Digits()) {
      return false;
    }
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      if (!Digits()) return false;
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (!Digits()) return false;
    }
    return true;
  }

  // Four hex digits at pos_.
  bool Hex4(unsigned& out) {
    if (pos_ + 4 > text_.size()) return false;
    out = 0;
    for (size_t k = 0; k < 4; ++k) {
      char c = text_[pos_ + k];
      unsigned v;
      if (c >= '0' && c <= '9') {
        v = static_cast<unsigned>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        v = static_cast<unsigned>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        v = static_cast<unsigned>(c - 'A' + 10);
      } else {
        return false;
      }
      out = out * 16 + v;
    }
    pos_ += 4;
    return true;
  }

  static void AppendUtf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }

  // A string at pos_ (the opening quote); its decoded text into `out` unless null.
  bool String(std::string* out) {
    ++pos_;  // '"'
    if (out) out->clear();
    for (;;) {
      // The run of plain bytes up to the next quote, backslash, control or non-ASCII byte.
      const size_t run = pos_;
      while (pos_ < text_.size()) {
        const auto c = static_cast<unsigned char>(text_[pos_]);
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) break;
        ++pos_;
      }
      if (out) out->append(text_.substr(run, pos_ - run));
      if (pos_ >= text_.size()) return false;
      const auto c = static_cast<unsigned char>(text_[pos_]);
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c < 0x20) return false;
      if (c >= 0x80) {
        const size_t n = Utf8SequenceLength(text_, pos_);
        if (n == 0) return false;
        if (out) out->append(text_.substr(pos_, n));
        pos_ += n;
        continue;
      }
      // A backslash escape.
      if (++pos_ >= text_.size()) return false;
      const char e = text_[pos_++];
      char plain = 0;
      switch (e) {
        case '"':
          plain = '"';
          break;
        case '\\':
          plain = '\\';
          break;
        case '/':
          plain = '/';
          break;
        case 'b':
          plain = '\b';
          break;
        case 'f':
          plain = '\f';
          break;
        case 'n':
          plain = '\n';
          break;
        case 'r':
          plain = '\r';
          break;
        case 't':
          plain = '\t';
          break;
        case 'u': {
          unsigned cp;
          if (!Hex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate first
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            unsigned low;
            if (!Literal("\\u") || !Hex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          if (out) AppendUtf8(*out, cp);
          continue;
        }
        default:
          return false;
      }
      if (out) out->push_back(plain);
    }
  }

  std::string_view text_;
  size_t pos_ = 0;
  bool root_is_object_ = false;
  std::string key_;
  std::array<std::string, kFieldCount> fields_;
  std::string appointment_id_;
  Kind timestamp_ = Kind::kNone;
  std::string timestamp_text_;
};

}  // namespace

Result<WebhookFacts> InspectBody(std::string_view raw_body) {
  if (auto deep = FindJsonTooDeep(raw_body)) {
    return UsageError("webhook body is " + deep->Describe() +
                      "; GHL's events nest a few levels at most");
  }
  FactsScanner scanner(raw_body);
  if (!scanner.Scan()) return UsageError("webhook body is not valid JSON");
  if (!scanner.root_is_object()) return UsageError("webhook body is not a JSON object");
  if (auto facts = scanner.Facts()) return std::move(*facts);
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
