#include "test_client.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/strings.h"

namespace berth::api::apitest {

std::string RawResponse::header(const std::string& lowerName) const {
  auto it = headers.find(lowerName);
  return it == headers.end() ? std::string() : it->second;
}

std::unique_ptr<TestClient> TestClient::connect(const std::string& path, int readTimeoutSec) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    return nullptr;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof(addr.sun_path)) {
    ::close(fd);
    return nullptr;
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return nullptr;
  }
  timeval tv{};
  tv.tv_sec = readTimeoutSec;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  return std::unique_ptr<TestClient>(new TestClient(fd));
}

TestClient::~TestClient() { ::close(fd_); }

bool TestClient::send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool TestClient::fill() {
  char tmp[4096];
  while (true) {
    ssize_t n = ::recv(fd_, tmp, sizeof(tmp), 0);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      timedOut_ = true;
      return false;
    }
    if (n <= 0) {
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
}

std::optional<std::string> TestClient::readLine() {
  size_t pos = 0;
  while ((pos = buf_.find("\r\n")) == std::string::npos) {
    if (!fill()) {
      return std::nullopt;
    }
  }
  std::string line = buf_.substr(0, pos);
  buf_.erase(0, pos + 2);
  return line;
}

std::optional<RawResponse> TestClient::readHead() {
  auto statusLine = readLine();
  // "HTTP/1.1 200 OK"
  if (!statusLine || statusLine->size() < 12 || !startsWith(*statusLine, "HTTP/1.")) {
    return std::nullopt;
  }
  RawResponse r;
  r.status = std::stoi(statusLine->substr(9, 3));
  while (true) {
    auto line = readLine();
    if (!line) {
      return std::nullopt;
    }
    if (line->empty()) {
      return r;
    }
    auto colon = line->find(':');
    if (colon == std::string::npos) {
      return std::nullopt;
    }
    r.headers[toLower(line->substr(0, colon))] = std::string(trim(line->substr(colon + 1)));
  }
}

std::optional<std::string> TestClient::readChunk() {
  auto sizeLine = readLine();
  if (!sizeLine) {
    return std::nullopt;
  }
  size_t size = std::stoul(*sizeLine, nullptr, 16);
  std::string data = readExactly(size + 2);
  if (data.size() != size + 2 || data.substr(size) != "\r\n") {
    return std::nullopt;
  }
  data.resize(size);
  return data;
}

std::optional<RawResponse> TestClient::readResponse(bool head) {
  auto r = readHead();
  if (!r) {
    return std::nullopt;
  }
  if (head || r->status / 100 == 1 || r->status == 204 || r->status == 304) {
    return r;
  }
  if (toLower(r->header("transfer-encoding")) == "chunked") {
    while (true) {
      auto chunk = readChunk();
      if (!chunk) {
        return r;  // the caller checks sawLastChunk
      }
      if (chunk->empty()) {
        r->sawLastChunk = true;
        return r;
      }
      r->body += *chunk;
      r->chunks.push_back(std::move(*chunk));
    }
  }
  std::string len = r->header("content-length");
  if (!len.empty()) {
    size_t n = std::stoul(len);
    r->body = readExactly(n);
    if (r->body.size() != n) {
      return std::nullopt;
    }
    return r;
  }
  // Neither length nor chunks: the body runs to the end of the connection.
  while (fill()) {
  }
  r->body = std::move(buf_);
  buf_.clear();
  return r;
}

std::string TestClient::readSome(size_t n) {
  if (buf_.empty() && !fill()) {
    return {};
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, out.size());
  return out;
}

std::string TestClient::readExactly(size_t n) {
  while (buf_.size() < n) {
    if (!fill()) {
      break;
    }
  }
  std::string out = buf_.substr(0, n);
  buf_.erase(0, out.size());
  return out;
}

bool TestClient::waitForEof() {
  buf_.clear();
  while (fill()) {
    buf_.clear();
  }
  return !timedOut_;
}

void TestClient::shutdownWrite() { ::shutdown(fd_, SHUT_WR); }

std::string httpRequest(std::string_view method, std::string_view target,
                        std::string_view extraHeaders, std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: berth\r\n");
  out.append(extraHeaders);
  if (!body.empty()) {
    out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
  }
  out.append("\r\n").append(body);
  return out;
}

}  // namespace berth::api::apitest
