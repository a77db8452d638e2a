/// \file
/// Phone numbers: the one parser every module uses (ops' exact lookups and writes, the MCP
/// tools and the voice agents through them, the carrier bridge, `ghl enrich`). Backed by
/// Google's libphonenumber (Debian's libphonenumber8): parsing (spaces, punctuation, "00" and
/// "+" prefixes, national prefixes such as the UK's "(0)", vanity letters, extensions),
/// E.164 formatting, the region, and validity against each country's numbering plan.
///
/// The sandbox does not use it: it emulates how GHL stores what it is given (src/sandbox).
#pragma once

#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::phone {

/// A parsed phone number.
struct PhoneNumber {
  std::string e164;          ///< "+15125550123": "+", country code, national number.
  std::string calling_code;  ///< "1", "44", "353" …
  /// ISO 3166-1 alpha-2 region of a number libphonenumber places ("US", "CA", "GB" …);
  /// "ZZ" for a number no region's plan contains (invalid numbers of shared codes such as +1).
  std::string region;
  std::string extension;  ///< "45" for "… ext. 45"; "" when none. Not part of `e164`.
  /// True when the number is in a range its region's numbering plan assigns (libphonenumber's
  /// IsValidNumber, metadata of the installed libphonenumber version). False for a number of
  /// the right length only, such as +1 123 456 7890 (no NANP area code starts with 1).
  bool valid = false;
};

/// Parses `text` as a phone number. A number without "+" or an international prefix is read
/// in `default_region` (ISO 3166-1 alpha-2, "US": 10 digits are a North American number, as
/// are 11 starting with 1); a leading "00" is read as "+" too where the region has no such
/// prefix (NANP: no national number starts with 0). kUsage error naming `text` and the form
/// wanted when it is not a number, its country code is unknown, or its length cannot be a
/// number of that country (too short, too long, or a local number without its area code).
/// Numbers of a possible length are returned with `valid` telling whether the plan assigns
/// them: a lookup can still use them, an enrichment refuses them.
Result<PhoneNumber> Parse(std::string_view text, std::string_view default_region = "US");

}  // namespace ghl::phone
