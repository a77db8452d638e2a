// ghl::phone over libphonenumber. Its headers (protobuf, abseil) stay in this file so that no
// other translation unit pays for them.
#include "ghl/phone/phone.h"

#include <phonenumbers/phonenumberutil.h>

namespace ghl::phone {
namespace {

using i18n::phonenumbers::PhoneNumberUtil;

Error NotANumber(std::string_view text, std::string why) {
  return UsageError("phone '" + std::string(text) + "' " + std::move(why),
                    "give the number with its country code, e.g. +15125550123 or "
                    "+44 20 7946 0958");
}

// "00 44 …" → "+44 …" when the region dials abroad with another prefix and no national
// number starts with 0 (NANP: the US, Canada and the Caribbean dial 011).
std::string WithInternationalPrefix(std::string_view text, int region_code) {
  std::string s(text);
  size_t i = s.find_first_not_of(" \t");
  if (region_code == 1 && i != std::string::npos && s.compare(i, 2, "00") == 0) {
    s.replace(i, 2, "+");
  }
  return s;
}

}  // namespace

Result<PhoneNumber> Parse(std::string_view text, std::string_view default_region) {
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::string region(default_region);
  int region_code = util.GetCountryCodeForRegion(region);
  if (region_code == 0) {
    return UsageError("default region '" + region + "' is not a region libphonenumber knows",
                      "give an ISO 3166-1 alpha-2 code such as US, GB or DE");
  }
  i18n::phonenumbers::PhoneNumber number;
  switch (util.Parse(WithInternationalPrefix(text, region_code), region, &number)) {
    case PhoneNumberUtil::NO_PARSING_ERROR:
      break;
    case PhoneNumberUtil::INVALID_COUNTRY_CODE_ERROR:
      return NotANumber(text, "has a country code that does not exist");
    case PhoneNumberUtil::TOO_SHORT_AFTER_IDD:
    case PhoneNumberUtil::TOO_SHORT_NSN:
      return NotANumber(text, "is too short to be a phone number");
    case PhoneNumberUtil::TOO_LONG_NSN:
      return NotANumber(text, "is too long to be a phone number");
    default:
      return NotANumber(text, "is not a phone number");
  }
  switch (util.IsPossibleNumberWithReason(number)) {
    case PhoneNumberUtil::IS_POSSIBLE:
      break;
    case PhoneNumberUtil::IS_POSSIBLE_LOCAL_ONLY:
      return NotANumber(text, "is a local number without its area code");
    case PhoneNumberUtil::INVALID_COUNTRY_CODE:
      return NotANumber(text, "has a country code that does not exist");
    case PhoneNumberUtil::TOO_SHORT:
      return NotANumber(text, "is too short for a number of its country");
    case PhoneNumberUtil::TOO_LONG:
      return NotANumber(text, "is too long for a number of its country");
    default:
      return NotANumber(text, "has a length no number of its country has");
  }
  PhoneNumber out;
  util.Format(number, PhoneNumberUtil::E164, &out.e164);
  out.calling_code = std::to_string(number.country_code());
  util.GetRegionCodeForNumber(number, &out.region);
  out.extension = number.extension();
  out.valid = util.IsValidNumber(number);
  return out;
}

}  // namespace ghl::phone
