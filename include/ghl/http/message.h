/// \file
/// Our own HTTP request/response types. The client transport (libcurl) and the server
/// (Boost.Beast) both convert to and from these, so no curl or Beast type leaks into the
/// rest of the code and handlers are plain functions testable without sockets.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ghl::http {

/// Ordered, case-insensitive multimap of header fields (HTTP field names are
/// case-insensitive; order is kept for display).
class Headers {
 public:
  using Field = std::pair<std::string, std::string>;

  /// First value of `name` (case-insensitive), or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  /// First value of `name`, or `fallback`.
  std::string GetOr(std::string_view name, std::string_view fallback) const;
  bool Has(std::string_view name) const { return Get(name).has_value(); }
  /// Replaces every field called `name` with one field.
  void Set(std::string_view name, std::string_view value);
  /// Appends a field (keeps existing ones of the same name).
  void Add(std::string_view name, std::string_view value);
  /// Removes every field called `name`.
  void Remove(std::string_view name);

  const std::vector<Field>& fields() const { return fields_; }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<Field> fields_;
};

/// True when `a` and `b` are equal ignoring ASCII case.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

/// An HTTP request. On the client side `target` is an absolute URL
/// ("https://services.leadconnectorhq.com/contacts/search?x=1"); on the server side it is the
/// request-target as received ("/contacts/search?x=1").
struct Request {
  std::string method;  ///< Upper case: GET, POST, PUT, PATCH, DELETE.
  std::string target;
  Headers headers;
  std::string body;     ///< Raw bytes, exactly as sent or received.
  std::string remote;   ///< Server side: peer address "ip:port"; empty on the client side.

  /// Server side: the path part of `target` (before '?'), not percent-decoded.
  std::string_view Path() const;
  /// Server side: the raw query string (after '?', without it), or empty.
  std::string_view Query() const;
};

/// An HTTP response.
struct Response {
  int status = 0;
  Headers headers;
  std::string body;
};

/// Splits a query string into (name, value) pairs, percent-decoding both ('+' is a space).
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view query);
/// Percent-encodes `s` for use as a query component (RFC 3986 unreserved kept as is).
std::string UrlEncode(std::string_view s);
/// Decodes %XX escapes (and '+' as space when `plus_is_space`).
std::string UrlDecode(std::string_view s, bool plus_is_space = true);
/// Reason phrase for a status code ("Not Found"), or "" if unknown.
std::string_view ReasonPhrase(int status);

}  // namespace ghl::http
