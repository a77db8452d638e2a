/// \file
/// Small text helpers shared by modules that suggest "did you mean" corrections.
#pragma once

#include <cstddef>
#include <string_view>

namespace ghl {

/// Levenshtein distance between `a` and `b` in bytes (insert, delete, substitute each cost 1).
/// Case-sensitive; callers lower-case first when case should not count. O(|a|·|b|) time.
size_t EditDistance(std::string_view a, std::string_view b);

}  // namespace ghl
