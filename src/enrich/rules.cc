// Built-in enrichment rules: a calling-code table (ITU-T E.164 assignments; +1 split by NANP
// area code) and a free-mail domain list.
#include "ghl/enrich/rules.h"

#include <algorithm>
#include <cctype>

#include "ghl/ops/contacts.h"

namespace ghl::enrich {
namespace {

struct Code {
  std::string_view code;
  std::string_view region;
};

// Calling codes are prefix-free, so the one that matches is unique. Shared codes (+7) and
// +1 are refined below. Extend as customers need: a code missing here fails the contact with
// a message naming the code.
constexpr Code kCodes[] = {
    {"7", "RU"},   {"20", "EG"},  {"27", "ZA"},  {"30", "GR"},  {"31", "NL"},  {"32", "BE"},
    {"33", "FR"},  {"34", "ES"},  {"36", "HU"},  {"39", "IT"},  {"40", "RO"},  {"41", "CH"},
    {"43", "AT"},  {"44", "GB"},  {"45", "DK"},  {"46", "SE"},  {"47", "NO"},  {"48", "PL"},
    {"49", "DE"},  {"51", "PE"},  {"52", "MX"},  {"53", "CU"},  {"54", "AR"},  {"55", "BR"},
    {"56", "CL"},  {"57", "CO"},  {"58", "VE"},  {"60", "MY"},  {"61", "AU"},  {"62", "ID"},
    {"63", "PH"},  {"64", "NZ"},  {"65", "SG"},  {"66", "TH"},  {"81", "JP"},  {"82", "KR"},
    {"84", "VN"},  {"86", "CN"},  {"90", "TR"},  {"91", "IN"},  {"92", "PK"},  {"94", "LK"},
    {"98", "IR"},  {"212", "MA"}, {"213", "DZ"}, {"216", "TN"}, {"233", "GH"}, {"234", "NG"},
    {"254", "KE"}, {"255", "TZ"}, {"256", "UG"}, {"351", "PT"}, {"352", "LU"}, {"353", "IE"},
    {"354", "IS"}, {"356", "MT"}, {"357", "CY"}, {"358", "FI"}, {"359", "BG"}, {"370", "LT"},
    {"371", "LV"}, {"372", "EE"}, {"380", "UA"}, {"381", "RS"}, {"385", "HR"}, {"386", "SI"},
    {"420", "CZ"}, {"421", "SK"}, {"852", "HK"}, {"886", "TW"}, {"880", "BD"}, {"961", "LB"},
    {"962", "JO"}, {"965", "KW"}, {"966", "SA"}, {"971", "AE"}, {"972", "IL"}, {"974", "QA"},
};

// NANP (+1) area codes outside the United States.
constexpr Code kNanp[] = {
    {"242", "BS"}, {"246", "BB"}, {"264", "AI"}, {"268", "AG"}, {"284", "VG"}, {"340", "VI"},
    {"345", "KY"}, {"441", "BM"}, {"473", "GD"}, {"649", "TC"}, {"658", "JM"}, {"664", "MS"},
    {"670", "MP"}, {"671", "GU"}, {"684", "AS"}, {"721", "SX"}, {"758", "LC"}, {"767", "DM"},
    {"784", "VC"}, {"787", "PR"}, {"809", "DO"}, {"829", "DO"}, {"849", "DO"}, {"868", "TT"},
    {"869", "KN"}, {"876", "JM"}, {"939", "PR"},
};
constexpr std::string_view kCanada[] = {
    "204", "226", "236", "249", "250", "263", "289", "306", "343", "354", "365",
    "367", "368", "382", "403", "416", "418", "428", "431", "437", "438", "450",
    "468", "474", "506", "514", "519", "548", "579", "581", "584", "587", "604",
    "613", "639", "647", "672", "683", "705", "709", "742", "753", "778", "780",
    "782", "807", "819", "825", "867", "873", "879", "902", "905"};

// Free-mail and ISP domains: their users are people, not companies.
constexpr std::string_view kFreeMail[] = {
    "gmail.com",      "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk",
    "live.com",       "msn.com",        "yahoo.com",   "yahoo.co.uk", "ymail.com",
    "aol.com",        "icloud.com",     "me.com",      "mac.com",     "proton.me",
    "protonmail.com", "gmx.com",        "gmx.de",      "gmx.net",     "web.de",
    "mail.com",       "zoho.com",       "yandex.com",  "yandex.ru",   "mail.ru",
    "qq.com",         "163.com",        "comcast.net", "verizon.net", "att.net",
    "sbcglobal.net",  "btinternet.com", "orange.fr",   "free.fr",     "fastmail.com",
    "hey.com",        "tutanota.com",   "example.com"};

// Second-level labels of two-part public suffixes ("co.uk", "com.au").
constexpr std::string_view kSecondLevel[] = {"co", "com", "org", "net", "ac", "gov", "ltd", "plc"};

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<PhoneInfo> ParsePhone(std::string_view phone) {
  auto e164 = ops::NormalizePhone(phone);
  if (!e164.ok()) return e164.error();
  std::string_view digits(*e164);
  digits.remove_prefix(1);  // "+"
  PhoneInfo info;
  info.e164 = *e164;
  if (digits.front() == '1') {
    std::string_view national = digits.substr(1);
    if (national.size() != 10 || national[0] < '2' || national[3] < '2') {
      return UsageError("phone '" + std::string(phone) + "' is not a valid +1 (NANP) number",
                        "a +1 number has 10 digits after the 1: area code and exchange start "
                        "with 2-9, e.g. +1 512 555 0123");
    }
    info.calling_code = "1";
    std::string_view area = national.substr(0, 3);
    info.region = "US";
    for (const auto& c : kNanp) {
      if (c.code == area) info.region = std::string(c.region);
    }
    if (std::find(std::begin(kCanada), std::end(kCanada), area) != std::end(kCanada)) {
      info.region = "CA";
    }
    return info;
  }
  for (const auto& c : kCodes) {
    if (digits.substr(0, c.code.size()) != c.code) continue;
    info.calling_code = std::string(c.code);
    info.region = std::string(c.region);
    if (c.code == "7" && digits.size() > 1 && (digits[1] == '6' || digits[1] == '7')) {
      info.region = "KZ";
    }
    return info;
  }
  return UsageError("phone '" + std::string(phone) + "' (" + info.e164 +
                        ") has a calling code not in ghl enrich's table",
                    "check the number's country code, or add the code to kCodes in "
                    "src/enrich/rules.cc");
}

std::string CompanyFromEmail(std::string_view email) {
  auto at = email.rfind('@');
  if (at == std::string_view::npos || at == 0) return "";
  std::string domain = Lower(email.substr(at + 1));
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  if (domain.find('.') == std::string::npos) return "";
  if (std::find(std::begin(kFreeMail), std::end(kFreeMail), domain) != std::end(kFreeMail)) {
    return "";
  }
  // Yahoo and others have a domain per country ("yahoo.fr"): skip every such brand.
  for (std::string_view brand : {"yahoo.", "hotmail.", "outlook.", "live.", "gmx."}) {
    if (domain.rfind(brand, 0) == 0) return "";
  }
  // The registrable label: the one before the public suffix ("acme" in "mail.acme.co.uk").
  std::vector<std::string> labels;
  size_t start = 0;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string::npos) dot = domain.size();
    labels.push_back(domain.substr(start, dot - start));
    start = dot + 1;
  }
  if (labels.size() < 2) return "";
  size_t idx = labels.size() - 2;
  if (labels.size() >= 3 && labels.back().size() == 2 &&
      std::find(std::begin(kSecondLevel), std::end(kSecondLevel), labels[idx]) !=
          std::end(kSecondLevel)) {
    idx = labels.size() - 3;
  }
  const std::string& label = labels[idx];
  if (label.empty()) return "";
  // "acme-widgets" → "Acme Widgets".
  std::string out;
  bool word_start = true;
  for (char c : label) {
    if (c == '-' || c == '_') {
      out += ' ';
      word_start = true;
      continue;
    }
    out += word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    word_start = false;
  }
  return out;
}

}  // namespace ghl::enrich
