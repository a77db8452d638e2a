// Built-in enrichment rules: phones through ghl::phone (libphonenumber) and a free-mail domain
// list.
#include "ghl/enrich/rules.h"

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include "ghl/phone/phone.h"

namespace ghl::enrich {
namespace {

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
  auto parsed = phone::Parse(phone);
  if (!parsed.ok()) return parsed.error();
  if (!parsed->valid) {
    return UsageError("phone '" + std::string(phone) + "' (" + parsed->e164 +
                          ") is not a number its country's numbering plan assigns",
                      "check the digits and the country code (libphonenumber's metadata)");
  }
  PhoneInfo info;
  info.e164 = std::move(parsed->e164);
  info.calling_code = std::move(parsed->calling_code);
  info.region = std::move(parsed->region);
  info.extension = std::move(parsed->extension);
  return info;
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
