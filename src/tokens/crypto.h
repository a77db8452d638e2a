// AES-256-GCM for token values (OpenSSL EVP stays inside src/tokens). A sealed value is text:
// "v1:" + base64(12-byte random nonce | ciphertext | 16-byte tag). The associated data binds
// it to its row and column, so a value copied into another row does not decrypt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "ghl/tokens/key.h"

namespace ghl::tokens::internal {

/// Encrypts `plain` ("" stays "": nothing to hide, and empty columns stay recognisable).
std::string Seal(const TokenKey& key, std::string_view plain, std::string_view aad);

/// Decrypts a Seal result; nullopt when the key is wrong, the value was altered or moved, or
/// the text is not a sealed value. "" opens to "".
std::optional<std::string> Open(const TokenKey& key, std::string_view sealed, std::string_view aad);

std::string Base64(std::string_view bytes);
std::optional<std::string> Unbase64(std::string_view text);

}  // namespace ghl::tokens::internal
