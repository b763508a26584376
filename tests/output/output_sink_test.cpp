// The sink against real descriptors: a temporary file, /dev/full, a pipe whose reader is
// gone, a non-blocking pipe, and several threads writing at once.
#include "output/output_sink.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

namespace tlsfleet::output {
namespace {

// A fresh directory per test, removed with its files at the end.
class OutputSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = ::testing::TempDir() + "tlsfleet_sink_XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/out.ndjson";
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  static std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream content;
    content << in.rdbuf();
    return content.str();
  }
  static off_t file_size(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 ? st.st_size : -1;
  }

  std::string dir_;
  std::string path_;
};

// Restores the previous SIGPIPE disposition, so the test leaves the process as it found it.
class IgnoreSigpipe {
 public:
  IgnoreSigpipe() { previous_ = std::signal(SIGPIPE, SIG_IGN); }
  ~IgnoreSigpipe() { std::signal(SIGPIPE, previous_); }

 private:
  void (*previous_)(int);
};

TEST_F(OutputSinkTest, WritesWholeLinesToAFile) {
  std::string error;
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_TRUE(sink->write("{\"a\":1}\n"));
  EXPECT_TRUE(sink->write("{\"a\":2}\n{\"a\":3}\n"));
  EXPECT_TRUE(sink->write(""));
  EXPECT_TRUE(sink->close());
  EXPECT_EQ(read_all(path_), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n");
  EXPECT_EQ(sink->lines_written(), 3u);
  EXPECT_FALSE(sink->failed());
  EXPECT_TRUE(sink->error().empty());
  EXPECT_TRUE(sink->close());  // idempotent
  EXPECT_FALSE(sink->write("late\n"));
}

TEST_F(OutputSinkTest, TruncatesAndCreatesWithMode0644) {
  { std::ofstream(path_) << "old content that must go\n"; }
  ::chmod(path_.c_str(), 0600);
  std::string error;
  ASSERT_NE(OutputSink::open(path_, error), nullptr) << error;
  EXPECT_EQ(file_size(path_), 0);
  ::unlink(path_.c_str());

  const mode_t mask = ::umask(0);
  ::umask(mask);
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644 & ~mask);
}

TEST_F(OutputSinkTest, BuffersSmallWritesUntilFlush) {
  std::string error;
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sink->write("{\"small\":true}\n"));
  EXPECT_EQ(file_size(path_), 0);  // no syscall per line
  EXPECT_EQ(sink->lines_written(), 0u);
  EXPECT_TRUE(sink->flush());
  EXPECT_EQ(file_size(path_), 100 * 15);
  EXPECT_EQ(sink->lines_written(), 100u);
}

TEST_F(OutputSinkTest, WritesOutOnceTheBufferPassesTheThreshold) {
  std::string error;
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  const std::string line = std::string(999, 'x') + "\n";
  std::size_t written = 0;
  while (written <= OutputSink::kFlushThreshold) {
    ASSERT_TRUE(sink->write(line));
    written += line.size();
  }
  const off_t on_disk = file_size(path_);
  EXPECT_GE(on_disk, static_cast<off_t>(OutputSink::kFlushThreshold));
  EXPECT_EQ(on_disk % 1000, 0);  // only whole lines were handed out
  EXPECT_TRUE(sink->close());
  EXPECT_EQ(file_size(path_), static_cast<off_t>(written));
}

TEST_F(OutputSinkTest, AddsAMissingFinalNewline) {
  std::string error;
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_TRUE(sink->write("{\"a\":1}"));
  EXPECT_TRUE(sink->write("{\"a\":2}\n"));
  EXPECT_TRUE(sink->close());
  EXPECT_EQ(read_all(path_), "{\"a\":1}\n{\"a\":2}\n");
  EXPECT_EQ(sink->lines_written(), 2u);
}

