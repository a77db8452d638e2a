#include "ghl/client/location_fill.h"

#include <nlohmann/json.hpp>

#include "ghl/core/json_depth.h"

namespace ghl::client {
namespace {

bool IsLocationName(std::string_view name) { return name == "locationId" || name == "location_id"; }

bool QueryHasValue(const QueryParams& query, std::string_view name) {
  for (const auto& [k, v] : query) {
    if (k == name && !v.empty()) return true;
  }
  return false;
}

}  // namespace

std::vector<LocationSlot> LocationSlots(const catalog::Endpoint& endpoint) {
  std::vector<LocationSlot> slots;
  for (const auto& p : endpoint.parameters) {
    if (!IsLocationName(p.name)) continue;
    if (p.in == catalog::ParamIn::kPath) {
      slots.push_back({LocationSlot::In::kPath, std::string(p.name)});
    } else if (p.in == catalog::ParamIn::kQuery) {
      slots.push_back({LocationSlot::In::kQuery, std::string(p.name)});
    }
  }
  for (const auto& f : endpoint.body_fields) {
    if (IsLocationName(f.name)) slots.push_back({LocationSlot::In::kBody, std::string(f.name)});
  }
  return slots;
}

std::string FindLocationId(const ApiRequest& request,
                           const std::vector<std::pair<std::string, std::string>>& path_params) {
  for (const auto& [k, v] : path_params) {
    if (IsLocationName(k) && !v.empty()) return v;
  }
  for (const auto& [k, v] : request.query) {
    if (IsLocationName(k) && !v.empty()) return v;
  }
  if (!request.body.empty()) {
    auto doc = ghl::ParseJsonBounded(request.body);
    if (doc.is_object()) {
      for (const char* key : {"locationId", "location_id"}) {
        auto it = doc.find(key);
        if (it != doc.end() && it->is_string() && !it->get<std::string>().empty()) {
          return it->get<std::string>();
        }
      }
    }
  }
  return {};
}

std::vector<std::string> FillLocation(const catalog::Endpoint& endpoint,
                                      std::string_view location_id, ApiRequest& request) {
  std::vector<std::string> filled;
  if (location_id.empty()) return filled;
  nlohmann::json body;
  bool body_parsed = false;
  bool body_changed = false;
  for (const auto& slot : LocationSlots(endpoint)) {
    if (slot.in == LocationSlot::In::kQuery) {
      if (!QueryHasValue(request.query, slot.name)) {
        request.query.emplace_back(slot.name, std::string(location_id));
        filled.push_back(slot.name);
      }
    } else if (slot.in == LocationSlot::In::kBody) {
      if (!body_parsed) {
        body =
            request.body.empty() ? nlohmann::json::object() : ghl::ParseJsonBounded(request.body);
        body_parsed = true;
      }
      if (!body.is_object()) continue;
      auto it = body.find(slot.name);
      if (it == body.end() || it->is_null() ||
          (it->is_string() && it->get_ref<const std::string&>().empty())) {
        body[slot.name] = location_id;
        body_changed = true;
        filled.push_back(slot.name);
      }
    }
  }
  if (body_changed) request.body = body.dump();
  return filled;
}

}  // namespace ghl::client
