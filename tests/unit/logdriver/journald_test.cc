// journald: unavailable without its socket; the native protocol to a test listener.
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

#include "logdriver/journald_writer.h"
#include "logdriver/log_writer.h"
#include "../../lib/temp_dir.h"

namespace berth {
namespace {

using testlib::TempDir;

TEST(Journald, UnavailableWithoutSocket) {
  TempDir dir;
  LogWriterConfig cfg;
  cfg.driver = "journald";
  cfg.journaldSocket = dir.file("socket");
  auto w = openLogWriter(cfg);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.error().kind(), ErrorKind::kUnavailable);
  EXPECT_EQ(w.error().message(),
            "journald is not available on this host (no " + dir.file("socket") + ")");
}

TEST(Journald, FieldEncoding) {
  EXPECT_EQ(encodeJournalFields({{"A", "x"}, {"B", "two\nlines"}}),
            std::string("A=x\nB\n\x09\0\0\0\0\0\0\0two\nlines\n", 24));
  EXPECT_EQ(journalFieldName("com.example.app-name"), "COM_EXAMPLE_APP_NAME");
  EXPECT_EQ(journalFieldName("_hidden"), "HIDDEN");
}

TEST(Journald, SendsNativeDatagrams) {
  TempDir dir;
  std::string path = dir.file("socket");
  int fd = ::socket(AF_UNIX, SOCK_DGRAM, 0);
  struct sockaddr_un addr {};
  addr.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  LogWriterConfig cfg;
  cfg.driver = "journald";
  cfg.journaldSocket = path;
  cfg.context.containerId = std::string(64, 'c');
  cfg.context.containerName = "db";
  cfg.context.attrs = {{"app", "x"}};
  auto w = openLogWriter(cfg);
  ASSERT_TRUE(w.ok()) << w.error().message();
  ASSERT_TRUE((*w)->write({LogStream::kStderr, 1, "boom\n"}).ok());
  ASSERT_TRUE((*w)->write({LogStream::kStdout, 1, "part"}).ok());
  char buf[4096];
  ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  ASSERT_GT(n, 0);
  std::string dgram(buf, static_cast<size_t>(n));
  for (const char* field : {"MESSAGE=boom\n", "PRIORITY=3\n", "CONTAINER_ID=cccccccccccc\n",
                            "CONTAINER_NAME=db\n", "CONTAINER_TAG=cccccccccccc\n",
                            "SYSLOG_IDENTIFIER=cccccccccccc\n", "APP=x\n"}) {
    EXPECT_NE(dgram.find(field), std::string::npos) << field << " in " << dgram;
  }
  EXPECT_EQ(dgram.find("CONTAINER_PARTIAL_MESSAGE"), std::string::npos);
  n = ::recv(fd, buf, sizeof(buf), 0);
  dgram.assign(buf, static_cast<size_t>(n));
  EXPECT_NE(dgram.find("MESSAGE=part\n"), std::string::npos);
  EXPECT_NE(dgram.find("PRIORITY=6\n"), std::string::npos);
  EXPECT_NE(dgram.find("CONTAINER_PARTIAL_MESSAGE=true\n"), std::string::npos);
  ::close(fd);
}

}  // namespace
}  // namespace berth
