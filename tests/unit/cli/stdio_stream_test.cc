#include "cli/stdio_stream.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sstream>
#include <thread>

#include "concurrent_server.h"

namespace berth::cli {
namespace {

using testing::stdcopyFrame;

struct Collected {
  std::string out;
  std::string err;
  std::string in;
};

StdcopyDemuxer::Sink collectInto(Collected& c) {
  return [&c](StdStream s, std::string_view payload) {
    (s == StdStream::kStderr ? c.err : s == StdStream::kStdin ? c.in : c.out).append(payload);
    return okStatus();
  };
}

TEST(StdcopyDemuxerTest, SplitsFramesWhateverTheChunkBoundaries) {
  const std::string stream = stdcopyFrame(1, "hello ") + stdcopyFrame(2, "oops\n") +
                             stdcopyFrame(1, "world\n") + stdcopyFrame(1, "") +
                             stdcopyFrame(2, std::string(70000, 'x'));
  // Every way of cutting the stream in two, and byte by byte.
  for (size_t cut = 0; cut <= stream.size(); cut += (cut < 64 ? 1 : 997)) {
    Collected c;
    StdcopyDemuxer demux(collectInto(c));
    ASSERT_TRUE(demux.feed(std::string_view(stream).substr(0, cut)).ok());
    ASSERT_TRUE(demux.feed(std::string_view(stream).substr(cut)).ok());
    EXPECT_EQ(c.out, "hello world\n") << "cut at " << cut;
    EXPECT_EQ(c.err, "oops\n" + std::string(70000, 'x')) << "cut at " << cut;
    EXPECT_FALSE(demux.midFrame());
  }
  Collected c;
  StdcopyDemuxer demux(collectInto(c));
  for (char ch : stream) {
    ASSERT_TRUE(demux.feed(std::string_view(&ch, 1)).ok());
  }
  EXPECT_EQ(c.out, "hello world\n");
  EXPECT_EQ(c.err.size(), 70005u);
}

TEST(StdcopyDemuxerTest, ReportsAPartialFrame) {
  Collected c;
  StdcopyDemuxer demux(collectInto(c));
  std::string frame = stdcopyFrame(1, "abcdef");
  ASSERT_TRUE(demux.feed(frame.substr(0, 5)).ok());
  EXPECT_TRUE(demux.midFrame());
  ASSERT_TRUE(demux.feed(frame.substr(5, 5)).ok());
  EXPECT_TRUE(demux.midFrame());
  EXPECT_EQ(c.out, "ab");
}

TEST(StdcopyDemuxerTest, DaemonErrorsAndBadHeaders) {
  Collected c;
  StdcopyDemuxer demux(collectInto(c));
  Status st = demux.feed(stdcopyFrame(1, "ok\n") + stdcopyFrame(3, "container gone"));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "error from daemon in stream: container gone");
  EXPECT_EQ(c.out, "ok\n");

  StdcopyDemuxer bad(collectInto(c));
  st = bad.feed(std::string("\x07\0\0\0\0\0\0\x01x", 9));
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().message(), "Unrecognized input header: 7");
}

