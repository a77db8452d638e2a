/// \file
/// Parsing of `ghl api` arguments, kept in the library so it is unit-tested (model: `gh api`):
/// - `-f key=value`: a string field, taken as is.
/// - `-F key=value`: a typed field: `true`, `false`, `null`; JSON numbers (RFC 8259 syntax, so
///   "0123", "+1", ".5" and "1." stay strings); inline JSON arrays, objects and quoted strings
///   (`["a","b"]`, `{"a":1}`); `@file` reads a file and `@-` standard input (content parsed as
///   JSON when it is JSON, else kept as a string); anything else is a string. For an upload
///   operation (multipart/form-data) `-F key=@file` sends the file itself (TakeFileFields).
///   JSON nested deeper than ghl::kMaxJsonDepth is a kUsage error naming where.
/// - Numbers keep the value as written. nlohmann::json holds an int64, a uint64 or a double,
///   not the text, so: a number written without a '.' whose value is an integer that fits in
///   64 bits is sent as that integer (`42`, `1e3` → 1000, `1500e-2` → 15: an integer never
///   becomes a float such as 1000.0); a number written with a '.' (or a non-integral or larger
///   exponent form) is sent as the shortest text that reads back as the same double (`1.50` →
///   1.5, `1.0` → 1.0, `2.5e2` → 250.0, `1e20` → 1e+20). An integer literal beyond 64 bits,
///   and a number beyond a double's range, are kUsage errors that suggest `-f` for a string.
/// - Keys may nest: `a[b]=c` → {"a":{"b":"c"}}, `tags[]=x` → {"tags":["x"]} (body only; in a
///   query string the key is sent as written).
/// - Fields go into the query string for GET and DELETE (and HEAD, for library callers), and
///   into the JSON body otherwise — or into the query string when the body comes from `--input`.
/// - `-H 'Name: value'` adds a request header.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ghl/client/request.h"
#include "ghl/core/result.h"

namespace ghl::client {

/// One `-f` / `-F` argument.
struct FieldArg {
  std::string key;     ///< As written, e.g. "filters[0][field]" or "pageLimit".
  std::string value;   ///< Raw text after the first '='.
  bool typed = false;  ///< From -F (typed) rather than -f (string).
};

/// Reads the file at `path` ("-" = standard input) for `@file` values. kUsage error naming the
/// file when it cannot be read.
using FileReader = std::function<Result<std::string>(const std::string& path)>;

/// The real reader (ReadUserFile; std::cin for "-").
FileReader DefaultFileReader();

/// The bytes of the file at `path` a user named. kUsage errors (never an exception) naming
/// the path and the cause: no such file, a directory, unreadable (permissions), a read error.
Result<std::string> ReadUserFile(const std::string& path);

/// The `{name}` placeholders of `path`, in order ("/contacts/{contactId}" → {"contactId"}).
std::vector<std::string> PathPlaceholders(std::string_view path);

/// Fills the placeholders of `path` from the fields of the same name, as `gh api` does
/// (`ghl api GET '/contacts/{contactId}' -f contactId=ID`): each such field is taken out of
/// `fields` (so it is not also sent as a query parameter or body field) and returned as a
/// (name, value) path parameter (numbers and booleans as their JSON text). `{locationId}` /
/// `{location_id}` without a field is left to the location id when `location_known`.
/// kUsage errors: a placeholder without a field (the message names it, the hint shows
/// `-f name=VALUE`), an empty value, an object/array/null value.
Result<std::vector<std::pair<std::string, std::string>>> TakePathFields(
    std::string_view path, std::vector<FieldArg>& fields, const FileReader& reader,
    bool location_known);

/// Splits "key=value" at the first '='. kUsage error when there is no '=' or the key is empty
/// (message quotes the argument and names -f/-F).
Result<FieldArg> ParseFieldArg(std::string_view arg, bool typed);

/// The JSON value of a field: a string for -f; the typed conversion above for -F. kUsage error
/// for an unreadable @file or malformed inline JSON.
Result<nlohmann::json> FieldValue(const FieldArg& field, const FileReader& reader);

/// Where parsed fields go.
struct PlacedFields {
  QueryParams query;  ///< Query parameters (values as text: JSON scalars without quotes).
  std::string body;   ///< JSON object text, or "" when no field went into the body.
};

/// Places `fields` for `method` (upper case): query for GET/DELETE/HEAD or when
/// `body_from_input`, else one JSON object body with nested keys expanded. kUsage errors from
/// FieldValue, for conflicting keys ("a=1" and "a[b]=2"), or for a body key or string value
/// that is not UTF-8 (the message names the field and the byte offset).
Result<PlacedFields> PlaceFields(const std::vector<FieldArg>& fields, std::string_view method,
                                 bool body_from_input, const FileReader& reader);

/// For a `multipart/form-data` operation (uploads): takes every `-F key=@file` out of
/// `fields` and returns it as a file part (field `key`, the file's base name, a content type
/// guessed from its extension, its bytes); the other fields stay and become text parts.
/// kUsage error naming the file when it cannot be read.
Result<std::vector<FilePart>> TakeFileFields(std::vector<FieldArg>& fields,
                                             const FileReader& reader);

/// Content type for a file name by its extension ("logo.PNG" → "image/png"), else
/// "application/octet-stream".
std::string_view GuessContentType(std::string_view filename);

/// Parses a `-H 'Name: value'` argument. kUsage error when there is no ':' or the name is
/// empty or contains spaces.
Result<std::pair<std::string, std::string>> ParseHeaderArg(std::string_view arg);

/// The methods `ghl api` takes, as shown in its --help and usage errors: exactly those of GHL's
/// API v2 operations (the catalog has no HEAD or OPTIONS operation, so a HEAD would match no
/// endpoint, get no spec Version and be answered 404).
inline constexpr std::string_view kApiMethods = "GET, POST, PUT, PATCH, DELETE";

/// Upper-cases and checks an HTTP method against kApiMethods. kUsage error naming them
/// otherwise (for HEAD, the hint suggests GET with -i for the status and headers).
Result<std::string> ParseMethod(std::string_view method);

}  // namespace ghl::client
