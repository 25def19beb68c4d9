// ApiClient::hijack over TLS: a reader and a writer on two threads share one SSL
// object, and closeWrite sends close_notify while the daemon may still answer.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <string>
#include <thread>

#include "cli/api_client.h"
#include "test_server.h"

namespace berth::cli {
namespace {

// A self-signed certificate for 127.0.0.1; returns {cert, key} PEM paths.
std::pair<std::string, std::string> makeCert(const std::string& dir) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("berthd"), -1, -1, 0);
  X509_set_issuer_name(x, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  X509_EXTENSION* san = X509V3_EXT_conf_nid(nullptr, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
  X509_add_ext(x, san, -1);
  X509_EXTENSION_free(san);
  X509_sign(x, pkey, EVP_sha256());
  std::pair<std::string, std::string> files{dir + "/cert.pem", dir + "/key.pem"};
  FILE* f = std::fopen(files.first.c_str(), "w");
  PEM_write_X509(f, x);
  std::fclose(f);
  f = std::fopen(files.second.c_str(), "w");
  PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return files;
}

// One TLS connection: answers /_ping-less hijack requests with 101 and a
// greeting, echoes until our close_notify, then says bye and closes.
class TlsEchoDaemon {
 public:
  explicit TlsEchoDaemon(const std::pair<std::string, std::string>& cert) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_file(ctx_, cert.first.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx_, cert.second.c_str(), SSL_FILETYPE_PEM);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len), 0);
    EXPECT_EQ(::listen(fd_, 4), 0);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~TlsEchoDaemon() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }
  bool sawCloseNotify() const { return closeNotify_; }

 private:
  void serve() {
    int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (conn < 0) {
      return;
    }
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, conn);
    if (SSL_accept(ssl) == 1) {
      std::string buf;
      char tmp[4096];
      while (buf.find("\r\n\r\n") == std::string::npos) {
        int n = SSL_read(ssl, tmp, sizeof tmp);
        if (n <= 0) {
          break;
        }
        buf.append(tmp, static_cast<size_t>(n));
      }
      std::string head =
          "HTTP/1.1 101 UPGRADED\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\nhello;";
      SSL_write(ssl, head.data(), static_cast<int>(head.size()));
      while (true) {
        int n = SSL_read(ssl, tmp, sizeof tmp);
        if (n <= 0) {
          closeNotify_ = SSL_get_error(ssl, n) == SSL_ERROR_ZERO_RETURN;
          break;
        }
        SSL_write(ssl, tmp, n);
      }
      SSL_write(ssl, ";bye", 4);
      SSL_shutdown(ssl);
    }
    SSL_free(ssl);
    ::close(conn);
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> closeNotify_{false};
};

TEST(TlsHijackTest, BothDirectionsAndHalfCloseOverTls) {
  testing::TempDir dir;
  auto cert = makeCert(dir.path());
  TlsEchoDaemon daemon(cert);
  ApiClient::Options opts;
  opts.host.scheme = DaemonHost::Scheme::kTcp;
  opts.host.host = "127.0.0.1";
  opts.host.port = daemon.port();
  opts.tls.enabled = true;
  opts.tls.verify = true;
  opts.tls.caFile = cert.first;
  opts.apiVersion = "1.44";
  auto client = ApiClient::create(opts);
  ASSERT_TRUE(client.ok()) << client.error().message();
  auto conn = (*client)->hijack("POST", "/containers/x/attach", {{"stream", "1"}});
  ASSERT_TRUE(conn.ok()) << conn.error().message();

  auto reader = std::async(std::launch::async, [&] {
    std::string out;
    char buf[64];
    while (true) {
      auto n = (*conn)->read(buf, sizeof buf);
      if (!n.ok() || *n == 0) {
        return out;
      }
      out.append(buf, *n);
    }
  });
  std::string sent;
  for (int i = 0; i < 200; ++i) {
    std::string piece = "<" + std::to_string(i) + ">";
    ASSERT_TRUE((*conn)->write(piece).ok());
    sent += piece;
  }
  (*conn)->closeWrite();
  ASSERT_EQ(reader.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(reader.get(), "hello;" + sent + ";bye");
  EXPECT_TRUE(daemon.sawCloseNotify());
}

}  // namespace
}  // namespace berth::cli
