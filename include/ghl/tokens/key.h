/// \file
/// The token store's encryption key: 32 bytes for AES-256-GCM, given as 64 hex digits or as
/// standard base64 (44 characters with padding), from `GHL_TOKEN_KEY` or a key file that only
/// its owner may read (mode 0600 or stricter). The library never reads the environment itself:
/// programs pass the variable's value in.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::tokens {

/// A 32-byte AES-256 key. Never printed; `id()` is a short fingerprint safe to show.
class TokenKey {
 public:
  /// The raw key bytes.
  explicit TokenKey(std::array<uint8_t, 32> bytes);
  const std::array<uint8_t, 32>& bytes() const { return bytes_; }
  /// First 8 hex digits of SHA-256 over the key: names a key in messages without revealing it.
  const std::string& id() const { return id_; }

 private:
  std::array<uint8_t, 32> bytes_;
  std::string id_;
};

/// Parses 64 hex digits or base64 of exactly 32 bytes (surrounding whitespace ignored).
/// kUsage error naming `source` ("GHL_TOKEN_KEY", a file path) and the accepted forms; the
/// error never quotes the text.
Result<TokenKey> ParseTokenKey(std::string_view text, std::string_view source);

/// Reads a key file: refuses (kUsage) a file readable or writable by group or others
/// ("chmod 600 FILE"), a missing file, or content ParseTokenKey refuses.
Result<TokenKey> ReadTokenKeyFile(const std::string& path);

/// The key from `env_value` (the value of GHL_TOKEN_KEY, may be empty) or else `key_file`
/// (may be empty). kUsage "no token key" naming both ways and how to make a key
/// (`openssl rand -hex 32`) when neither is given.
Result<TokenKey> LoadTokenKey(std::string_view env_value, const std::string& key_file);

/// A fresh random key as 64 hex digits (for `ghl tokens rotate-key --new-key-file` and tests).
std::string GenerateTokenKeyHex();

}  // namespace ghl::tokens
