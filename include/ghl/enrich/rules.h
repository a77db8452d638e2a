/// \file
/// The built-in enrichment rules of `ghl enrich` (cookbook 3.x, nightly batch): a phone number
/// to E.164 and its region, an email's domain to a company name.
///
/// Regions come from a small calling-code table (src/enrich/rules.cc), not libphonenumber:
/// Debian packages libphonenumber-dev, but it is not part of this build's dependencies, and a
/// country from the calling code (plus the NANP area code for +1) is all the batch needs. The
/// number is not checked against each country's numbering plan beyond NANP's shape.
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
};

/// `phone` → E.164 (ops::NormalizePhone) and its region. kUsage error naming the phone when it
/// is not a number, its calling code is not in the table, or a +1 number is not 10 digits with
/// an area code and exchange starting 2-9 (NANP).
Result<PhoneInfo> ParsePhone(std::string_view phone);

/// The company guessed from `email`'s domain: "jane@acme-widgets.co.uk" → "Acme Widgets";
/// "" for free-mail and ISP domains (gmail.com, outlook.com, yahoo.*, …) and for text that is
/// not an email.
std::string CompanyFromEmail(std::string_view email);

}  // namespace ghl::enrich
