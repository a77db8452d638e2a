// Private: the generated table behind ghl::catalog (src/catalog/catalog_data.cc, written by
// tools/gen_catalog.py).
#pragma once

#include <span>
#include <string_view>

#include "ghl/catalog/catalog.h"

namespace ghl::catalog::internal {

/// Every operation in the specs (after the overlay), sorted by service, path, method.
std::span<const Endpoint> GeneratedEndpoints();

}  // namespace ghl::catalog::internal
