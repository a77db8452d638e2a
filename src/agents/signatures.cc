#include "ghl/agents/signatures.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <charconv>
#include <optional>

namespace ghl::agents {
namespace {

std::string HmacRaw(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(md, key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<const char*>(out), len);
}

std::string HmacSha256Raw(std::string_view key, std::string_view data) {
  return HmacRaw(EVP_sha256(), key, data);
}

std::string Hex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

bool SameBytes(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::optional<int64_t> ParseDigits(std::string_view s) {
  if (s.empty() || s.size() > 18) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

bool Fresh(int64_t stamp_ms, int64_t now_ms) {
  int64_t d = stamp_ms > now_ms ? stamp_ms - now_ms : now_ms - stamp_ms;
  return d <= kSignatureToleranceMs;
}

}  // namespace

std::string HmacSha256Hex(std::string_view key, std::string_view data) {
  return Hex(HmacSha256Raw(key, data));
}

std::string SignRetell(std::string_view body, std::string_view api_key, int64_t timestamp_ms) {
  std::string stamp = std::to_string(timestamp_ms);
  return "v=" + stamp + ",d=" + HmacSha256Hex(api_key, std::string(body) + stamp);
}

Status VerifyRetell(std::string_view body, std::string_view header, std::string_view api_key,
                    int64_t now_ms) {
  header = Trim(header);
  if (header.empty()) {
    return UsageError("X-Retell-Signature is missing",
                      "Retell signs every custom-function request; check the URL is Retell's");
  }
  // "v=<ms>,d=<hex>"
  if (header.substr(0, 2) != "v=") return UsageError("X-Retell-Signature is malformed");
  size_t comma = header.find(",d=");
  if (comma == std::string_view::npos) return UsageError("X-Retell-Signature is malformed");
  std::string_view stamp = header.substr(2, comma - 2);
  std::string_view digest = header.substr(comma + 3);
  auto ms = ParseDigits(stamp);
  if (!ms) return UsageError("X-Retell-Signature has no valid timestamp");
  if (!Fresh(*ms, now_ms)) {
    return UsageError("X-Retell-Signature is stale: its timestamp is more than 5 minutes from now",
                      "check this machine's clock; a replayed request is refused");
  }
  std::string expected = HmacSha256Hex(api_key, std::string(body) + std::string(stamp));
  if (!SameBytes(Lower(digest), expected)) {
    return UsageError("X-Retell-Signature does not match the body",
                      "sign with the Retell API key that has the webhook badge "
                      "(--retell-key-file)");
  }
  return Ok{};
}

std::string SignVapiHmac(std::string_view body, std::string_view secret,
                         std::string_view timestamp) {
  return HmacSha256Hex(secret, std::string(timestamp) + "." + std::string(body));
}

Status VerifyVapi(const http::Request& request, std::string_view secret, int64_t now_ms) {
  if (secret.empty()) return UsageError("no Vapi secret is configured");
  if (auto auth = request.headers.Get("Authorization")) {
    std::string_view v = Trim(*auth);
    if (v.size() > 7 && http::EqualsIgnoreCase(v.substr(0, 7), "Bearer ")) v = Trim(v.substr(7));
    if (SameBytes(v, secret)) return Ok{};
  }
  for (const char* name : {"X-Vapi-Secret", "X-Vapi-Signature"}) {
    if (auto v = request.headers.Get(name); v && SameBytes(Trim(*v), secret)) return Ok{};
  }
  auto sig = request.headers.Get("x-signature");
  if (!sig) {
    return UsageError("the request carries no valid Vapi credential",
                      "set the server credential in Vapi to the secret in --vapi-secret-file "
                      "(Bearer, X-Vapi-Secret or HMAC x-signature)");
  }
  std::string_view stamp = Trim(request.headers.GetOr("x-timestamp", ""));
  auto value = ParseDigits(stamp);
  if (!value) return UsageError("x-signature without a numeric x-timestamp");
  // Seconds or milliseconds since the epoch (ms values have 13 digits today).
  int64_t stamp_ms = *value < 100000000000 ? *value * 1000 : *value;
  if (!Fresh(stamp_ms, now_ms)) {
    return UsageError("x-timestamp is more than 5 minutes from now",
                      "check this machine's clock; a replayed request is refused");
  }
  std::string payload = std::string(stamp) + "." + request.body;
  std::string_view given = Trim(*sig);
  // Vapi's plan offers sha256 (default), sha512 and sha1, hex or base64, with an optional
  // prefix such as "sha256=": each is tried (a digest only matches its own algorithm).
  for (std::string_view prefix : {"sha256=", "sha512=", "sha1="}) {
    if (given.size() > prefix.size() && Lower(given.substr(0, prefix.size())) == prefix) {
      given.remove_prefix(prefix.size());
      break;
    }
  }
  for (const EVP_MD* md : {EVP_sha256(), EVP_sha512(), EVP_sha1()}) {
    std::string raw = HmacRaw(md, secret, payload);
    if (SameBytes(Lower(given), Hex(raw)) || SameBytes(given, Base64(raw))) return Ok{};
  }
  return UsageError("x-signature does not match the body",
                    "use Vapi's HMAC plan (sha256, sha512 or sha1; hex or base64) with payload "
                    "{timestamp}.{body}, headers x-signature and x-timestamp, and the secret in "
                    "--vapi-secret-file");
}

}  // namespace ghl::agents
