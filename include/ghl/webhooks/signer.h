/// \file
/// Signs webhook bodies the way GHL does, for the sandbox (which signs its own webhooks with
/// its own Ed25519 key and publishes the public half) and for tests. Ed25519 signatures go in
/// `X-GHL-Signature`; RSA-SHA256 (PKCS#1 v1.5) signatures go in the legacy `x-wh-signature`.
/// Signatures are base64 (standard alphabet, padded) over the exact body bytes.
///
/// A `WebhookSigner` holds a private key: never log `PrivateKeyPem()`. Immutable and safe to
/// share between threads. OpenSSL (EVP) does all cryptography.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::webhooks {

/// The signature algorithm of a signer.
enum class SignatureAlgorithm {
  kEd25519,    ///< Ed25519 (header `X-GHL-Signature`).
  kRsaSha256,  ///< RSA PKCS#1 v1.5 with SHA-256 (legacy header `x-wh-signature`).
};

/// A private key that signs webhook bodies.
class WebhookSigner {
 public:
  /// A fresh random Ed25519 key (the sandbox's default). Errors only if OpenSSL fails.
  static Result<WebhookSigner> GenerateEd25519();
  /// A fresh random RSA key of `bits` bits (tests of the legacy header). Slow for big keys.
  static Result<WebhookSigner> GenerateRsa(int bits = 2048);
  /// Loads an unencrypted PKCS#8 PEM private key ("-----BEGIN PRIVATE KEY-----"), Ed25519 or
  /// RSA. kUsage error when it is unreadable or another key type.
  static Result<WebhookSigner> FromPrivateKeyPem(std::string_view pem);

  SignatureAlgorithm algorithm() const;
  /// The header this signer's signature belongs in: "X-GHL-Signature" or "x-wh-signature".
  std::string_view HeaderName() const;

  /// Base64 signature of exactly `body`.
  std::string Sign(std::string_view body) const;

  /// Public key as base64 DER SubjectPublicKeyInfo (the form GHL publishes its Ed25519 key in;
  /// accepted by `VerifierOptions`).
  std::string PublicKeyBase64() const;
  /// Public key as PEM ("-----BEGIN PUBLIC KEY-----").
  std::string PublicKeyPem() const;
  /// Private key as unencrypted PKCS#8 PEM, to persist it (file mode 0600). Secret.
  std::string PrivateKeyPem() const;

 private:
  struct Key;
  explicit WebhookSigner(std::shared_ptr<const Key> key);
  std::shared_ptr<const Key> key_;
};

}  // namespace ghl::webhooks