// write_through(): what is buffered first, then the caller's lines, at once.
TEST_F(OutputSinkTest, WriteThroughWritesWhatIsBufferedFirst) {
  std::string error;
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  ASSERT_TRUE(sink->write("{\"a\":1}\n"));
  EXPECT_EQ(file_size(path_), 0);
  ASSERT_TRUE(sink->write_through("{\"a\":2}\n{\"a\":3}\n"));
  EXPECT_EQ(read_all(path_), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n") << "written, not buffered";
  EXPECT_EQ(sink->lines_written(), 3u);
  ASSERT_TRUE(sink->write_through("{\"a\":4}"));
  ASSERT_TRUE(sink->write_through(""));
  ASSERT_TRUE(sink->write_through("{\"a\":5}\n"));
  EXPECT_EQ(read_all(path_), "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n{\"a\":4}\n{\"a\":5}\n")
      << "a missing final newline is added, an empty call writes nothing";
  EXPECT_EQ(sink->lines_written(), 5u);
  EXPECT_TRUE(sink->close());
  EXPECT_FALSE(sink->write_through("{\"a\":6}\n")) << "closed";
}

TEST_F(OutputSinkTest, WriteThroughOnAFullDeviceCountsEveryByteLost) {
  std::string error;
  auto sink = OutputSink::open("/dev/full", error);
  ASSERT_NE(sink, nullptr) << error;
  ASSERT_TRUE(sink->write("{\"a\":1}\n"));            // 8 bytes, buffered
  EXPECT_FALSE(sink->write_through("{\"b\":22}\n"));  // 9 more
  EXPECT_TRUE(sink->failed());
  EXPECT_NE(sink->error().find("17 bytes not written"), std::string::npos) << sink->error();
  EXPECT_EQ(sink->lines_written(), 0u);
  EXPECT_FALSE(sink->write_through("{\"c\":3}\n"));
}

TEST_F(OutputSinkTest, OpenFailureNamesThePathAndReason) {
  std::string error;
  const std::string missing = dir_ + "/no/such/dir/out.ndjson";
  EXPECT_EQ(OutputSink::open(missing, error), nullptr);
  EXPECT_NE(error.find(missing), std::string::npos) << error;
  EXPECT_NE(error.find("No such file or directory"), std::string::npos) << error;
}

TEST_F(OutputSinkTest, DevFullReportsNoSpace) {
  std::string error;
  auto sink = OutputSink::open("/dev/full", error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_TRUE(sink->write("{\"a\":1}\n"));  // buffered: the failure shows at flush
  EXPECT_FALSE(sink->failed());
  EXPECT_FALSE(sink->flush());
  EXPECT_TRUE(sink->failed());
  EXPECT_NE(sink->error().find("/dev/full"), std::string::npos) << sink->error();
  EXPECT_NE(sink->error().find("No space left on device"), std::string::npos) << sink->error();
  EXPECT_NE(sink->error().find("8 bytes not written"), std::string::npos) << sink->error();
  EXPECT_EQ(sink->lines_written(), 0u);
  EXPECT_FALSE(sink->write("{\"a\":2}\n"));
  EXPECT_FALSE(sink->flush());
  EXPECT_FALSE(sink->close());
}

TEST_F(OutputSinkTest, DevFullFailsInsideALargeWrite) {
  std::string error;
  auto sink = OutputSink::open("/dev/full", error);
  ASSERT_NE(sink, nullptr) << error;
  const std::string big = std::string(OutputSink::kFlushThreshold, 'x') + "\n";
  EXPECT_FALSE(sink->write(big));
  EXPECT_TRUE(sink->failed());
  EXPECT_NE(sink->error().find("No space left on device"), std::string::npos) << sink->error();
}

TEST_F(OutputSinkTest, ClosedPipeReportsBrokenPipe) {
  IgnoreSigpipe ignore;
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC), 0);
  ::close(fds[0]);
  auto sink = OutputSink::adopt_fd(fds[1], true, "pipe to jq");
  EXPECT_TRUE(sink->write("{\"a\":1}\n"));
  EXPECT_FALSE(sink->flush());
  EXPECT_TRUE(sink->failed());
  EXPECT_NE(sink->error().find("pipe to jq"), std::string::npos) << sink->error();
  EXPECT_NE(sink->error().find("Broken pipe"), std::string::npos) << sink->error();
  EXPECT_FALSE(sink->close());
  EXPECT_EQ(::fcntl(fds[1], F_GETFD), -1);  // the owned descriptor was closed
}

