#include "cli/terminal.h"

#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>

namespace berth::cli {

struct RawTerminal::Saved {
  termios state{};
};

bool isTerminal(int fd) { return ::isatty(fd) == 1; }

std::optional<std::pair<int, int>> terminalSize(int fd) {
  winsize ws{};
  if (::ioctl(fd, TIOCGWINSZ, &ws) != 0) {
    return std::nullopt;
  }
  return std::make_pair(static_cast<int>(ws.ws_row), static_cast<int>(ws.ws_col));
}

Result<std::unique_ptr<RawTerminal>> RawTerminal::enable(int fd) {
  auto saved = std::make_unique<Saved>();
  if (::tcgetattr(fd, &saved->state) != 0) {
    return systemError("tcgetattr", errno);
  }
  termios raw = saved->state;
  raw.c_iflag &= ~static_cast<tcflag_t>(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR |
                                        ICRNL | IXON);
  raw.c_oflag &= ~static_cast<tcflag_t>(OPOST);
  raw.c_lflag &= ~static_cast<tcflag_t>(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
  raw.c_cflag &= ~static_cast<tcflag_t>(CSIZE | PARENB);
  raw.c_cflag |= CS8;
  raw.c_cc[VMIN] = 1;
  raw.c_cc[VTIME] = 0;
  if (::tcsetattr(fd, TCSANOW, &raw) != 0) {
    return systemError("tcsetattr", errno);
  }
  return std::unique_ptr<RawTerminal>(new RawTerminal(fd, std::move(saved)));
}

RawTerminal::RawTerminal(int fd, std::unique_ptr<Saved> saved)
    : fd_(fd), saved_(std::move(saved)) {}

RawTerminal::~RawTerminal() { restore(); }

void RawTerminal::restore() {
  if (saved_) {
    ::tcsetattr(fd_, TCSANOW, &saved_->state);
    saved_.reset();
  }
}

}  // namespace berth::cli
