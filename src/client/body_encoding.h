// The request body in the media type the operation declares (catalog `body_media_type`): JSON
// as is, form-urlencoded for the OAuth token endpoints, multipart/form-data for uploads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ghl/client/request.h"
#include "ghl/core/result.h"

namespace ghl::client {

inline constexpr std::string_view kJsonMediaType = "application/json";
inline constexpr std::string_view kFormMediaType = "application/x-www-form-urlencoded";
inline constexpr std::string_view kMultipartMediaType = "multipart/form-data";

/// A body ready to send and its Content-Type header value ("" = send no Content-Type).
struct EncodedBody {
  std::string content_type;
  std::string body;
};

/// Encodes `json_body` (JSON text or "") and `files` as `media_type` ("" or unknown → JSON).
/// A body that is not a JSON object is sent as given with `media_type`. kUsage errors: files for
/// a non-multipart operation; a JSON body nested deeper than ghl::kMaxJsonDepth.
/// `boundary` is the multipart boundary to use (random in production, fixed in tests).
Result<EncodedBody> EncodeBody(std::string_view media_type, const std::string& json_body,
                               const std::vector<FilePart>& files, std::string_view boundary);

/// A fresh random multipart boundary ("ghlkit-" + 32 hex digits).
std::string NewMultipartBoundary();

}  // namespace ghl::client