// A non-blocking pipe (as an inherited stdout can be) fills up: the sink waits for the reader
// instead of failing, and every byte arrives in order.
TEST_F(OutputSinkTest, NonBlockingPipeWaitsForTheReader) {
  int fds[2];
  ASSERT_EQ(::pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
  const int flags = ::fcntl(fds[0], F_GETFL);
  ASSERT_EQ(::fcntl(fds[0], F_SETFL, flags & ~O_NONBLOCK), 0);
  std::string received;
  std::thread reader([&] {
    // Start late, so the writer surely meets a full pipe (EAGAIN) before anything drains.
    ::usleep(100 * 1000);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0)
      received.append(buf, static_cast<std::size_t>(n));
  });
  auto sink = OutputSink::adopt_fd(fds[1], true, "pipe");
  std::string expected;
  for (int i = 0; i < 20000; ++i) {
    const std::string line = "{\"i\":" + std::to_string(i) + "}\n";
    expected += line;
    if (!sink->write(line)) break;  // no ASSERT here: the reader thread must be joined
  }
  EXPECT_FALSE(sink->failed()) << sink->error();
  EXPECT_TRUE(sink->close()) << sink->error();
  reader.join();
  ::close(fds[0]);
  EXPECT_EQ(received, expected);
  EXPECT_EQ(sink->lines_written(), 20000u);
}

TEST_F(OutputSinkTest, StandardOutputIsNotClosed) {
  std::string error;
  auto sink = OutputSink::open("-", error);
  ASSERT_NE(sink, nullptr) << error;
  EXPECT_TRUE(sink->close());
  EXPECT_NE(::fcntl(STDOUT_FILENO, F_GETFD), -1);
}

// Threads write batches of lines of very different sizes (some larger than the buffer),
// with write() and with write_through(); every line must come out whole, exactly once, and
// in each thread's own order.
TEST_F(OutputSinkTest, ConcurrentWritersNeverInterleave) {
  constexpr int kThreads = 6;
  constexpr int kBatches = 400;
  std::string error;
  auto sink = OutputSink::open(path_, error);
  ASSERT_NE(sink, nullptr) << error;
  auto pad_length = [](int t, int b, int k) { return (t * 7919 + b * 104729 + k * 31) % 3000; };
  auto batch_size = [](int t, int b) { return 1 + (t + b) % 3; };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int b = 0; b < kBatches; ++b) {
        std::string batch;
        for (int k = 0; k < batch_size(t, b); ++k) {
          const int pad = b % 97 == 0 ? 70000 : pad_length(t, b, k);
          batch += "{\"t\":" + std::to_string(t) + ",\"b\":" + std::to_string(b) +
                   ",\"k\":" + std::to_string(k) + ",\"pad\":\"" + std::string(pad, 'p') + "\"}\n";
        }
        // Half the threads hand their batches over as the workers do (write_through).
        if (!(t % 2 == 0 ? sink->write(batch) : sink->write_through(batch))) return;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_TRUE(sink->close()) << sink->error();

  const std::string content = read_all(path_);
  simdjson::dom::parser parser;
  std::set<std::tuple<int, int, int>> seen;
  std::vector<int> last_batch(kThreads, -1);
  std::size_t start = 0;
  uint64_t lines = 0;
  int expected_lines = 0;
  for (int t = 0; t < kThreads; ++t) {
    for (int b = 0; b < kBatches; ++b) expected_lines += batch_size(t, b);
  }
  while (start < content.size()) {
    const std::size_t end = content.find('\n', start);
    ASSERT_NE(end, std::string::npos) << "last line has no newline";
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(content.substr(start, end - start)).get(doc), simdjson::SUCCESS)
        << "line " << lines << " is not one JSON object";
    const int t = static_cast<int>(doc["t"].get_int64().value());
    const int b = static_cast<int>(doc["b"].get_int64().value());
    const int k = static_cast<int>(doc["k"].get_int64().value());
    const std::size_t pad = doc["pad"].get_string().value().size();
    EXPECT_EQ(pad, static_cast<std::size_t>(b % 97 == 0 ? 70000 : pad_length(t, b, k)));
    EXPECT_TRUE(seen.insert({t, b, k}).second) << "duplicate line";
    EXPECT_GE(b, last_batch[t]) << "thread " << t << " out of order";
    last_batch[t] = b;
    ++lines;
    start = end + 1;
  }
  EXPECT_EQ(lines, static_cast<uint64_t>(expected_lines));
  EXPECT_EQ(sink->lines_written(), lines);
}

}  // namespace
}  // namespace tlsfleet::output
