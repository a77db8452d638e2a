/// \file
/// `ghl::Result<T>`: a value or an `ghl::Error` (a small stand-in for C++23 std::expected).
#pragma once

#include <cassert>
#include <utility>
#include <variant>

#include "ghl/core/error.h"

namespace ghl {

/// Holds either a `T` or an `Error`. Check `ok()` before `value()`; `value()` on an error is a
/// programming defect (asserts in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Error error) : data_(std::in_place_index<1>, std::move(error)) {}  // NOLINT: implicit

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { assert(ok()); return std::get<0>(data_); }
  const T& value() const& { assert(ok()); return std::get<0>(data_); }
  T&& value() && { assert(ok()); return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { assert(!ok()); return std::get<1>(data_); }
  Error& error() { assert(!ok()); return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

/// Success-or-error for calls without a value.
struct Ok {};
using Status = Result<Ok>;

}  // namespace ghl
