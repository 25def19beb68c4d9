// Network-namespace helpers. Work inside another namespace always runs on a
// fresh, dedicated thread that enters the namespace, runs the work and exits,
// so no thread (least of all a pooled one) is ever left in the wrong namespace.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "common/result.h"
#include "kernel/unique_fd.h"

namespace berth {

// Opens a network namespace file (/run/netns/NAME, /proc/PID/ns/net, a bind
// mount under the exec root). Fails with invalid-argument if `path` is not a
// network namespace, not-found if it does not exist.
Result<UniqueFd> openNetns(const std::string& path);

// Opens the network namespace of the calling thread (not of the process).
Result<UniqueFd> openCurrentNetns();

namespace detail {

// Runs `body` on a new thread that first setns()es into `nsFd`, or unshare()s
// a new network namespace when `nsFd` is empty; joins it and returns the
// entry error or body's Status. Exceptions from body become internal errors.
Status runOnNetnsThread(std::optional<int> nsFd, const std::function<Status()>& body);

template <typename T>
struct NetnsResultOf {
  using type = Result<T>;
};
template <typename T>
struct NetnsResultOf<Result<T>> {
  using type = Result<T>;
};
template <>
struct NetnsResultOf<void> {
  using type = Status;
};

template <typename Fn>
using NetnsResult = typename NetnsResultOf<std::invoke_result_t<Fn&>>::type;

template <typename Fn>
NetnsResult<Fn> runOnNetnsThreadTyped(std::optional<int> nsFd, Fn& fn) {
  using R = std::invoke_result_t<Fn&>;
  if constexpr (std::is_void_v<R>) {
    return runOnNetnsThread(nsFd, [&fn]() -> Status {
      fn();
      return okStatus();
    });
  } else if constexpr (std::is_same_v<R, Status>) {
    return runOnNetnsThread(nsFd, [&fn]() -> Status { return fn(); });
  } else {
    std::optional<NetnsResult<Fn>> out;
    Status entered = runOnNetnsThread(nsFd, [&fn, &out]() -> Status {
      out.emplace(fn());
      return okStatus();
    });
    if (!entered.ok()) {
      return Unexpected(std::move(entered).error());
    }
    return std::move(*out);
  }
}

}  // namespace detail

// Runs `fn()` in the network namespace `nsFd` (which stays owned by the caller)
// on a dedicated thread and returns what it returned: a Result<T> or Status is
// passed through, a plain T becomes Result<T>, void becomes Status. Blocks the
// caller until fn is done. fn may capture by reference.
template <typename Fn>
detail::NetnsResult<Fn> runInNetns(int nsFd, Fn&& fn) {
  if (nsFd < 0) {
    return Unexpected(invalidArgument("runInNetns: no namespace file descriptor"));
  }
  return detail::runOnNetnsThreadTyped(std::optional<int>(nsFd), fn);
}

// Like runInNetns, in a brand-new empty network namespace (only a down `lo`)
// that disappears once fn is done, unless fn kept a handle to it (e.g. opened
// it with openCurrentNetns()).
template <typename Fn>
detail::NetnsResult<Fn> runInNewNetns(Fn&& fn) {
  return detail::runOnNetnsThreadTyped(std::nullopt, fn);
}

}  // namespace berth
