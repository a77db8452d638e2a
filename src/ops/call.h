// Private helpers of the ops module: one read and one write path to the client, and JSON access.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "ghl/ops/context.h"

namespace ghl::ops::internal {

using nlohmann::json;

/// The location of `ctx`, else the client's default.
std::string LocationOf(const Context& ctx);
/// `request` sent for ctx's location; the parsed body.
Result<json> Read(const Context& ctx, client::ApiRequest request);
/// Runs ctx.before_write, then sends like Read.
Result<json> Write(const Context& ctx, client::ApiRequest request);
/// Sends `request` with Write and returns the object in GHL's `envelope` (Unwrap: {"contact":
/// {…}} → the contact). kInternal error (Malformed) "<METHOD> <path> answered without
/// <missing>" when that object has no string `id`: GHL said it created something it did not
/// name. Errors of the call itself are returned as they are.
Result<json> WriteCreated(const Context& ctx, client::ApiRequest request, std::string_view envelope,
                          std::string missing);
/// The string at `key`, or "" when absent or not a string.
std::string Str(const json& obj, std::string_view key);
/// `answer[key]` when it is an object (GHL's {"contact":{…}} envelope), else `answer`.
json Unwrap(const json& answer, std::string_view key);
/// `answer[key]` when it is an array, else [].
json ArrayAt(const json& answer, std::string_view key);
/// kInternal error "<what> answered without <missing>".
Error Malformed(std::string what, std::string missing);
/// Lower-cased ASCII copy.
std::string Lower(std::string_view s);

}  // namespace ghl::ops::internal
