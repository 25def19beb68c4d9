// Result<T>: a value or an Error, shaped like std::expected (C++23) so that the
// switch is mechanical once the toolchain has it. No exception crosses a module.
#pragma once

#include <cassert>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "common/error.h"

namespace berth {

// Wraps an Error so that `return Unexpected(err)` reads like std::unexpected.
struct Unexpected {
  explicit Unexpected(Error e) : error(std::move(e)) {}
  Error error;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : v_(std::in_place_index<1>, std::move(u.error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    assert(!ok());
    return std::get<1>(v_);
  }
  Error&& error() && {
    assert(!ok());
    return std::get<1>(std::move(v_));
  }

  T valueOr(T fallback) const& { return ok() ? value() : std::move(fallback); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)
  Result(Unexpected u) : error_(std::move(u.error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& {
    assert(!ok());
    return *error_;
  }
  Error&& error() && {
    assert(!ok());
    return std::move(*error_);
  }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

inline Status okStatus() { return {}; }

}  // namespace berth

// Propagates an error from an expression returning Result<...>: evaluates to nothing.
#define BERTH_TRY(expr)                                      \
  do {                                                       \
    auto berth_try_result_ = (expr);                         \
    if (!berth_try_result_.ok()) {                           \
      return ::berth::Unexpected(std::move(berth_try_result_).error()); \
    }                                                        \
  } while (false)

// Declares `decl` from the value of a Result, or returns its error.
// NOLINTBEGIN(bugprone-macro-parentheses): `decl` is a declaration, it cannot be parenthesized.
#define BERTH_ASSIGN_OR_RETURN_IMPL(tmp, decl, expr)   \
  auto tmp = (expr);                                   \
  if (!tmp.ok()) {                                     \
    return ::berth::Unexpected(std::move(tmp).error()); \
  }                                                    \
  decl = std::move(tmp).value()
// NOLINTEND(bugprone-macro-parentheses)
#define BERTH_CONCAT_INNER(a, b) a##b
#define BERTH_CONCAT(a, b) BERTH_CONCAT_INNER(a, b)
#define BERTH_ASSIGN_OR_RETURN(decl, expr) \
  BERTH_ASSIGN_OR_RETURN_IMPL(BERTH_CONCAT(berth_result_, __LINE__), decl, expr)
