#include "test_server.h"

#include <fmt/format.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace berth::cli::testing {

namespace {

std::string reasonFor(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 409:
      return "Conflict";
    case 500:
      return "Internal Server Error";
    default:
      return "Status";
  }
}

}  // namespace

void writeAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) {
      return;  // the client went away; the test will notice through the client
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

void writeResponse(int fd, int status, std::string_view body, std::string_view contentType,
                   std::string_view extraHeaders) {
  std::string head = "HTTP/1.1 " + std::to_string(status) + " " + reasonFor(status) + "\r\n";
  if (!body.empty()) {
    head += "Content-Type: " + std::string(contentType) + "\r\n";
  }
  head += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  head += std::string(extraHeaders) + "\r\n";
  writeAll(fd, head + std::string(body));
}

void writeChunkedHead(int fd, int status, std::string_view contentType) {
  writeAll(fd, "HTTP/1.1 " + std::to_string(status) + " " + reasonFor(status) +
                   "\r\nContent-Type: " + std::string(contentType) +
                   "\r\nTransfer-Encoding: chunked\r\n\r\n");
}

void writeChunk(int fd, std::string_view data) {
  writeAll(fd, fmt::format("{:x}\r\n{}\r\n", data.size(), data));
}

void writeLastChunk(int fd) { writeAll(fd, "0\r\n\r\n"); }

TestServer::TestServer(Handler handler) : handler_(std::move(handler)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "berth-srv-XXXXXX").string();
  if (::mkdtemp(tmpl.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  dir_ = tmpl;
  socketPath_ = dir_ + "/berth.sock";
  listenFd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socketPath_.c_str(), sizeof(addr.sun_path) - 1);
  if (::bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::listen(listenFd_, 8) != 0) {
    throw std::runtime_error("bind/listen failed");
  }
  thread_ = std::thread([this] { serve(); });
}

TestServer::~TestServer() {
  stop();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

void TestServer::stop() {
  if (stopping_.exchange(true)) {
    return;
  }
  ::shutdown(listenFd_, SHUT_RDWR);
  int conn = connFd_.load();
  if (conn >= 0) {
    ::shutdown(conn, SHUT_RDWR);
  }
  if (thread_.joinable()) {
    thread_.join();
  }
  ::close(listenFd_);
}

std::vector<Request> TestServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void TestServer::serve() {
  while (!stopping_.load()) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    ++connections_;
    connFd_.store(fd);
    if (stopping_.load()) {
      ::shutdown(fd, SHUT_RDWR);
    }
    serveConnection(fd);
    connFd_.store(-1);
    ::close(fd);
  }
}

void TestServer::serveConnection(int fd) {
  std::string buf;
  char tmp[4096];
  while (true) {
    size_t end;
    while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) {
        return;
      }
      buf.append(tmp, static_cast<size_t>(n));
    }
    Request req;
    std::string head = buf.substr(0, end);
    buf.erase(0, end + 4);
    size_t lineEnd = head.find("\r\n");
    std::string first = head.substr(0, lineEnd);
    size_t sp1 = first.find(' ');
    size_t sp2 = first.find(' ', sp1 + 1);
    req.method = first.substr(0, sp1);
    req.target = first.substr(sp1 + 1, sp2 - sp1 - 1);
    size_t pos = lineEnd == std::string::npos ? head.size() : lineEnd + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      std::string line =
          head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
      size_t colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (char& c : name) {
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        size_t v = line.find_first_not_of(' ', colon + 1);
        req.headers[name] = v == std::string::npos ? "" : line.substr(v);
      }
      pos = next == std::string::npos ? head.size() : next + 2;
    }
    size_t length = 0;
    if (auto it = req.headers.find("content-length"); it != req.headers.end()) {
      length = std::strtoul(it->second.c_str(), nullptr, 10);
    }
    while (buf.size() < length) {
      ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
      if (n <= 0) {
        return;
      }
      buf.append(tmp, static_cast<size_t>(n));
    }
    req.body = buf.substr(0, length);
    buf.erase(0, length);
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    if (!handler_(fd, req)) {
      return;
    }
  }
}

}  // namespace berth::cli::testing
