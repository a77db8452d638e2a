// Private helpers of the carriers module: crypto (OpenSSL EVP: base64, Ed25519 verify of raw
// bytes with a raw/SPKI/PEM public key, MD5 hex) and JSON field access.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace ghl::carriers::internal {

/// Standard base64 (padded) decode; nullopt for malformed input.
std::optional<std::string> Base64Decode(std::string_view text);
/// Standard base64 (padded).
std::string Base64Encode(std::string_view bytes);
/// Verifies an Ed25519 `signature` (raw 64 bytes) over `message` with `public_key`: base64 of
/// the 32 raw bytes, base64 DER SPKI, or PEM. nullopt when the key is unreadable.
std::optional<bool> Ed25519Verify(std::string_view public_key, std::string_view message,
                                  std::string_view signature);
/// True when `public_key` is a readable Ed25519 public key in one of those forms.
bool IsEd25519PublicKey(std::string_view public_key);
/// Lower-case hex MD5 of `bytes`.
std::string Md5Hex(std::string_view bytes);
/// The string at `key` of object `j`, or "" when absent or not a string.
std::string Str(const nlohmann::json& j, std::string_view key);

}  // namespace ghl::carriers::internal
