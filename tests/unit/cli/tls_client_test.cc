// The client over TLS: certificates made here with OpenSSL, a one-thread TLS
// responder on 127.0.0.1 (port 0), verification on and off, a client certificate.
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
#include <string>
#include <thread>

#include "cli/api_client.h"
#include "test_server.h"

namespace berth::cli {
namespace {

// A self-signed P-256 certificate for localhost and 127.0.0.1, written as PEM files.
struct CertFiles {
  std::string cert;
  std::string key;
};

CertFiles makeCert(const std::string& dir, const std::string& name) {
  EVP_PKEY* pkey = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -60);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_set_pubkey(x, pkey);
  X509_NAME* subject = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(name.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, subject);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair{NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1"},
                            std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  X509_sign(x, pkey, EVP_sha256());
  CertFiles files{dir + "/" + name + "-cert.pem", dir + "/" + name + "-key.pem"};
  FILE* f = std::fopen(files.cert.c_str(), "w");
  EXPECT_EQ(PEM_write_X509(f, x), 1);
  EXPECT_EQ(std::fclose(f), 0);
  f = std::fopen(files.key.c_str(), "w");
  EXPECT_EQ(PEM_write_PrivateKey(f, pkey, nullptr, nullptr, 0, nullptr, nullptr), 1);
  EXPECT_EQ(std::fclose(f), 0);
  X509_free(x);
  EVP_PKEY_free(pkey);
  return files;
}

// Serves connections one at a time: TLS handshake, then each request gets a
// small JSON reply (and /_ping an API-Version header).
class TlsServer {
 public:
  TlsServer(const CertFiles& server, const std::string& clientCa) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SSL_CTX_use_certificate_file(ctx_, server.cert.c_str(), SSL_FILETYPE_PEM);
    SSL_CTX_use_PrivateKey_file(ctx_, server.key.c_str(), SSL_FILETYPE_PEM);
    if (!clientCa.empty()) {
      SSL_CTX_load_verify_locations(ctx_, clientCa.c_str(), nullptr);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
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
  ~TlsServer() {
    ::shutdown(fd_, SHUT_RDWR);
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }
  int handled() const { return handled_.load(); }

 private:
  void serve() {
    while (true) {
      int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (conn < 0) {
        return;
      }
      SSL* ssl = SSL_new(ctx_);
      SSL_set_fd(ssl, conn);
      if (SSL_accept(ssl) == 1) {
        std::string buf;
        char tmp[4096];
        while (true) {
          size_t end = buf.find("\r\n\r\n");
          if (end == std::string::npos) {
            int n = SSL_read(ssl, tmp, sizeof tmp);
            if (n <= 0) {
              break;
            }
            buf.append(tmp, static_cast<size_t>(n));
            continue;
          }
          bool ping = buf.rfind("GET /_ping ", 0) == 0;
          buf.erase(0, end + 4);
          std::string body = ping ? "OK" : R"({"Version":"tls"})";
          std::string reply = "HTTP/1.1 200 OK\r\n" +
                              std::string(ping ? "API-Version: 1.44\r\n" : "") +
                              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
          SSL_write(ssl, reply.data(), static_cast<int>(reply.size()));
          ++handled_;
        }
      }
      SSL_free(ssl);
      ::close(conn);
    }
  }

  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<int> handled_{0};
  std::thread thread_;
};

ApiClient::Options tlsOptions(const std::string& host, uint16_t port, TlsSettings tls) {
  ApiClient::Options opts;
  opts.host.scheme = DaemonHost::Scheme::kTcp;
  opts.host.host = host;
  opts.host.port = port;
  opts.tls = std::move(tls);
  return opts;
}

class TlsClientTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  CertFiles server_ = makeCert(dir_.path(), "server");
  CertFiles other_ = makeCert(dir_.path(), "other");
  CertFiles client_ = makeCert(dir_.path(), "client");
};

TEST_F(TlsClientTest, VerifiesTheDaemonCertificate) {
  TlsServer server(server_, "");
  for (const char* host : {"localhost", "127.0.0.1"}) {
    auto client =
        ApiClient::create(tlsOptions(host, server.port(), {true, true, server_.cert, "", ""}));
    ASSERT_TRUE(client.ok()) << client.error().message();
    auto reply = (*client)->call("GET", "/version");
    ASSERT_TRUE(reply.ok()) << host << ": " << reply.error().message();
    EXPECT_EQ(reply->body, R"({"Version":"tls"})");
  }
}

TEST_F(TlsClientTest, RefusesAnUntrustedDaemon) {
  TlsServer server(server_, "");
  auto client =
      ApiClient::create(tlsOptions("localhost", server.port(), {true, true, other_.cert, "", ""}));
  ASSERT_TRUE(client.ok());
  auto reply = (*client)->call("GET", "/version");
  ASSERT_FALSE(reply.ok());
  EXPECT_EQ(
      reply.error().message().rfind("error during connect: TLS handshake with tcp://localhost:", 0),
      0u)
      << reply.error().message();

  // --tls without --tlsverify does not check the certificate.
  auto insecure =
      ApiClient::create(tlsOptions("localhost", server.port(), {true, false, "", "", ""}));
  ASSERT_TRUE(insecure.ok());
  EXPECT_TRUE((*insecure)->call("GET", "/version").ok());
}

TEST_F(TlsClientTest, PresentsAClientCertificate) {
  TlsServer server(server_, client_.cert);
  {
    // Scoped: the server serves one connection at a time, and this one is kept alive.
    auto withCert = ApiClient::create(tlsOptions(
        "localhost", server.port(), {true, true, server_.cert, client_.cert, client_.key}));
    ASSERT_TRUE(withCert.ok()) << withCert.error().message();
    auto reply = (*withCert)->call("GET", "/version");
    ASSERT_TRUE(reply.ok()) << reply.error().message();
  }
  auto without =
      ApiClient::create(tlsOptions("localhost", server.port(), {true, true, server_.cert, "", ""}));
  ASSERT_TRUE(without.ok());
  EXPECT_FALSE((*without)->call("GET", "/version").ok());
}

TEST_F(TlsClientTest, BadKeyFilesFailAtCreation) {
  auto onlyCert =
      ApiClient::create(tlsOptions("localhost", 1, {true, true, server_.cert, client_.cert, ""}));
  EXPECT_FALSE(onlyCert.ok());
  auto missingCa = ApiClient::create(
      tlsOptions("localhost", 1, {true, true, dir_.path() + "/nope.pem", "", ""}));
  ASSERT_FALSE(missingCa.ok());
  EXPECT_EQ(missingCa.error().message().rfind("could not read CA certificate", 0), 0u);
}

}  // namespace
}  // namespace berth::cli
