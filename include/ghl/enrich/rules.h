/// \file
/// The built-in enrichment rules of `ghl enrich` (cookbook 3.x, nightly batch): a phone number
/// to E.164 and its region, an email's domain to a company name.
///
/// Phones are parsed, validated, formatted and placed by ghl::phone (Google's libphonenumber),
/// the parser ops' exact lookups use too.
#pragma once

#include <string>
#include <string_view>

#include "ghl/core/result.h"

namespace ghl::enrich {

/// A phone number normalised and placed.
struct PhoneInfo {
  std::string e164;          ///< "+15125550123".
  std::string calling_code;  ///< "1", "44", "353" …
  std::string region;        ///< ISO 3166-1 alpha-2 country ("US", "CA", "GB" …).
  std::string extension;     ///< "45" for "… ext. 45"; "" when none (E.164 has no extension).
};

/// `phone` → E.164, region and extension (ghl::phone::Parse; a number without a country code is
/// read as North American). kUsage error naming the phone when it is not a number, its length
/// fits no number of its country, or it is not in a range its country's numbering plan assigns
/// (libphonenumber's IsValidNumber): such a number is not enriched.
Result<PhoneInfo> ParsePhone(std::string_view phone);

/// The company guessed from `email`'s domain: "jane@acme-widgets.co.uk" → "Acme Widgets";
/// "" for free-mail and ISP domains (gmail.com, outlook.com, yahoo.*, …) and for text that is
/// not an email.
std::string CompanyFromEmail(std::string_view email);

}  // namespace ghl::enrich
