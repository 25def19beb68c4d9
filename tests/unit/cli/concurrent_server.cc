#include "concurrent_server.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace berth::cli::testing {

namespace {

// Reads one request (head and Content-Length body) from `fd`, keeping what
// follows in `buf`. False when the peer closed.
bool readRequest(int fd, std::string& buf, Request& req) {
  char tmp[4096];
  size_t end;
  while ((end = buf.find("\r\n\r\n")) == std::string::npos) {
    ssize_t n = ::recv(fd, tmp, sizeof tmp, 0);
    if (n <= 0) {
      return false;
    }
    buf.append(tmp, static_cast<size_t>(n));
  }
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
    std::string line = head.substr(pos, next == std::string::npos ? std::string::npos : next - pos);
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
      return false;
    }
    buf.append(tmp, static_cast<size_t>(n));
  }
  req.body = buf.substr(0, length);
  buf.erase(0, length);
  return true;
}

}  // namespace

ConcurrentServer::ConcurrentServer(Handler handler) : handler_(std::move(handler)) {
  std::string tmpl = (std::filesystem::temp_directory_path() / "berth-csrv-XXXXXX").string();
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
      ::listen(listenFd_, 16) != 0) {
    throw std::runtime_error("bind/listen failed");
  }
  acceptor_ = std::thread([this] { serve(); });
}

ConcurrentServer::~ConcurrentServer() {
  stopping_ = true;
  ::shutdown(listenFd_, SHUT_RDWR);
  acceptor_.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : fds_) {
      ::shutdown(fd, SHUT_RDWR);
    }
  }
  for (auto& t : threads_) {
    t.join();
  }
  ::close(listenFd_);
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

std::vector<Request> ConcurrentServer::requests() const {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

std::vector<std::string> ConcurrentServer::calls() const {
  std::vector<std::string> out;
  for (const Request& r : requests()) {
    std::string path = r.target.substr(0, r.target.find('?'));
    if (path.rfind("/v1.", 0) == 0) {
      path = path.substr(path.find('/', 1));
    }
    if (path != "/_ping") {
      out.push_back(r.method + " " + path);
    }
  }
  return out;
}

bool ConcurrentServer::waitFor(std::string_view needle) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(5), [&] {
    for (const Request& r : requests_) {
      if (r.target.find(needle) != std::string::npos) {
        return true;
      }
    }
    return false;
  });
}

void ConcurrentServer::serve() {
  while (!stopping_) {
    int fd = ::accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    fds_.push_back(fd);
    threads_.emplace_back([this, fd] {
      serveConnection(fd);
      ::shutdown(fd, SHUT_RDWR);
    });
  }
}

void ConcurrentServer::serveConnection(int fd) {
  std::string buf;
  while (!stopping_) {
    Request req;
    if (!readRequest(fd, buf, req)) {
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(req);
    }
    cv_.notify_all();
    if (!handler_(fd, req)) {
      return;
    }
  }
}

void writeUpgradeHead(int fd, std::string_view contentType) {
  writeAll(fd, "HTTP/1.1 101 UPGRADED\r\nContent-Type: " + std::string(contentType) +
                   "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
}

std::string stdcopyFrame(int stream, std::string_view payload) {
  std::string out(8, '\0');
  out[0] = static_cast<char>(stream);
  auto n = static_cast<uint32_t>(payload.size());
  out[4] = static_cast<char>((n >> 24) & 0xFF);
  out[5] = static_cast<char>((n >> 16) & 0xFF);
  out[6] = static_cast<char>((n >> 8) & 0xFF);
  out[7] = static_cast<char>(n & 0xFF);
  return out + std::string(payload);
}

}  // namespace berth::cli::testing
