/// \file
/// Verifies GHL webhook signatures over the exact bytes received, before anything parses them.
///
/// GHL signs every webhook delivery (see GHL's "Webhook Integration Guide" and
/// `docs/oauth/WebhookAuthentication.md` in GHL's API docs repository):
///  - `X-GHL-Signature`: Ed25519 over the raw request body, base64 encoded (64-byte signature).
///  - `x-wh-signature` (legacy): RSA PKCS#1 v1.5 with SHA-256 over the raw body, base64.
///    GHL announced that it is deprecated on 2026-07-01; after a configurable cutoff a
///    delivery that carries only this header is refused.
///
/// Rules (all fail closed): no signature header → refused; a header that is not base64, or
/// whose signature does not verify with the configured key → refused; when both headers are
/// present the Ed25519 one decides and the RSA one is ignored. Nothing here re-serialises JSON:
/// re-serialising changes bytes (`\u00e9` → `é`, `1.50` → `1.5`, spacing) and breaks genuine
/// signatures. OpenSSL (EVP) does all cryptography.
///
/// A `SignatureVerifier` is immutable after creation and safe to share between threads.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/core/result.h"
#include "ghl/http/message.h"

namespace ghl::webhooks {

/// Header carrying the Ed25519 signature (base64). Header names are case-insensitive.
inline constexpr std::string_view kEd25519SignatureHeader = "X-GHL-Signature";
/// Legacy header carrying the RSA-SHA256 signature (base64).
inline constexpr std::string_view kRsaSignatureHeader = "x-wh-signature";

/// GHL's published Ed25519 webhook public key: DER SubjectPublicKeyInfo, base64.
inline constexpr std::string_view kGhlEd25519PublicKey =
    "MCowBQYDK2VwAyEAi2HR1srL4o18O8BRa7gVJY7G7bupbN3H9AwJrHCDiOg=";

/// GHL's published RSA (4096-bit) webhook public key for `x-wh-signature`, PEM, as published in
/// `docs/oauth/WebhookAuthentication.md` of GHL's API docs repository.
inline constexpr std::string_view kGhlRsaPublicKeyPem =
    "-----BEGIN PUBLIC KEY-----\n"
    "MIICIjANBgkqhkiG9w0BAQEFAAOCAg8AMIICCgKCAgEAokvo/r9tVgcfZ5DysOSC\n"
    "Frm602qYV0MaAiNnX9O8KxMbiyRKWeL9JpCpVpt4XHIcBOK4u3cLSqJGOLaPuXw6\n"
    "dO0t6Q/ZVdAV5Phz+ZtzPL16iCGeK9po6D6JHBpbi989mmzMryUnQJezlYJ3DVfB\n"
    "csedpinheNnyYeFXolrJvcsjDtfAeRx5ByHQmTnSdFUzuAnC9/GepgLT9SM4nCpv\n"
    "uxmZMxrJt5Rw+VUaQ9B8JSvbMPpez4peKaJPZHBbU3OdeCVx5klVXXZQGNHOs8gF\n"
    "3kvoV5rTnXV0IknLBXlcKKAQLZcY/Q9rG6Ifi9c+5vqlvHPCUJFT5XUGG5RKgOKU\n"
    "J062fRtN+rLYZUV+BjafxQauvC8wSWeYja63VSUruvmNj8xkx2zE/Juc+yjLjTXp\n"
    "IocmaiFeAO6fUtNjDeFVkhf5LNb59vECyrHD2SQIrhgXpO4Q3dVNA5rw576PwTzN\n"
    "h/AMfHKIjE4xQA1SZuYJmNnmVZLIZBlQAF9Ntd03rfadZ+yDiOXCCs9FkHibELhC\n"
    "HULgCsnuDJHcrGNd5/Ddm5hxGQ0ASitgHeMZ0kcIOwKDOzOU53lDza6/Y09T7sYJ\n"
    "PQe7z0cvj7aE4B+Ax1ZoZGPzpJlZtGXCsu9aTEGEnKzmsFqwcSsnw3JB31IGKAyk\n"
    "T1hhTiaCeIY/OwwwNUY2yvcCAwEAAQ==\n"
    "-----END PUBLIC KEY-----\n";

/// The default RSA cutoff: 2026-07-01T00:00:00Z, the date GHL's Webhook Integration Guide gives
/// for the end of `x-wh-signature`. After it, a delivery signed only with RSA is refused.
std::chrono::system_clock::time_point DefaultRsaCutoffUtc();

/// Verifier settings; plain struct with GHL's published keys as defaults.
struct VerifierOptions {
  /// Ed25519 public key: PEM ("-----BEGIN PUBLIC KEY-----") or base64 DER SPKI (GHL's form).
  /// Empty: no Ed25519 key, so every `X-GHL-Signature` is refused.
  std::string ed25519_public_key = std::string(kGhlEd25519PublicKey);
  /// RSA public key: PEM (SPKI "PUBLIC KEY" or PKCS#1 "RSA PUBLIC KEY") or base64 DER.
  /// Empty: no RSA key, so every `x-wh-signature` is refused.
  std::string rsa_public_key = std::string(kGhlRsaPublicKeyPem);
  /// UTC instant after which a delivery carrying only `x-wh-signature` is refused.
  /// nullopt: RSA alone is accepted forever (not recommended).
  std::optional<std::chrono::system_clock::time_point> rsa_cutoff_utc = DefaultRsaCutoffUtc();
};

/// Why a delivery was accepted or refused.
enum class VerifyOutcome {
  kAcceptedEd25519,  ///< `X-GHL-Signature` verified with the Ed25519 key.
  kAcceptedRsa,      ///< Only `x-wh-signature` present; it verified with the RSA key.
  kNoSignature,      ///< Neither header present (or both empty).
  kBadEncoding,      ///< The deciding header is not valid base64 or has the wrong length.
  kBadSignature,     ///< Decoded, but does not verify: wrong key, tampered body or forged.
  kRsaAfterCutoff,   ///< Only `x-wh-signature` present and `now` is after the RSA cutoff.
  kNoKey,            ///< The deciding algorithm has no key configured.
};

/// Stable lower-case name of an outcome, e.g. "bad_signature" (for logs and metrics labels).
std::string_view ToString(VerifyOutcome outcome);

/// The verdict on one delivery. `accepted` is true only for the two kAccepted outcomes.
struct Verification {
  bool accepted = false;
  VerifyOutcome outcome = VerifyOutcome::kNoSignature;
  /// One sentence for logs / the 401 body, e.g. "X-GHL-Signature does not verify with the
  /// configured Ed25519 key (wrong key or tampered body)". Never contains key material.
  std::string reason;

  explicit operator bool() const { return accepted; }
};

/// Checks signatures with parsed, immutable keys. Create once, share between threads.
class SignatureVerifier {
 public:
  /// Parses the configured keys. Errors (kUsage) name the key that is unreadable or has the
  /// wrong type (e.g. an RSA key given as the Ed25519 key).
  static Result<SignatureVerifier> Create(VerifierOptions options = {});

  /// Verifies `raw_body` (the exact bytes received) against the signature headers found in
  /// `headers` (names matched case-insensitively). `now` is compared with the RSA cutoff.
  Verification Verify(std::string_view raw_body, const http::Headers& headers,
                      std::chrono::system_clock::time_point now) const;

  /// Same, with the header values given directly (nullopt = header absent).
  Verification Verify(std::string_view raw_body, std::optional<std::string_view> ed25519_signature,
                      std::optional<std::string_view> rsa_signature,
                      std::chrono::system_clock::time_point now) const;

  /// True when an Ed25519 / RSA key is configured.
  bool has_ed25519_key() const;
  bool has_rsa_key() const;

 private:
  struct Keys;
  explicit SignatureVerifier(std::shared_ptr<const Keys> keys);
  std::shared_ptr<const Keys> keys_;
};

}  // namespace ghl::webhooks
