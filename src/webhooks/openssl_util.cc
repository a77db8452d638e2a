#include "openssl_util.h"

#include <openssl/decoder.h>
#include <openssl/err.h>

#include <cctype>

namespace ghl::webhooks::internal {

std::string Base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<size_t>(n));
  return out;
}

std::optional<std::string> Base64Decode(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  size_t padding = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '=') {
      // Padding only in the last two positions, and nothing but padding after it.
      if (i + 2 < text.size()) return std::nullopt;
      ++padding;
    } else if (padding > 0 || !(std::isalnum(c) || c == '+' || c == '/')) {
      return std::nullopt;
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0 || static_cast<size_t>(n) < padding) return std::nullopt;
  // EVP_DecodeBlock counts the bytes the padding stands for; drop them.
  out.resize(static_cast<size_t>(n) - padding);
  return out;
}

std::string OpenSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(code, buf, sizeof buf);
  return buf;
}

namespace {

PkeyPtr Decode(std::string_view bytes, const char* input_type) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(
      &pkey, input_type, nullptr, nullptr, EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  if (dctx == nullptr) return PkeyPtr();
  const unsigned char* data = reinterpret_cast<const unsigned char*>(bytes.data());
  size_t len = bytes.size();
  int ok = OSSL_DECODER_from_data(dctx, &data, &len);
  OSSL_DECODER_CTX_free(dctx);
  if (ok != 1) {
    EVP_PKEY_free(pkey);
    ERR_clear_error();
    return PkeyPtr();
  }
  return PkeyPtr(pkey);
}

}  // namespace

Result<PkeyPtr> ParsePublicKey(std::string_view text, std::string_view what) {
  PkeyPtr key;
  if (text.find("-----BEGIN") != std::string_view::npos) {
    key = Decode(text, "PEM");
  } else if (auto der = Base64Decode(text)) {
    key = Decode(*der, "DER");
  } else {
    return UsageError(std::string(what) + " is neither PEM nor base64",
                      "Give the key as PEM (-----BEGIN PUBLIC KEY-----) or as base64 DER "
                      "SubjectPublicKeyInfo.");
  }
  if (!key) {
    return UsageError(std::string(what) + " could not be read as a public key",
                      "Check that the whole key was copied, including the BEGIN/END lines.");
  }
  return key;
}

}  // namespace ghl::webhooks::internal