TEST(DetachKeysTest, ParsesLikeDockerTermToBytes) {
  EXPECT_EQ(*parseDetachKeys("ctrl-p,ctrl-q"), "\x10\x11");
  EXPECT_EQ(*parseDetachKeys("ctrl-a,x,ctrl-@,ctrl-_"), std::string("\x01x\x00\x1f", 4));
  EXPECT_EQ(*parseDetachKeys("CTRL-Z"), "\x1a");
  auto bad = parseDetachKeys("ctrl-1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().message(), "Unknown character: 'ctrl-1'");
}

TEST(EscapeDetectorTest, HoldsBackAPrefixAndPassesItOnWhenItIsNotTheSequence) {
  EscapeDetector d("\x10\x11");
  std::string fwd;
  EXPECT_FALSE(d.feed("ab\x10", fwd));
  EXPECT_EQ(fwd, "ab");  // ctrl-p held back
  EXPECT_FALSE(d.feed("c", fwd));
  EXPECT_EQ(fwd, "ab\x10" "c");
  fwd.clear();
  EXPECT_FALSE(d.feed("\x10\x10", fwd));
  EXPECT_EQ(fwd, "\x10");
  EXPECT_TRUE(d.feed("\x11", fwd));  // the second ctrl-p started the sequence
  EXPECT_EQ(fwd, "\x10");
}

// A HijackedConn over one end of a socketpair, as the client would hold it.
class PairConn : public HijackedConn {
 public:
  explicit PairConn(int fd) : fd_(fd) {}
  ~PairConn() override { ::close(fd_); }
  Result<size_t> read(char* buf, size_t size) override {
    ssize_t n = ::recv(fd_, buf, size, 0);
    if (n < 0) {
      return systemError("recv", errno);
    }
    return static_cast<size_t>(n);
  }
  Status write(std::string_view data) override {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0) {
        return systemError("send", errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
    }
    return okStatus();
  }
  void closeWrite() override { ::shutdown(fd_, SHUT_WR); }
  void close() override { ::shutdown(fd_, SHUT_RDWR); }

 private:
  int fd_;
};

std::string readToEnd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) {
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

TEST(StreamHijackedTest, CopiesStdinAndDemultiplexesOutput) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  PairConn conn(sv[0]);
  // The "daemon": reads stdin to EOF (our half-close), then answers and ends.
  std::thread daemon([&] {
    std::string got = readToEnd(sv[1]);
    std::string reply = stdcopyFrame(1, "got " + got) + stdcopyFrame(2, "warn\n");
    ::send(sv[1], reply.data(), reply.size(), MSG_NOSIGNAL);
    ::shutdown(sv[1], SHUT_WR);
  });
  ASSERT_EQ(::write(in[1], "typed\n", 6), 6);
  ::close(in[1]);
  std::ostringstream out;
  std::ostringstream err;
  StreamOptions io;
  io.inFd = in[0];
  io.out = &out;
  io.err = &err;
  auto end = streamHijacked(conn, io);
  daemon.join();
  ::close(in[0]);
  ::close(sv[1]);
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(*end, StreamEnd::kOutputDone);
  EXPECT_EQ(out.str(), "got typed\n");
  EXPECT_EQ(err.str(), "warn\n");
}

TEST(StreamHijackedTest, TtyOutputIsPassedOnRaw) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  PairConn conn(sv[0]);
  const std::string raw = stdcopyFrame(1, "not a frame with a tty");
  ::send(sv[1], raw.data(), raw.size(), MSG_NOSIGNAL);
  ::shutdown(sv[1], SHUT_WR);
  std::ostringstream out;
  StreamOptions io;
  io.out = &out;
  io.tty = true;
  auto end = streamHijacked(conn, io);
  ::close(sv[1]);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(out.str(), raw);
}

TEST(StreamHijackedTest, DetachKeysEndTheSessionAndNeverReachTheContainer) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int in[2];
  ASSERT_EQ(::pipe(in), 0);
  PairConn conn(sv[0]);
  std::string seen;
  std::thread daemon([&] { seen = readToEnd(sv[1]); });  // until the client cuts it
  ASSERT_EQ(::write(in[1], "ls\r\x10\x11", 5), 5);  // then ctrl-p ctrl-q
  std::ostringstream out;
  StreamOptions io;
  io.inFd = in[0];
  io.out = &out;
  io.tty = true;
  io.detachKeys = "\x10\x11";
  auto end = streamHijacked(conn, io);
  daemon.join();
  for (int fd : {in[0], in[1], sv[1]}) {
    ::close(fd);
  }
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_EQ(*end, StreamEnd::kDetached);
  EXPECT_EQ(seen, "ls\r");
}

TEST(StreamHijackedTest, OutputEndingStopsAWaitingStdinCopier) {
  int sv[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  int in[2];
  ASSERT_EQ(::pipe(in), 0);  // nothing is ever typed
  PairConn conn(sv[0]);
  std::string frame = stdcopyFrame(1, "bye\n");
  ::send(sv[1], frame.data(), frame.size(), MSG_NOSIGNAL);
  ::shutdown(sv[1], SHUT_WR);
  std::ostringstream out;
  StreamOptions io;
  io.inFd = in[0];
  io.out = &out;
  auto end = streamHijacked(conn, io);
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(out.str(), "bye\n");
  for (int fd : {in[0], in[1], sv[1]}) {
    ::close(fd);
  }
}

TEST(ReadAllTest, ReadsToEof) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  std::thread writer([&] {
    std::string big(200000, 'z');
    size_t off = 0;
    while (off < big.size()) {
      ssize_t n = ::write(p[1], big.data() + off, big.size() - off);
      ASSERT_GT(n, 0);
      off += static_cast<size_t>(n);
    }
    ::close(p[1]);
  });
  auto all = readAll(p[0]);
  writer.join();
  ::close(p[0]);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 200000u);
}

}  // namespace
}  // namespace berth::cli
