// Webhook signing (sandbox and tests) with OpenSSL EVP.
#include "ghl/webhooks/signer.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <stdexcept>

#include "ghl/webhooks/signature_verifier.h"
#include "openssl_util.h"

namespace ghl::webhooks {

using internal::PkeyPtr;

struct WebhookSigner::Key {
  PkeyPtr pkey;
  SignatureAlgorithm algorithm;
};

WebhookSigner::WebhookSigner(std::shared_ptr<const Key> key) : key_(std::move(key)) {}

namespace {

Error InternalError(std::string what) {
  Error e;
  e.kind = ErrorKind::kInternal;
  e.messages.push_back(std::move(what) + ": " + internal::OpenSslError());
  return e;
}

struct BioDeleter {
  void operator()(BIO* b) const { BIO_free(b); }
};
using BioPtr = std::unique_ptr<BIO, BioDeleter>;

std::string BioToString(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, len > 0 ? static_cast<size_t>(len) : 0);
}

}  // namespace

Result<WebhookSigner> WebhookSigner::GenerateEd25519() {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  if (pkey == nullptr) return InternalError("Ed25519 key generation failed");
  return WebhookSigner(std::make_shared<Key>(Key{PkeyPtr(pkey), SignatureAlgorithm::kEd25519}));
}

Result<WebhookSigner> WebhookSigner::GenerateRsa(int bits) {
  EVP_PKEY* pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(bits));
  if (pkey == nullptr) return InternalError("RSA key generation failed");
  return WebhookSigner(std::make_shared<Key>(Key{PkeyPtr(pkey), SignatureAlgorithm::kRsaSha256}));
}

Result<WebhookSigner> WebhookSigner::FromPrivateKeyPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) return InternalError("BIO allocation failed");
  PkeyPtr pkey(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  if (!pkey) {
    ERR_clear_error();
    return UsageError("the private key could not be read as an unencrypted PEM private key",
                      "Give a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) Ed25519 or RSA key.");
  }
  switch (EVP_PKEY_get_base_id(pkey.get())) {
    case EVP_PKEY_ED25519:
      return WebhookSigner(std::make_shared<Key>(Key{std::move(pkey), SignatureAlgorithm::kEd25519}));
    case EVP_PKEY_RSA:
      return WebhookSigner(
          std::make_shared<Key>(Key{std::move(pkey), SignatureAlgorithm::kRsaSha256}));
    default:
      return UsageError("the private key is neither Ed25519 nor RSA",
                        "Webhook signatures use Ed25519 (X-GHL-Signature) or RSA (x-wh-signature).");
  }
}

SignatureAlgorithm WebhookSigner::algorithm() const { return key_->algorithm; }

std::string_view WebhookSigner::HeaderName() const {
  return key_->algorithm == SignatureAlgorithm::kEd25519 ? kEd25519SignatureHeader
                                                         : kRsaSignatureHeader;
}

std::string WebhookSigner::Sign(std::string_view body) const {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  const EVP_MD* md = key_->algorithm == SignatureAlgorithm::kEd25519 ? nullptr : EVP_sha256();
  size_t len = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(body.data());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key_->pkey.get()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data, body.size()) != 1) {
    // Only reachable on allocation failure: a loaded key always signs.
    throw std::runtime_error("webhook signing failed: " + internal::OpenSslError());
  }
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(sig.data()), &len, data,
                     body.size()) != 1) {
    throw std::runtime_error("webhook signing failed: " + internal::OpenSslError());
  }
  sig.resize(len);
  return internal::Base64Encode(sig);
}

std::string WebhookSigner::PublicKeyBase64() const {
  unsigned char* der = nullptr;
  int len = i2d_PUBKEY(key_->pkey.get(), &der);
  if (len <= 0) return {};
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
  OPENSSL_free(der);
  return internal::Base64Encode(out);
}

std::string WebhookSigner::PublicKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key_->pkey.get()) != 1) return {};
  return BioToString(bio.get());
}

std::string WebhookSigner::PrivateKeyPem() const {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PrivateKey(bio.get(), key_->pkey.get(), nullptr, nullptr, 0, nullptr,
                                       nullptr) != 1) {
    return {};
  }
  return BioToString(bio.get());
}

}  // namespace ghl::webhooks
