// Tiny "{placeholder}" templates for SMS, notes and opportunity names.
#pragma once

#include <initializer_list>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace ghl::automations {

/// `text` with every "{name}" replaced by vars[name]; unknown names are left as written.
std::string Render(std::string_view text, const std::map<std::string, std::string>& vars);

/// The placeholder names in `text` that are not in `allowed`, in order of appearance.
std::vector<std::string> UnknownPlaceholders(std::string_view text,
                                             const std::vector<std::string_view>& allowed);

}  // namespace ghl::automations
