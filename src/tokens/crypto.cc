// AES-256-GCM sealing of token values, and the key's parsing and fingerprint.
#include "crypto.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <sys/stat.h>

#include <cctype>
#include <fstream>
#include <memory>
#include <sstream>

namespace ghl::tokens {
namespace internal {
namespace {

constexpr size_t kNonce = 12;
constexpr size_t kTag = 16;
constexpr std::string_view kPrefix = "v1:";

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* U(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

}  // namespace

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(bytes),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Unbase64(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  for (char c : text) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=')) {
      return std::nullopt;
    }
  }
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()), U(text),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  size_t pad = text.back() == '=' ? (text[text.size() - 2] == '=' ? 2 : 1) : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

std::string Seal(const TokenKey& key, std::string_view plain, std::string_view aad) {
  if (plain.empty()) return {};
  std::string buf(kNonce + plain.size() + kTag, '\0');
  auto* p = reinterpret_cast<unsigned char*>(buf.data());
  if (RAND_bytes(p, kNonce) != 1) std::abort();  // no randomness: never reuse a nonce
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) &&
      EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), p) &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) &&
      EVP_EncryptUpdate(ctx.get(), p + kNonce, &len, U(plain), static_cast<int>(plain.size())) &&
      EVP_EncryptFinal_ex(ctx.get(), p + kNonce + len, &len) &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTag, p + kNonce + plain.size());
  if (!ok) std::abort();  // AES-GCM with a valid key cannot fail short of a broken OpenSSL
  return std::string(kPrefix) + Base64(buf);
}

std::optional<std::string> Open(const TokenKey& key, std::string_view sealed,
                                std::string_view aad) {
  if (sealed.empty()) return std::string();
  if (sealed.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  auto raw = Unbase64(sealed.substr(kPrefix.size()));
  if (!raw || raw->size() < kNonce + kTag) return std::nullopt;
  size_t n = raw->size() - kNonce - kTag;
  auto* p = reinterpret_cast<unsigned char*>(raw->data());
  std::string plain(n, '\0');
  Ctx ctx(EVP_CIPHER_CTX_new());
  int len = 0;
  bool ok = ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, nullptr, nullptr) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, kNonce, nullptr) &&
            EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.bytes().data(), p) &&
            EVP_DecryptUpdate(ctx.get(), nullptr, &len, U(aad), static_cast<int>(aad.size())) &&
            EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()), &len,
                              p + kNonce, static_cast<int>(n)) &&
            EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTag, p + kNonce + n) &&
            EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data()) + len,
                                &len) > 0;
  if (!ok) return std::nullopt;
  return plain;
}

}  // namespace internal

TokenKey::TokenKey(std::array<uint8_t, 32> bytes) : bytes_(bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(bytes_.data(), bytes_.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 4; ++i) {
    id_ += kHex[digest[i] >> 4];
    id_ += kHex[digest[i] & 0xF];
  }
}

Result<TokenKey> ParseTokenKey(std::string_view text, std::string_view source) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  std::array<uint8_t, 32> bytes{};
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() == 64) {
    bool ok = true;
    for (size_t i = 0; i < 32 && ok; ++i) {
      int hi = hex(text[2 * i]), lo = hex(text[2 * i + 1]);
      ok = hi >= 0 && lo >= 0;
      bytes[i] = static_cast<uint8_t>(hi * 16 + lo);
    }
    if (ok) return TokenKey(bytes);
  }
  if (auto raw = internal::Unbase64(text); raw && raw->size() == 32) {
    std::copy(raw->begin(), raw->end(), bytes.begin());
    return TokenKey(bytes);
  }
  return UsageError(std::string(source) + " is not a 32-byte key (" + std::to_string(text.size()) +
                        " characters given)",
                    "Give 64 hex digits or base64 of 32 bytes; make one with "
                    "`openssl rand -hex 32`.");
}

Result<TokenKey> ReadTokenKeyFile(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return UsageError("token key file " + path + " cannot be read (missing?)",
                      "Create it with `openssl rand -hex 32 > " + path + " && chmod 600 " + path +
                          "`, or set GHL_TOKEN_KEY.");
  }
  if ((st.st_mode & 077) != 0) {
    return UsageError("token key file " + path + " is readable by group or others",
                      "Run `chmod 600 " + path + "`: the key opens every stored token.");
  }
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  if (!in) return UsageError("token key file " + path + " cannot be read");
  return ParseTokenKey(text.str(), "token key file " + path);
}

Result<TokenKey> LoadTokenKey(std::string_view env_value, const std::string& key_file) {
  if (!env_value.empty()) return ParseTokenKey(env_value, "GHL_TOKEN_KEY");
  if (!key_file.empty()) return ReadTokenKeyFile(key_file);
  return UsageError("no token key: the token store is encrypted and needs its key",
                    "Set GHL_TOKEN_KEY to 64 hex digits (make one with `openssl rand -hex 32`) "
                    "or pass --key-file FILE (mode 0600). Keep it: without it the stored "
                    "tokens cannot be opened.");
}

std::string GenerateTokenKeyHex() {
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) std::abort();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : raw) {
    out += kHex[c >> 4];
    out += kHex[c & 0xF];
  }
  return out;
}

}  // namespace ghl::tokens
