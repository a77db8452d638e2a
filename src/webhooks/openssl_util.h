// Private OpenSSL helpers shared by the verifier and the signer: owning pointers, strict
// base64, public key parsing. OpenSSL types stay inside src/webhooks.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::webhooks::internal {

struct PkeyDeleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
};
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

/// Standard base64 with padding, no line breaks.
std::string Base64Encode(std::string_view bytes);

/// Strict standard base64 (surrounding ASCII whitespace trimmed, padding required, no inner
/// whitespace); nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);

/// Parses a public key from PEM (SPKI or PKCS#1 RSA) or base64 DER (SPKI or PKCS#1).
/// `what` names the key in error messages ("Ed25519 public key").
Result<PkeyPtr> ParsePublicKey(std::string_view text, std::string_view what);

/// The last OpenSSL error as text (clears the queue), or "unknown OpenSSL error".
std::string OpenSslError();

}  // namespace ghl::webhooks::internal
