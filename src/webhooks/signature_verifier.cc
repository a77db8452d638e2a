// Webhook signature verification with OpenSSL EVP over the exact received bytes.
#include "ghl/webhooks/signature_verifier.h"

#include <openssl/err.h>

#include "openssl_util.h"

namespace ghl::webhooks {

using internal::PkeyPtr;

struct SignatureVerifier::Keys {
  PkeyPtr ed25519;
  PkeyPtr rsa;
  std::optional<std::chrono::system_clock::time_point> rsa_cutoff_utc;
};

std::chrono::system_clock::time_point DefaultRsaCutoffUtc() {
  using namespace std::chrono;
  return sys_days{year{2026} / July / 1};
}

std::string_view ToString(VerifyOutcome outcome) {
  switch (outcome) {
    case VerifyOutcome::kAcceptedEd25519: return "accepted_ed25519";
    case VerifyOutcome::kAcceptedRsa: return "accepted_rsa";
    case VerifyOutcome::kNoSignature: return "no_signature";
    case VerifyOutcome::kBadEncoding: return "bad_encoding";
    case VerifyOutcome::kBadSignature: return "bad_signature";
    case VerifyOutcome::kRsaAfterCutoff: return "rsa_after_cutoff";
    case VerifyOutcome::kNoKey: return "no_key";
  }
  return "unknown";
}

Result<SignatureVerifier> SignatureVerifier::Create(VerifierOptions options) {
  auto keys = std::make_shared<Keys>();
  if (!options.ed25519_public_key.empty()) {
    auto key = internal::ParsePublicKey(options.ed25519_public_key, "Ed25519 public key");
    if (!key.ok()) return key.error();
    if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_ED25519) {
      return UsageError("the Ed25519 public key is not an Ed25519 key",
                        "Configure the key GHL (or the sandbox) publishes for X-GHL-Signature.");
    }
    keys->ed25519 = std::move(*key);
  }
  if (!options.rsa_public_key.empty()) {
    auto key = internal::ParsePublicKey(options.rsa_public_key, "RSA public key");
    if (!key.ok()) return key.error();
    if (EVP_PKEY_get_base_id(key->get()) != EVP_PKEY_RSA) {
      return UsageError("the RSA public key is not an RSA key",
                        "Configure the key GHL publishes for x-wh-signature.");
    }
    keys->rsa = std::move(*key);
  }
  keys->rsa_cutoff_utc = options.rsa_cutoff_utc;
  return SignatureVerifier(std::move(keys));
}

SignatureVerifier::SignatureVerifier(std::shared_ptr<const Keys> keys) : keys_(std::move(keys)) {}

bool SignatureVerifier::has_ed25519_key() const { return keys_->ed25519 != nullptr; }
bool SignatureVerifier::has_rsa_key() const { return keys_->rsa != nullptr; }

namespace {

Verification Refuse(VerifyOutcome outcome, std::string reason) {
  return Verification{false, outcome, std::move(reason)};
}

// One-shot EVP verification; `md` is null for Ed25519 (it hashes internally).
bool VerifyWith(EVP_PKEY* key, const EVP_MD* md, std::string_view signature,
                std::string_view body) {
  internal::MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx) return false;
  bool ok = EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                             signature.size(),
                             reinterpret_cast<const unsigned char*>(body.data()),
                             body.size()) == 1;
  ERR_clear_error();
  return ok;
}

bool Present(const std::optional<std::string_view>& v) { return v.has_value() && !v->empty(); }

}  // namespace

Verification SignatureVerifier::Verify(std::string_view raw_body, const http::Headers& headers,
                                       std::chrono::system_clock::time_point now) const {
  auto ed = headers.Get(kEd25519SignatureHeader);
  auto rsa = headers.Get(kRsaSignatureHeader);
  std::optional<std::string_view> ed_view, rsa_view;
  if (ed) ed_view = *ed;
  if (rsa) rsa_view = *rsa;
  return Verify(raw_body, ed_view, rsa_view, now);
}

Verification SignatureVerifier::Verify(std::string_view raw_body,
                                       std::optional<std::string_view> ed25519_signature,
                                       std::optional<std::string_view> rsa_signature,
                                       std::chrono::system_clock::time_point now) const {
  if (Present(ed25519_signature)) {
    // Ed25519 decides whenever its header is present; the RSA header is then ignored.
    if (!keys_->ed25519) {
      return Refuse(VerifyOutcome::kNoKey,
                    "X-GHL-Signature present but no Ed25519 public key is configured");
    }
    auto sig = internal::Base64Decode(*ed25519_signature);
    if (!sig) return Refuse(VerifyOutcome::kBadEncoding, "X-GHL-Signature is not valid base64");
    if (sig->size() != 64) {
      return Refuse(VerifyOutcome::kBadEncoding,
                    "X-GHL-Signature decodes to " + std::to_string(sig->size()) +
                        " bytes; an Ed25519 signature has 64");
    }
    if (!VerifyWith(keys_->ed25519.get(), nullptr, *sig, raw_body)) {
      return Refuse(VerifyOutcome::kBadSignature,
                    "X-GHL-Signature does not verify with the configured Ed25519 key "
                    "(wrong key, tampered body or forged)");
    }
    return Verification{true, VerifyOutcome::kAcceptedEd25519, "X-GHL-Signature verified"};
  }
  if (Present(rsa_signature)) {
    if (keys_->rsa_cutoff_utc && now >= *keys_->rsa_cutoff_utc) {
      return Refuse(VerifyOutcome::kRsaAfterCutoff,
                    "only x-wh-signature (legacy RSA) present, and RSA-only deliveries are no "
                    "longer accepted after the configured cutoff");
    }
    if (!keys_->rsa) {
      return Refuse(VerifyOutcome::kNoKey,
                    "x-wh-signature present but no RSA public key is configured");
    }
    auto sig = internal::Base64Decode(*rsa_signature);
    if (!sig) return Refuse(VerifyOutcome::kBadEncoding, "x-wh-signature is not valid base64");
    if (sig->size() != static_cast<size_t>(EVP_PKEY_get_size(keys_->rsa.get()))) {
      return Refuse(VerifyOutcome::kBadEncoding,
                    "x-wh-signature decodes to " + std::to_string(sig->size()) +
                        " bytes; the configured RSA key signs " +
                        std::to_string(EVP_PKEY_get_size(keys_->rsa.get())) + " bytes");
    }
    if (!VerifyWith(keys_->rsa.get(), EVP_sha256(), *sig, raw_body)) {
      return Refuse(VerifyOutcome::kBadSignature,
                    "x-wh-signature does not verify with the configured RSA key "
                    "(wrong key, tampered body or forged)");
    }
    return Verification{true, VerifyOutcome::kAcceptedRsa, "x-wh-signature verified"};
  }
  return Refuse(VerifyOutcome::kNoSignature,
                "no X-GHL-Signature or x-wh-signature header: unsigned deliveries are refused");
}

}  // namespace ghl::webhooks
