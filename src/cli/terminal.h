// The controlling terminal as attach, run -t and exec -t need it: raw mode
// for stdin (restored however the command ends) and the window size.
#pragma once

#include <memory>
#include <optional>
#include <utility>

#include "common/result.h"

namespace berth::cli {

bool isTerminal(int fd);

// {height, width} of the terminal on `fd`, or nullopt when it is none.
std::optional<std::pair<int, int>> terminalSize(int fd);

// Puts a terminal into raw mode (moby/term MakeRaw) and restores the saved
// state on restore() or destruction, whichever comes first.
class RawTerminal {
 public:
  static Result<std::unique_ptr<RawTerminal>> enable(int fd);
  ~RawTerminal();
  RawTerminal(const RawTerminal&) = delete;
  RawTerminal& operator=(const RawTerminal&) = delete;

  void restore();

 private:
  struct Saved;
  RawTerminal(int fd, std::unique_ptr<Saved> saved);
  int fd_;
  std::unique_ptr<Saved> saved_;
};

}  // namespace berth::cli
